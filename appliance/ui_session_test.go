package appliance

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/attesta/attesta/appliance/desk"
	"github.com/attesta/attesta/bundle"
	"github.com/attesta/attesta/capture/web"
	"github.com/attesta/attesta/capture/web/webtest"
	"github.com/attesta/attesta/certify"
	"github.com/attesta/attesta/internal/paneltest"
	"github.com/attesta/attesta/internal/testwait"
	"github.com/attesta/attesta/ui"
)

const (
	uiTechPIN  = "482915"
	uiAdminPIN = "907311"
)

// panel is the touch UI of a real appliance (simulator TPM) whose web sessions open the WhatsApp Web replica,
// seen through a headless Chromium at the panel's size.
type uiPanel struct {
	tb  testing.TB
	a   *Appliance
	wa  *webtest.Server
	ts  *httptest.Server
	ctx context.Context // the panel's browser tab
	out string          // the deliveries folder
}

func newPanel(tb testing.TB) *uiPanel {
	tb.Helper()
	if _, err := os.Stat(web.DefaultChromium); err != nil {
		tb.Fatalf("Chromium is needed at %s: run scripts/setup", web.DefaultChromium)
	}
	wa := webtest.NewServer(webtest.MustDefaultScenario("basic"))
	tb.Cleanup(wa.Close)
	dir := tb.TempDir()
	a, err := Open(tb.Context(), Config{DataDir: dir, TPM: "sim", WhatsAppWebURL: wa.URL(),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	tb.Cleanup(func() { a.Close() })
	creds, err := LoadOrCreateCredentials(dir, uiTechPIN, uiAdminPIN)
	if err != nil {
		tb.Fatal(err)
	}
	out := filepath.Join(dir, "deliveries")
	srv, err := a.UIServer(creds, out)
	if err != nil {
		tb.Fatalf("UIServer: %v", err)
	}
	ts := httptest.NewServer(srv.Handler())
	tb.Cleanup(ts.Close)
	return &uiPanel{tb: tb, a: a, wa: wa, ts: ts, ctx: paneltest.Browser(tb, paneltest.Italian), out: out}
}

// do runs browser actions, failing the test with what was being done.
func (p *uiPanel) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	p.tb.Helper()
	p.tb.Logf("panel: %s", what)
	ctx, cancel := testwait.With(p.tb, p.ctx)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		p.tb.Fatalf("%s: %v", what, err)
	}
}

func (p *uiPanel) text(sel string) string {
	p.tb.Helper()
	ctx, cancel := testwait.With(p.tb, p.ctx)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		p.tb.Fatalf("read %s: %v", sel, err)
	}
	return strings.TrimSpace(s)
}

// shot saves a screenshot of the panel under the test's folder and, when ATTESTA_SHOTS names a folder (or is
// set at all: /tmp/attesta-shots), there too, for a person to look at.
func (p *uiPanel) shot(name string) {
	p.tb.Helper()
	ctx, cancel := testwait.With(p.tb, p.ctx)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		p.tb.Fatalf("screenshot %s: %v", name, err)
	}
	dirs := []string{p.tb.TempDir()}
	if d := os.Getenv("ATTESTA_SHOTS"); d != "" {
		if !filepath.IsAbs(d) {
			d = "/tmp/attesta-shots"
		}
		os.MkdirAll(d, 0o755)
		dirs = append(dirs, d)
	}
	for _, d := range dirs {
		if err := os.WriteFile(filepath.Join(d, "session-"+name+".png"), png, 0o644); err != nil {
			p.tb.Fatal(err)
		}
	}
}

// login types the PIN on the lock screen's keypad.
func (p *uiPanel) login(pin string) {
	p.tb.Helper()
	actions := []chromedp.Action[chromedp.Void]{chromedp.Navigate(p.ts.URL + "/"), chromedp.WaitVisible(chromedp.CSS(`.keypad`))}
	for _, d := range pin {
		actions = append(actions, chromedp.Click(chromedp.CSS(`.key[data-digit="`+string(d)+`"]`)))
	}
	actions = append(actions, chromedp.Click(chromedp.CSS(`#enter`)), chromedp.WaitVisible(chromedp.CSS(`#home`)))
	p.do("log in on the keypad", actions...)
}

// openCase fills in the new-case form and returns the case page's path. The client's number is the replica's
// own account, the one whose phone will scan the code: a session linked by another account stops.
func (p *uiPanel) openCase() string {
	p.tb.Helper()
	p.do("open a case",
		chromedp.Navigate(p.ts.URL+"/cases/new"), chromedp.WaitVisible(chromedp.CSS(`#newcase`)),
		chromedp.SetValue(chromedp.CSS(`#client`), "Studio Legale Bianchi"),
		chromedp.SetValue(chromedp.CSS(`#phone`), "3771151946"), // the client, whose phone scans the code below
		chromedp.SetValue(chromedp.CSS(`#purpose`), "Diffida al conduttore"),
		chromedp.Click(chromedp.CSS(`input[name="plan"][value="20"]`)),
		chromedp.Click(chromedp.CSS(`input[name="service"][value="6"]`)),
		chromedp.Click(chromedp.CSS(`#create`)),
		chromedp.WaitVisible(chromedp.CSS(`#import`)))
	loc, err := chromedp.Run(p.ctx, chromedp.Location())
	if err != nil {
		p.tb.Fatal(err)
	}
	u, _ := url.Parse(loc)
	return u.Path
}

// httpClient is a browser of its own (the client's phone, a recipient, a second screen): its own cookies, no
// redirects followed, and no timeout shorter than the test's own: a slow machine makes a request slow, not wrong.
func (p *uiPanel) httpClient() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Timeout: testwait.Remaining(p.tb),
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func (p *uiPanel) get(c *http.Client, u string) (int, string) {
	p.tb.Helper()
	p.tb.Logf("GET %s", u)
	resp, err := c.Get(u)
	if err != nil {
		p.tb.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// streamLatencies follows a job's progress stream as a second technician screen would, until the job ends, and
// returns how long each event took from publication to arrival.
func (p *uiPanel) streamLatencies(ctx context.Context, jobID string) ([]time.Duration, error) {
	c := p.httpClient()
	c.Timeout = 0 // the stream lasts as long as the job: ctx bounds it, not a fixed client timeout
	resp, err := c.PostForm(p.ts.URL+"/login", url.Values{"pin": {uiTechPIN}})
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, p.ts.URL+"/progress/"+jobID+"/events", nil)
	req.Header.Set("Accept", "text/event-stream")
	resp, err = c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	// Events published before the stream opened are replayed at once: their age says nothing of the stream.
	opened := time.Now()
	var lat []time.Duration
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		data, ok := strings.CutPrefix(sc.Text(), "data: ")
		if !ok {
			continue
		}
		var e ui.Event
		if err := json.Unmarshal([]byte(data), &e); err != nil {
			return lat, err
		}
		if e.At.After(opened) {
			lat = append(lat, time.Since(e.At))
		}
		if e.Kind == "end" {
			return lat, nil
		}
	}
	return lat, sc.Err()
}

// runSession imports the scenario's list on the case page, starts the remote session, hands the client the
// one-time link, lets the client's phone scan the code and waits for the job's results. It returns the job's page
// and the progress stream's latencies seen meanwhile by a second screen.
func (p *uiPanel) runSession(casePath string) (string, []time.Duration) {
	p.tb.Helper()
	// The session cannot start before the client accepted the information notice through the case's link.
	p.do("make the case's link for the client", chromedp.Navigate(p.ts.URL+casePath),
		chromedp.Click(chromedp.CSS(`#make-remote`)), chromedp.WaitVisible(chromedp.CSS(`#remote-link code`)))
	p.shot("case-link")
	first := p.text(`#remote-link code`)
	early := p.httpClient()
	if resp, err := early.PostForm(first, nil); err != nil || resp.Body.Close() != nil || resp.StatusCode != http.StatusSeeOther {
		p.tb.Fatalf("client claims the case's link: %v %v", resp, err)
	}
	if code, _ := p.get(early, first+"/qr.png"); code != http.StatusForbidden {
		p.tb.Fatalf("client's QR before the notice is accepted: %d, want 403", code)
	}
	p.acceptNotice(early, first)
	p.do("import the list and start the session",
		chromedp.Navigate(p.ts.URL+casePath), chromedp.WaitVisible(chromedp.CSS(`#import`)),
		chromedp.SetValue(chromedp.CSS(`#list`), scenarioListText(p.wa.Scenario())),
		chromedp.Click(chromedp.CSS(`#start`)),
		chromedp.WaitVisible(chromedp.CSS(`#qr`)))
	loc, err := chromedp.Run(p.ctx, chromedp.Location())
	if err != nil {
		p.tb.Fatal(err)
	}
	jobPath := strings.TrimPrefix(loc, p.ts.URL)
	jobID := strings.TrimPrefix(jobPath, "/jobs/")

	var (
		wg      sync.WaitGroup
		lat     []time.Duration
		latErr  error
		ctx, cf = testwait.Context(p.tb)
	)
	defer cf()
	wg.Go(func() { lat, latErr = p.streamLatencies(ctx, jobID) })

	p.do("make the client's link", chromedp.Click(chromedp.CSS(`#remote-form button`)),
		chromedp.WaitVisible(chromedp.CSS(`#remote-url`)), chromedp.WaitVisible(chromedp.CSS(`#qr`)))
	p.shot("job-qr")
	remote := p.text(`#remote-url`)
	phone := p.httpClient()
	if code, body := p.get(phone, remote); code != http.StatusOK || strings.Contains(body, `href="/home"`) {
		p.tb.Fatalf("client's link: %d, want 200 and a page without the technician's navigation", code)
	}
	// The page's button claims the link for this browser (a link preview's GET does not).
	if resp, err := phone.PostForm(remote, nil); err != nil || resp.Body.Close() != nil || resp.StatusCode != http.StatusSeeOther {
		p.tb.Fatalf("client claims the link: %v %v", resp, err)
	}
	if code, _ := p.get(phone, remote+"/qr.png"); code != http.StatusForbidden {
		p.tb.Fatalf("client's QR before the notice is accepted: %d, want 403", code)
	}
	p.acceptNotice(phone, remote)
	if code, _ := p.get(phone, remote+"/qr.png"); code != http.StatusOK {
		p.tb.Fatalf("client's QR: %d, want 200", code)
	}
	if code, _ := p.get(p.httpClient(), remote); code != http.StatusGone {
		p.tb.Fatalf("client's link opened by a second browser: %d, want 410", code)
	}

	p.wa.ScanAs("393771151946") // the client's phone (the case's, opened above) scans the code
	p.tb.Cleanup(func() {
		if p.tb.Failed() {
			j, err := p.a.Desk().Job(context.Background(), jobID)
			p.tb.Logf("job %s: %s %q %q %v", jobID, j.State, j.Progress, j.Error, err)
		}
	})
	// However it ends: a failed job fails the test now, with its error, not at the test's deadline.
	p.do("wait for the session's end", chromedp.WaitVisible(chromedp.CSS(`#job-state:not(.running)`)))
	if j, err := p.a.Desk().Job(p.tb.Context(), jobID); err != nil || j.State != ui.JobDone {
		p.tb.Fatalf("job %s ended %s (%q), want done (%v)", jobID, j.State, j.Error, err)
	}
	p.do("see the results", chromedp.WaitVisible(chromedp.CSS(`#job-state.done`)), chromedp.WaitVisible(chromedp.CSS(`#results`)))
	wg.Wait()
	if latErr != nil {
		p.tb.Fatalf("progress stream: %v", latErr)
	}
	if code, _ := p.get(phone, remote); code != http.StatusGone {
		p.tb.Fatalf("client's link after the session: %d, want 410", code)
	}
	// The session's browser profile is gone with it; the client removes the dead linked device from the phone,
	// so that the next session starts from a QR code again.
	p.wa.Unlink()
	return jobPath, lat
}

func TestWholeSessionThroughTheUI(t *testing.T) {
	if testing.Short() {
		t.Skip("runs Chromium twice; skipped with -short")
	}
	p := newPanel(t)
	p.login(uiTechPIN)
	p.do("name the operator", chromedp.SetValue(chromedp.CSS(`#operator`), "Dott.ssa Anna Verdi"),
		chromedp.Click(chromedp.CSS(`#operator-save`)), chromedp.WaitVisible(chromedp.CSS(`#operator-form:not(.ask)`)))
	p.shot("home")
	casePath := p.openCase()
	p.shot("case")
	jobPath, lat := p.runSession(casePath)
	p.shot("job-done")
	if len(lat) < 3 {
		t.Errorf("the progress stream carried %d events, want the session's steps and its end", len(lat))
	}

	job, err := p.a.Desk().Job(t.Context(), strings.TrimPrefix(jobPath, "/jobs/"))
	if err != nil {
		t.Fatal(err)
	}
	var folders []string
	for _, c := range job.Chats {
		if c.Folder != "" {
			folders = append(folders, c.Folder)
		}
	}
	if job.State != ui.JobDone || len(folders) == 0 {
		t.Fatalf("job = %s with folders %v, want done with deliveries", job.State, folders)
	}
	if got := p.text(`#results`); !strings.Contains(got, folders[0]) {
		t.Errorf("the job's page does not show its delivery %s:\n%s", folders[0], got)
	}
	var m struct {
		Acquisition struct{ Operator string } `json:"acquisition"`
	}
	data, err := os.ReadFile(filepath.Join(p.out, folders[0], "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &m); err != nil || m.Acquisition.Operator != "Dott.ssa Anna Verdi" {
		t.Errorf("the delivery's operator is %q (%v), want the name given on the panel", m.Acquisition.Operator, err)
	}

	share := p.shareAndRevoke(folders[0])
	if n := len(leavesOfType(t, p.a, LeafShareAccess)); n == 0 {
		t.Errorf("share link %s… was opened but no access is journaled", share[:12])
	}
	created := leavesOfType(t, p.a, LeafShareCreated)
	if len(created) != 1 || created[0].Fields["delivery_leaf"] == nil || created[0].Case == "" {
		t.Errorf("share-created leaves = %+v, want one naming the delivery's leaf and its case", created)
	}
	for _, l := range created {
		if digits, _, _ := strings.Cut(folders[0], "-"); strings.Contains(fmt.Sprint(l.Fields), digits) {
			t.Errorf("share-created leaf %v holds the chat's number", l.Fields)
		}
	}
	for _, typ := range []string{desk.LeafCaseOpened, desk.LeafJobStarted, desk.LeafJobEnded, certify.LeafAcquisitionEnd, bundle.LeafType,
		LeafShareRevoked} {
		if len(leavesOfType(t, p.a, typ)) == 0 {
			t.Errorf("no %q leaf in the journal after the session", typ)
		}
	}
	p.do("open the journal", chromedp.Navigate(p.ts.URL+"/journal"), chromedp.WaitVisible(chromedp.CSS(`table`)))
	p.shot("journal")
}

// shareAndRevoke creates a share link for a delivery on the deliveries screen, opens it as the recipient,
// revokes it and checks that it is gone. It returns the link's token.
func (p *uiPanel) shareAndRevoke(folder string) string {
	p.tb.Helper()
	p.do("create a share link",
		chromedp.Navigate(p.ts.URL+"/deliveries#"+folder), chromedp.WaitVisible(chromedp.CSS(`article[id="`+folder+`"]`)),
		chromedp.Click(chromedp.CSS(`article[id="`+folder+`"] form[action$="/share"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`#share-url`)))
	p.shot("share")
	link := p.text(`#share-url`)
	recipient := p.httpClient()
	code, body := p.get(recipient, link)
	if code != http.StatusOK || !strings.Contains(body, "relazione.pdf") {
		p.tb.Fatalf("share link %s: %d, want 200 listing relazione.pdf", link, code)
	}
	if code, _ := p.get(recipient, strings.TrimSuffix(link, "/")+"/manifest.json"); code != http.StatusOK {
		p.tb.Fatalf("manifest.json through the share link: %d, want 200", code)
	}
	if code, _ := p.get(recipient, strings.TrimSuffix(link, "/")+"/../../deliveries"); code == http.StatusOK {
		p.tb.Fatalf("path traversal through the share link answered 200")
	}
	revoke := `article[id="` + folder + `"] form[action^="/shares/"] button`
	p.do("revoke it",
		chromedp.Navigate(p.ts.URL+"/deliveries#"+folder), chromedp.WaitVisible(chromedp.CSS(revoke)),
		chromedp.Click(chromedp.CSS(revoke)),
		// The page after the revocation lists the link without its button; waiting for that also waits for the
		// navigation to end, before a screenshot.
		chromedp.WaitNotPresent(chromedp.CSS(revoke)),
		chromedp.WaitVisible(chromedp.CSS(`article[id="`+folder+`"]`)))
	p.shot("revoked")
	if code, _ := p.get(recipient, link); code != http.StatusGone {
		p.tb.Fatalf("revoked share link: %d, want 410", code)
	}
	_, rest, _ := strings.Cut(link, "/s/")
	return strings.TrimSuffix(rest, "/")
}

// BenchmarkProgressStreamDuringSession runs whole sessions through the UI and reports how late the progress
// stream delivers its events to a second screen while the capture runs: p50, p99 and max.
func BenchmarkProgressStreamDuringSession(b *testing.B) {
	p := newPanel(b)
	p.login(uiTechPIN)
	var all []time.Duration
	for b.Loop() {
		_, lat := p.runSession(p.openCase())
		all = append(all, lat...)
	}
	reportPercentiles(b, all, "stream")
}

// BenchmarkHomeFirstPaint reports the home screen's first contentful paint, as the panel's browser measures it,
// over fresh loads of the page.
func BenchmarkHomeFirstPaint(b *testing.B) {
	p := newPanel(b)
	p.login(uiTechPIN)
	var all []time.Duration
	for b.Loop() {
		p.do("load home", chromedp.Navigate(p.ts.URL+"/home"), chromedp.WaitVisible(chromedp.CSS(`#home`)))
		ms, err := chromedp.Run(p.ctx, chromedp.Evaluate[float64](`new Promise(done => {
			const get = () => performance.getEntriesByName("first-contentful-paint")[0];
			const poll = () => get() ? done(get().startTime) : setTimeout(poll, 10);
			poll();
		})`, chromedp.EvalAwaitPromise))
		if err != nil {
			b.Fatal(err)
		}
		all = append(all, time.Duration(ms*float64(time.Millisecond)))
	}
	reportPercentiles(b, all, "fcp")
}

func reportPercentiles(b *testing.B, d []time.Duration, name string) {
	if len(d) == 0 {
		b.Fatalf("no %s samples", name)
	}
	slices.Sort(d)
	at := func(q float64) float64 { return float64(d[min(len(d)-1, int(q*float64(len(d))))]) / 1e6 }
	b.ReportMetric(at(0.50), name+"-p50-ms")
	b.ReportMetric(at(0.99), name+"-p99-ms")
	b.ReportMetric(float64(d[len(d)-1])/1e6, name+"-max-ms")
	b.ReportMetric(float64(len(d)), name+"-samples")
}

// acceptNotice reads the notice on the client's page claimed by c and accepts it, as its button does.
func (p *uiPanel) acceptNotice(c *http.Client, remote string) {
	p.tb.Helper()
	code, body := p.get(c, remote)
	_, rest, ok := strings.Cut(body, `name="sha256" value="`)
	sum, _, _ := strings.Cut(rest, `"`)
	if code != http.StatusOK || !ok || len(sum) != 64 || !strings.Contains(body, "Informativa") {
		p.tb.Fatalf("client's notice: %d, want the notice with its digest:\n%s", code, body)
	}
	resp, err := c.PostForm(remote+"/accept", url.Values{"sha256": {sum}, "lang": {"it"}})
	if err != nil || resp.Body.Close() != nil || resp.StatusCode != http.StatusSeeOther {
		p.tb.Fatalf("client accepts the notice: %v %v", resp, err)
	}
}
