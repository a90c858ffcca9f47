package ui

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// memPrivacy is the in-memory data-protection backend of the ui tests: a case's notice is a text naming the case;
// an acceptance is kept when its digest is that text's.
type memPrivacy struct {
	mu       sync.Mutex
	accepted []string // case ids, in order
	mandates []PaperMandate
	requests []SubjectRequest
	reasons  []AccessReason
}

func memNoticeText(caseID string, lang Lang) string {
	if lang == English {
		return "Information notice for case " + caseID
	}
	return "Informativa per la pratica " + caseID
}

func digestOf(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func (p *memPrivacy) Bases(context.Context, Lang) []Basis {
	return []Basis{{ID: "contract", Label: "contratto"}, {ID: "legal-claims", Label: "difesa in giudizio"}}
}

func (p *memPrivacy) Notice(_ context.Context, caseID string, lang Lang) (Notice, error) {
	text := memNoticeText(caseID, lang)
	return Notice{Text: text, SHA256: digestOf(text), Case: CaseInfo{ID: caseID, Client: "Cliente di prova", MaxMessages: 10, ServiceMonths: 3}}, nil
}

func (p *memPrivacy) AcceptNotice(_ context.Context, caseID string, a Acceptance) error {
	if a.SHA256 != digestOf(memNoticeText(caseID, a.Lang)) {
		return fmt.Errorf("%w: not the notice of %s", ErrInvalid, caseID)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.accepted = append(p.accepted, caseID)
	return nil
}

func (p *memPrivacy) RecordMandate(_ context.Context, _ string, m PaperMandate) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.mandates = append(p.mandates, m)
	return nil
}

func (p *memPrivacy) SubjectRequests(context.Context) ([]SubjectRequest, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]SubjectRequest(nil), p.requests...), nil
}

func (p *memPrivacy) acceptances() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.accepted...)
}

// claimLink claims a remote link for c and returns the answer of its page.
func claimLink(t *testing.T, c *http.Client, base, p string) string {
	t.Helper()
	if resp, _ := doURL(t, c, http.MethodPost, base+p, nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("claim %s: %s", p, resp.Status)
	}
	_, body := doURL(t, c, http.MethodGet, base+p, nil)
	return body
}

// acceptLink claims a remote link for c and accepts its case's notice in Italian.
func acceptLink(t *testing.T, c *http.Client, base, p, caseID string) {
	t.Helper()
	claimLink(t, c, base, p)
	if resp := postAccept(t, c, base+p, digestOf(memNoticeText(caseID, Italian))); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("accept %s: %s", p, resp.Status)
	}
}

func postAccept(t *testing.T, c *http.Client, u, sum string) *http.Response {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, u+"/accept",
		strings.NewReader(url.Values{"sha256": {sum}, "lang": {"it"}}.Encode()))
	must(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := c.Do(req)
	must(t, err)
	resp.Body.Close()
	return resp
}

// The client sees the studio's notice and the mandate before anything else, and no QR code nor progress is
// served before the notice is accepted through that link: not by asking for them directly, not with the digest of
// another case's notice or of a changed text, not with another link's cookie, not before the claim.
func TestRemoteNoticeBeforeQR(t *testing.T) {
	f := newFixture(t)
	pub := f.public(t)
	priv := f.srv.cfg.Privacy.(*memPrivacy)
	pa, err := f.srv.NewRemoteLink("AT-2026-0001", "")
	must(t, err)
	pb, err := f.srv.NewRemoteLink("AT-2026-0002", "")
	must(t, err)

	client := f.client(t)
	// Before the claim: no acceptance, no code.
	if resp := postAccept(t, client, pub.URL+pa, digestOf(memNoticeText("AT-2026-0001", Italian))); resp.StatusCode != http.StatusGone {
		t.Errorf("acceptance before the claim: %s, want 410", resp.Status)
	}
	body := claimLink(t, client, pub.URL, pa)
	for _, want := range []string{"Informativa per la pratica AT-2026-0001", "Cliente di prova", `action="` + pa + `/accept"`,
		digestOf(memNoticeText("AT-2026-0001", Italian))} {
		if !strings.Contains(body, want) {
			t.Errorf("the notice page does not show %q:\n%s", want, body)
		}
	}
	if strings.Contains(body, "data-base=") || strings.Contains(body, "qr.png") {
		t.Errorf("the notice page leads to the code before the acceptance:\n%s", body)
	}
	f.srv.attachSession("AT-2026-0001", "J-A")
	f.srv.Feed("J-A").SetQR([]byte("\x89PNG code A"))
	for _, q := range []string{"/qr.png", "/events"} {
		if resp, _ := doURL(t, client, http.MethodGet, pub.URL+pa+q, nil); resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s before the acceptance: %s, want 403", q, resp.Status)
		}
	}
	// Another case's digest, a changed text, an empty one: refused, nothing recorded.
	for _, sum := range []string{digestOf(memNoticeText("AT-2026-0002", Italian)), digestOf("altro testo"), ""} {
		if resp := postAccept(t, client, pub.URL+pa, sum); resp.StatusCode != http.StatusConflict {
			t.Errorf("acceptance with digest %.8q: %s, want 409", sum, resp.Status)
		}
	}
	// Link B's browser replays its acceptance on link A: the cookie is not A's.
	other := f.client(t)
	acceptLink(t, other, pub.URL, pb, "AT-2026-0002")
	if resp := postAccept(t, other, pub.URL+pa, digestOf(memNoticeText("AT-2026-0001", Italian))); resp.StatusCode != http.StatusGone {
		t.Errorf("another link's browser accepting A: %s, want 410", resp.Status)
	}
	if resp, _ := doURL(t, other, http.MethodGet, pub.URL+pa+"/qr.png", nil); resp.StatusCode != http.StatusGone {
		t.Errorf("another link's browser asking A's code: %s, want 410", resp.Status)
	}
	if resp, _ := doURL(t, client, http.MethodGet, pub.URL+pa+"/qr.png", nil); resp.StatusCode != http.StatusForbidden {
		t.Errorf("A's code after the refused acceptances: %s, want 403", resp.Status)
	}
	if got := priv.acceptances(); len(got) != 1 || got[0] != "AT-2026-0002" {
		t.Fatalf("acceptances recorded: %v, want only B's", got)
	}

	// Accepted: the code shows.
	if resp := postAccept(t, client, pub.URL+pa, digestOf(memNoticeText("AT-2026-0001", Italian))); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("acceptance: %s", resp.Status)
	}
	if _, body := doURL(t, client, http.MethodGet, pub.URL+pa, nil); !strings.Contains(body, `data-base="`+pa+`"`) {
		t.Errorf("after the acceptance the page is not the session's:\n%s", body)
	}
	if resp, body := doURL(t, client, http.MethodGet, pub.URL+pa+"/qr.png", nil); resp.StatusCode != http.StatusOK || !bytes.Equal([]byte(body), []byte("\x89PNG code A")) {
		t.Errorf("QR after the acceptance: %s", resp.Status)
	}
	// B was accepted but has no session yet: it waits.
	if _, body := doURL(t, other, http.MethodGet, pub.URL+pb, nil); !strings.Contains(body, `id="wait"`) {
		t.Errorf("accepted link without a session: not the waiting page:\n%s", body)
	}
	if resp, _ := doURL(t, other, http.MethodGet, pub.URL+pb+"/qr.png", nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("QR without a session: %s, want 404", resp.Status)
	}
}

func (p *memPrivacy) SubjectRequest(_ context.Context, kind, phone, _ string) (SubjectAnswer, error) {
	if !strings.HasPrefix(strings.TrimPrefix(phone, "+"), "3") {
		return SubjectAnswer{}, fmt.Errorf("%w: the number: %q is not one", ErrInvalid, phone)
	}
	q := SubjectRequest{ID: "R1", Kind: kind, Masked: "+39…946", Outcome: "done"}
	ans := SubjectAnswer{Request: q, Cases: []SubjectCase{{Case: "AT-2026-0001", Role: "correspondent"}}}
	if kind == "erasure" {
		ans.Erased, ans.Kept = []string{"AT-2026-0001"}, []KeptCase{{Case: "AT-2026-0002", Reason: "legal hold: giudizio"}}
	}
	return ans, nil
}

func (p *memPrivacy) SubjectExport(_ context.Context, id, phone string, w io.Writer) error {
	if id != "R1" {
		return ErrNotFound
	}
	_, err := w.Write([]byte("PK export of " + phone))
	return err
}

func (p *memPrivacy) ProcessingRecord(_ context.Context, format string, w io.Writer) error {
	_, err := w.Write([]byte(format + " record"))
	return err
}

// The administrator's data-protection page: the record of processing as CSV and PDF downloads, a request answered
// on the page, an erasure only with its box ticked, the access export as a ZIP; a technician gets none of it. The
// home screen lists the requests waiting for their answer, an overdue one marked.
func TestPrivacyAdminScreens(t *testing.T) {
	f := newFixture(t)
	priv := f.srv.cfg.Privacy.(*memPrivacy)
	tech := f.signedIn(t, techPIN)
	for _, p := range []string{"/admin/privacy", "/admin/privacy/register/registro-trattamenti.csv"} {
		if resp, _ := f.do(t, tech, http.MethodGet, p, nil); resp.StatusCode == http.StatusOK {
			t.Errorf("a technician opened %s", p)
		}
	}
	admin := f.signedIn(t, adminPIN)
	resp, body := f.do(t, admin, http.MethodGet, "/admin/privacy/register/registro-trattamenti.pdf", nil)
	if resp.StatusCode != http.StatusOK || body != "pdf record" || !strings.Contains(resp.Header.Get("Content-Disposition"), "registro-trattamenti.pdf") {
		t.Errorf("register PDF: %s %q %q", resp.Status, body, resp.Header.Get("Content-Disposition"))
	}
	if resp, _ := f.do(t, admin, http.MethodGet, "/admin/privacy/register/registro-trattamenti.xls", nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("register as xls: %s, want 404", resp.Status)
	}
	post := func(path string, v url.Values) (*http.Response, string) { return f.post(t, admin, path, v) }
	if resp, body := post("/admin/privacy/request", url.Values{"phone": {"3771151946"}, "kind": {"erasure"}}); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Confermare") {
		t.Errorf("erasure without confirmation: %s", resp.Status)
	}
	if resp, body := post("/admin/privacy/request", url.Values{"phone": {"abc"}, "kind": {"access"}}); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "is not one") {
		t.Errorf("a bad number: %s", resp.Status)
	}
	resp, body = post("/admin/privacy/request", url.Values{"phone": {"3771151946"}, "kind": {"erasure"}, "confirm": {"1"}})
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `id="answer-kept"`) || !strings.Contains(body, "legal hold: giudizio") {
		t.Errorf("erasure: %s\n%s", resp.Status, body)
	}
	resp, body = post("/admin/privacy/request", url.Values{"phone": {"3771151946"}, "kind": {"access"}})
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `id="export"`) {
		t.Errorf("access: %s\n%s", resp.Status, body)
	}
	resp, body = post("/admin/privacy/export", url.Values{"id": {"R1"}, "phone": {"3771151946"}})
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/zip" || !strings.HasPrefix(body, "PK") {
		t.Errorf("export: %s %q", resp.Status, resp.Header.Get("Content-Type"))
	}

	now := f.clock.now()
	priv.mu.Lock()
	priv.requests = []SubjectRequest{
		{ID: "R-late", Kind: "erasure", Masked: "+39…111", Received: now.AddDate(0, -2, 0), Due: now.AddDate(0, -1, 0)},
		{ID: "R-soon", Kind: "access", Masked: "+39…222", Received: now, Due: now.AddDate(0, 1, 0)},
		{ID: "R-done", Kind: "access", Masked: "+39…333", Received: now, Due: now.AddDate(0, 1, 0), Answered: now},
	}
	priv.mu.Unlock()
	_, body = f.do(t, tech, http.MethodGet, "/home", nil)
	if !strings.Contains(body, `id="requests"`) || !strings.Contains(body, "R-late") || !strings.Contains(body, "R-soon") ||
		strings.Contains(body, "R-done") || !strings.Contains(body, `class="overdue">R-late`) {
		t.Errorf("home does not list the requests due:\n%s", body)
	}
}

func (p *memPrivacy) RecordAccessReason(_ context.Context, a AccessReason) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.reasons = append(p.reasons, a)
	return nil
}

func (p *memPrivacy) AccessReport(_ context.Context, caseID string) ([]AccessEntry, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []AccessEntry
	for i, a := range p.reasons {
		out = append(out, AccessEntry{Leaf: uint64(i), Type: "access-reason", What: a.What + " " + a.Delivery, Reason: a.Reason})
	}
	return out, nil
}

// A reason given when sharing a delivery is recorded with who gave it, and the case's access report shows it.
func TestShareReasonRecordedAndReported(t *testing.T) {
	f := newFixture(t)
	tech := f.signedIn(t, techPIN)
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, f.ts.URL+"/deliveries/"+deliveryName+"/share",
		strings.NewReader(url.Values{"reason": {"richiesta del CTU"}}.Encode()))
	must(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := tech.Do(req)
	must(t, err)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("share: %s", resp.Status)
	}
	priv := f.srv.cfg.Privacy.(*memPrivacy)
	if len(priv.reasons) != 1 || priv.reasons[0] != (AccessReason{Delivery: deliveryName, What: "share", Role: "technician", Reason: "richiesta del CTU"}) {
		t.Fatalf("reasons recorded: %+v", priv.reasons)
	}
	f.newShare(t, tech) // without a reason: nothing recorded
	if len(priv.reasons) != 1 {
		t.Errorf("a share without a reason recorded one: %+v", priv.reasons)
	}
	if _, body := f.do(t, tech, http.MethodGet, "/cases/C-0001/accesses", nil); !strings.Contains(body, "richiesta del CTU") {
		t.Errorf("the access report does not show the reason:\n%s", body)
	}
}

// The paper mandate's scan uploaded on the case page reaches the backend with its name and who uploaded it; a
// form without the file is answered with what to do.
func TestCaseMandateUpload(t *testing.T) {
	f := newFixture(t)
	c, err := f.back.CreateCase(t.Context(), NewCase{Client: "Mario Rossi", ServiceMonths: 3, MaxMessages: 10})
	must(t, err)
	tech := f.signedIn(t, techPIN)
	upload := func(withFile bool) (*http.Response, string) {
		var b bytes.Buffer
		mw := multipart.NewWriter(&b)
		if withFile {
			fw, err := mw.CreateFormFile("mandate", "mandato.pdf")
			must(t, err)
			fw.Write([]byte("%PDF-1.4 firmato"))
		}
		mw.Close()
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, f.ts.URL+"/cases/"+c.ID+"/mandate", &b)
		must(t, err)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		resp, err := tech.Do(req)
		must(t, err)
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp, string(body)
	}
	if resp, body := upload(false); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="mandate-errors"`) {
		t.Errorf("upload without a file: %s", resp.Status)
	}
	if resp, _ := upload(true); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("upload: %s", resp.Status)
	}
	priv := f.srv.cfg.Privacy.(*memPrivacy)
	if len(priv.mandates) != 1 || priv.mandates[0].Name != "mandato.pdf" || string(priv.mandates[0].Data) != "%PDF-1.4 firmato" {
		t.Errorf("mandates recorded: %+v", priv.mandates)
	}
}
