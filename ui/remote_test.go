package ui

import (
	"net/http"
	"strings"
	"testing"
)

// A link preview (a messenger fetching the link to show a card, with GET or HEAD) must not use up the one-time
// remote link: GET shows a page with a button, and only the button's POST claims the link for that browser.
func TestRemoteLinkTwoStep(t *testing.T) {
	f := newFixture(t)
	f.srv.cfg.PublicURL = "https://attesta.studio.example"
	pub := f.public(t)
	feed := f.srv.Feed("s3")
	feed.SetQR([]byte("\x89PNG code"))
	p, err := f.srv.NewRemoteLink("C-s3", "s3")
	must(t, err)

	preview := f.client(t)
	for _, m := range []string{http.MethodHead, http.MethodGet, http.MethodGet} {
		req, err := http.NewRequestWithContext(t.Context(), m, pub.URL+p, nil)
		must(t, err)
		resp, err := preview.Do(req)
		must(t, err)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("preview %s: %s, want 200", m, resp.Status)
		}
		if len(resp.Cookies()) != 0 {
			t.Fatalf("preview %s got a cookie: the link was claimed", m)
		}
	}
	if resp, _ := doURL(t, preview, http.MethodGet, pub.URL+p+"/qr.png", nil); resp.StatusCode != http.StatusGone {
		t.Fatalf("QR before the claim: %s, want 410", resp.Status)
	}

	client := f.client(t)
	resp, body := doURL(t, client, http.MethodGet, pub.URL+p, nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `method="post"`) || !strings.Contains(body, `action="`+p+`"`) ||
		strings.Contains(body, `data-base=`) {
		t.Fatalf("client's first look: %s, want a page with a button and no progress:\n%s", resp.Status, body)
	}
	// The claim refuses another site's form.
	for _, hdr := range []map[string]string{{"Sec-Fetch-Site": "cross-site"}, {"Origin": "https://evil.example"}} {
		if resp, _ := doURL(t, client, http.MethodPost, pub.URL+p, hdr); resp.StatusCode != http.StatusForbidden {
			t.Errorf("cross-site claim %v: %s, want 403", hdr, resp.Status)
		}
	}
	resp, _ = doURL(t, client, http.MethodPost, pub.URL+p, map[string]string{"Sec-Fetch-Site": "same-origin"})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != p {
		t.Fatalf("claim: %s to %q, want 303 to the page", resp.Status, resp.Header.Get("Location"))
	}
	if resp := postAccept(t, client, pub.URL+p, digestOf(memNoticeText("C-s3", Italian))); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("acceptance: %s", resp.Status)
	}
	if resp, body := doURL(t, client, http.MethodGet, pub.URL+p, nil); resp.StatusCode != http.StatusOK ||
		!strings.Contains(body, `data-base="`+p+`"`) {
		t.Fatalf("claimed page: %s\n%s", resp.Status, body)
	}
	if resp, _ := doURL(t, client, http.MethodGet, pub.URL+p+"/qr.png", nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("QR after the claim: %s", resp.Status)
	}
	// Once claimed, every other browser, the preview included, is refused, and cannot claim it either.
	if resp, _ := doURL(t, preview, http.MethodGet, pub.URL+p, nil); resp.StatusCode != http.StatusGone {
		t.Errorf("preview after the claim: %s, want 410", resp.Status)
	}
	if resp, _ := doURL(t, f.client(t), http.MethodPost, pub.URL+p, nil); resp.StatusCode != http.StatusGone {
		t.Errorf("second claim: %s, want 410", resp.Status)
	}
}

// A new client link for a session revokes the older ones, claimed or not: the technician makes one when the first
// went to the wrong person, and that person must lose the code at once.
func TestNewRemoteLinkRevokesOlder(t *testing.T) {
	f := newFixture(t)
	pub := f.public(t)
	f.srv.Feed("s5").SetQR([]byte("\x89PNG code"))
	other := f.public(t) // a second session's link must survive
	f.srv.Feed("s6").SetQR([]byte("\x89PNG other"))
	keep, err := f.srv.NewRemoteLink("C-s6", "s6")
	must(t, err)

	claim := func(c *http.Client, p string) *http.Response {
		resp, _ := doURL(t, c, http.MethodPost, pub.URL+p, map[string]string{"Sec-Fetch-Site": "same-origin"})
		return resp
	}
	first, err := f.srv.NewRemoteLink("C-s5", "s5")
	must(t, err)
	unclaimed, err := f.srv.NewRemoteLink("C-s5", "s5") // made and never opened
	must(t, err)
	// open claims the link p for c, accepts the notice and sees the QR code.
	open := func(c *http.Client, p, which string) {
		t.Helper()
		if resp := claim(c, p); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("claim of the %s link: %s", which, resp.Status)
		}
		if resp := postAccept(t, c, pub.URL+p, digestOf(memNoticeText("C-s5", Italian))); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("acceptance on the %s link: %s", which, resp.Status)
		}
		if resp, _ := doURL(t, c, http.MethodGet, pub.URL+p+"/qr.png", nil); resp.StatusCode != http.StatusOK {
			t.Fatalf("QR of the %s link: %s", which, resp.Status)
		}
	}
	wrong := f.client(t)
	open(wrong, unclaimed, "second")
	newest, err := f.srv.NewRemoteLink("C-s5", "s5")
	must(t, err)

	for _, p := range []string{first, unclaimed, unclaimed + "/qr.png"} {
		if resp, _ := doURL(t, wrong, http.MethodGet, pub.URL+p, nil); resp.StatusCode != http.StatusGone {
			t.Errorf("older link %s after a new one: %s, want 410", p, resp.Status)
		}
	}
	open(f.client(t), newest, "newest")
	if resp, _ := doURL(t, f.client(t), http.MethodGet, other.URL+keep, nil); resp.StatusCode != http.StatusOK {
		t.Errorf("another session's link: %s, want 200", resp.Status)
	}
}
