package bundle

import (
	"context"
	"strings"
	"time"
)

// CheckTrust is the check of who signed a delivery, when the verifier names an authority (verify --root): the
// report's signer certificate chains to the authority's root, was issued to this appliance at enrollment, and, with
// a status list (--status), the appliance was neither revoked nor failing attestation at the delivery's time.
const CheckTrust = "signer-trust"

// SignerTrust judges the signer of relazione.pdf for an appliance id at a time (the delivery leaf's): it returns
// the detail of a pass in Italian and English, or the reason it fails.
type SignerTrust func(ctx context.Context, pdf []byte, applianceID string, at time.Time) (it, en string, err error)

// trust runs opts.Trust; without it the check does not appear at all (a delivery is judged as before).
func (v *verifier) trust() {
	if v.opts.Trust == nil {
		return
	}
	if !v.has(reportFile) {
		v.fail(CheckTrust, "", "signer-trust.no-signed-report")
		return
	}
	data, ok := v.read(CheckTrust, reportFile, maxPDF)
	if !ok {
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
	it, en, err := v.opts.Trust(v.ctx, data, id, at)
	if err != nil {
		v.failErr(CheckTrust, reportFile, "signer-trust.signer-not-recognized", err)
		return
	}
	v.add(CheckTrust, Pass, reportFile, it, en)
}
