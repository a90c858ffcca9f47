package appliance

import (
	"context"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/attesta/attesta/bundle"
	"github.com/attesta/attesta/bundle/tsa/tsatest"
	"github.com/attesta/attesta/certify"
	"github.com/attesta/attesta/internal/testwait"
	"github.com/attesta/attesta/report/pades"
)

func openWithTSA(t *testing.T, url, ca string) *Appliance {
	t.Helper()
	a, err := Open(t.Context(), Config{DataDir: t.TempDir(), TPM: "sim", TSAURL: url, TSACA: ca,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

func TestDeliveryTimestampedByTheTSA(t *testing.T) {
	ctx := t.Context()
	ts := tsatest.New(t, tsatest.Options{})
	a := openWithTSA(t, ts.URL, ts.CAPath)
	backup, key := backupFixture(t)
	outcomes, err := a.Certify().ExtractAndroidBackup(ctx, certify.AndroidBackupJob{Backup: backup, Key: key, List: testList(t),
		MaxMessages: 5, Case: "case-1", OutDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	folder := outcomes[0].Folder
	ca, _ := os.ReadFile(ts.CAPath)
	opts := certify.VerifyOptions(a.Journal().VerifierKey())
	if opts.VerifyTimestamp, err = TimestampVerifier(ca); err != nil {
		t.Fatal(err)
	}
	rep, err := bundle.Verify(ctx, folder, opts)
	if err != nil {
		t.Fatalf("time-stamped delivery does not verify: %v", err)
	}
	if c := rep.Find("timestamp"); len(c) != 1 || c[0].Outcome != bundle.Pass {
		t.Fatalf("timestamp check: %+v", c)
	}
	// The recipient's route: openssl alone.
	out, err := exec.Command("openssl", "ts", "-verify", "-data", filepath.Join(folder, "proofs", "checkpoint"),
		"-in", filepath.Join(folder, "proofs", "checkpoint.tsr"), "-token_in", "-CAfile", ts.CAPath).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "Verification: OK") {
		t.Fatalf("openssl ts -verify: %v\n%s", err, out)
	}
	if got := leavesOfType(t, a, LeafTimestamp); len(got) != 1 {
		t.Fatalf("timestamp leaves = %d, want 1", len(got))
	}
	// The report's signature carries its own time-stamp (PAdES B-T), and a document time-stamp over the whole file
	// follows it (B-LTA), so that the report outlives the signing certificate.
	pdf, _ := os.ReadFile(filepath.Join(folder, "relazione.pdf"))
	sigs, err := pades.Verify(pdf)
	if err != nil || len(sigs) != 2 || sigs[0].Timestamp == nil {
		t.Fatalf("report signatures: %+v, %v; want a signature with a time-stamp, then a document time-stamp", sigs, err)
	}
	if doc := sigs[1]; doc.SubFilter != "ETSI.RFC3161" || !doc.WholeDocument {
		t.Errorf("second signature: SubFilter %q, whole document %v; want the document time-stamp over all of it",
			doc.SubFilter, doc.WholeDocument)
	}
}

func TestTSADownQueuesThenJournals(t *testing.T) {
	ctx := t.Context()
	ts := tsatest.New(t, tsatest.Options{})
	ts.SetDown(true)
	a := openWithTSA(t, ts.URL, ts.CAPath)
	backup, key := backupFixture(t)
	outcomes, err := a.Certify().ExtractAndroidBackup(ctx, certify.AndroidBackupJob{Backup: backup, Key: key, List: testList(t),
		MaxMessages: 5, Case: "case-1", OutDir: t.TempDir()})
	if err != nil {
		t.Fatalf("an unreachable TSA must not stop a delivery: %v", err)
	}
	if _, err := os.Stat(filepath.Join(outcomes[0].Folder, "proofs", "checkpoint.tsr")); err == nil {
		t.Fatal("a token was written while the TSA was down")
	}
	if n := len(a.tsaQueue.Pending()); n != 1 {
		t.Fatalf("pending requests = %d, want 1", n)
	}
	ts.SetDown(false)
	a.tsaQueue.Backoff.Initial, a.tsaQueue.Backoff.Max = 10*time.Millisecond, 50*time.Millisecond
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { a.RunTSAQueue(runCtx); close(done) }()
	testwait.Until(t, "the queued request was not stamped and journaled",
		func() bool { return len(leavesOfType(t, a, LeafTimestamp)) > 0 })
	cancel()
	<-done
}
