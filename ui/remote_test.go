package ui

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// A link preview (a messenger fetching the link to show a card, with GET or HEAD) must not use up the one-time
// remote link: GET shows a page with a button, and only the button's POST claims the link for that browser.
func TestRemoteLinkTwoStep(t *testing.T) {
	f := newFixture(t)
	f.srv.cfg.PublicURL = "https://attesta.studio.example"
	pub := httptest.NewServer(f.srv.PublicHandler())
	t.Cleanup(pub.Close)
	feed := f.srv.Feed("s3")
	feed.SetQR([]byte("\x89PNG code"))
	p, err := f.srv.NewRemoteLink("s3")
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
