package drive

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/attesta/attesta/bundle"
	"github.com/attesta/attesta/delivery/drive/drivetest"
	"github.com/attesta/attesta/journal"
)

// checkOnDrive checks that every delivery folder is on Drive, complete, byte for byte, as one folder named as the
// delivery folder is, with no duplicate; and that each was uploaded once and shared.
func (e *env) checkOnDrive(t *testing.T, wantPermType string) {
	t.Helper()
	files := e.srv.Files()
	byID := map[string]drivetest.File{}
	for _, f := range files {
		byID[f.ID] = f
	}
	pathOf := func(f drivetest.File) string {
		p := f.Name
		for len(f.Parents) == 1 && f.Parents[0] != "root" {
			f = byID[f.Parents[0]]
			p = f.Name + "/" + p
		}
		return p
	}
	seen := map[string]int{}
	for _, f := range files {
		seen[pathOf(f)]++
	}
	for _, folder := range e.folders {
		name := filepath.Base(folder)
		if seen[name] != 1 {
			t.Errorf("folder %s: %d on Drive, want 1", name, seen[name])
		}
		filepath.Walk(folder, func(path string, info os.FileInfo, err error) error {
			if err != nil || info.IsDir() {
				return err
			}
			rel, _ := filepath.Rel(filepath.Dir(folder), path)
			if seen[filepath.ToSlash(rel)] != 1 {
				t.Errorf("%s: %d copies on Drive, want 1", rel, seen[filepath.ToSlash(rel)])
			}
			return nil
		})
	}
	for _, f := range files {
		if f.MimeType == drivetest.FolderMimeType && len(f.Parents) == 1 && f.Parents[0] == "root" {
			if len(f.Permissions) == 0 || f.Permissions[0].Type != wantPermType || f.Permissions[0].Role != "reader" {
				t.Errorf("folder %s: permissions %+v, want %s reader", f.Name, f.Permissions, wantPermType)
			}
			continue
		}
		local := filepath.Join(filepath.Dir(e.folders[0]), filepath.FromSlash(pathOf(f)))
		if f.MimeType == drivetest.FolderMimeType {
			continue
		}
		want, err := os.ReadFile(local)
		if err != nil {
			t.Errorf("%s on Drive has no local file: %v", pathOf(f), err)
		} else if !bytes.Equal(want, f.Content) {
			t.Errorf("%s: Drive holds other bytes", pathOf(f))
		}
	}
}

func countFiles(t *testing.T, folders []string) int {
	n := 0
	for _, folder := range folders {
		filepath.Walk(folder, func(_ string, info os.FileInfo, err error) error {
			if err == nil && !info.IsDir() {
				n++
			}
			return err
		})
	}
	return n
}

// TestSessionToDrive: a session's deliveries go to the studio's Drive, one folder each named by the rule, every
// file by resumable upload and checked, shared with anyone with the link, journaled with ids and no names; each
// folder downloaded back verifies byte for byte.
func TestSessionToDrive(t *testing.T) {
	e := newEnv(t, 2)
	var announced []Link
	e.q.OnDone = func(l Link) { announced = append(announced, l) }
	e.enqueueAll(t, StudioAccount)
	e.drain(t, e.q)
	e.checkOnDrive(t, "anyone")

	n := countFiles(t, e.folders)
	c := e.srv.Counts()
	if c.Resumable != n || c.Multipart != 0 {
		t.Errorf("uploads: %d resumable, %d multipart; want %d resumable", c.Resumable, c.Multipart, n)
	}
	links := e.q.Links(filepath.Dir(e.folders[0]))
	if len(links) != 2 || len(announced) != 2 {
		t.Fatalf("links %+v, announced %+v", links, announced)
	}
	for i, l := range links {
		if l.Name != filepath.Base(e.folders[i]) || !strings.HasPrefix(l.URL, e.srv.URL()+"/drive/folders/") {
			t.Errorf("link %d: %+v", i, l)
		}
	}
	for typ, want := range map[string]int{LeafFolder: 2, LeafUpload: n, LeafLink: 2, LeafFolderDone: 2, LeafAuthorized: 1} {
		if got := e.rec.leaves(t, typ); len(got) != want {
			t.Errorf("%d %s leaves, want %d", len(got), typ, want)
		}
	}
	for _, typ := range []string{LeafFolder, LeafUpload, LeafLink, LeafFolderDone} {
		for _, l := range e.rec.leaves(t, typ) {
			for _, name := range []string{"gennaio", "3771151947", "manifest.json", "Cliente"} {
				if strings.Contains(l, name) {
					t.Errorf("leaf names %q: %s", name, l)
				}
			}
		}
	}
	for _, l := range e.rec.leaves(t, LeafUpload) {
		if !strings.Contains(l, `"md5":"`) || !strings.Contains(l, `"sha256_by_drive":true`) {
			t.Errorf("upload leaf without its checked digests: %s", l)
		}
	}

	svc := e.service(t, StudioAccount)
	for i, folder := range e.folders {
		top, _ := e.q.snapshotByName(filepath.Base(folder))
		got := filepath.Join(t.TempDir(), filepath.Base(folder))
		download(t, svc, top, got)
		rep, err := bundle.Verify(t.Context(), got, bundle.VerifyOptions{Key: e.mk.VKey()})
		if err != nil {
			t.Fatalf("delivery %d downloaded from Drive: %v", i, err)
		}
		if !rep.OK() {
			t.Errorf("delivery %d downloaded from Drive does not verify: %+v", i, rep.Checks)
		}
	}
	if err := WriteLinks(filepath.Join(e.dir, "links.txt"), links); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(filepath.Join(e.dir, "links.txt"))
	if lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n"); len(lines) != 2 ||
		lines[0] != links[0].Name+"\t"+links[0].URL {
		t.Errorf("links.txt:\n%s", b)
	}
}

// snapshotByName returns the Drive id of the done folder whose delivery folder is named name.
func (q *Queue) snapshotByName(name string) (string, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, r := range q.jobs {
		if r.Name == name {
			return r.Folders[""], true
		}
	}
	return "", false
}

// TestDroppedConnectionAndRestart: the connection drops in the middle of an upload, the appliance stops after a
// file reached Drive but before it was recorded, and a restarted appliance (new queue, token store read back from
// its sealed file) finishes the same folders without a duplicate.
func TestDroppedConnectionAndRestart(t *testing.T) {
	e := newEnv(t, 2)
	e.enqueueAll(t, StudioAccount)
	e.srv.DropUpload(10)

	ctx, stop := context.WithCancel(t.Context())
	uploads := 0
	e.rec.before = func(en journal.Entry) error {
		if en.Type == LeafUpload {
			if uploads++; uploads == 4 {
				stop() // the power goes: this file is on Drive, not in the record
				return errRefused
			}
		}
		return nil
	}
	if err := e.q.Drain(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("drain before the stop: %v", err)
	}
	if len(e.q.Links("")) != 0 {
		t.Fatal("a folder was announced before it was complete")
	}
	e.rec.before = nil

	e.tokens = e.openTokens(t)
	q := e.openQueue(t)
	if p := q.Pending(); len(p) != 2 || p[0].Uploaded == 0 {
		t.Fatalf("after the restart: pending %+v", p)
	}
	e.drain(t, q)
	e.checkOnDrive(t, "anyone")
	if c := e.srv.Counts(); c.Dropped != 1 {
		t.Errorf("%d uploads dropped, want 1", c.Dropped)
	}
	if got := len(q.Links("")); got != 2 {
		t.Fatalf("%d links after the restart", got)
	}
	if got, want := len(e.rec.leaves(t, LeafUpload)), countFiles(t, e.folders); got != want {
		t.Errorf("%d upload leaves, want %d (each file once)", got, want)
	}
}

// TestTokenExpiresMidSession: Drive stops accepting the access token before its announced expiry; the queue
// refreshes it with the refresh token, stores the new one sealed, and goes on.
func TestTokenExpiresMidSession(t *testing.T) {
	e := newEnv(t, 1)
	e.enqueueAll(t, StudioAccount)
	uploads := 0
	e.rec.before = func(en journal.Entry) error {
		if en.Type == LeafUpload {
			if uploads++; uploads == 2 {
				e.srv.ExpireTokens()
			}
		}
		return nil
	}
	e.drain(t, e.q)
	e.checkOnDrive(t, "anyone")
	if e.srv.Refreshes() == 0 {
		t.Error("no refresh after the token expired")
	}
}

// TestQuotaFull: a full Drive stops the upload with a clear error, announces no folder, and the folder completes
// once there is room.
func TestQuotaFull(t *testing.T) {
	e := newEnv(t, 1)
	e.srv.SetQuota(100)
	e.enqueueAll(t, StudioAccount)
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Second)
	defer cancel()
	if err := e.q.Drain(ctx); err == nil {
		t.Fatal("drain succeeded on a full Drive")
	}
	p := e.q.Pending()
	if len(p) != 1 || !errors.Is(p[0].LastErr, ErrQuota) {
		t.Fatalf("pending %+v, want ErrQuota", p)
	}
	if len(e.q.Links("")) != 0 || len(e.rec.leaves(t, LeafFolderDone)) != 0 {
		t.Fatal("a folder announced on a full Drive")
	}
	e.srv.SetQuota(0)
	e.drain(t, e.q)
	e.checkOnDrive(t, "anyone")
}

// TestErrorsRetried: 429 and 5xx answers (with Retry-After) and uploads that Drive stored wrongly are retried;
// the bad copies are deleted.
func TestErrorsRetried(t *testing.T) {
	e := newEnv(t, 1)
	e.srv.Fail(1, 429, "rateLimitExceeded", "1")
	e.srv.Fail(1, 503, "backendError", "")
	e.srv.Fail(1, 500, "backendError", "0")
	e.srv.CorruptUploads(2)
	e.enqueueAll(t, StudioAccount)
	e.drain(t, e.q)
	e.checkOnDrive(t, "anyone")
	if c := e.srv.Counts(); c.Deletes < 2 {
		t.Errorf("%d deletes, want the 2 corrupted copies deleted", c.Deletes)
	}
}

// TestRestrictedToEmails: a case that lists addresses gets reader permissions for them, without notification,
// and no public link.
func TestRestrictedToEmails(t *testing.T) {
	e := newEnv(t, 1)
	e.enqueueAll(t, StudioAccount, "avvocato@example.it", "cliente@example.com")
	e.drain(t, e.q)
	e.checkOnDrive(t, "user")
	for _, f := range e.srv.Files() {
		if len(f.Permissions) > 0 {
			var emails []string
			for _, p := range f.Permissions {
				emails = append(emails, p.Email)
			}
			if !slices.Equal(emails, []string{"avvocato@example.it", "cliente@example.com"}) {
				t.Errorf("permissions %+v", f.Permissions)
			}
		}
	}
	if err := e.q.RevokeLinks(t.Context(), "case-1"); err != nil {
		t.Fatal(err)
	}
	for _, f := range e.srv.Files() {
		if len(f.Permissions) > 0 {
			t.Errorf("permissions left after revocation: %+v", f.Permissions)
		}
	}
	if len(e.rec.leaves(t, LeafLinkRevoked)) != 2 || len(e.q.Links("")) != 0 {
		t.Error("revoked links not journaled, or still listed")
	}
	if err := e.q.Enqueue(t.Context(), Job{Case: "c", Account: StudioAccount, Folder: e.folders[0] + "x", Emails: []string{"not an address"}}); err == nil {
		t.Error("a bad address was accepted")
	}
}

// TestLocalChange: a delivery file altered on the appliance after its manifest is refused, at enqueue and at
// upload.
func TestLocalChange(t *testing.T) {
	e := newEnv(t, 1)
	art := filepath.Join(e.folders[0], "artifacts", "screenshot.png")
	orig, err := os.ReadFile(art)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(art, []byte("altered"), 0o644)
	if err := e.q.Enqueue(t.Context(), Job{Case: "case-1", Account: StudioAccount, Folder: e.folders[0]}); !errors.Is(err, ErrLocalChanged) {
		t.Fatalf("enqueue of an altered delivery: %v", err)
	}
	os.WriteFile(art, orig, 0o644)
	e.enqueueAll(t, StudioAccount)
	os.WriteFile(filepath.Join(e.folders[0], "VERIFICA.txt"), []byte("altered"), 0o644)
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
	defer cancel()
	e.q.Drain(ctx)
	if p := e.q.Pending(); len(p) != 1 || !errors.Is(p[0].LastErr, ErrLocalChanged) {
		t.Fatalf("pending %+v", p)
	}
}

// TestRevokeAndRetention: the client's own Drive: authorized by the device flow, revoked from the UI, and at the
// end of retention left to the client with the appliance's access revoked; the studio's Drive: deleted.
func TestRevokeAndRetention(t *testing.T) {
	e := newEnv(t, 1)
	e.authorize(t, "AT-2026-0001", "AT-2026-0001")
	if err := e.q.Enqueue(t.Context(), Job{Case: "AT-2026-0001", Account: "AT-2026-0001", Folder: e.folders[0]}); err != nil {
		t.Fatal(err)
	}
	e.drain(t, e.q)
	onClient := len(e.srv.Files())
	released, err := e.q.ForgetCase(t.Context(), "AT-2026-0001")
	if err != nil {
		t.Fatal(err)
	}
	if len(released) != 1 || released[0] != filepath.Base(e.folders[0]) || len(e.srv.Files()) != onClient {
		t.Fatalf("client's Drive: released %v, %d files left of %d", released, len(e.srv.Files()), onClient)
	}
	if e.tokens.Authorized("AT-2026-0001") || len(e.rec.leaves(t, LeafRevoked)) != 1 || len(e.rec.leaves(t, LeafReleased)) != 1 {
		t.Fatal("the client's token was not revoked and journaled")
	}
	if _, err := e.tokens.HTTPClient(t.Context(), "AT-2026-0001", nil); !errors.Is(err, ErrNotAuthorized) {
		t.Fatalf("client after revocation: %v", err)
	}

	e.srv.Fail(0, 0, "", "")
	e.enqueueAll(t, StudioAccount)
	e.drain(t, e.q)
	if _, err := e.q.ForgetCase(t.Context(), "case-1"); err != nil {
		t.Fatal(err)
	}
	if got := len(e.srv.Files()); got != onClient {
		t.Errorf("%d files on Drive after the studio's copy was deleted, want the client's %d", got, onClient)
	}
	if len(e.rec.leaves(t, LeafDeleted)) != 1 || len(e.q.Links("")) != 0 {
		t.Error("the deletion was not journaled, or the job is still listed")
	}
}

// TestDeviceFlowDenied: the user refusing access stores no token.
func TestDeviceFlowDenied(t *testing.T) {
	e := newEnv(t, 0)
	dc, err := e.tokens.Authorize(t.Context(), "AT-2026-0002", "AT-2026-0002")
	if err != nil {
		t.Fatal(err)
	}
	if p, ok := e.tokens.Pending("AT-2026-0002"); !ok || p.UserCode != dc.UserCode {
		t.Fatal("the code is not pending")
	}
	e.srv.Deny(dc.UserCode)
	<-dc.Done
	if dc.Err == nil || e.tokens.Authorized("AT-2026-0002") {
		t.Fatalf("denied: err %v, authorized %v", dc.Err, e.tokens.Authorized("AT-2026-0002"))
	}
	if _, err := e.tokens.Authorize(t.Context(), "../x", ""); !errors.Is(err, ErrBadAccount) {
		t.Errorf("bad account: %v", err)
	}
}

// TestDrainBesideRun: a session's Drain works beside the queue's Run (serve's), each job on one of them at a time.
func TestDrainBesideRun(t *testing.T) {
	e := newEnv(t, 2)
	ctx, stop := context.WithCancel(t.Context())
	defer stop()
	go e.q.Run(ctx)
	e.enqueueAll(t, StudioAccount)
	e.drain(t, e.q)
	e.checkOnDrive(t, "anyone")
	if got, want := len(e.rec.leaves(t, LeafUpload)), countFiles(t, e.folders); got != want {
		t.Errorf("%d upload leaves, want %d", got, want)
	}
}

// TestSameNameTwice: two sessions' folders of the same chat and day get distinct names on Drive (name, name-2), as
// on the appliance, and the list of links names them so.
func TestSameNameTwice(t *testing.T) {
	e := newEnv(t, 1)
	other := filepath.Join(t.TempDir(), "session-2", filepath.Base(e.folders[0]))
	if err := os.CopyFS(other, os.DirFS(e.folders[0])); err != nil {
		t.Fatal(err)
	}
	e.folders = append(e.folders, other)
	e.enqueueAll(t, StudioAccount)
	e.drain(t, e.q)
	links := e.q.Links("")
	base := filepath.Base(other)
	if len(links) != 2 || links[0].Name != base || links[1].Name != base {
		t.Fatalf("links %+v", links)
	}
	want := map[string]bool{base: true, base + "-2": true}
	for _, l := range links {
		if !want[l.DriveName] {
			t.Errorf("Drive name %q", l.DriveName)
		}
		delete(want, l.DriveName)
		id, _ := e.srv.FolderOfLink(l.URL)
		if f, _ := e.srv.File(id); f.Name != l.DriveName {
			t.Errorf("folder %s is named %q on Drive, listed as %q", id, f.Name, l.DriveName)
		}
	}
	if lines := strings.Split(strings.TrimSpace(FormatLinks(links)), "\n"); len(lines) != 2 || lines[0] == lines[1] ||
		strings.Split(lines[0], "\t")[0] == strings.Split(lines[1], "\t")[0] {
		t.Errorf("links list:\n%s", FormatLinks(links))
	}
}
