package ui

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/attesta/attesta/internal/testwait"
)

// Background requests (the home screen's phone polling every 3 s, a page that reloads itself, a progress stream,
// the QR image it leads to) do not extend a session: the idle lock fires on a screen left alone.
func TestIdleLockFiresDespiteBackgroundPolling(t *testing.T) {
	f := newFixture(t)
	feed := f.srv.Feed("job-idle")
	feed.End("fine")
	c := f.signedIn(t, techPIN)
	sse := map[string]string{"Accept": "text/event-stream"}
	polls := []struct {
		path string
		hdr  map[string]string
	}{
		{"/api/phones", nil},
		{"/phones?auto=1", nil},
		{"/progress/job-idle/events", sse},
		{"/progress/job-idle/qr.png", nil},
	}
	for _, p := range polls {
		if resp, _ := f.do(t, c, http.MethodGet, p.path, p.hdr); resp.StatusCode >= 500 || resp.StatusCode == http.StatusSeeOther ||
			resp.StatusCode == http.StatusUnauthorized {
			t.Fatalf("%s while logged in: %s", p.path, resp.Status)
		}
	}
	// 15 minutes of polling every 3 s and nothing else.
	for elapsed := time.Duration(0); elapsed <= 15*time.Minute; elapsed += 3 * time.Second {
		f.clock.advance(3 * time.Second)
		p := polls[int(elapsed/(3*time.Second))%len(polls)]
		resp, _ := f.do(t, c, http.MethodGet, p.path, p.hdr)
		if resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusSeeOther {
			break // the lock fired
		}
	}
	f.clock.advance(3 * time.Second)
	if resp, _ := f.do(t, c, http.MethodGet, "/api/phones", nil); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("phone polling after 15 idle minutes: %s, want 401", resp.Status)
	}
	if resp, _ := f.do(t, c, http.MethodGet, "/home", nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("home after 15 minutes of polling alone: %s, want the lock screen", resp.Status)
	}
}

// A person's requests do extend the session: a page opened every 10 minutes keeps it for an hour.
func TestPersonsRequestsExtendSession(t *testing.T) {
	f := newFixture(t)
	c := f.signedIn(t, techPIN)
	for range 6 {
		f.clock.advance(10 * time.Minute)
		if resp, _ := f.do(t, c, http.MethodGet, "/phones", nil); resp.StatusCode != http.StatusOK {
			t.Fatalf("a page opened 10 minutes after the last: %s", resp.Status)
		}
	}
}

// A progress stream left open ends when the session expires, telling the page to show the lock screen: the idle
// lock fires on a job page too.
func TestProgressStreamEndsWhenSessionExpires(t *testing.T) {
	f := newFixture(t)
	f.srv.sessionCheck = 10 * time.Millisecond
	f.srv.Feed("job-live").Progress("chat 1 di 2", 0, 2)
	c := f.signedIn(t, techPIN)
	ctx, cancel := testwait.Context(t)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, f.ts.URL+"/progress/job-live/events", nil)
	must(t, err)
	req.Header.Set("Accept", "text/event-stream")
	resp, err := c.Do(req)
	must(t, err)
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("stream: %s", resp.Status)
	}
	time.Sleep(50 * time.Millisecond) // the session is still fresh: the stream goes on
	f.clock.advance(16 * time.Minute)
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("the stream did not end when the session expired: %v", err)
	}
	if !strings.HasSuffix(string(body), "event: locked\ndata: {}\n\n") || !strings.Contains(string(body), "chat 1 di 2") {
		t.Fatalf("stream:\n%s", body)
	}
}
