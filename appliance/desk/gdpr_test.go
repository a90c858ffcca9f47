package desk_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/attesta/attesta/appliance"
	"github.com/attesta/attesta/appliance/desk"
	"github.com/attesta/attesta/journal"
	"github.com/attesta/attesta/ui"
)

// postForm posts a form with c and returns the answer and its body.
func postForm(t *testing.T, c *http.Client, u string, v url.Values) (*http.Response, string) {
	t.Helper()
	resp, err := c.PostForm(u, v)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	b.ReadFrom(resp.Body)
	return resp, b.String()
}

// noticeDigest reads the digest of the notice on a client's page.
func noticeDigest(t *testing.T, body string) string {
	t.Helper()
	_, rest, ok := strings.Cut(body, `name="sha256" value="`)
	sum, _, _ := strings.Cut(rest, `"`)
	if !ok || len(sum) != 64 {
		t.Fatalf("no notice digest on the page:\n%s", body)
	}
	return sum
}

// A remote session cannot start, and no QR code is shown, before the client accepted the case's notice: not
// through the technician's form, not through the desk, not by asking the client's page for the code, not by
// replaying another case's acceptance on the link or on the desk. A couriered phone's extraction needs the paper
// mandate, which is kept encrypted and journaled as an artifact. A restricted case takes no acquisition.
func TestNoAcquisitionBeforeNoticeOrMandate(t *testing.T) {
	ctx := t.Context()
	dir, out := t.TempDir(), t.TempDir()
	a := openSim(t, dir)
	creds, err := appliance.LoadOrCreateCredentials(dir, uiTechPIN, erasureAdminPIN)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := a.UIServer(creds, out)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	pub := httptest.NewServer(srv.PublicHandler())
	t.Cleanup(pub.Close)
	caseA := newCase(t, a)
	other := goodCase()
	other.Client, other.ClientPhone = "Studio Verdi", "333 999 0000"
	caseB := createCase(t, a, other)
	list := "numero;nominativo;dal;al\n3331112222;Mario Rossi;2026-01-10;2026-01-20\n"
	refusedWeb := func(when string) {
		t.Helper()
		if _, err := a.Desk().StartWebSession(ctx, ui.WebSession{Case: caseA.ID, List: list}); !errors.Is(err, ui.ErrNoNotice) || !errors.Is(err, ui.ErrInvalid) {
			t.Fatalf("%s: StartWebSession: %v, want ErrInvalid and ErrNoNotice", when, err)
		}
	}
	refusedWeb("no acceptance")

	tech := uiClient(t, ts.URL, uiTechPIN)
	resp, body := postForm(t, tech, ts.URL+"/cases/"+caseA.ID+"/session", url.Values{"list": {list}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "notice") {
		t.Fatalf("the technician's start before the acceptance: %s, want 422 naming the notice", resp.Status)
	}
	link := func(caseID string) string {
		resp, body := uiDo(t, tech, http.MethodPost, ts.URL+"/cases/"+caseID+"/remote")
		_, rest, ok := strings.Cut(body, "/r/")
		if resp.StatusCode != http.StatusOK || !ok {
			t.Fatalf("case link of %s: %s", caseID, resp.Status)
		}
		token, _, _ := strings.Cut(rest, "<")
		return pub.URL + "/r/" + token
	}
	linkA, linkB := link(caseA.ID), link(caseB.ID)
	clientA, clientB := uiClient(t, ts.URL, uiTechPIN), uiClient(t, ts.URL, uiTechPIN) // browsers with cookie jars
	for _, c := range []struct {
		cl *http.Client
		l  string
	}{{clientA, linkA}, {clientB, linkB}} {
		if resp, _ := postForm(t, c.cl, c.l, nil); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("claim: %s", resp.Status)
		}
	}
	_, pageA := uiDo(t, clientA, http.MethodGet, linkA)
	_, pageB := uiDo(t, clientB, http.MethodGet, linkB)
	for _, want := range []string{caseA.ID, "Studio Legale Rossi", "art. 6(1)(f) e 9(2)(f)", "20 messaggi"} {
		if !strings.Contains(pageA, want) {
			t.Errorf("client A's notice page does not show %q", want)
		}
	}
	sumA, sumB := noticeDigest(t, pageA), noticeDigest(t, pageB)
	if resp, _ := uiDo(t, clientA, http.MethodGet, linkA+"/qr.png"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("A's QR before the acceptance: %s, want 403", resp.Status)
	}
	// B accepts B; B's acceptance replayed on A's link, by A's browser or B's, and on the desk, is refused.
	if resp, _ := postForm(t, clientB, linkB+"/accept", url.Values{"sha256": {sumB}, "lang": {"it"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("B's acceptance: %s", resp.Status)
	}
	if resp, _ := postForm(t, clientA, linkA+"/accept", url.Values{"sha256": {sumB}, "lang": {"it"}}); resp.StatusCode != http.StatusConflict {
		t.Errorf("B's digest on A's link: %s, want 409", resp.Status)
	}
	if resp, _ := postForm(t, clientB, linkA+"/accept", url.Values{"sha256": {sumA}, "lang": {"it"}}); resp.StatusCode != http.StatusGone {
		t.Errorf("B's browser accepting on A's link: %s, want 410", resp.Status)
	}
	if err := a.Desk().AcceptNotice(ctx, caseA.ID, ui.Acceptance{Lang: ui.Italian, SHA256: sumB}); !errors.Is(err, ui.ErrInvalid) {
		t.Errorf("B's digest for A on the desk: %v, want ErrInvalid", err)
	}
	if resp, _ := uiDo(t, clientA, http.MethodGet, linkA+"/qr.png"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("A's QR after the replays: %s, want 403", resp.Status)
	}
	refusedWeb("after the replays")
	if info, _ := a.Desk().Case(ctx, caseB.ID); info.NoticeAccepted.IsZero() {
		t.Error("B's acceptance was not recorded")
	}
	leaves := leavesOfType(t, a, desk.LeafNoticeAccepted)
	if len(leaves) != 1 || leaves[0].Case != caseB.ID || leaves[0].Fields["sha256"] != sumB || leaves[0].Fields["channel"] != "remote-link" {
		t.Fatalf("notice leaves: %+v, want B's acceptance only", leaves)
	}
	for k := range leaves[0].Fields {
		if k == "remote" || k == "addr" || k == "ip" {
			t.Errorf("the acceptance leaf holds an address: %v", leaves[0].Fields)
		}
	}

	// A couriered phone: no extraction before the paper mandate; a file that is no scan is refused.
	key := strings.Repeat("ab", 32)
	if _, err := a.Desk().StartExtraction(ctx, ui.Extraction{Case: caseA.ID, Key: key, List: list}); !errors.Is(err, ui.ErrNoNotice) {
		t.Fatalf("extraction without the mandate: %v, want ErrNoNotice", err)
	}
	if err := a.Desk().RecordMandate(ctx, caseA.ID, ui.PaperMandate{Name: "x.exe", Data: []byte("MZ\x90\x00 not a scan")}); !errors.Is(err, ui.ErrInvalid) {
		t.Errorf("a mandate that is no scan: %v, want ErrInvalid", err)
	}
	recordMandate(t, a, caseA.ID)
	arts := leavesOfType(t, a, journal.TypeArtifact)
	if len(arts) != 1 || arts[0].Fields["kind"] != "mandate" || arts[0].Case != caseA.ID {
		t.Fatalf("artifact leaves: %+v, want the mandate", arts)
	}
	if err := a.Blobs().CheckBlob(ctx, caseA.ID, arts[0].Fields["sha256"].(string), int64(len("%PDF-1.4\nmandato firmato\n"))); err != nil {
		t.Errorf("the mandate's blob: %v", err)
	}
	if _, err := a.Desk().StartExtraction(ctx, ui.Extraction{Case: caseA.ID, Key: key, List: list}); errors.Is(err, ui.ErrNoNotice) {
		t.Errorf("extraction with the mandate: %v", err)
	}
	a.Desk().StopJobs()

	// A restriction freezes the case, accepted notice or not.
	if _, err := a.Desk().Restrict(ctx, "+393339990000", "dpo"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Desk().StartWebSession(ctx, ui.WebSession{Case: caseB.ID, List: list}); !errors.Is(err, ui.ErrNoNotice) {
		t.Errorf("a web session on a restricted case: %v, want ErrNoNotice", err)
	}
}

// An access request for a correspondent's number finds the case and the deliveries that concern it and exports
// them with their journal proofs; the erasure request that follows erases that case — its evidence, deliveries,
// links, register entries — and keeps, and lists with its reason, the case on legal hold that names the number too.
// Afterwards no file of the data or deliveries folder (database, indexes, log, share records, request register)
// holds the number, nor the erased case's other personal data, in the clear. Each request, its deadline one month
// on, and its answer are journaled.
func TestSubjectAccessThenErasure(t *testing.T) {
	ctx := t.Context()
	ws := webSessionThroughUI(t, "127.0.0.1:1")
	a, dir, out, ts, srv, caseID, phones := ws.a, ws.dir, ws.out, ws.ts, ws.srv, ws.caseID, ws.phones
	subject := phones[slices.IndexFunc(phones, func(p string) bool { return p != clientAccount })] // a correspondent
	// Another client's case names the same number in its list, and is on legal hold.
	nc := goodCase()
	nc.Client, nc.ClientPhone = "Studio Verdi", "333 999 0000"
	held := createCase(t, a, nc)
	recordMandate(t, a, held.ID)
	hj, err := a.Desk().StartExtraction(ctx, ui.Extraction{Case: held.ID, Key: strings.Repeat("ab", 32),
		List: "numero;nominativo;dal;al\n+" + subject + ";Corrispondente;2026-01-10;2026-01-20\n"})
	if err != nil {
		t.Fatal(err)
	}
	waitJob(t, a, hj.ID)
	if err := a.Desk().SetHold(ctx, held.ID, true, "avv. Bianchi", "giudizio pendente R.G. 123/2026"); err != nil {
		t.Fatal(err)
	}

	// Access.
	export := filepath.Join(t.TempDir(), "accesso")
	ans, err := a.Desk().Access(ctx, "+"+subject, "dpo", export)
	if err != nil {
		t.Fatal(err)
	}
	var found []string
	for _, c := range ans.Cases {
		found = append(found, c.Case+"/"+c.Role)
	}
	if want := []string{caseID + "/correspondent", held.ID + "/correspondent"}; !slices.Equal(found, want) {
		t.Errorf("access found cases %v, want %v", found, want)
	}
	if len(ans.Deliveries) != 1 || ans.Deliveries[0].Messages == 0 || ans.Deliveries[0].Case != caseID {
		t.Fatalf("access found deliveries %+v, want the subject's one chat", ans.Deliveries)
	}
	folder := ans.Deliveries[0].Folder
	// The subject's delivery was shared, and the link opened, with a reason.
	tech := uiClient(t, ts.URL, uiTechPIN)
	resp, body := postForm(t, tech, ts.URL+"/deliveries/"+folder+"/share", url.Values{"reason": {"richiesta del CTU"}})
	_, rest, ok := strings.Cut(body, "/s/")
	if resp.StatusCode != http.StatusOK || !ok {
		t.Fatalf("share %s: %s", folder, resp.Status)
	}
	token, _, _ := strings.Cut(rest, "/")
	if resp, _ := uiDo(t, http.DefaultClient, http.MethodGet, ts.URL+"/s/"+token+"/"); resp.StatusCode != http.StatusOK {
		t.Fatalf("share link: %s", resp.Status)
	}
	if err := srv.FlushShareAccess(ctx); err != nil {
		t.Fatal(err)
	}
	var exp struct {
		Format string `json:"format"`
		Cases  []struct {
			Case  string `json:"case"`
			Basis string `json:"basis"`
		} `json:"cases"`
	}
	b, err := os.ReadFile(filepath.Join(export, "access.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &exp); err != nil || exp.Format != "attesta.gdpr.access/v1" || len(exp.Cases) != 2 ||
		!strings.Contains(exp.Cases[0].Basis, "9(2)(f)") {
		t.Errorf("access.json: %v\n%s", err, b)
	}
	for _, f := range []string{"manifest.json", "proofs/checkpoint", "proofs/delivery-leaf.json"} {
		if _, err := os.Stat(filepath.Join(export, folder, f)); err != nil {
			t.Errorf("the export lacks %s: %v", f, err)
		}
	}

	// A restriction, asked by the client: the case's deliveries are no longer shared.
	if _, err := a.Desk().Restrict(ctx, "+"+clientAccount, "dpo"); err != nil {
		t.Fatal(err)
	}
	before := len(leavesOfType(t, a, appliance.LeafShareCreated))
	if resp, _ := postForm(t, tech, ts.URL+"/deliveries/"+folder+"/share", nil); resp.StatusCode != http.StatusConflict {
		t.Errorf("sharing a restricted case's delivery: %s, want 409", resp.Status)
	}
	if n := len(leavesOfType(t, a, appliance.LeafShareCreated)); n != before {
		t.Errorf("a refused share was journaled")
	}

	// Erasure.
	ans, err = a.Desk().Erase(ctx, strings.TrimPrefix(subject, "39"), "dpo") // the national form, as a person writes it
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ans.Erased, []string{caseID}) || len(ans.Kept) != 1 || ans.Kept[0].Case != held.ID ||
		!strings.Contains(ans.Kept[0].Reason, "giudizio pendente") {
		t.Fatalf("erasure: erased %v, kept %+v; want %s erased and %s kept for its hold", ans.Erased, ans.Kept, caseID, held.ID)
	}
	reqs, err := a.Desk().SubjectRequests(ctx)
	if err != nil || len(reqs) != 3 {
		t.Fatalf("requests: %+v, %v", reqs, err)
	}
	for _, q := range reqs {
		if q.Answered.IsZero() || q.Due.Sub(q.Received) < 28*24*time.Hour || q.Due.Sub(q.Received) > 32*24*time.Hour {
			t.Errorf("request %+v: want answered, due a month after it was received", q)
		}
	}
	if n, m := len(leavesOfType(t, a, desk.LeafSubjectRequest)), len(leavesOfType(t, a, desk.LeafSubjectAnswer)); n != 3 || m != 3 {
		t.Errorf("journal: %d requests and %d answers, want 3 and 3", n, m)
	}

	var needles []string
	for _, p := range append(slices.Clone(phones), clientAccount) {
		needles = append(needles, "+"+p, p, strings.TrimPrefix(p, "39"))
	}
	needles = append(needles, folder, goodCase().Client, strings.Join(strings.Fields(goodCase().Client), " "), "richiesta del CTU")
	a.Close()
	for _, root := range []string{dir, out} {
		for _, hit := range findPersonalData(t, root, needles) {
			t.Error(hit)
		}
	}
	// What the hold keeps stays: the held case's register entry.
	if b, _ := os.ReadFile(filepath.Join(dir, "cases.json")); !bytes.Contains(b, []byte("Studio Verdi")) {
		t.Error("the case on legal hold lost its register entry")
	}
}

// A reason given for an access is journaled as a digest, kept in the register, and shown in the case's access
// report beside the other accesses the journal holds (the notice accepted); another case's accesses are not.
func TestAccessReasonsAndReport(t *testing.T) {
	ctx := t.Context()
	a := openSim(t, t.TempDir())
	c := newCase(t, a)
	other := newCase(t, a)
	acceptNotice(t, a, c.ID)
	acceptNotice(t, a, other.ID)
	if err := a.Desk().RecordAccessReason(ctx, ui.AccessReason{Case: c.ID, What: "view", Role: "admin", Reason: "  verifica   del DPO "}); err != nil {
		t.Fatal(err)
	}
	if err := a.Desk().RecordAccessReason(ctx, ui.AccessReason{Case: c.ID, What: "view", Reason: strings.Repeat("x", 501)}); !errors.Is(err, ui.ErrInvalid) {
		t.Errorf("a 501-character reason: %v, want ErrInvalid", err)
	}
	if err := a.Desk().RecordAccessReason(ctx, ui.AccessReason{Case: "AT-1999-0001", What: "view", Reason: "x"}); !errors.Is(err, ui.ErrNotFound) {
		t.Errorf("a reason for an unknown case: %v, want ErrNotFound", err)
	}
	rep, err := a.Desk().AccessReport(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, e := range rep {
		types = append(types, e.Type)
	}
	if !slices.Equal(types, []string{desk.LeafNoticeAccepted, desk.LeafAccessReason}) || rep[1].Reason != "verifica del DPO" ||
		!strings.Contains(rep[1].What, "by_role: admin") {
		t.Fatalf("access report: %+v", rep)
	}
	leaves := leavesOfType(t, a, desk.LeafAccessReason)
	if len(leaves) != 1 || leaves[0].Fields["reason_sha256"] == nil || strings.Contains(fmt.Sprint(leaves[0].Fields), "DPO") {
		t.Errorf("the reason's leaf: %+v, want its digest and not its text", leaves)
	}
}
