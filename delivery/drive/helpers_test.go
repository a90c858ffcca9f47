package drive

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/api/drive/v3"
	"google.golang.org/api/option"

	"github.com/attesta/attesta/bundle"
	"github.com/attesta/attesta/bundle/bundletest"
	"github.com/attesta/attesta/bundle/tsa"
	"github.com/attesta/attesta/delivery/drive/drivetest"
	"github.com/attesta/attesta/journal"
	"github.com/attesta/attesta/tpm"
)

// recorder appends to a real journal; before, when set, runs first and may refuse the leaf.
type recorder struct {
	j      *journal.Journal
	mu     sync.Mutex
	before func(e journal.Entry) error
}

func (r *recorder) Record(ctx context.Context, e journal.Entry) (journal.Leaf, error) {
	r.mu.Lock()
	before := r.before
	r.mu.Unlock()
	if before != nil {
		if err := before(e); err != nil {
			return journal.Leaf{}, err
		}
	}
	return r.j.Append(ctx, e)
}

// leaves returns the journal's leaves of type typ, as bytes.
func (r *recorder) leaves(t *testing.T, typ string) []string {
	t.Helper()
	var out []string
	for l, err := range r.j.Entries(t.Context(), 0, r.j.Size()) {
		if err != nil {
			t.Fatal(err)
		}
		b, err := r.j.LeafBytes(t.Context(), l.Index)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), `"type":"`+typ+`"`) {
			out = append(out, string(b))
		}
	}
	return out
}

// env is a Drive server, a TPM, a journal with deliveries, a token store authorized for the studio, and a queue.
type env struct {
	srv     *drivetest.Server
	tpm     *tpm.TPM
	mk      *bundletest.Maker
	rec     *recorder
	dir     string
	oauth   OAuth
	tokens  *Tokens
	q       *Queue
	folders []string
}

var fastBackoff = tsa.Backoff{Initial: 20 * time.Millisecond, Max: 200 * time.Millisecond, Factor: 2}

func newEnv(t *testing.T, deliveries int) *env {
	t.Helper()
	ctx := t.Context()
	srv, err := drivetest.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	tp, err := tpm.Open(ctx, "sim", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tp.Close() })
	dir := t.TempDir()
	mk, err := bundletest.NewMaker(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { mk.Close() })
	e := &env{srv: srv, tpm: tp, mk: mk, rec: &recorder{j: mk.Journal}, dir: dir,
		oauth: OAuth{ClientID: "attesta-test.apps.googleusercontent.com", ClientSecret: "test-secret",
			DeviceAuthURL: srv.DeviceAuthURL(), TokenURL: srv.TokenURL(), RevokeURL: srv.RevokeURL()}}
	for i := range deliveries {
		m, src := bundletest.Manifest(i + 1)
		folder, err := mk.Deliver(ctx, m, src, bundle.Delivery{}, bundle.WriteOptions{})
		if err != nil {
			t.Fatal(err)
		}
		e.folders = append(e.folders, folder)
	}
	e.tokens = e.openTokens(t)
	e.authorize(t, StudioAccount, "")
	e.q = e.openQueue(t)
	return e
}

func (e *env) openTokens(t *testing.T) *Tokens {
	t.Helper()
	tk, err := OpenTokens(filepath.Join(e.dir, "drive-tokens"), e.oauth, e.tpm, e.rec, nil)
	if err != nil {
		t.Fatal(err)
	}
	return tk
}

func (e *env) openQueue(t *testing.T) *Queue {
	t.Helper()
	q, err := OpenQueue(filepath.Join(e.dir, "drive-queue"), Deps{Tokens: e.tokens, Recorder: e.rec, Endpoint: e.srv.Endpoint()})
	if err != nil {
		t.Fatal(err)
	}
	q.Backoff = fastBackoff
	return q
}

// authorize runs the device flow for account, the user approving on the server.
func (e *env) authorize(t *testing.T, account, caseID string) {
	t.Helper()
	dc, err := e.tokens.Authorize(t.Context(), account, caseID)
	if err != nil {
		t.Fatal(err)
	}
	if dc.UserCode == "" || !strings.HasPrefix(dc.URL, e.srv.URL()) {
		t.Fatalf("device code %+v", dc)
	}
	if !e.srv.Approve(dc.UserCode) {
		t.Fatalf("code %s not pending on the server", dc.UserCode)
	}
	<-dc.Done
	if dc.Err != nil {
		t.Fatal(dc.Err)
	}
}

func (e *env) enqueueAll(t *testing.T, account string, emails ...string) {
	t.Helper()
	for _, f := range e.folders {
		if err := e.q.Enqueue(t.Context(), Job{Case: "case-1", Account: account, Folder: f, Emails: emails}); err != nil {
			t.Fatal(err)
		}
	}
}

func (e *env) drain(t *testing.T, q *Queue) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	if err := q.Drain(ctx); err != nil {
		t.Fatalf("drain: %v (pending %+v)", err, q.Pending())
	}
}

// download fetches the Drive folder id into dir through the client library, subfolders included.
func download(t *testing.T, svc *drive.Service, id, dir string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	list, err := svc.Files.List().Q("'" + id + "' in parents and trashed = false").Fields("files(id,name,mimeType)").Do()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range list.Files {
		path := filepath.Join(dir, f.Name)
		if f.MimeType == FolderMimeType {
			download(t, svc, f.Id, path)
			continue
		}
		resp, err := svc.Files.Get(f.Id).Download()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// service is a Drive client of account.
func (e *env) service(t *testing.T, account string) *drive.Service {
	t.Helper()
	client, err := e.tokens.HTTPClient(t.Context(), account, nil)
	if err != nil {
		t.Fatal(err)
	}
	svc, err := drive.NewService(t.Context(), option.WithHTTPClient(client), option.WithEndpoint(e.srv.Endpoint()))
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

var errRefused = errors.New("refused by the test")

var _ http.RoundTripper = http.DefaultTransport
