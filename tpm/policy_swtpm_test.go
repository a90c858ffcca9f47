package tpm_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"testing"

	"github.com/attesta/attesta/tpm"
	"github.com/attesta/attesta/tpm/attest"
	"github.com/attesta/attesta/tpm/tpmtest"
)

// TestAuthorizedPolicySwtpm runs the authorized policy on swtpm across power cycles, which keep NV as a real TPM
// does: the tamper index set before a power cycle still stops the key after it (PCR 23 would have reset), until the
// administrator's clear; the counter moved to 2 still refuses the v1 policy after a power cycle.
func TestAuthorizedPolicySwtpm(t *testing.T) {
	sw := tpmtest.Start(t)
	dir := t.TempDir()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	sel := tpm.PCRSelection{0, 7}
	open := func(ps ...*tpm.SignedPolicy) *tpm.TPM {
		t.Helper()
		tp, err := tpm.Open(t.Context(), sw.Spec, dir)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tp.Provision(t.Context(), tpm.ProvisionOptions{ImageKey: &key.PublicKey, Policies: ps}); err != nil {
			tp.Close()
			t.Fatal(err)
		}
		return tp
	}
	sign := func(tp *tpm.TPM) error { return signCheckpoint(t, tp) }
	tp := open()
	vals, err := tp.ReadPCRs(t.Context(), sel)
	if err != nil {
		t.Fatal(err)
	}
	v1, _ := attest.SignPolicy(key, 1, "v1", sel, vals)
	v2, _ := attest.SignPolicy(key, 2, "v2", sel, vals)
	if err := tp.SetPolicy(t.Context(), v1); err != nil {
		t.Fatal(err)
	}
	if err := sign(tp); err != nil {
		t.Fatalf("sign under v1: %v", err)
	}
	if err := tp.Tamper(t.Context(), []byte("case opened")); err != nil {
		t.Fatal(err)
	}
	tp.Close()
	sw.PowerCycle(t)

	tp = open(v1)
	if err := sign(tp); !errors.Is(err, tpm.ErrTampered) {
		t.Fatalf("sign after a power cycle of a tampered box: %v, want ErrTampered", err)
	}
	if err := tp.ClearTamper(t.Context(), nil); err != nil {
		t.Fatal(err)
	}
	if err := sign(tp); err != nil {
		t.Fatalf("sign after the clear: %v", err)
	}
	if err := tp.SetPolicy(t.Context(), v2); err != nil {
		t.Fatal(err)
	}
	if _, err := tp.AdvancePolicyCounter(t.Context(), 2); err != nil {
		t.Fatal(err)
	}
	tp.Close()
	sw.PowerCycle(t)

	tp = open(v1)
	if err := sign(tp); !errors.Is(err, tpm.ErrPolicyRolledBack) {
		t.Fatalf("sign under v1 after the counter moved to 2 and a power cycle: %v, want ErrPolicyRolledBack", err)
	}
	tp.Close()
	tp = open(v1, v2)
	defer tp.Close()
	if p := tp.Policy(); p.Version != 2 {
		t.Fatalf("policy chosen among v1 and v2: v%d", p.Version)
	}
	if err := sign(tp); err != nil {
		t.Fatalf("sign under v2 after the power cycle: %v", err)
	}
}

// TestOwnerLockSwtpm: the owner lock survives power cycles: after one, the key loads (from the persistent SRK) and
// signs, the tamper index set before it stops the key, a clear without the administrator's secret is refused, and
// one with it goes through.
func TestOwnerLockSwtpm(t *testing.T) {
	sw := tpmtest.Start(t)
	dir := t.TempDir()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	sel := tpm.PCRSelection{0, 7}
	open := func(ps ...*tpm.SignedPolicy) *tpm.TPM {
		t.Helper()
		tp, err := tpm.Open(t.Context(), sw.Spec, dir)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { tp.Close() })
		if _, err := tp.Provision(t.Context(), tpm.ProvisionOptions{ImageKey: &key.PublicKey, Policies: ps}); err != nil {
			t.Fatal(err)
		}
		return tp
	}
	sign := func(tp *tpm.TPM) error { return signCheckpoint(t, tp) }
	tp := open()
	vals, err := tp.ReadPCRs(t.Context(), sel)
	if err != nil {
		t.Fatal(err)
	}
	v1, _ := attest.SignPolicy(key, 1, "v1", sel, vals)
	if err := tp.SetPolicy(t.Context(), v1); err != nil {
		t.Fatal(err)
	}
	auth := tpm.OwnerAuth([]byte("administrator's secret"))
	if err := tp.LockOwner(t.Context(), nil, auth); err != nil {
		t.Fatalf("LockOwner: %v", err)
	}
	if err := tp.Tamper(t.Context(), []byte("case opened")); err != nil {
		t.Fatal(err)
	}
	tp.Close()
	sw.PowerCycle(t)

	tp = open(v1)
	if err := sign(tp); !errors.Is(err, tpm.ErrTampered) {
		t.Fatalf("sign after a power cycle of a tampered, owner-locked box: %v, want ErrTampered", err)
	}
	if err := tp.ClearTamper(t.Context(), nil); !errors.Is(err, tpm.ErrOwnerAuth) {
		t.Fatalf("ClearTamper without the secret after a power cycle: %v, want ErrOwnerAuth", err)
	}
	if err := tp.ClearTamper(t.Context(), auth); err != nil {
		t.Fatalf("ClearTamper with the secret: %v", err)
	}
	if err := sign(tp); err != nil {
		t.Fatalf("sign after the clear: %v", err)
	}
	tp.Close()
	sw.PowerCycle(t)
	tp = open(v1)
	if err := sign(tp); err != nil {
		t.Fatalf("sign after a second power cycle: %v", err)
	}
}

// signCheckpoint signs a digest with tp's signing key as a checkpoint does; a failure to get the signer is fatal, the
// signature's error is the result (what the policy allows or refuses).
func signCheckpoint(t *testing.T, tp *tpm.TPM) error {
	t.Helper()
	s, err := tp.Signer(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	d := sha256.Sum256([]byte("checkpoint"))
	_, err = s.SignDigest(t.Context(), d[:])
	return err
}
