package appliance

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/attesta/attesta/tpm"
)

func TestRotateKeyOnTheSimulator(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	a := openSim(t, dir)
	first := a.Journal().VerifierKey()
	oldKey := KeyDigest(a.Identity().SigningKey)
	rot, err := RotateKey(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	if rot.OldKey != first || a.Journal().VerifierKey() != rot.NewKey || KeyDigest(a.Identity().SigningKey) == oldKey {
		t.Fatalf("after the rotation: journal key %s, rotation %s → %s", a.Journal().VerifierKey(), rot.OldKey, rot.NewKey)
	}
	if _, err := tpm.CheckCertificationText(rot.Certification, a.Identity().SigningKey); err != nil {
		t.Fatalf("the rotation leaf's certification: %v", err)
	}
	if _, err := a.VerifyJournal(ctx, nil); err != nil {
		t.Fatal(err)
	}
	a.Close()

	// Restarted, the appliance signs with the new key; offline, the journal verifies from the first key.
	b := openSim(t, dir)
	if b.Journal().VerifierKey() != rot.NewKey {
		t.Fatal("after a restart the journal is not under the new key")
	}
	rep, err := b.VerifyJournal(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Keys) != 2 {
		t.Fatalf("followed keys %q, want 2", rep.Keys)
	}
	b.Close()
	if _, _, err := VerifyJournalFile(context.Background(), filepath.Join(dir, "journal.db"), first, nil); err != nil {
		t.Fatalf("offline verification pinned on the first key: %v", err)
	}
}

func TestInterruptedRotationIsFinishedAtStart(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	a := openSim(t, dir)
	// The journal records the rotation, then the appliance stops before the TPM commits the new key.
	p, err := a.TPM().NewSigningKey(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rot, _, err := a.Journal().Rotate(ctx, p, p.Identity().CertificationText())
	if err != nil {
		t.Fatal(err)
	}
	a.Close()
	b := openSim(t, dir)
	if b.Journal().VerifierKey() != rot.NewKey || !b.Identity().SigningKey.Equal(p.Identity().SigningKey) {
		t.Fatal("the interrupted rotation was not finished at start")
	}
	if _, err := b.VerifyJournal(ctx, nil); err != nil {
		t.Fatal(err)
	}
	// A key made by a rotation that never reached the journal is discarded.
	if _, err := b.TPM().NewSigningKey(ctx); err != nil {
		t.Fatal(err)
	}
	b.Close()
	c := openSim(t, dir)
	if c.Journal().VerifierKey() != rot.NewKey {
		t.Fatal("a pending key that the journal never recorded came into force")
	}
	if _, err := os.Stat(filepath.Join(dir, "tpm", tpm.PendingDir)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("pending key left behind: %v", err)
	}
}

func TestScheduledRotation(t *testing.T) {
	ctx := t.Context()
	a := openSim(t, t.TempDir())
	first := a.Journal().VerifierKey()
	born := a.Identity().ProvisionedAt
	if did, err := rotateIfDue(ctx, a, 24*time.Hour, born.Add(23*time.Hour)); did || err != nil {
		t.Fatalf("rotated a key younger than the period: %v %v", did, err)
	}
	if did, err := rotateIfDue(ctx, a, 24*time.Hour, born.Add(24*time.Hour)); !did || err != nil {
		t.Fatalf("did not rotate a key as old as the period: %v %v", did, err)
	}
	if a.Journal().VerifierKey() == first {
		t.Fatal("the key did not change")
	}
	if did, _ := rotateIfDue(ctx, a, 24*time.Hour, time.Now()); did {
		t.Fatal("rotated the fresh key again")
	}
}
