package ui

import (
	"net/http"
	"slices"
	"strings"
	"testing"
)

// TestPublicHandlerServesOnlyLinks checks the network-facing side: technician routes are not there even with a
// technician's session cookie, while share and remote links work and are built on the public address.
func TestPublicHandlerServesOnlyLinks(t *testing.T) {
	f := newFixture(t)
	f.srv.cfg.PublicURL = "https://attesta.studio.example/"
	pub := f.public(t)

	tech := f.client(t)
	f.login(t, tech, techPIN) // the cookie jar sends this session to the public side too: same host, other port
	admin := f.signedIn(t, adminPIN)
	for _, rt := range f.srv.routeTable() {
		if slices.Contains(publicRoutes, rt.pattern) {
			continue
		}
		method, path := samplePath(rt.pattern)
		for _, c := range []*http.Client{tech, admin} {
			req, _ := http.NewRequestWithContext(t.Context(), method, pub.URL+path, nil)
			resp, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusNotFound && resp.StatusCode != http.StatusMethodNotAllowed {
				t.Errorf("public side: %s %s answered %s, want 404", method, path, resp.Status)
			}
		}
	}

	token := f.newShare(t, tech)
	_, page := f.do(t, tech, http.MethodGet, "/deliveries", nil)
	if strings.Contains(page, token) {
		t.Fatal("the deliveries page shows the token again")
	}
	rcpt := f.client(t)
	resp, err := rcpt.Get(pub.URL + "/s/" + token + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Security-Policy") == "" {
		t.Fatalf("share link on the public side: %s, CSP %q", resp.Status, resp.Header.Get("Content-Security-Policy"))
	}

	f.srv.Feed("J-0001").Progress("chat 1 di 1: allegati", 0, 1)
	remote, err := f.srv.NewRemoteLink("C-J-0001", "J-0001")
	if err != nil {
		t.Fatal(err)
	}
	if resp, err = rcpt.Get(pub.URL + remote); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("remote link on the public side: %s", resp.Status)
	}
}

func TestLinksUsePublicURL(t *testing.T) {
	f := newFixture(t)
	f.srv.cfg.PublicURL = "https://attesta.studio.example/"
	tech := f.signedIn(t, techPIN)
	resp, body := f.do(t, tech, http.MethodPost, "/deliveries/"+deliveryName+"/share", nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "https://attesta.studio.example/s/") {
		t.Fatalf("share page: %s, want a link on the public address:\n%s", resp.Status, body)
	}
}
