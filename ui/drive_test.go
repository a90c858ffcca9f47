package ui

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// The in-memory backend's Google Drive: the client's authorization shows a code until it is revoked.
func (m *memBackend) DriveEnabled() bool { return true }

func (m *memBackend) AuthorizeDrive(_ context.Context, id string) (DriveCode, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i := range m.cases {
		if m.cases[i].ID == id {
			if m.cases[i].Delivery != DeliveryClientDrive && m.cases[i].Delivery != DeliveryStudioDrive {
				return DriveCode{}, ErrInvalid
			}
			m.cases[i].DriveCode = &DriveCode{URL: "https://www.google.com/device", UserCode: "BXKD-QTRW", Expires: m.now().Add(30 * time.Minute)}
			return *m.cases[i].DriveCode, nil
		}
	}
	return DriveCode{}, ErrNotFound
}

func (m *memBackend) RevokeDrive(_ context.Context, id, _ string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i := range m.cases {
		if m.cases[i].ID == id {
			m.cases[i].DriveAuthorized, m.cases[i].DriveCode = false, nil
			return nil
		}
	}
	return ErrNotFound
}

// A case opened for the client's Drive shows its readers and, once asked, the code the client types; the job's
// results list each folder's Drive link; both languages.
func TestDriveOnTheCase(t *testing.T) {
	f := newFixture(t)
	c := f.signedIn(t, techPIN)
	resp, body := f.do(t, c, http.MethodGet, "/cases/new", nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `value="client-drive"`) {
		t.Fatalf("new-case form: %s, no Drive choice", resp.Status)
	}
	resp, _ = f.post(t, c, "/cases", url.Values{"client": {"Mario Rossi"}, "phone": {"3771151946"}, "plan": {"10"}, "service": {"3"},
		"delivery": {DeliveryClientDrive}, "delivery_emails": {"avvocato@example.it"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("create: %s", resp.Status)
	}
	id := strings.TrimPrefix(resp.Header.Get("Location"), "/cases/")
	resp, _ = f.post(t, c, "/cases/"+id+"/drive/authorize", url.Values{})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("authorize: %s", resp.Status)
	}
	f.back.mu.Lock()
	f.back.jobs = append(f.back.jobs, JobInfo{ID: "j0123456789abcdef", Kind: "web", Case: id, State: JobDone,
		Chats: []ChatResult{{Line: 2, Chat: "3771151946 Mario", Folder: "3771151946-15-gennaio-2026",
			DriveLink: "https://drive.google.com/drive/folders/1D2x"}}})
	f.back.mu.Unlock()
	for _, lang := range langs {
		cookie := map[string]string{"Cookie": langCookie + "=" + string(lang)}
		_, page := f.do(t, c, http.MethodGet, "/cases/"+id, cookie)
		for _, want := range []string{`id="delivery"`, "avvocato@example.it", "BXKD-QTRW", "https://www.google.com/device",
			html.EscapeString(translate(lang, "drive.clients-drive"))} {
			if !strings.Contains(page, want) {
				t.Errorf("%s case page lacks %q", lang, want)
			}
		}
		_, job := f.do(t, c, http.MethodGet, "/jobs/j0123456789abcdef", cookie)
		if !strings.Contains(job, `href="https://drive.google.com/drive/folders/1D2x"`) {
			t.Errorf("%s job page lacks the Drive link", lang)
		}
	}
	resp, _ = f.post(t, c, "/cases/"+id+"/drive/revoke", url.Values{})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("revoke: %s", resp.Status)
	}
	if _, page := f.do(t, c, http.MethodGet, "/cases/"+id, nil); strings.Contains(page, "BXKD-QTRW") {
		t.Error("the code is still shown after the revocation")
	}
	if resp, _ := f.post(t, c, "/cases/C-9999/drive/authorize", url.Values{}); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown case: %s", resp.Status)
	}
	studio, err := f.back.CreateCase(t.Context(), NewCase{Client: "Anna Neri", ServiceMonths: 3, MaxMessages: 10, Delivery: DeliveryStudioDrive})
	must(t, err)
	for _, lang := range langs {
		_, page := f.do(t, c, http.MethodGet, "/cases/"+studio.ID, map[string]string{"Cookie": langCookie + "=" + string(lang)})
		if !strings.Contains(page, `id="drive-authorize"`) || strings.Contains(page, "⟦") ||
			!strings.Contains(page, html.EscapeString(translate(lang, "drive.studio-not-authorized"))) {
			t.Errorf("%s: studio-Drive case page without its authorization", lang)
		}
	}
}

// The client's remote page shows the Drive code to type, on the public listener, once the link is claimed and the
// notice accepted; before that it shows nothing of it.
func TestDriveCodeOnTheRemotePage(t *testing.T) {
	f := newFixture(t)
	pub := f.public(t)
	c, err := f.back.CreateCase(t.Context(), NewCase{Client: "Mario Rossi", ServiceMonths: 3, MaxMessages: 10, Delivery: DeliveryClientDrive})
	must(t, err)
	_, err = f.back.AuthorizeDrive(t.Context(), c.ID)
	must(t, err)
	p, err := f.srv.NewRemoteLink(c.ID, "")
	must(t, err)
	client := f.client(t)
	if _, body := doURL(t, client, http.MethodGet, pub.URL+p, nil); strings.Contains(body, "BXKD-QTRW") {
		t.Fatal("the code shows before the link is claimed")
	}
	resp, _ := doURL(t, client, http.MethodPost, pub.URL+p, map[string]string{"Sec-Fetch-Site": "same-origin"})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("claim: %s", resp.Status)
	}
	if resp := postAccept(t, client, pub.URL+p, digestOf(memNoticeText(c.ID, Italian))); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("acceptance: %s", resp.Status)
	}
	resp, body := doURL(t, client, http.MethodGet, pub.URL+p, nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `id="drive-user-code">BXKD-QTRW<`) ||
		!strings.Contains(body, "https://www.google.com/device") {
		t.Fatalf("remote page: %s, no Drive code:\n%s", resp.Status, body)
	}

	// The studio's own authorization never shows on a client's page.
	studio, err := f.back.CreateCase(t.Context(), NewCase{Client: "Anna Neri", ServiceMonths: 3, MaxMessages: 10, Delivery: DeliveryStudioDrive})
	must(t, err)
	_, err = f.back.AuthorizeDrive(t.Context(), studio.ID)
	must(t, err)
	p, err = f.srv.NewRemoteLink(studio.ID, "")
	must(t, err)
	client = f.client(t)
	doURL(t, client, http.MethodPost, pub.URL+p, map[string]string{"Sec-Fetch-Site": "same-origin"})
	if resp := postAccept(t, client, pub.URL+p, digestOf(memNoticeText(studio.ID, Italian))); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("acceptance: %s", resp.Status)
	}
	if _, body := doURL(t, client, http.MethodGet, pub.URL+p, nil); strings.Contains(body, "BXKD-QTRW") {
		t.Error("the studio's Drive code shows on the client's remote page")
	}
}
