package authority

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/attesta/attesta/tpm/attest"
)

// Limits on an attestation ZIP: what `attesta attest` writes is a score of small files.
const (
	maxAttestFiles = 64
	maxAttestFile  = 1 << 20
)

// ReadAttestationZip reads the ZIP that an appliance's GET /attest answers with into its files by name. Hostile
// input (too many entries, a large or nested entry, a duplicate name) is refused with what and where.
func ReadAttestationZip(data []byte) (map[string][]byte, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, fmt.Errorf("attestation ZIP: %w", err)
	}
	if len(zr.File) > maxAttestFiles {
		return nil, fmt.Errorf("attestation ZIP: %d entries, at most %d", len(zr.File), maxAttestFiles)
	}
	files := map[string][]byte{}
	for _, f := range zr.File {
		if _, dup := files[f.Name]; dup {
			return nil, fmt.Errorf("attestation ZIP: %s twice", f.Name)
		}
		if f.UncompressedSize64 > maxAttestFile {
			return nil, fmt.Errorf("attestation ZIP: %s: %d bytes, at most %d", f.Name, f.UncompressedSize64, maxAttestFile)
		}
		rc, err := f.Open()
		if err != nil {
			return nil, fmt.Errorf("attestation ZIP: %s: %w", f.Name, err)
		}
		b, err := io.ReadAll(io.LimitReader(rc, maxAttestFile+1))
		rc.Close()
		if err != nil || len(b) > maxAttestFile {
			return nil, fmt.Errorf("attestation ZIP: %s: unreadable or too large: %v", f.Name, err)
		}
		files[f.Name] = b
	}
	return files, nil
}

// ErrAttestationFailed is wrapped by every failed check of a polled attestation.
var ErrAttestationFailed = errors.New("attestation failed")

// CheckAttestation checks an enrolled appliance's attestation files (what `attesta attest --nonce` writes) against
// the registry: the AK and the signing key are the enrolled ones; the quote is signed by that AK, carries nonce and
// shows the PCR values of the appliance's registered image policy; the signing key is freshly certified by the AK
// (nonce in the certification); the TPM clock has not gone back since the last good attestation (reset and restart
// counts, then clock). It returns the quote's clock.
func (a *Authority) CheckAttestation(applianceID string, nonce []byte, files map[string][]byte) (*ClockSeen, error) {
	a.mu.Lock()
	r, err := a.loadRegistry()
	a.mu.Unlock()
	if err != nil {
		return nil, err
	}
	ap, ok := r.Appliances[applianceID]
	if !ok {
		return nil, fmt.Errorf("authority: %s: %w", applianceID, ErrUnknownAppliance)
	}
	fail := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrAttestationFailed, fmt.Sprintf(format, args...))
	}
	for _, name := range []string{"ak.tpmt", "signing-key.tpmt", "quote.msg", "quote.sig", "certify.msg", "certify.sig"} {
		if files[name] == nil {
			return nil, fail("%s missing", name)
		}
	}
	if !bytes.Equal(files["ak.tpmt"], ap.AKPublic) {
		for _, ret := range r.Retired {
			if ret.ID == applianceID && bytes.Equal(files["ak.tpmt"], ret.AKPublic) {
				return nil, fail("the attestation key is a retired one (enrollment of %s, superseded by the enrollment of %s: the AK was rotated or the TPM replaced)",
					ret.EnrolledAt.Format(time.RFC3339), ap.EnrolledAt.Format(time.RFC3339))
			}
		}
		return nil, fail("the attestation key is not the enrolled one")
	}
	if !bytes.Equal(files["signing-key.tpmt"], ap.SigningKeyPublic) {
		return nil, fail("the signing key is not the enrolled one")
	}
	idx := slices.IndexFunc(a.policy.Policies, func(p PCRPolicy) bool { return p.Name == ap.Policy })
	if idx < 0 && strings.HasPrefix(ap.Policy, imageKeyPolicyPrefix) {
		return nil, fail("the appliance's signing key is under the %s: its quote is checked against the image's signed policy, which a poll does not carry yet", ap.Policy)
	}
	if idx < 0 {
		return nil, fail("the appliance's image policy %q is no longer registered", ap.Policy)
	}
	pol := a.policy.Policies[idx]
	ak, err := attest.CertifiedKey(ap.AKPublic)
	if err != nil {
		return nil, err
	}
	q := &attest.Quote{Msg: files["quote.msg"], Sig: files["quote.sig"], Selection: pol.Selection}
	if err := attest.VerifyQuote(ak, q, nonce, pol.Values); err != nil {
		return nil, fail("quote: %v%s", err, pcrDiff(files["pcrs.bin"], pol.Values, pol.Selection))
	}
	if err := attest.VerifyCertification(ak, files["certify.msg"], files["certify.sig"], ap.SigningKeyPublic); err != nil {
		return nil, fail("certification of the signing key: %v", err)
	}
	if extra, err := attest.AttestExtraData(files["certify.msg"]); err != nil || !bytes.Equal(extra, nonce) {
		return nil, fail("the certification of the signing key is not fresh (its nonce is not ours)")
	}
	clk, err := attest.AttestClock(files["quote.msg"])
	if err != nil {
		return nil, fail("quote clock: %v", err)
	}
	now := &ClockSeen{Clock: clk.Clock, ResetCount: clk.ResetCount, RestartCount: clk.RestartCount}
	if last := ap.LastClock; last != nil {
		switch {
		case now.ResetCount < last.ResetCount:
			return nil, fail("TPM reset count went back from %d to %d (a cleared or replaced TPM, or replayed state)", last.ResetCount, now.ResetCount)
		case now.ResetCount == last.ResetCount && now.RestartCount < last.RestartCount:
			return nil, fail("TPM restart count went back from %d to %d", last.RestartCount, now.RestartCount)
		case now.ResetCount == last.ResetCount && now.RestartCount == last.RestartCount && now.Clock < last.Clock:
			return nil, fail("TPM clock went back from %d ms to %d ms", last.Clock, now.Clock)
		}
	}
	return now, nil
}

// pcrDiff names the PCRs whose reported values (pcrs.bin) differ from the policy's, for the operator.
func pcrDiff(reported []byte, want [][]byte, selection string) string {
	sel, err := attest.ParsePCRSelection(selection)
	if err != nil || len(reported) != 32*len(want) {
		return ""
	}
	var diff []uint
	for i, w := range want {
		if !bytes.Equal(reported[32*i:32*i+32], w) {
			diff = append(diff, sel[i])
		}
	}
	if len(diff) == 0 {
		return ""
	}
	return fmt.Sprintf(" (reported PCRs %v differ from the image policy)", diff)
}

// PollResult is one poll of one appliance.
type PollResult struct {
	ApplianceID string
	OK          bool
	Reason      string // why it failed
}

// Poll asks an appliance for a fresh attestation with a new nonce (fetch performs GET /attest?nonce=HEX and
// returns the ZIP), checks it, and records the result: good (last good attestation and clock updated) or failing
// (the appliance did not answer, answered wrong, or its TPM reports a changed state). A failure only flags the
// appliance: its certificate is revoked only by an operator ([Authority.Revoke]). The status list is republished.
func (a *Authority) Poll(ctx context.Context, applianceID string, fetch func(ctx context.Context, nonce []byte) ([]byte, error)) (*PollResult, error) {
	nonce := make([]byte, 32)
	rand.Read(nonce)
	res := &PollResult{ApplianceID: applianceID}
	var clk *ClockSeen
	body, err := fetch(ctx, nonce)
	if err != nil {
		err = fmt.Errorf("%w: the appliance did not answer: %w", ErrAttestationFailed, err)
	} else if files, zerr := ReadAttestationZip(body); zerr != nil {
		err = fmt.Errorf("%w: %w", ErrAttestationFailed, zerr)
	} else {
		clk, err = a.CheckAttestation(applianceID, nonce, files)
	}
	switch {
	case errors.Is(err, ErrAttestationFailed):
		res.Reason = err.Error()
		if serr := a.setState(applianceID, StateFailing, res.Reason, nil); serr != nil {
			return nil, serr
		}
		return res, nil
	case err != nil:
		return nil, err
	}
	res.OK = true
	if err := a.setState(applianceID, StateGood, "attestation checked", clk); err != nil {
		return nil, err
	}
	return res, nil
}
