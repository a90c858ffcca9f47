package appliance

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/attesta/attesta/appliance/panel"
	"github.com/attesta/attesta/journal"
	"github.com/attesta/attesta/tpm"
	"github.com/attesta/attesta/tpm/tpmtest"
)

// tamperLeafTypes are the types of the journal's leaves about the tamper index, in journal order.
func tamperLeafTypes(t *testing.T, a *Appliance) []string {
	t.Helper()
	var out []string
	for i := range a.journal.Size() {
		data, err := a.journal.LeafBytes(t.Context(), i)
		if err != nil {
			t.Fatal(err)
		}
		_, e, err := journal.DecodeLeaf(data)
		if err != nil {
			t.Fatal(err)
		}
		switch e.Type {
		case LeafOwnerLock, LeafTamper, LeafTamperClear, LeafTamperClearRefused, LeafUnlock:
			out = append(out, e.Type)
		}
	}
	return out
}

// unlockOwnerLocked trips the tamper index of an owner-locked appliance and checks the unlocks: without the
// administrator's secret (what any root process can do) refused and journaled, nothing cleared; with it journaled,
// then cleared.
func unlockOwnerLocked(t *testing.T, ctx context.Context, a *Appliance, secret []byte, trip bool) {
	t.Helper()
	if trip {
		if err := a.Tamper(ctx, panel.Event{At: time.Now(), Count: 1}); err != nil {
			t.Fatal(err)
		}
	}
	for _, wrong := range [][]byte{nil, []byte("a guess at the administrator's secret")} {
		err := UnlockWithSecret(ctx, a, "root", "let me in", wrong)
		if !errors.Is(err, tpm.ErrOwnerAuth) {
			t.Fatalf("unlock with secret %q: %v, want tpm.ErrOwnerAuth", wrong, err)
		}
		if on, err := a.TPM().Tampered(ctx); err != nil || !on {
			t.Fatalf("tamper index after a refused unlock = %v, %v", on, err)
		}
	}
	if err := UnlockWithSecret(ctx, a, "admin", "case inspected", secret); err != nil {
		t.Fatalf("unlock with the administrator's secret: %v", err)
	}
	wantUnlocked(t, ctx, a)
}

// wantUnlocked checks an appliance after an unlock: the tamper index clear, the attestation check passing, the
// journal sound.
func wantUnlocked(t *testing.T, ctx context.Context, a *Appliance) {
	t.Helper()
	if on, err := a.TPM().Tampered(ctx); err != nil || on {
		t.Fatalf("tamper index after the unlock = %v, %v", on, err)
	}
	if res, err := a.CheckAttestation(ctx); err != nil || !res.OK {
		t.Fatalf("CheckAttestation after the unlock = %+v, %v", res, err)
	}
	if _, err := a.VerifyJournal(ctx, nil); err != nil {
		t.Fatalf("journal after the unlock: %v", err)
	}
}

// TestOwnerLockUnlock: once the TPM's owner is locked with the administrator's unlock secret, an unlock without it
// is refused (journaled, the tamper index stays set), one with it journals the clear before it and clears.
func TestOwnerLockUnlock(t *testing.T) {
	ctx := t.Context()
	a := openWithImagePolicy(t, t.TempDir(), make([]byte, 32))
	secret := []byte("0123456789abcdef0123456789abcdef")
	if err := LockOwner(ctx, a, "admin", nil, []byte("short")); err == nil || !strings.Contains(err.Error(), "at least 16") {
		t.Fatalf("LockOwner with a short secret: %v", err)
	}
	if err := LockOwner(ctx, a, "admin", nil, secret); err != nil {
		t.Fatalf("LockOwner: %v", err)
	}
	unlockOwnerLocked(t, ctx, a, secret, true)
	want := []string{LeafOwnerLock, LeafTamper, LeafTamperClearRefused, LeafTamperClearRefused, LeafTamperClear, LeafUnlock}
	if got := tamperLeafTypes(t, a); !slices.Equal(got, want) {
		t.Fatalf("journal: %v, want %v", got, want)
	}
	if err := LockOwner(ctx, a, "admin", []byte("not the secret in force!"), []byte("fedcba9876543210fedcba9876543210")); !errors.Is(err, tpm.ErrOwnerAuth) {
		t.Fatalf("LockOwner changing the secret without it: %v, want tpm.ErrOwnerAuth", err)
	}
}

// TestSwtpmOwnerLockSurvivesPowerCycle: on swtpm the owner lock and the tamper index survive a power cycle; the
// appliance opens (its keys load from the persistent SRK), and only the administrator's secret unlocks.
func TestSwtpmOwnerLockSurvivesPowerCycle(t *testing.T) {
	ctx := t.Context()
	sw := tpmtest.Start(t)
	cfg := imagePolicyConfig(t, t.TempDir(), make([]byte, 32))
	cfg.TPM = sw.Spec
	a, err := Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	secret := []byte("0123456789abcdef0123456789abcdef")
	if err := LockOwner(ctx, a, "admin", nil, secret); err != nil {
		a.Close()
		t.Fatal(err)
	}
	if err := a.Tamper(ctx, panel.Event{At: time.Now(), Count: 1}); err != nil {
		a.Close()
		t.Fatal(err)
	}
	a.Close()
	sw.PowerCycle(t)
	b, err := Open(ctx, cfg)
	if err != nil {
		t.Fatalf("Open after the power cycle: %v", err)
	}
	defer b.Close()
	unlockOwnerLocked(t, ctx, b, secret, false)
}
