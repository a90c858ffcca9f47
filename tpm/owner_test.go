package tpm

import (
	"bytes"
	"errors"
	"testing"

	"github.com/google/go-tpm/tpm2"

	"github.com/attesta/attesta/tpm/attest"
)

// TestOwnerLock: once the owner hierarchy is locked with the administrator's unlock secret, a root process without
// it can neither clear the tamper index through ClearTamper nor delete it with TPM2_NV_UndefineSpace and an empty
// owner authorization; the administrator's secret clears it. Signing, sealing and unsealing keep working (the SRK
// is persistent).
func TestOwnerLock(t *testing.T) {
	f := newPolicyFixture(t, PCRSelection{0, 7})
	f.setPolicy(t, f.approve(t, 1))
	secret := []byte("the administrator's unlock secret, not on the box")
	auth := OwnerAuth(secret)
	if err := f.tp.LockOwner(t.Context(), nil, auth); err != nil {
		t.Fatalf("LockOwner: %v", err)
	}
	if err := f.tp.CheckOwnerAuth(t.Context(), nil); !errors.Is(err, ErrOwnerAuth) {
		t.Fatalf("CheckOwnerAuth(empty) after the lock: %v, want ErrOwnerAuth", err)
	}
	if err := f.tp.CheckOwnerAuth(t.Context(), auth); err != nil {
		t.Fatalf("CheckOwnerAuth(secret): %v", err)
	}
	if err := f.tp.LockOwner(t.Context(), nil, OwnerAuth([]byte("a thief's secret"))); !errors.Is(err, ErrOwnerAuth) {
		t.Fatalf("LockOwner again without the secret: %v, want ErrOwnerAuth", err)
	}
	if err := f.sign(t); err != nil {
		t.Fatalf("sign after the lock: %v", err)
	}
	blob, err := f.tp.Seal(t.Context(), []byte("case key"))
	if err != nil {
		t.Fatalf("Seal after the lock: %v", err)
	}
	if got, err := f.tp.Unseal(t.Context(), blob); err != nil || !bytes.Equal(got, []byte("case key")) {
		t.Fatalf("Unseal after the lock: %q, %v", got, err)
	}

	if err := f.tp.Tamper(t.Context(), []byte("case opened")); err != nil {
		t.Fatal(err)
	}
	for _, try := range [][]byte{nil, OwnerAuth([]byte("guess"))} {
		if err := f.tp.ClearTamper(t.Context(), try); !errors.Is(err, ErrOwnerAuth) {
			t.Fatalf("ClearTamper(%x) without the secret: %v, want ErrOwnerAuth", try, err)
		}
	}
	// What any root process would try: delete the index with the owner hierarchy's empty authorization.
	_, err = tpm2.NVUndefineSpace{
		AuthHandle: tpm2.AuthHandle{Handle: tpm2.TPMRHOwner, Auth: tpm2.PasswordAuth(nil)},
		NVIndex:    tpm2.NamedHandle{Handle: attest.TamperNVIndex, Name: attest.NVName(attest.TamperNVPublic())},
	}.Execute(f.tp.tr)
	if !isAuthFailure(err) {
		t.Fatalf("NV_UndefineSpace of the tamper index with an empty owner authorization: %v, want an authorization failure", err)
	}
	if err := f.sign(t); !errors.Is(err, ErrTampered) {
		t.Fatalf("sign after refused clears: %v, want ErrTampered", err)
	}
	if err := f.tp.ClearTamper(t.Context(), auth); err != nil {
		t.Fatalf("ClearTamper with the administrator's secret: %v", err)
	}
	if err := f.sign(t); err != nil {
		t.Fatalf("sign after the administrator's clear: %v", err)
	}
	if err := f.tp.LockOwner(t.Context(), auth, OwnerAuth([]byte("the next secret"))); err != nil {
		t.Fatalf("LockOwner changing the secret: %v", err)
	}
	if err := f.tp.CheckOwnerAuth(t.Context(), auth); !errors.Is(err, ErrOwnerAuth) {
		t.Fatalf("the old secret after a change: %v, want ErrOwnerAuth", err)
	}
	if err := f.tp.LockOwner(t.Context(), OwnerAuth([]byte("the next secret")), nil); err == nil {
		t.Fatal("LockOwner to an empty authorization succeeded")
	}
}
