package desk_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/attesta/attesta/appliance"
	"github.com/attesta/attesta/appliance/desk"
	"github.com/attesta/attesta/appliance/internal/appliancetest"
	"github.com/attesta/attesta/appliance/retention"
	"github.com/attesta/attesta/bundle"
	"github.com/attesta/attesta/capture/android/msgstore/msgstoretest"
	"github.com/attesta/attesta/ui"
)

const uploadList = "numero;nominativo;dal;al\n3331112222;Mario Rossi;2026-01-10;2026-01-20\n3339998888;Non in rubrica;2026-01-10;2026-01-20\n"

// caseAppliance opens an appliance in dir whose jobs run for the test, with one case opened.
func caseAppliance(t *testing.T, dir string) (*appliance.Appliance, ui.CaseInfo) {
	t.Helper()
	a := jobAppliance(t, dir, t.Context(), t.TempDir(), &testSink{})
	c := newCase(t, a)
	return a, c
}

// unread is a body that fails the test when read: what is refused must be refused before the file is read.
type unread struct{ t *testing.T }

func (u unread) Read([]byte) (int, error) {
	u.t.Error("the upload's body was read")
	return 0, io.EOF
}

// tooLarge yields n bytes, then fails as the remote page's reader does past the limit.
type tooLarge struct{ n int }

func (r *tooLarge) Read(p []byte) (int, error) {
	if r.n == 0 {
		return 0, ui.ErrTooLarge
	}
	k := min(len(p), r.n)
	r.n -= k
	return k, nil
}

// uploadsLeft lists every file under DataDir/uploads, temporary ones included.
func uploadsLeft(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(filepath.Join(dir, "uploads"), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			out = append(out, p)
		}
		return nil
	})
	return out
}

// A backup the client uploads is hashed on arrival and journaled, then certified with the key given: the
// deliveries' chain of custody starts with its receipt, the job record keeps neither the key nor a number in clear,
// and the uploaded file is gone once the job has ended.
func TestReceiveBackupCertifies(t *testing.T) {
	ctx := t.Context()
	dir, out := t.TempDir(), t.TempDir()
	a := jobAppliance(t, dir, ctx, out, &testSink{})
	backup := filepath.Join(t.TempDir(), "msgstore.db.crypt15")
	key, err := msgstoretest.WriteCrypt15(ctx, backup, msgstoretest.Sample(time.Date(2026, 1, 12, 9, 0, 0, 0, time.UTC)))
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(backup)
	if err != nil {
		t.Fatal(err)
	}
	c := newCase5(t, a)
	req := ui.BackupUpload{Case: c.ID, List: uploadList, Operator: "tecnico", Key: key.RootHex(), Link: "linkhash"}
	if _, err := a.Desk().ReceiveBackup(ctx, req, unread{t}); !errors.Is(err, ui.ErrInvalid) || !errors.Is(err, ui.ErrNoNotice) {
		t.Fatalf("before the notice: %v; want ui.ErrInvalid, ui.ErrNoNotice", err)
	}
	acceptNotice(t, a, c.ID)
	spaced := strings.Join(strings.SplitAfterN(key.RootHex(), "", 64), " ")
	for name, r := range map[string]ui.BackupUpload{
		"short key":    {Case: c.ID, List: uploadList, Key: "1234"},
		"no list":      {Case: c.ID, Key: key.RootHex()},
		"unknown case": {Case: "AT-1999-0001", List: uploadList, Key: key.RootHex()},
	} {
		if _, err := a.Desk().ReceiveBackup(ctx, r, unread{t}); !errors.Is(err, ui.ErrInvalid) && !errors.Is(err, ui.ErrNotFound) {
			t.Errorf("%s: %v; want a refusal", name, err)
		}
	}
	req.Key = spaced // as a person types it
	j, err := a.Desk().ReceiveBackup(ctx, req, bytes.NewReader(data))
	if err != nil {
		t.Fatalf("ReceiveBackup: %v", err)
	}
	j = waitJob(t, a, j.ID)
	if j.State != ui.JobDone || j.Kind != desk.JobUpload || len(j.Chats) != 2 || j.Chats[0].Folder == "" || j.Chats[0].Certified != 4 {
		t.Fatalf("upload job: %+v", j)
	}
	sum := sha256.Sum256(data)
	rec := leavesOfType(t, a, desk.LeafBackupReceived)
	if len(rec) != 1 || rec[0].Fields["sha256"] != hex.EncodeToString(sum[:]) || fmt.Sprint(rec[0].Fields["size"]) != fmt.Sprint(len(data)) ||
		rec[0].Fields["link"] != "linkhash" || rec[0].Case != c.ID {
		t.Fatalf("backup-received leaves: %+v", rec)
	}
	cust, actions := appliancetest.Custody(t, filepath.Join(out, j.Chats[0].Folder))
	if actions[0].Action != bundle.CustodyReceived || actions[0].Fields["sha256"] != hex.EncodeToString(sum[:]) ||
		actions[1].Action != bundle.CustodyStart {
		t.Fatalf("the chain of custody does not start with the receipt:\n%s", cust)
	}
	if left := uploadsLeft(t, dir); len(left) != 0 {
		t.Errorf("uploaded backup kept after its job: %v", left)
	}
	checkNoDigits(t, filepath.Join(dir, "jobs", j.ID+".json"), []string{"3331112222", "3339998888", key.RootHex()})
	checkJobLeaves(t, a, []string{"3331112222", "3339998888", key.RootHex()})
	for _, typ := range []string{desk.LeafBackupReceived, desk.LeafBackupRefused} {
		for _, e := range leavesOfType(t, a, typ) {
			if strings.Contains(fmt.Sprint(e.Fields), key.RootHex()[:16]) {
				t.Fatalf("%s leaf holds the key: %v", typ, e.Fields)
			}
		}
	}
}

// An upload that fails while it streams (over the limit, or cut short) leaves no file, not even a temporary
// one, and a "backup-refused" leaf saying why and how much had arrived.
func TestReceiveBackupRefusedKeepsNothing(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	a, c := caseAppliance(t, dir)
	acceptNotice(t, a, c.ID)
	key := strings.Repeat("ab", 32)
	req := ui.BackupUpload{Case: c.ID, List: uploadList, Key: key, Link: "h"}
	if _, err := a.Desk().ReceiveBackup(ctx, req, &tooLarge{n: 100 << 10}); !errors.Is(err, ui.ErrTooLarge) {
		t.Fatalf("over the limit: %v; want ui.ErrTooLarge", err)
	}
	cut := io.MultiReader(bytes.NewReader(make([]byte, 5000)), iotestErr{io.ErrUnexpectedEOF})
	if _, err := a.Desk().ReceiveBackup(ctx, req, cut); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("cut short: %v; want io.ErrUnexpectedEOF", err)
	}
	if _, err := a.Desk().ReceiveBackup(ctx, req, bytes.NewReader(nil)); !errors.Is(err, ui.ErrInvalid) {
		t.Fatalf("empty: %v; want ui.ErrInvalid", err)
	}
	if left := uploadsLeft(t, dir); len(left) != 0 {
		t.Fatalf("refused uploads left files: %v", left)
	}
	got := leavesOfType(t, a, desk.LeafBackupRefused)
	if len(got) != 3 || got[0].Fields["reason"] != "too-large" || fmt.Sprint(got[0].Fields["bytes"]) != fmt.Sprint(100<<10) ||
		got[1].Fields["reason"] != "interrupted" || got[2].Fields["reason"] != "empty" {
		t.Fatalf("backup-refused leaves: %+v", got)
	}
	if n := len(leavesOfType(t, a, desk.LeafBackupReceived)); n != 0 {
		t.Fatalf("%d backup-received leaves for refused uploads", n)
	}
	jobs, _ := a.Desk().ListJobs(ctx)
	if len(jobs) != 0 {
		t.Fatalf("a refused upload started a job: %+v", jobs)
	}
}

type iotestErr struct{ err error }

func (e iotestErr) Read([]byte) (int, error) { return 0, e.err }

// An uploaded backup still on disk when its case's retention ends (its job interrupted, never resumed) is erased
// with the case.
func TestErasureRemovesUploads(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	a, c := caseAppliance(t, dir)
	left := filepath.Join(dir, "uploads", c.ID, "0123456789abcdef.crypt15")
	if err := os.MkdirAll(filepath.Dir(left), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(left, []byte("a client's backup"), 0o600); err != nil {
		t.Fatal(err)
	}
	info, _ := a.Desk().Case(ctx, c.ID)
	s, err := a.Desk().RetentionScheduler(ctx, retention.Options{Now: func() time.Time { return info.RetainUntil.Add(time.Second) }})
	if err != nil {
		t.Fatal(err)
	}
	if round, err := s.Check(ctx); err != nil || len(round.Erased) != 1 {
		t.Fatalf("retention round: %+v, %v", round, err)
	}
	if files := uploadsLeft(t, dir); len(files) != 0 {
		t.Fatalf("uploads left after the erasure: %v", files)
	}
}
