package ui

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// A restart does not give more tries: the counters and the waits are kept in a file and read back at start.
func TestLockoutSurvivesRestart(t *testing.T) {
	file := filepath.Join(t.TempDir(), "ui-lockout.json")
	f := newFixtureWith(t, func(c *Config) { c.LockoutFile = file })
	c := f.client(t)
	for range clientThreshold {
		if code := f.login(t, c, "111111"); code != http.StatusUnauthorized {
			t.Fatalf("wrong PIN: %d", code)
		}
	}
	if code := f.login(t, c, techPIN); code != http.StatusTooManyRequests {
		t.Fatalf("after %d wrong PINs: %d, want 429", clientThreshold, code)
	}

	restarted := func() *httptest.Server {
		srv, err := New(f.srv.cfg)
		must(t, err)
		ts := httptest.NewServer(srv.Handler())
		t.Cleanup(ts.Close)
		return ts
	}
	ts := restarted()
	login := func(pin string) int {
		resp, err := f.client(t).PostForm(ts.URL+"/login", url.Values{"pin": {pin}})
		must(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := login(techPIN); code != http.StatusTooManyRequests {
		t.Fatalf("right PIN right after a restart: %d, want 429 (the wait survives)", code)
	}
	f.clock.advance(lockBase + time.Second)
	if code := login("111111"); code != http.StatusUnauthorized {
		t.Fatalf("wrong PIN after the wait: %d", code)
	}
	if code := login(techPIN); code != http.StatusTooManyRequests {
		t.Fatalf("one more wrong PIN after the wait: %d, want 429 (the count survives: the wait doubles)", code)
	}
	f.clock.advance(2*lockBase + time.Second)
	if code := login(techPIN); code != http.StatusSeeOther {
		t.Fatalf("right PIN after the doubled wait: %d", code)
	}
	// A success clears the address; the clearing is kept too.
	ts = restarted()
	if code := login("111111"); code != http.StatusUnauthorized {
		t.Fatalf("first wrong PIN after a success and a restart: %d, want 401", code)
	}
}

// A damaged lockout file stops the start rather than giving every address a clean slate.
func TestLockoutFileDamagedRefusesStart(t *testing.T) {
	file := filepath.Join(t.TempDir(), "ui-lockout.json")
	f := newFixtureWith(t, func(c *Config) { c.LockoutFile = file })
	for _, bad := range []string{"{", `{"format":"other/v1"}`, `{"format":"attesta.ui.lockout/v1","clients":{"x":{"count":-1}}}`} {
		must(t, os.WriteFile(file, []byte(bad), 0o600))
		if _, err := New(f.srv.cfg); err == nil {
			t.Errorf("lockout file %q accepted", bad)
		}
	}
}
