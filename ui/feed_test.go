package ui

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestSSEDeliversEventsInOrder(t *testing.T) {
	f := newFixture(t)
	tech := f.signedIn(t, techPIN)
	feed := f.srv.Feed("s1")
	feed.Progress("avvio", 0, 100)
	const n = 200
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, f.ts.URL+"/progress/s1/events", nil)
	must(t, err)
	resp, err := tech.Do(req)
	must(t, err)
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("content type %q", ct)
	}
	go func() {
		for i := 1; i <= n; i++ {
			feed.Progress(fmt.Sprintf("chat %d", i), i, n)
		}
		feed.End("fine")
	}()
	evs := readEvents(t, resp)
	if len(evs) != n+2 {
		t.Fatalf("got %d events, want %d", len(evs), n+2)
	}
	for i, e := range evs {
		if e.Seq != i+1 {
			t.Fatalf("event %d has seq %d", i, e.Seq)
		}
	}
	if evs[n+1].Kind != "end" || evs[n].Text != fmt.Sprintf("chat %d", n) {
		t.Fatalf("last events %+v %+v", evs[n], evs[n+1])
	}

	// A reconnecting browser resumes after Last-Event-ID.
	req, _ = http.NewRequestWithContext(t.Context(), http.MethodGet, f.ts.URL+"/progress/s1/events", nil)
	req.Header.Set("Last-Event-ID", "150")
	resp2, err := tech.Do(req)
	must(t, err)
	defer resp2.Body.Close()
	if evs := readEvents(t, resp2); len(evs) != n+2-150 || evs[0].Seq != 151 {
		t.Fatalf("resume: %d events from %+v", len(evs), evs[0])
	}
}

func TestRemoteLink(t *testing.T) {
	f := newFixture(t)
	feed := f.srv.Feed("s2")
	png := []byte("\x89PNG fake code")
	feed.SetQR(png)
	p, err := f.srv.NewRemoteLink("C-s2", "s2")
	must(t, err)
	client := f.client(t)
	if resp, _ := f.do(t, client, http.MethodPost, p, nil); resp.StatusCode != http.StatusSeeOther { // the claim
		t.Fatalf("claim: %s", resp.Status)
	}
	if resp := postAccept(t, client, f.ts.URL+p, digestOf(memNoticeText("C-s2", Italian))); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("acceptance: %s", resp.Status)
	}
	resp, body := f.do(t, client, http.MethodGet, p, nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `data-base="`+p+`"`) {
		t.Fatalf("remote page: %s\n%s", resp.Status, body)
	}
	for _, bad := range []string{"/home", "/deliveries", "Consegne"} {
		if strings.Contains(body, bad) {
			t.Errorf("remote page shows %q", bad)
		}
	}
	resp, body = f.do(t, client, http.MethodGet, p+"/qr.png", nil)
	if resp.StatusCode != http.StatusOK || !bytes.Equal([]byte(body), png) || resp.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("QR: %s %q", resp.Status, body)
	}
	other := f.client(t)
	if resp, _ := f.do(t, other, http.MethodGet, p, nil); resp.StatusCode != http.StatusGone {
		t.Errorf("second browser: %s, want 410", resp.Status)
	}
	if resp, _ := f.do(t, other, http.MethodGet, p+"/qr.png", nil); resp.StatusCode != http.StatusGone {
		t.Errorf("second browser QR: %s, want 410", resp.Status)
	}
	if resp, _ := f.do(t, client, http.MethodGet, "/r/unknown", nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown link: %s, want 404", resp.Status)
	}
	feed.End("fine")
	for _, q := range []string{"", "/qr.png", "/events"} {
		resp, err := client.Get(f.ts.URL + p + q)
		must(t, err)
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusGone {
			t.Errorf("after the session ended %s: %s, want 410", q, resp.Status)
		}
	}
	if _, err := f.srv.NewRemoteLink("C-s2", "s2"); err == nil {
		t.Error("new remote link for an ended session")
	}
}
