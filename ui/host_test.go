package ui

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// DNS rebinding: a page of another site, whose name now resolves to the appliance, posts the PIN it guessed or
// the panel's browser typed. The local listener answers only the names it is reached by on purpose.
func TestForeignHostGetsNoSession(t *testing.T) {
	f := newFixture(t)
	_, port, _ := strings.Cut(strings.TrimPrefix(f.ts.URL, "http://"), ":")
	for _, host := range []string{"evil.example", "evil.example:" + port, "attesta.evil.example:" + port, "127.0.0.1.evil.example",
		"localhost.evil.example:" + port, "192.0.2.1:" + port} {
		c := f.client(t)
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, f.ts.URL+"/login",
			strings.NewReader(url.Values{"pin": {techPIN}}.Encode()))
		must(t, err)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Host = host
		resp, err := c.Do(req)
		must(t, err)
		resp.Body.Close()
		if resp.StatusCode != http.StatusMisdirectedRequest {
			t.Errorf("login with Host %q: %s, want 421", host, resp.Status)
		}
		for _, ck := range resp.Cookies() {
			if ck.Name == sessionCookie && ck.Value != "" {
				t.Errorf("login with Host %q got a session", host)
			}
		}
	}
	// A session made on the right name does not work through a foreign one either.
	c := f.signedIn(t, techPIN)
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, f.ts.URL+"/home", nil)
	must(t, err)
	req.Host = "evil.example:" + port
	resp, err := c.Do(req)
	must(t, err)
	resp.Body.Close()
	if resp.StatusCode != http.StatusMisdirectedRequest {
		t.Errorf("home with a foreign Host: %s, want 421", resp.Status)
	}
	// The names the panel and the studio use are allowed: the address the listener was reached at, and loopback.
	for _, host := range []string{"127.0.0.1:" + port, "localhost:" + port, "LOCALHOST:" + port, "[::1]:" + port, "127.0.0.1", "localhost"} {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, f.ts.URL+"/lock", nil)
		must(t, err)
		req.Host = host
		resp, err := f.client(t).Do(req)
		must(t, err)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("lock screen with Host %q: %s, want 200", host, resp.Status)
		}
	}
}
