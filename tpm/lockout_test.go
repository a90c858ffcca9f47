package tpm

import (
	"strings"
	"testing"

	"github.com/google/go-tpm/tpm2"
)

// TestSetLockout: the dictionary-attack parameters read back as set; a zero MaxTries is refused before the TPM is
// asked; a lockout hierarchy whose authorization is not empty refuses the change, and the error names the command.
func TestSetLockout(t *testing.T) {
	tp := openT(t, simBackend(), t.TempDir())
	before, err := tp.Lockout(t.Context())
	if err != nil {
		t.Fatalf("Lockout: %v", err)
	}
	want := Lockout{MaxTries: 32, RecoverySeconds: 60, LockoutRecovery: 3600}
	if before.SameParameters(want) {
		t.Fatalf("the simulator already has %+v: the test would prove nothing", before)
	}
	if err := tp.SetLockout(t.Context(), want); err != nil {
		t.Fatalf("SetLockout(%+v): %v", want, err)
	}
	got, err := tp.Lockout(t.Context())
	if err != nil {
		t.Fatalf("Lockout after SetLockout: %v", err)
	}
	if !got.SameParameters(want) || got.Counter != 0 {
		t.Errorf("Lockout after SetLockout = %+v, want %+v with no failure counted", got, want)
	}
	if err := tp.SetLockout(t.Context(), Lockout{RecoverySeconds: 1}); err == nil || !strings.Contains(err.Error(), "max tries 0") {
		t.Errorf("SetLockout with MaxTries 0: %v, want a refusal naming max tries", err)
	}

	_, err = tpm2.HierarchyChangeAuth{
		AuthHandle: tpm2.AuthHandle{Handle: tpm2.TPMRHLockout, Auth: tpm2.PasswordAuth(nil)},
		NewAuth:    tpm2.TPM2BAuth{Buffer: []byte("someone else's lockout secret")},
	}.Execute(tp.tr)
	if err != nil {
		t.Fatalf("set a lockout authorization: %v", err)
	}
	err = tp.SetLockout(t.Context(), Lockout{MaxTries: 5, RecoverySeconds: 10, LockoutRecovery: 10})
	if err == nil || !strings.Contains(err.Error(), "0x13a") {
		t.Fatalf("SetLockout with a lockout authorization set: %v, want a refusal naming command 0x13a", err)
	}
	if got, err := tp.Lockout(t.Context()); err != nil || !got.SameParameters(want) {
		t.Errorf("after the refusal: %+v, %v; want the parameters unchanged (%+v)", got, err, want)
	}
}
