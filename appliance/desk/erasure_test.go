package desk_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"io/fs"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/attesta/attesta/appliance"
	"github.com/attesta/attesta/appliance/desk"
	"github.com/attesta/attesta/appliance/retention"
	"github.com/attesta/attesta/capture/web/webtest"
	"github.com/attesta/attesta/ui"
)

const erasureAdminPIN = "97531864"

// A case at the end of its retention leaves nothing personal on the appliance: after a real session through the
// WhatsApp Web replica, share links made, opened and one revoked on the touch UI, and the case erased by the
// retention round, no file under the data folder or the deliveries folder (indexes, ZIPs, share store, job
// records, case register, the log) holds the case's numbers in any of their forms, the delivery folders' names,
// the client's name or the chats' names. Every link of the case is revoked once (the administrator's page counts
// none active), and opening one answers 410 Gone and journals nothing.
func TestErasureLeavesNoPersonalData(t *testing.T) {
	ctx := t.Context()
	// No Logger: the appliance logs to DataDir/attesta.log, which the search below reads too.
	ws := webSessionThroughUI(t, "")
	a, dir, out, ts, srv, caseID, j, phones, sc := ws.a, ws.dir, ws.out, ws.ts, ws.srv, ws.caseID, ws.job, ws.phones, ws.sc
	var folders []string
	for _, c := range j.Chats {
		if c.Folder != "" {
			folders = append(folders, filepath.Base(c.Folder))
		}
	}
	if len(folders) < 2 {
		t.Fatalf("the session delivered %v, want at least two folders", folders)
	}
	for _, name := range []string{"index.json", "index.html", folders[0] + ".zip"} {
		if _, err := os.Stat(filepath.Join(out, name)); err != nil {
			t.Fatalf("the session wrote no %s: %v", name, err)
		}
	}

	// On the touch UI: a link for each delivery, each opened by its recipient, the first revoked by hand.
	tech := uiClient(t, ts.URL, uiTechPIN)
	var tokens []string
	for _, f := range folders {
		resp, body := uiDo(t, tech, http.MethodPost, ts.URL+"/deliveries/"+f+"/share")
		_, rest, ok := strings.Cut(body, "/s/")
		if resp.StatusCode != http.StatusOK || !ok {
			t.Fatalf("share %s: %s", f, resp.Status)
		}
		token, _, _ := strings.Cut(rest, "/")
		tokens = append(tokens, token)
		if resp, _ := uiDo(t, http.DefaultClient, http.MethodGet, ts.URL+"/s/"+token+"/"); resp.StatusCode != http.StatusOK {
			t.Fatalf("share link of %s: %s", f, resp.Status)
		}
	}
	if resp, _ := uiDo(t, tech, http.MethodPost, ts.URL+"/shares/"+sha256Hex(tokens[0])+"/revoke"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("revoke: %s", resp.Status)
	}
	if err := srv.FlushShareAccess(ctx); err != nil {
		t.Fatal(err)
	}

	info, _ := a.Desk().Case(ctx, caseID)
	s, err := a.Desk().RetentionScheduler(ctx, retention.Options{Now: func() time.Time { return info.RetainUntil.Add(time.Second) }})
	if err != nil {
		t.Fatal(err)
	}
	if round, err := s.Check(ctx); err != nil || len(round.Erased) != 1 {
		t.Fatalf("retention round: %+v, %v; want the case erased", round, err)
	}

	// Every link of the case is revoked, once each; the administrator counts none active.
	revoked := map[string]int{}
	for _, e := range leavesOfType(t, a, appliance.LeafShareRevoked) {
		revoked[e.Fields["token_sha256"].(string)]++
	}
	for _, tok := range tokens {
		if n := revoked[sha256Hex(tok)]; n != 1 {
			t.Errorf("link %.8s… revoked %d times in the journal, want once", tok, n)
		}
	}
	admin := uiClient(t, ts.URL, erasureAdminPIN)
	if _, body := uiDo(t, admin, http.MethodGet, ts.URL+"/admin"); !regexp.MustCompile(`id="shares">0<`).MatchString(body) {
		t.Errorf("the administrator's page counts active links after the erasure:\n%s", body)
	}
	// Opening an erased delivery's link, or revoking it again, journals nothing.
	size := a.Journal().Size()
	for _, tok := range tokens {
		for _, p := range []string{"/", "/relazione.pdf"} {
			if resp, _ := uiDo(t, http.DefaultClient, http.MethodGet, ts.URL+"/s/"+tok+p); resp.StatusCode != http.StatusGone {
				t.Errorf("erased delivery's link %s: %s, want 410 Gone", p, resp.Status)
			}
		}
		uiDo(t, tech, http.MethodPost, ts.URL+"/shares/"+sha256Hex(tok)+"/revoke")
	}
	if err := srv.FlushShareAccess(ctx); err != nil {
		t.Fatal(err)
	}
	if got := a.Journal().Size(); got != size {
		t.Errorf("opening and revoking erased links added %d journal leaves, want none", got-size)
	}

	// Nothing personal left, in any file or file name.
	var needles []string
	for _, p := range append(phones, clientAccount) {
		needles = append(needles, "+"+p, p, strings.TrimPrefix(p, "39"))
	}
	needles = append(needles, folders...)
	needles = append(needles, goodCase().Client, strings.Join(strings.Fields(goodCase().Client), " "))
	for _, c := range sc.Chats {
		if strings.HasSuffix(c.ID, "@c.us") || c.Phone != "" {
			needles = append(needles, c.Title)
		}
	}
	a.Close() // the log and the journal written out
	for _, root := range []string{dir, out} {
		for _, hit := range findPersonalData(t, root, needles) {
			t.Error(hit)
		}
	}
}

// findPersonalData returns, for every file under root whose name or content holds one of needles, what it holds.
func findPersonalData(t *testing.T, root string, needles []string) []string {
	t.Helper()
	var hits []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		var data []byte
		if d.Type().IsRegular() {
			if data, err = os.ReadFile(p); err != nil {
				return err
			}
		}
		for _, n := range needles {
			switch {
			case strings.Contains(rel, n):
				hits = append(hits, rel+": its name holds "+n)
			case bytes.Contains(data, []byte(n)):
				i := bytes.Index(data, []byte(n))
				hits = append(hits, rel+": holds "+n+": …"+string(data[max(0, i-80):min(len(data), i+len(n)+40)])+"…")
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return hits
}

// uiClient logs a browser of its own into the touch UI at base with pin.
func uiClient(t *testing.T, base, pin string) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.PostForm(base+"/login", url.Values{"pin": {pin}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: %s", resp.Status)
	}
	return c
}

// uiDo sends a request without a body and returns the answer and its body.
func uiDo(t *testing.T, c *http.Client, method, u string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

// sha256Hex is the hash under which a share link's token is kept.
func sha256Hex(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// webSession is an appliance on the WhatsApp Web replica with its touch UI served, after one remote session of a
// new case that the client's own phone linked.
type webSession struct {
	a      *appliance.Appliance
	dir    string // the data folder
	out    string // the deliveries folder
	ts     *httptest.Server
	srv    *ui.Server
	caseID string
	job    ui.JobInfo
	phones []string // the numbers of the session's list
	sc     *webtest.Scenario
}

// uiAppliance opens the appliance of cfg with its jobs running for the test and serves its touch UI, whose
// deliveries go to out; the technician's PIN is uiTechPIN, the administrator's erasureAdminPIN.
func uiAppliance(t *testing.T, cfg appliance.Config, out string) (*appliance.Appliance, *ui.Server, *httptest.Server) {
	t.Helper()
	a, err := appliance.Open(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	if err := a.Desk().OpenJobs(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Desk().StopJobs)
	creds, err := appliance.LoadOrCreateCredentials(cfg.DataDir, uiTechPIN, erasureAdminPIN)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := a.UIServer(creds, out) // the deliveries folder and the share links of the touch UI
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return a, srv, ts
}

// webSessionThroughUI opens the appliance (adb at adb, when given), serves its touch UI and runs the session to
// its end.
func webSessionThroughUI(t *testing.T, adb string) webSession {
	t.Helper()
	ctx := t.Context()
	sc := webtest.MustDefaultScenario("basic")
	wa := webtest.NewServer(sc)
	t.Cleanup(wa.Close)
	dir, out := t.TempDir(), t.TempDir()
	a, srv, ts := uiAppliance(t, appliance.Config{DataDir: dir, TPM: "sim", WhatsAppWebURL: wa.URL(), ADB: adb}, out)
	if err := a.Desk().SetJobSinks(func(string) desk.ProgressSink { return &testSink{onQR: func() { wa.ScanAs(clientAccount) }} }); err != nil {
		t.Fatal(err)
	}
	a.Desk().Config().LinkTimeout = time.Minute

	caseID := webCase(t, a)
	list, phones := replicaListText(sc)
	j, err := a.Desk().StartWebSession(ctx, ui.WebSession{Case: caseID, List: list, Operator: "tecnico"})
	if err != nil {
		t.Fatal(err)
	}
	if j = waitJob(t, a, j.ID); j.State != ui.JobDone {
		t.Fatalf("session ended %s: %s", j.State, j.Error)
	}
	return webSession{a: a, dir: dir, out: out, ts: ts, srv: srv, caseID: caseID, job: j, phones: phones, sc: sc}
}
