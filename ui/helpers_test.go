package ui

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	techPIN  = "482915"
	adminPIN = "907311"
)

// fixedState is a State with a given status.
type fixedState Status

func (f fixedState) Status(context.Context) Status { return Status(f) }

// accessRecorder keeps every reported share access.
type accessRecorder struct {
	mu   sync.Mutex
	got  []string
	recs []AccessRecord
}

func (a *accessRecorder) ShareAccess(_ context.Context, rec AccessRecord) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.got = append(a.got, rec.Token+" "+rec.Path+" "+rec.Remote)
	a.recs = append(a.recs, rec)
	return nil
}

func (a *accessRecorder) records() []AccessRecord {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]AccessRecord(nil), a.recs...)
}

func (a *accessRecorder) list() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.got...)
}

// clock is a settable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type fixture struct {
	srv    *Server
	ts     *httptest.Server
	out    string // deliveries directory
	secret string // a file outside every delivery
	access *accessRecorder
	clock  *clock
	shares ShareStore
	back   *memBackend
	cloud  *memCloud
}

const deliveryName = "3771151946-15-gennaio-2026"

// newFixture starts a server over a real deliveries directory with one delivery and, beside it, a secret file
// that no link may reach.
func newFixture(t *testing.T) *fixture { return newFixtureWith(t, nil) }

// newFixtureWith is newFixture with the server's configuration changed by mod first.
func newFixtureWith(t *testing.T, mod func(*Config)) *fixture {
	t.Helper()
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	d := filepath.Join(out, deliveryName)
	must(t, os.MkdirAll(filepath.Join(d, "artifacts"), 0o755))
	must(t, os.WriteFile(filepath.Join(d, "manifest.json"), []byte(`{"format":"attesta.manifest/v1"}`), 0o644))
	must(t, os.WriteFile(filepath.Join(d, "relazione.pdf"), []byte("%PDF-1.7 test"), 0o644))
	must(t, os.WriteFile(filepath.Join(d, "artifacts", "chat.png"), []byte("png"), 0o644))
	secret := filepath.Join(dir, "secret.txt")
	must(t, os.WriteFile(secret, []byte("TOP-SECRET"), 0o600))
	must(t, os.WriteFile(filepath.Join(out, "secret.txt"), []byte("TOP-SECRET"), 0o600))
	must(t, os.Symlink(secret, filepath.Join(d, "link.txt")))
	must(t, os.Symlink(dir, filepath.Join(d, "dirlink")))
	must(t, os.Symlink("manifest.json", filepath.Join(d, "inner.txt")))

	salt := []byte("appliance-salt-0123")
	f := &fixture{out: out, secret: secret, access: &accessRecorder{},
		clock: &clock{t: time.Date(2026, 1, 15, 10, 0, 0, 0, time.UTC)}, shares: NewMemShareStore()}
	f.back = newMemBackend(f.clock.now)
	f.cloud = &memCloud{now: f.clock.now}
	cfg := Config{
		Credentials: Credentials{Salt: salt, Technician: HashPIN(salt, techPIN), Admin: HashPIN(salt, adminPIN)},
		State: fixedState{ApplianceID: "AT-0001", AttestationOK: true, AttestedAt: time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC),
			DiskFree: 412e9, DiskTotal: 500e9},
		Deliveries: DirDeliveries(out),
		Shares:     f.shares,
		Access:     f.access,
		Cases:      f.back, Jobs: f.back, Phones: f.back, Journal: f.back, CredStore: f.back, Privacy: &memPrivacy{},
		Cloud: f.cloud,
		Now:   f.clock.now,
	}
	if mod != nil {
		mod(&cfg)
	}
	srv, err := New(cfg)
	must(t, err)
	f.srv = srv
	f.ts = httptest.NewServer(srv.Handler())
	t.Cleanup(f.ts.Close)
	return f
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// public serves the public side (share and remote links) for the test.
func (f *fixture) public(t *testing.T) *httptest.Server {
	t.Helper()
	pub := httptest.NewServer(f.srv.PublicHandler())
	t.Cleanup(pub.Close)
	return pub
}

// client returns a browser-like client with its own cookies that does not follow redirects.
func (f *fixture) client(t *testing.T) *http.Client {
	jar, err := cookiejar.New(nil)
	must(t, err)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// login logs c in with pin and returns the status of the answer.
func (f *fixture) login(t *testing.T, c *http.Client, pin string) int {
	t.Helper()
	resp, err := c.PostForm(f.ts.URL+"/login", url.Values{"pin": {pin}})
	must(t, err)
	resp.Body.Close()
	return resp.StatusCode
}

// signedIn returns a new client logged in with pin.
func (f *fixture) signedIn(t *testing.T, pin string) *http.Client {
	t.Helper()
	c := f.client(t)
	if got := f.login(t, c, pin); got != http.StatusSeeOther {
		t.Fatalf("login: %d", got)
	}
	return c
}

func (f *fixture) do(t *testing.T, c *http.Client, method, path string, hdr map[string]string) (*http.Response, string) {
	t.Helper()
	return doURL(t, c, method, f.ts.URL+path, hdr)
}

// doURL sends a request to an absolute URL and returns the answer and its body.
func doURL(t *testing.T, c *http.Client, method, u string, hdr map[string]string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, u, nil)
	must(t, err)
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := c.Do(req)
	must(t, err)
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

// newShare creates a share link through the UI as a technician and returns its token.
func (f *fixture) newShare(t *testing.T, c *http.Client) string {
	t.Helper()
	resp, body := f.do(t, c, http.MethodPost, "/deliveries/"+deliveryName+"/share", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("create share: %s", resp.Status)
	}
	_, rest, ok := strings.Cut(body, "/s/")
	if !ok {
		t.Fatalf("create share: no link in page:\n%s", body)
	}
	token, _, _ := strings.Cut(rest, "/")
	return token
}
