package bundle

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/attesta/attesta/tpm/attest"
)

// attestationFormat is the format of proofs/attestation/attestation.json (tpm.AttestationFormat).
const attestationFormat = "attesta.tpm.attestation/v1"

// The attestation of a delivery is made right after its delivery leaf is sealed: its creation time must fall
// from clockSkew before the leaf's time to maxAttestationDelay after it.
const (
	clockSkew           = 2 * time.Minute
	maxAttestationDelay = time.Hour
)

// attestationInfo is what the binding check reads of attestation.json.
type attestationInfo struct {
	Format       string    `json:"format"`
	CreatedAt    time.Time `json:"created_at"`
	Nonce        string    `json:"nonce"`
	PCRSelection string    `json:"pcr_selection"`
}

// attestationBinding checks that the attestation was made for this delivery: the quote and the certification
// carry as nonce the SHA-256 of proofs/checkpoint (so they were signed by the TPM after the checkpoint existed),
// the quote is signed by the AK over the PCRs it reports, its signed TPM clock is the one clock.json describes,
// and the attestation was made within maxAttestationDelay of the delivery leaf's time.
func (v *verifier) attestationBinding(ak *ecdsa.PublicKey, certifyMsg []byte) {
	if v.cp == nil || v.leaf == nil {
		v.fail(CheckAttestationBinding, attestationDir, "attestationbinding.cannot-be-checked")
		return
	}
	f, ok := v.attestationFiles(CheckAttestationBinding, "quote.msg", "quote.sig", "pcrs.bin", "attestation.json", "clock.json")
	if !ok {
		return
	}
	qmsg, qsig, pcrs, infoJSON, clockJSON := f[0], f[1], f[2], f[3], f[4]
	nonce := sha256.Sum256(v.cp.Note)
	var info attestationInfo
	if err := json.Unmarshal(infoJSON, &info); err != nil || info.Format != attestationFormat || info.Nonce != hex.EncodeToString(nonce[:]) {
		v.fail(CheckAttestationBinding, attestationDir+"/quote.msg", "attestationbinding.the-attestation-was-not-made")
		return
	}
	q := &attest.Quote{Msg: qmsg, Sig: qsig, PCRs: splitDigests(pcrs), Selection: info.PCRSelection}
	if err := attest.VerifyQuote(ak, q, nonce[:], nil); err != nil {
		v.failErr(CheckAttestationBinding, attestationDir+"/quote.msg", "attestationbinding.the-tpm-quote-is-not", err)
		return
	}
	if got, err := attest.AttestExtraData(certifyMsg); err != nil || !bytes.Equal(got, nonce[:]) {
		v.fail(CheckAttestationBinding, attestationDir+"/certify.msg", "attestationbinding.the-key-certification-is-not")
		return
	}
	if err := checkQuoteClock(qmsg, clockJSON); err != nil {
		v.failErr(CheckAttestationBinding, attestationDir+"/clock.json", "attestationbinding.inconsistent-tpm-clock", err)
		return
	}
	if at := info.CreatedAt; at.Before(v.leafTime.Add(-clockSkew)) || at.After(v.leafTime.Add(maxAttestationDelay)) {
		v.fail(CheckAttestationBinding, attestationDir+"/attestation.json", "attestationbinding.attestation-made-s-the-delivery", at.UTC().Format(time.RFC3339), v.leafTime.UTC().Format(time.RFC3339))
		return
	}
	v.pass(CheckAttestationBinding, attestationDir+"/quote.msg", "attestationbinding.the-tpm-s-quote-and")
}

// checkQuoteClock compares the TPM clock signed in the quote with clock.json: its copy of that clock, and the
// unsigned reading taken after the quote, which cannot be earlier nor after a TPM reset or restart.
func checkQuoteClock(quoteMsg, clockJSON []byte) error {
	var c struct {
		Read  attest.Clock `json:"read_clock"`
		Quote attest.Clock `json:"quote_clock_info"`
	}
	if err := json.Unmarshal(clockJSON, &c); err != nil {
		return fmt.Errorf("clock.json: %w", err)
	}
	signed, err := attest.AttestClock(quoteMsg)
	if err != nil {
		return err
	}
	switch {
	case c.Quote != signed:
		return fmt.Errorf("clock.json gives the quote's clock as %+v, the quote signs %+v", c.Quote, signed)
	case c.Read.Clock < signed.Clock || c.Read.ResetCount != signed.ResetCount || c.Read.RestartCount != signed.RestartCount:
		return fmt.Errorf("the clock read after the quote (%+v) is not later than the quote's (%+v)", c.Read, signed)
	}
	return nil
}

// splitDigests cuts concatenated SHA-256 values apart; a trailing partial value is kept, so that the quote's
// PCR digest check refuses it.
func splitDigests(b []byte) [][]byte {
	var out [][]byte
	for len(b) > 0 {
		n := min(len(b), sha256.Size)
		out = append(out, b[:n])
		b = b[n:]
	}
	return out
}
