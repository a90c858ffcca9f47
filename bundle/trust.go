package bundle

import (
	"context"
	"strings"
	"time"
)

// CheckTrust is the check of who signed a delivery, when the verifier names an authority (verify --root): the
// certificates of the checkpoint key (proofs/chain.pem), of the attestation key (proofs/ak-chain.pem) and of the
// report's signer chain to the authority's root, were issued to this appliance at enrollment, and, with a status
// list (--status), the appliance was neither revoked nor failing attestation at the delivery's time.
const CheckTrust = "signer-trust"

// SignerTrust judges the signer of relazione.pdf for an appliance id at a time (the delivery leaf's): it returns
// the detail of a pass in Italian and English, or the reason it fails.
type SignerTrust func(ctx context.Context, pdf []byte, applianceID string, at time.Time) (it, en string, err error)

// trust runs opts.ChainTrust on the certificate chains the delivery carries and opts.Trust on the report's signer;
// without either the check does not appear at all (a delivery is judged as before). A delivery made before
// enrollment has no chain: its report's signer alone is judged, as it was.
func (v *verifier) trust() {
	if v.opts.Trust == nil && v.opts.ChainTrust == nil {
		return
	}
	id := ""
	if v.m.Journal != nil {
		id = strings.TrimPrefix(v.m.Journal.Origin, "attesta/")
	}
	at := v.leafTime
	if at.IsZero() {
		at = v.m.Acquisition.FinishedAt.Time
	}
	judged := v.trustChains(id, at)
	if v.opts.Trust == nil {
		if !judged {
			v.fail(CheckTrust, "", "signer-trust.no-certificate")
		}
		return
	}
	if !v.has(reportFile) {
		if !judged {
			v.fail(CheckTrust, "", "signer-trust.no-signed-report")
		}
		return
	}
	data, ok := v.read(CheckTrust, reportFile, maxPDF)
	if !ok {
		return
	}
	it, en, err := v.opts.Trust(v.ctx, data, id, at)
	if err != nil {
		v.failErr(CheckTrust, reportFile, "signer-trust.signer-not-recognized", err)
		return
	}
	v.add(CheckTrust, Pass, reportFile, it, en)
}
