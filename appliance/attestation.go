package appliance

import (
	"context"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/attesta/attesta/journal"
	"github.com/attesta/attesta/report"
	"github.com/attesta/attesta/tpm"
	"github.com/attesta/attesta/tpm/attest"
)

// AttestationResult is the outcome of one attestation self-check, as journaled.
type AttestationResult struct {
	At       time.Time
	OK       bool
	Failures []string // empty when OK
	Nonce    []byte
	Clock    tpm.Clock // the signed clock of the quote
	Leaf     uint64    // index of the "attestation" leaf
}

// CheckAttestation runs the attestation self-check: a quote of the provisioned PCRs with a fresh nonce, verified
// against the attestation key and the PCR values recorded at provisioning; the signing key's certification by the
// attestation key; a test signature with the signing key (which fails once the application PCR was extended); and
// the TPM clock, which must not go backwards. The result is journaled; a failure locks certification.
//
// The error is reserved for failures to record the result: a failing TPM is a result, not an error.
func (a *Appliance) CheckAttestation(ctx context.Context) (AttestationResult, error) {
	res := AttestationResult{At: time.Now().UTC(), Nonce: make([]byte, 32)}
	if _, err := rand.Read(res.Nonce); err != nil {
		return res, err
	}
	fail := func(format string, args ...any) { res.Failures = append(res.Failures, fmt.Sprintf(format, args...)) }

	sel, want, pol := quoteTarget(a)
	fields := map[string]any{"nonce": hex.EncodeToString(res.Nonce), "pcr_selection": sel.String()}
	if pol != nil {
		fields["policy_version"] = int64(pol.Version)
	}
	if q, err := a.tpm.Quote(ctx, res.Nonce, sel); err != nil {
		fail("quote: %v", err)
	} else {
		res.Clock = q.ClockInfo
		sum := sha256.Sum256(q.Msg)
		fields["quote_sha256"] = hex.EncodeToString(sum[:])
		fields["pcr_values_sha256"] = pcrValuesDigest(q.PCRs)
		fields["tpm_clock"] = clockFields(q.ClockInfo)
		against := "the provisioned state"
		if pol != nil {
			against = fmt.Sprintf("the signed policy version %d", pol.Version)
		}
		if err := tpm.VerifyQuote(a.ident.AK, q, res.Nonce, want); err != nil {
			fail("quote does not match %s: %v", against, err)
			for _, m := range attest.DiffPCRs(sel, want, sel, q.PCRs) {
				fail("PCR %d differs from %s: expected %x, actual %x", m.PCR, against, m.Expected, m.Actual)
			}
		}
		switch cc := a.checkClock(q.ClockInfo); {
		case cc.problem != "":
			fail("%s", cc.problem)
		default:
			if cc.note != "" {
				fields["clock_note"] = cc.note
			}
			a.setClock(q.ClockInfo)
		}
	}
	if err := checkKeyCertification(a); err != nil {
		fail("%v", err)
	}
	if err := checkSigningKey(ctx, a, res.Nonce); err != nil {
		fail("%v", err)
	}

	res.OK = len(res.Failures) == 0
	fields["ok"] = res.OK
	if !res.OK {
		fields["failures"] = toAny(res.Failures)
	}
	leaf, err := a.record(ctx, journal.Entry{Type: LeafAttestation, Time: res.At, Fields: fields})
	if err != nil {
		return res, fmt.Errorf("appliance: journal attestation result: %w", err)
	}
	res.Leaf = leaf.Index
	a.mu.Lock()
	a.lastAttestation = &res
	a.mu.Unlock()
	a.log.InfoContext(ctx, "attestation check", "ok", res.OK, "failures", res.Failures, "leaf", leaf.Index)
	if !res.OK {
		return res, a.lockCertification(ctx, "attestation failed: "+strings.Join(res.Failures, "; "))
	}
	return res, nil
}

func checkKeyCertification(a *Appliance) error {
	id := a.ident
	if err := tpm.VerifyCertification(id.AK, id.Certify.Msg, id.Certify.Sig, id.SigningKeyTPMT); err != nil {
		return fmt.Errorf("signing key certification: %w", err)
	}
	if err := tpm.VerifyCertification(id.AK, id.CertifyCreation.Msg, id.CertifyCreation.Sig, id.SigningKeyTPMT); err != nil {
		return fmt.Errorf("signing key creation certification: %w", err)
	}
	return nil
}

// checkSigningKey proves the signing key still signs: after a tamper event its PCR policy no longer holds.
func checkSigningKey(ctx context.Context, a *Appliance, nonce []byte) error {
	signer, err := a.tpm.Signer(ctx)
	if err != nil {
		return fmt.Errorf("signing key: %w", err)
	}
	digest := sha256.Sum256(append([]byte("attesta self-check\n"), nonce...))
	sig, err := signer.SignDigest(ctx, digest[:])
	if pe := (*tpm.PolicyError)(nil); errors.As(err, &pe) {
		return pe
	}
	if errors.Is(err, tpm.ErrKeyUnusable) {
		return fmt.Errorf("signing key unusable: its PCR policy no longer holds (tamper, or changed boot measurements)")
	}
	if err != nil {
		return fmt.Errorf("signing key: %w", err)
	}
	if !ecdsa.VerifyASN1(a.ident.SigningKey, digest[:], sig) {
		return fmt.Errorf("signing key: test signature does not verify")
	}
	return nil
}

// Attest writes fresh attestation evidence for an auditor into dir (which must not exist yet: evidence is never
// overwritten), bound to the auditor's nonce (random when nil), and journals the export.
func (a *Appliance) Attest(ctx context.Context, dir string, nonce []byte) (*tpm.Attestation, error) {
	if _, err := os.Lstat(dir); err == nil {
		return nil, fmt.Errorf("appliance: attest: %s already exists; choose a new folder", dir)
	}
	att, err := a.tpm.WriteAttestation(ctx, dir, nonce)
	if err != nil {
		return nil, fmt.Errorf("appliance: attest: %w", err)
	}
	files := make([]any, 0, len(att.Files))
	for _, f := range att.Files {
		files = append(files, map[string]any{"name": f.Name, "sha256": f.SHA256})
	}
	_, err = a.record(ctx, journal.Entry{Type: LeafAttestationExport, Fields: map[string]any{
		"nonce": att.Nonce, "pcr_selection": att.PCRSelection, "files": files,
	}})
	if err != nil {
		return att, fmt.Errorf("appliance: journal attestation export: %w", err)
	}
	return att, nil
}

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// lastAttestationSummary is the newest attestation check of this run, for the report.
func (a *Appliance) lastAttestationSummary() *report.Attestation {
	a.mu.Lock()
	res := a.lastAttestation
	a.mu.Unlock()
	if res == nil {
		return nil
	}
	// The report is in Italian; the summary is printed as it is.
	summary := "quote dei PCR verificata rispetto ai valori registrati al provisioning; chiave di firma certificata " +
		"dalla chiave di attestazione e in grado di firmare; orologio del TPM coerente"
	if !res.OK {
		summary = strings.Join(res.Failures, "; ")
	}
	leaf := res.Leaf
	return &report.Attestation{At: res.At, OK: res.OK, Summary: fmt.Sprintf("%s (foglia %d del giornale)", summary, res.Leaf),
		Leaf: &leaf}
}
