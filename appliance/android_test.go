package appliance

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/attesta/attesta/bundle"
	"github.com/attesta/attesta/capture/android"
	"github.com/attesta/attesta/capture/android/msgstore/msgstoretest"
	"github.com/attesta/attesta/certify"
	"github.com/attesta/attesta/evidence"
)

// backupFixture writes msgstoretest's sample chat as a crypt15 backup under a key made at run time.
func backupFixture(t *testing.T) (string, android.Key) {
	t.Helper()
	backup := filepath.Join(t.TempDir(), "msgstore.db.crypt15")
	key, err := msgstoretest.WriteCrypt15(t.Context(), backup, msgstoretest.Sample(time.Date(2026, 1, 12, 9, 0, 0, 0, time.UTC)))
	if err != nil {
		t.Fatal(err)
	}
	return backup, key
}

func testList(t *testing.T) evidence.List {
	t.Helper()
	l, err := evidence.ParseList(strings.NewReader("numero;nominativo;dal;al\n"+
		"3331112222;Mario Rossi;2026-01-10;2026-01-20\n"+
		"3339998888;Non in rubrica;2026-01-10;2026-01-20\n"),
		evidence.ListOptions{Now: time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestExtractAndroidBackupEndToEnd(t *testing.T) {
	ctx := t.Context()
	backup, key := backupFixture(t)
	a := openSim(t, t.TempDir())
	out := t.TempDir()

	outcomes, err := a.Certify().ExtractAndroidBackup(ctx, certify.AndroidBackupJob{
		Backup: backup, Key: key, List: testList(t), MaxMessages: 5, Case: "case-1", Operator: "tecnico", OutDir: out,
		Client: "Studio Legale Rossi", Purpose: "prova della disdetta",
	})
	if err != nil {
		t.Fatalf("ExtractAndroidBackup: %v", err)
	}
	if len(outcomes) != 2 || outcomes[0].Folder == "" || outcomes[1].Folder != "" || outcomes[1].Problem == "" {
		t.Fatalf("outcomes = %+v; want one delivery and one chat not found", outcomes)
	}
	folder := outcomes[0].Folder
	if filepath.Base(folder) != "3331112222-22-novembre-2026" && !strings.HasPrefix(filepath.Base(folder), "3331112222-") {
		t.Errorf("folder name %s", filepath.Base(folder))
	}

	// The manifest says what the scripted chat proves.
	m := readManifest(t, folder)
	if m.Chat.Phone != msgstoretest.SamplePhone || m.Acquisition.Method != evidence.MethodAndroidBackup {
		t.Errorf("manifest chat %+v, method %s", m.Chat, m.Acquisition.Method)
	}
	want := map[string]struct {
		basis evidence.Basis
		reply string
	}{
		"OUT-READ":    {evidence.BasisRead, ""},
		"OUT-REPLIED": {evidence.BasisReply, "IN-REPLY"},
		"OUT-SENT":    {evidence.BasisNone, ""},
		"OUT-PHOTO":   {evidence.BasisRead, ""},
	}
	for _, msg := range m.Messages {
		w, ok := want[msg.ID]
		if !ok {
			continue
		}
		delete(want, msg.ID)
		if msg.LegalValue == nil || msg.LegalValue.Basis != w.basis {
			t.Errorf("%s: legal value %+v, want basis %s", msg.ID, msg.LegalValue, w.basis)
			continue
		}
		if got := msg.LegalValue.ReplyID; w.reply != "" && (got == nil || *got != w.reply) {
			t.Errorf("%s: reply_id %v, want %s", msg.ID, got, w.reply)
		}
	}
	if len(want) != 0 {
		t.Errorf("messages missing from the delivery: %v", want)
	}
	// A backup alone does not hold media: the photo is there as "not extracted", with its verdict all the same.
	if photo := photoAttachment(t, folder); photo.Unavailable == "" || photo.Path != "" {
		t.Errorf("photo from a backup alone: %+v; want it marked unavailable", photo)
	}

	// The delivery verifies offline against the appliance's key, and the attestation certifies that key.
	vkey := a.Journal().VerifierKey()
	opts := certify.VerifyOptions(vkey)
	opts.AK, opts.RequireAttestation = a.Identity().AK, true
	drep, err := bundle.Verify(ctx, folder, opts)
	if err != nil {
		t.Fatalf("delivery does not verify: %v", err)
	}
	if c := drep.Find("pdf-signature"); len(c) != 1 || c[0].Outcome != bundle.Pass {
		t.Fatalf("the signed report was not checked: %+v", c)
	}
	// The report says who asked and why.
	text, err := exec.Command("pdftotext", filepath.Join(folder, "relazione.pdf"), "-").Output()
	if err != nil || !strings.Contains(string(text), "Studio Legale Rossi") || !strings.Contains(string(text), "prova della disdetta") {
		t.Errorf("the report does not name the client and the purpose (%v):\n%.800s", err, text)
	}
	// The ZIP beside the folder verifies the same way, and the session index lists the delivery.
	if _, err := bundle.Verify(ctx, folder+".zip", certify.VerifyOptions(vkey)); err != nil {
		t.Fatalf("delivery ZIP does not verify: %v", err)
	}
	if idx, err := os.ReadFile(filepath.Join(out, "index.json")); err != nil || !strings.Contains(string(idx), filepath.Base(folder)) {
		t.Fatalf("session index: %v\n%s", err, idx)
	}
	// Any change to the delivered rows is caught.
	rows := filepath.Join(folder, "artifacts", "messages.jsonl")
	data, _ := os.ReadFile(rows)
	if !bytes.Contains(data, []byte("OUT-READ")) || bytes.Contains(data, []byte("disdetta del contratto.\",\"x")) {
		t.Fatalf("rows artifact does not hold the delivered rows")
	}
	os.WriteFile(rows, bytes.Replace(data, []byte("disdetta"), []byte("Disdetta"), 1), 0o644)
	if _, err := bundle.Verify(ctx, folder, bundle.VerifyOptions{Key: vkey}); !errors.Is(err, bundle.ErrInvalid) {
		t.Fatalf("tampered rows: Verify = %v, want ErrInvalid", err)
	}
	// The journal, with its blobs (backup, database, rows), verifies too.
	rep, err := a.VerifyJournal(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.BlobsOK != 3 {
		t.Errorf("blobs verified = %d, want 3 (backup, database, rows)", rep.BlobsOK)
	}
}

func TestExtractAndroidBackupWrongKey(t *testing.T) {
	backup, _ := backupFixture(t)
	other, _ := android.GenerateKey()
	a := openSim(t, t.TempDir())
	_, err := a.Certify().ExtractAndroidBackup(t.Context(), certify.AndroidBackupJob{
		Backup: backup, Key: other, List: testList(t), MaxMessages: 5, Case: "case-1", OutDir: t.TempDir(),
	})
	if !errors.Is(err, android.ErrWrongKey) {
		t.Fatalf("wrong key: %v, want android.ErrWrongKey", err)
	}
	ends := leavesOfType(t, a, certify.LeafAcquisitionEnd)
	if len(ends) != 1 || !strings.Contains(ends[0].Fields["outcome"].(string), "failed") {
		t.Fatalf("acquisition end leaves = %+v; want one that says it failed", ends)
	}
}

// verificaSteps returns the commands of a delivery's VERIFICA.txt: each "$ " line with its "> " continuations.
func verificaSteps(t *testing.T, folder string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(folder, "VERIFICA.txt"))
	if err != nil {
		t.Fatal(err)
	}
	var steps []string
	for _, line := range strings.Split(string(b), "\n") {
		switch {
		case strings.HasPrefix(line, "$ "):
			steps = append(steps, line[2:])
		case strings.HasPrefix(line, "> ") && len(steps) > 0:
			steps[len(steps)-1] += "\n" + line[2:]
		}
	}
	return steps
}

// failingSteps runs each step in the folder with sh, as a recipient would, and returns those that fail.
func failingSteps(t *testing.T, folder string) []string {
	t.Helper()
	var failed []string
	for _, step := range verificaSteps(t, folder) {
		cmd := exec.Command("sh", "-c", step)
		cmd.Dir = folder
		if out, err := cmd.CombinedOutput(); err != nil {
			failed = append(failed, fmt.Sprintf("%s\n  → %v: %s", step, err, out))
		}
	}
	return failed
}

func TestVerificaStepsPassThenCatchAlteredReport(t *testing.T) {
	backup, key := backupFixture(t)
	a := openSim(t, t.TempDir())
	outcomes, err := a.Certify().ExtractAndroidBackup(t.Context(), certify.AndroidBackupJob{Backup: backup, Key: key, List: testList(t),
		MaxMessages: 5, Case: "case-1", OutDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	folder := outcomes[0].Folder
	if steps := verificaSteps(t, folder); len(steps) < 10 || !strings.Contains(strings.Join(steps, "\n"), "pdfsig") {
		t.Fatalf("VERIFICA.txt has %d steps and no report step", len(steps))
	}
	if failed := failingSteps(t, folder); len(failed) > 0 {
		t.Fatalf("VERIFICA.txt steps fail on a good delivery:\n%s", strings.Join(failed, "\n"))
	}
	pdf := filepath.Join(folder, "relazione.pdf")
	b, _ := os.ReadFile(pdf)
	b[len(b)/3] ^= 0x20
	os.WriteFile(pdf, b, 0o644)
	failed := failingSteps(t, folder)
	if len(failed) == 0 || !strings.Contains(strings.Join(failed, "\n"), "pdfsig") {
		t.Fatalf("an altered report passes VERIFICA.txt's steps (failed: %q)", failed)
	}
}
