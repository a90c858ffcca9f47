package appliance

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/attesta/attesta/bundle"
	"github.com/attesta/attesta/certify"
	"github.com/attesta/attesta/journal"
	"github.com/attesta/attesta/mirror/s3test"
)

// The must-hold: a box mirrors a delivery's evidence, then is lost; a restore from the mirror on a second data
// directory and a second simulated TPM rebuilds it, the delivery made before still verifies (and its checkpoint is
// in the restored tree), the restored box's first checkpoint is consistent with the last mirrored one, its journal
// verifies with its blobs, and it certifies on.
func TestRestoreFromMirrorOnASecondTPM(t *testing.T) {
	ctx := t.Context()
	srv := s3test.Start(t)
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	mc := MirrorConfig{To: "s3://evidence/box", Endpoint: srv.Endpoint, Insecure: true, CredentialsFile: srv.CredentialsFile(),
		RecoveryRecipient: id.Recipient().String(), CreateBucket: true}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))

	dirA := t.TempDir()
	a, err := Open(ctx, Config{DataDir: dirA, TPM: "sim", Logger: quiet, Mirror: mc})
	if err != nil {
		t.Fatal(err)
	}
	backup, key := backupFixture(t)
	outcomes, err := a.Certify().ExtractAndroidBackup(ctx, certify.AndroidBackupJob{
		Backup: backup, Key: key, List: testList(t), MaxMessages: 5, Case: "case-1", Operator: "tecnico", OutDir: t.TempDir(),
		Client: "Studio Legale Rossi", Purpose: "prova della disdetta",
	})
	if err != nil || outcomes[0].Folder == "" {
		t.Fatalf("ExtractAndroidBackup: %v %+v", err, outcomes)
	}
	folder := outcomes[0].Folder
	m, err := a.Offsite().Mirror().Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if st, ok := a.Offsite().Mirror().Status(); !ok || st.Behind() != 0 {
		t.Fatalf("mirror status %+v, %v", st, ok)
	}
	last, err := a.Journal().Latest(ctx)
	if err != nil {
		t.Fatal(err)
	}
	oldKey, oldID, oldSigner := a.Journal().VerifierKey(), a.ID(), KeyDigest(a.Identity().SigningKey)
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}

	// Refused: without the recovery key, and into a data directory that already holds a box.
	other, _ := age.GenerateX25519Identity()
	cfgB := Config{DataDir: t.TempDir(), TPM: "sim", Logger: quiet, Mirror: mc}
	if _, err := Restore(ctx, cfgB, RestoreOptions{From: mc.To, Identities: []age.Identity{other}, VerifierKeys: []string{oldKey}}); err == nil ||
		!strings.Contains(err.Error(), "recovery key") {
		t.Fatalf("restore with another recovery key: %v", err)
	}
	if _, err := Restore(ctx, Config{DataDir: dirA, TPM: "sim", Logger: quiet, Mirror: mc}, RestoreOptions{From: mc.To, Identities: []age.Identity{id}}); err == nil {
		t.Fatal("restore over an existing box succeeded")
	}

	cfgB.DataDir = t.TempDir()
	res, err := Restore(ctx, cfgB, RestoreOptions{From: mc.To, Identities: []age.Identity{id}, VerifierKeys: []string{oldKey}, Witnessed: last.Note})
	if err != nil {
		t.Fatal(err)
	}
	if res.LastMirrored.Size != last.Size || res.Report.Cases != 1 || res.Report.Blobs == 0 {
		t.Fatalf("restore result %+v", res)
	}
	b, err := Open(ctx, cfgB)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	if b.ID() != oldID || KeyDigest(b.Identity().SigningKey) == oldSigner {
		t.Fatalf("restored box: id %s (want %s), signing key %s (must be the new TPM's)", b.ID(), oldID, oldSigner)
	}
	// The first checkpoint of the restored box extends the last mirrored one.
	proof, err := b.Journal().ConsistencyProof(ctx, last.Size, res.First.Size)
	if err != nil {
		t.Fatal(err)
	}
	if err := tlog.CheckTree(proof, int64(res.First.Size), res.First.Root, int64(last.Size), last.Root); err != nil {
		t.Fatalf("first checkpoint %d not consistent with the mirrored %d: %v", res.First.Size, last.Size, err)
	}
	restores := leavesOfType(t, b, LeafRestore)
	if len(restores) != 1 || restores[0].Fields["tree_size"] != int64(last.Size) && restores[0].Fields["tree_size"] != float64(last.Size) {
		t.Fatalf("restore leaves %+v", restores)
	}
	// The delivery made before verifies as it did, and its checkpoint is in the restored tree.
	if _, err := bundle.Verify(ctx, folder, certify.VerifyOptions(oldKey)); err != nil {
		t.Fatalf("the delivery made before the restore: %v", err)
	}
	note, err := os.ReadFile(filepath.Join(folder, "proofs", "checkpoint"))
	if err != nil {
		t.Fatal(err)
	}
	ov, err := journal.NewNoteVerifier(oldKey)
	if err != nil {
		t.Fatal(err)
	}
	dcp, err := journal.ParseCheckpoint(note, ov)
	if err != nil {
		t.Fatal(err)
	}
	if root, err := b.Journal().TreeHash(ctx, dcp.Size); err != nil || root != dcp.Root {
		t.Fatalf("the delivery's checkpoint (size %d) is not in the restored tree: %v", dcp.Size, err)
	}
	// The restored journal verifies, blobs included, and the box is not locked: it certifies on.
	rep, err := b.VerifyJournal(ctx, nil)
	if err != nil {
		t.Fatalf("restored journal: %v", err)
	}
	if rep.BlobsOK == 0 {
		t.Fatalf("no blob verified: %+v", rep)
	}
	if err := b.CheckCertify(); err != nil {
		t.Fatalf("restored box locked: %v", err)
	}
	acq, err := b.Certify().StartAcquisition(ctx, "case-1", "after restore", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := acq.AddArtifact(ctx, "screenshot", strings.NewReader("new evidence")); err != nil {
		t.Fatal(err)
	}
	if _, err := acq.Finish(ctx, "complete"); err != nil {
		t.Fatal(err)
	}
}
