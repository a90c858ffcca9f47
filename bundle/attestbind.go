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
		v.fail(CheckAttestationBinding, attestationDir, "non verificabile: checkpoint o foglia non validi",
			"cannot be checked: checkpoint or leaf invalid")
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
		v.fail(CheckAttestationBinding, attestationDir+"/quote.msg",
			"l'attestazione non è stata fatta per il checkpoint di questa consegna (attestation.json)",
			"the attestation was not made for this delivery's checkpoint (attestation.json)")
		return
	}
	q := &attest.Quote{Msg: qmsg, Sig: qsig, PCRs: splitDigests(pcrs), Selection: info.PCRSelection}
	if err := attest.VerifyQuote(ak, q, nonce[:], nil); err != nil {
		v.failErr(CheckAttestationBinding, attestationDir+"/quote.msg", "la quote del TPM non è sul checkpoint di questa consegna", err)
		return
	}
	if got, err := attest.AttestExtraData(certifyMsg); err != nil || !bytes.Equal(got, nonce[:]) {
		v.fail(CheckAttestationBinding, attestationDir+"/certify.msg", "la certificazione della chiave non è sul checkpoint di questa consegna",
			"the key certification is not over this delivery's checkpoint")
		return
	}
	if err := checkQuoteClock(qmsg, clockJSON); err != nil {
		v.failErr(CheckAttestationBinding, attestationDir+"/clock.json", "orologio del TPM incoerente", err)
		return
	}
	if at := info.CreatedAt; at.Before(v.leafTime.Add(-clockSkew)) || at.After(v.leafTime.Add(maxAttestationDelay)) {
		v.fail(CheckAttestationBinding, attestationDir+"/attestation.json",
			fmt.Sprintf("attestazione del %s, la foglia di consegna è del %s", at.UTC().Format(time.RFC3339), v.leafTime.UTC().Format(time.RFC3339)),
			fmt.Sprintf("attestation made %s, the delivery leaf at %s", at.UTC().Format(time.RFC3339), v.leafTime.UTC().Format(time.RFC3339)))
		return
	}
	v.pass(CheckAttestationBinding, attestationDir+"/quote.msg",
		"quote e certificazione del TPM hanno come nonce lo SHA-256 del checkpoint: fatte dopo di esso, per questa consegna",
		"the TPM's quote and certification carry the checkpoint's SHA-256 as nonce: made after it, for this delivery")
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
