package ui

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// The language switch goes back only to a page of this site: a tab, newline or other control character, which
// browsers drop from a URL, must not turn "/<tab>/evil.example" into "//evil.example".
func TestLangBackStaysOnSite(t *testing.T) {
	f := newFixture(t)
	c := f.client(t)
	for _, back := range []string{"/\t/evil.example", "/\n/evil.example", "/\r/evil.example", "/\x00/evil.example",
		"/\x7f/evil.example", "/ /evil.example", "\t//evil.example", "/\\evil.example", "//evil.example",
		"https://evil.example", "javascript:alert(1)", "", "home", "/\u00a0/evil.example", "/\u2028/evil.example"} {
		resp, err := c.PostForm(f.ts.URL+"/lang", map[string][]string{"lang": {"en"}, "back": {back}})
		must(t, err)
		resp.Body.Close()
		if loc := resp.Header.Get("Location"); loc != "/" {
			t.Errorf("back %q: redirected to %q, want /", back, loc)
		}
	}
	for _, back := range []string{"/home", "/cases/C-1?tab=jobs", "/jobs/J-0001"} {
		resp, err := c.PostForm(f.ts.URL+"/lang", map[string][]string{"lang": {"en"}, "back": {back}})
		must(t, err)
		resp.Body.Close()
		if loc := resp.Header.Get("Location"); loc != back {
			t.Errorf("back %q: redirected to %q", back, loc)
		}
	}
}

// countingShares counts the revocations that reach the store: the appliance journals each one.
type countingShares struct {
	ShareStore
	mu      sync.Mutex
	revokes int
}

func (c *countingShares) Revoke(ctx context.Context, hash string, at time.Time) error {
	c.mu.Lock()
	c.revokes++
	c.mu.Unlock()
	return c.ShareStore.Revoke(ctx, hash, at)
}

// Revoking a link twice (a double tap, a second screen, a reload of the form) is one revocation.
func TestRevokeTwiceRecordsOnce(t *testing.T) {
	shares := &countingShares{ShareStore: NewMemShareStore()}
	f := newFixtureWith(t, func(c *Config) { c.Shares = shares })
	tech := f.signedIn(t, techPIN)
	token := f.newShare(t, tech)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			resp, err := tech.Post(f.ts.URL+"/shares/"+tokenHash(token)+"/revoke", "application/x-www-form-urlencoded", nil)
			if err == nil {
				resp.Body.Close()
			}
		})
	}
	wg.Wait()
	if resp, _ := f.do(t, tech, http.MethodPost, "/shares/"+tokenHash(token)+"/revoke", nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("revoking a revoked link: %s, want back to the deliveries", resp.Status)
	}
	if shares.revokes != 1 {
		t.Fatalf("five revocations of one link reached the store %d times, want 1", shares.revokes)
	}
}

// Behind TLS (the request itself, or a public address in https in front of a proxy) the remote link's cookie is
// Secure.
func TestRemoteCookieSecure(t *testing.T) {
	for _, tc := range []struct {
		name, public string
		tls, want    bool
	}{{"https public address", "https://attesta.studio.example", false, true}, {"TLS", "", true, true},
		{"plain http", "http://192.0.2.10:8081", false, false}} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			f.srv.cfg.PublicURL = tc.public
			f.srv.Feed("s4").Progress("in attesa del QR", 0, 1)
			p, err := f.srv.NewRemoteLink("C-s4", "s4")
			must(t, err)
			var pub *httptest.Server
			if tc.tls {
				pub = httptest.NewTLSServer(f.srv.PublicHandler())
			} else {
				pub = httptest.NewServer(f.srv.PublicHandler())
			}
			t.Cleanup(pub.Close)
			c := pub.Client()
			c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
			resp, _ := doURL(t, c, http.MethodPost, pub.URL+p, nil)
			i := slices.IndexFunc(resp.Cookies(), func(c *http.Cookie) bool { return c.Name == remoteCookie })
			if i < 0 {
				t.Fatalf("claim: %s, no cookie", resp.Status)
			}
			if got := resp.Cookies()[i].Secure; got != tc.want {
				t.Fatalf("remote cookie Secure = %v, want %v", got, tc.want)
			}
		})
	}
}

// A wrong current PIN on the PIN-change screen is journaled like a wrong PIN at the lock screen, with the role of
// the session that typed it and nothing else.
func TestChangePINWrongCurrentAudited(t *testing.T) {
	f := newFixture(t)
	rec := &auditRecorder{}
	f.srv.cfg.Audit = rec
	admin := f.signedIn(t, adminPIN)
	rec.events = nil
	if resp, _ := f.post(t, admin, "/admin/pin", pinForm("technician", "000000", "246810", "246810")); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("wrong current PIN: %s", resp.Status)
	}
	want := []string{"wrong-pin map[role:administrator screen:pin-change]\n"}
	if !slices.Equal(rec.events, want) {
		t.Fatalf("audited %q, want %q", rec.events, want)
	}
	if strings.Contains(strings.Join(rec.events, ""), "000000") {
		t.Fatal("the PIN typed went into the journal")
	}
}
