package appliance

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"filippo.io/age"

	"github.com/attesta/attesta/bundle"
	"github.com/attesta/attesta/certify"
	"github.com/attesta/attesta/journal/format"
	"github.com/attesta/attesta/mirror/s3test"
)

// mirrorFixture is a MinIO mirror and the recovery key of the box it serves.
type mirrorFixture struct {
	mc    MirrorConfig
	id    *age.X25519Identity
	quiet *slog.Logger
}

func newMirrorFixture(t *testing.T) *mirrorFixture {
	t.Helper()
	srv := s3test.Start(t)
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	return &mirrorFixture{
		mc: MirrorConfig{To: "s3://evidence/box", Endpoint: srv.Endpoint, Insecure: true, CredentialsFile: srv.CredentialsFile(),
			RecoveryRecipient: id.Recipient().String(), CreateBucket: true},
		id: id, quiet: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
}

// open opens (or creates) a box on its own simulated TPM in dir, mirroring to the fixture's store.
func (f *mirrorFixture) open(t *testing.T, dir string) *Appliance {
	t.Helper()
	a, err := Open(t.Context(), Config{DataDir: dir, TPM: "sim", Logger: f.quiet, Mirror: f.mc})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// deliver certifies the Android fixture's first chat on a and returns the delivery folder.
func deliver(t *testing.T, a *Appliance) string {
	t.Helper()
	backup, key := backupFixture(t)
	outcomes, err := a.Certify().ExtractAndroidBackup(t.Context(), certify.AndroidBackupJob{
		Backup: backup, Key: key, List: testList(t), MaxMessages: 5, Case: "case-1", Operator: "tecnico", OutDir: t.TempDir(),
		Client: "Studio Legale Rossi", Purpose: "prova della disdetta",
	})
	if err != nil || outcomes[0].Folder == "" {
		t.Fatalf("ExtractAndroidBackup: %v %+v", err, outcomes)
	}
	return outcomes[0].Folder
}

// syncMirror uploads everything a's journal and blob store hold to the mirror.
func syncMirror(t *testing.T, a *Appliance) {
	t.Helper()
	m, err := a.Offsite().Mirror().Open(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Sync(t.Context()); err != nil {
		t.Fatal(err)
	}
}

// restore rebuilds the mirrored box in a new data directory on a new simulated TPM and returns that directory.
func (f *mirrorFixture) restore(t *testing.T, keys []string) string {
	t.Helper()
	dir := t.TempDir()
	if _, err := Restore(t.Context(), Config{DataDir: dir, TPM: "sim", Logger: f.quiet, Mirror: f.mc},
		RestoreOptions{From: f.mc.To, Identities: []age.Identity{f.id}, VerifierKeys: keys}); err != nil {
		t.Fatal(err)
	}
	return dir
}

// The hand-over of #18: a box whose key was rotated is mirrored, lost, and restored onto a second simulated TPM.
// The restore leaf hands the journal to the new TPM's key, which no old key can sign for: the box's own check
// (pinned by its TPM), an offline check pinned on the first key with the restored key pinned beside it, and the
// recipient of a delivery made after the restore with the same pins all follow the journal's first key through the
// rotation and the restore; without the restored key pinned, and for a restore onto another TPM than the one
// vouched for, the restore leaf is refused by its index. Deliveries made before the restore verify as before.
func TestRestoreAfterARotationHandsOverToThePinnedKey(t *testing.T) {
	ctx := t.Context()
	f := newMirrorFixture(t)
	a := f.open(t, t.TempDir())
	first := a.Journal().VerifierKey()
	if _, err := RotateKey(ctx, a); err != nil {
		t.Fatal(err)
	}
	rotated := a.Journal().VerifierKey()
	before := deliver(t, a) // after the rotation: it carries proofs/keychain
	syncMirror(t, a)
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	keys := []string{first, rotated}

	dirB := f.restore(t, keys)
	b := f.open(t, dirB)
	restoredKey := b.Journal().VerifierKey()
	restores := leavesOfType(t, b, LeafRestore)
	if len(restores) != 1 || restores[0].Fields["old_key"] != rotated || restores[0].Fields["signing_key"] != restoredKey {
		t.Fatalf("restore leaf %+v: want a hand-over from %s to %s", restores, rotated, restoredKey)
	}
	rep, err := b.VerifyJournal(ctx, nil)
	if err != nil {
		t.Fatalf("the restored box's own check: %v", err)
	}
	if len(rep.Keys) != 3 || rep.Keys[0] != first || len(rep.Restores) != 1 {
		t.Fatalf("followed keys %q, restores %v: want first → rotated → restored", rep.Keys, rep.Restores)
	}
	restoreLeaf := rep.Restores[0]
	after := deliver(t, b)
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := VerifyData(ctx, Config{DataDir: dirB, TPM: "sim", Logger: f.quiet}, nil); err != nil {
		t.Fatalf("journal verify of the restored box: %v", err)
	}

	// Offline, pinned on the first key: the restore is followed only to the restored key pinned beside it.
	dbB := filepath.Join(dirB, "journal.db")
	if _, _, err := VerifyJournalFile(context.Background(), dbB, first, nil, restoredKey); err != nil {
		t.Fatalf("offline, with the restored key pinned: %v", err)
	}
	leafName := "leaf " + itoa(restoreLeaf)
	_, _, err = VerifyJournalFile(context.Background(), dbB, first, nil)
	if !errors.Is(err, format.ErrUnbackedRestore) || !strings.Contains(err.Error(), leafName) {
		t.Fatalf("offline, without the restored key pinned: %v, want the restore %s refused", err, leafName)
	}
	if _, pinned, err := VerifyJournalFile(context.Background(), dbB, "", nil); err != nil || pinned {
		t.Fatalf("offline, trusting the file's own keys: %v", err)
	}

	// The recipient: the delivery made after the restore, pinned on the first key.
	pinnedFirst := certify.VerifyOptions(first)
	pinnedFirst.Restored = []string{restoredKey}
	if _, err := bundle.Verify(ctx, after, pinnedFirst); err != nil {
		t.Fatalf("delivery after the restore, first key and restored key pinned: %v", err)
	}
	if _, err := bundle.Verify(ctx, after, certify.VerifyOptions(restoredKey)); err != nil {
		t.Fatalf("delivery after the restore, restored key pinned: %v", err)
	}
	if _, err := bundle.Verify(ctx, after, certify.VerifyOptions(first)); err == nil || !strings.Contains(err.Error(), "restore leaf "+itoa(restoreLeaf)) {
		t.Fatalf("delivery after the restore, only the first key pinned: %v, want the restore leaf refused", err)
	}
	if rep, err := bundle.Verify(ctx, after, certify.VerifyOptions("")); err != nil || !hasDetail(rep, restoredKey) {
		t.Fatalf("delivery after the restore, nothing pinned: %v; want it valid, noting the restored key", err)
	}
	// Deliveries made before the restore verify as they did.
	for _, k := range []string{first, ""} {
		if _, err := bundle.Verify(ctx, before, certify.VerifyOptions(k)); err != nil {
			t.Fatalf("delivery made before the restore, pinned %q: %v", k, err)
		}
	}

	// A second restore of the same mirror onto another TPM (someone holding the mirror and the recovery key):
	// its hand-over is not the one vouched for, and is refused by its leaf.
	dirC := f.restore(t, keys)
	_, _, err = VerifyJournalFile(context.Background(), filepath.Join(dirC, "journal.db"), first, nil, restoredKey)
	if !errors.Is(err, format.ErrUnbackedRestore) || !strings.Contains(err.Error(), leafName) {
		t.Fatalf("restore onto another TPM: %v, want the restore %s refused", err, leafName)
	}
}

func itoa(n uint64) string { return strconv.FormatUint(n, 10) }

// hasDetail reports whether a check of rep mentions s.
func hasDetail(rep *bundle.Report, s string) bool {
	for _, c := range rep.Checks {
		if strings.Contains(c.EN, s) {
			return true
		}
	}
	return false
}
