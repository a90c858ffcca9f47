package ui

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/attesta/attesta/internal/paneltest"
	"github.com/attesta/attesta/internal/testwait"
)

// iphoneFixture is phoneFixture with an iPhone at each step of the Telefono screen.
func iphoneFixture(t *testing.T) (*fixture, *recordingJobs, *bytes.Buffer, *http.Client) {
	t.Helper()
	f, jobs, logs, c := phoneFixture(t)
	f.back.phones = append(f.back.phones,
		Phone{Serial: "UDID-TRUST", Model: "iPhone", Kind: PhoneIPhone, State: PhoneTrustPending},
		Phone{Serial: "UDID-PAIRED", Model: "iPhone", Kind: PhoneIPhone, State: PhonePaired},
		Phone{Serial: "UDID-BACKUP", Model: "iPhone", Kind: PhoneIPhone, State: PhoneBackingUp, Percent: 42},
		Phone{Serial: "UDID-DONE", Model: "iPhone", Kind: PhoneIPhone, State: PhoneBackedUp},
	)
	return f, jobs, logs, c
}

// article returns the phone list's entry of serial.
func article(t *testing.T, body, serial string) string {
	t.Helper()
	i := strings.Index(body, "<code>"+serial+"</code>")
	if i < 0 {
		t.Fatalf("no phone %s in the list", serial)
	}
	start := strings.LastIndex(body[:i], "<article")
	end := strings.Index(body[i:], "</article>")
	return body[start : i+end]
}

// TestTelefonoScreenShowsIPhones: an iPhone shows as an Android phone does, at each step: plugged in with "Trust
// this computer" pending (what to do on the phone, no extraction), paired (ready), backing up (the phone's own
// percentage, no extraction), backed up (ready again); in Italian and in English, and in the JSON the home
// screen watches.
func TestTelefonoScreenShowsIPhones(t *testing.T) {
	f, _, _, c := iphoneFixture(t)
	resp, body := f.do(t, c, http.MethodGet, "/phones", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("phones: %s", resp.Status)
	}
	for serial, want := range map[string][]string{
		"UDID-TRUST":  {`data-state="trust-pending"`, "Da autorizzare", "«Autorizza»", "codice del telefono"},
		"UDID-PAIRED": {`data-state="paired"`, "Associato: pronto per il backup", `href="/phones/UDID-PAIRED"`},
		"UDID-BACKUP": {`data-state="backing-up"`, "Backup in corso 42%", `<progress class="backup" max="100" value="42">`, "non scollegarlo"},
		"UDID-DONE":   {`data-state="done"`, "Backup completato", `href="/phones/UDID-DONE"`},
	} {
		a := article(t, body, serial)
		for _, w := range want {
			if !strings.Contains(a, w) {
				t.Errorf("%s lacks %q:\n%s", serial, w, a)
			}
		}
	}
	for _, serial := range []string{"UDID-TRUST", "UDID-BACKUP"} {
		if strings.Contains(body, `href="/phones/`+serial+`"`) {
			t.Errorf("%s offers an extraction", serial)
		}
	}
	// The Android phones are listed as before.
	if a := article(t, body, "R58M123ABC"); !strings.Contains(a, "Pronto") || strings.Contains(a, "iPhone") {
		t.Errorf("the Android phone: %s", a)
	}

	_, en := f.do(t, c, http.MethodGet, "/phones", map[string]string{"Cookie": langCookie + "=en"})
	for _, w := range []string{"Trust This Computer?", "Paired: ready for the backup", "Backup in progress 42%", "Backup complete"} {
		if !strings.Contains(en, w) {
			t.Errorf("English list lacks %q", w)
		}
	}

	_, js := f.do(t, c, http.MethodGet, "/api/phones", nil)
	var phones []phoneJSON
	if err := json.Unmarshal([]byte(js), &phones); err != nil {
		t.Fatal(err)
	}
	got := map[string]phoneJSON{}
	for _, p := range phones {
		got[p.Serial] = p
	}
	if p := got["UDID-BACKUP"]; p.Kind != PhoneIPhone || p.State != PhoneBackingUp || p.Percent != 42 || p.Ready {
		t.Errorf("JSON of the iPhone backing up: %+v", p)
	}
	if p := got["UDID-PAIRED"]; !p.Ready || p.Kind != PhoneIPhone {
		t.Errorf("JSON of the paired iPhone: %+v", p)
	}
	if p := got["R58M123ABC"]; p.Kind != "android" || !p.Ready {
		t.Errorf("JSON of the Android phone: %+v", p)
	}
	f.back.phones = nil
	if _, body := f.do(t, c, http.MethodGet, "/phones", nil); !strings.Contains(body, "iPhone: collegarlo con un cavo dati, sbloccarlo e toccare «Autorizza».") {
		t.Error("the empty list does not say how to connect an iPhone")
	}
}

// TestIPhoneWizard: a paired iPhone's wizard asks for its backup password (optional, never the 64-digit key) and
// starts an iPhone extraction; the password reaches the backend only, never the page or the log; a phone that
// is not ready is refused.
func TestIPhoneWizard(t *testing.T) {
	f, jobs, logs, c := iphoneFixture(t)
	_, body := f.do(t, c, http.MethodGet, "/phones/UDID-PAIRED", nil)
	for _, w := range []string{`action="/phones/UDID-PAIRED/extract"`, `name="password"`, `type="password"`, "non è il codice del telefono"} {
		if !strings.Contains(body, w) {
			t.Errorf("iPhone wizard lacks %q", w)
		}
	}
	if strings.Contains(body, `name="key"`) || strings.Contains(body, `src="/static/entry.js"`) {
		t.Error("the iPhone wizard asks for WhatsApp's 64-digit key")
	}
	_, body = f.do(t, c, http.MethodGet, "/phones/UDID-TRUST", nil)
	if !strings.Contains(body, "«Autorizza»") || strings.Contains(body, `id="extract"`) {
		t.Error("an iPhone waiting for trust shows no instruction, or a form")
	}

	const pw = "segreta-del-cliente"
	resp, _ := f.post(t, c, "/phones/UDID-PAIRED/extract", url.Values{"case": {"C-0001"}, "password": {pw},
		"list": {"3331112222;Mario Rossi;2026-01-10;2026-01-20"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("extract: %s", resp.Status)
	}
	want := Extraction{Case: "C-0001", Serial: "UDID-PAIRED", Kind: PhoneIPhone, Password: pw,
		List: "3331112222;Mario Rossi;2026-01-10;2026-01-20", Operator: "technician"}
	if got := jobs.requests(); len(got) != 1 || got[0] != want {
		t.Fatalf("extractions %+v, want %+v", got, want)
	}
	f.back.mu.Lock()
	f.back.jobs[0].State = JobDone
	f.back.mu.Unlock()
	// Without a password (the phone has none: the appliance sets a one-time one).
	if resp, _ := f.post(t, c, "/phones/UDID-DONE/extract", url.Values{"case": {"C-0001"}, "list": {"3331112222"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("extract without a password: %s", resp.Status)
	}
	if got := jobs.requests(); len(got) != 2 || got[1].Password != "" || got[1].Kind != PhoneIPhone {
		t.Fatalf("second extraction %+v", got)
	}
	for _, serial := range []string{"UDID-TRUST", "UDID-BACKUP"} {
		resp, body := f.post(t, c, "/phones/"+serial+"/extract", url.Values{"case": {"C-0001"}, "password": {pw}, "list": {"3331112222"}})
		if resp.StatusCode != http.StatusConflict || !strings.Contains(body, "non è pronto") || strings.Contains(body, pw) {
			t.Errorf("%s: %s, want 409 without the password in the page", serial, resp.Status)
		}
	}
	if len(jobs.requests()) != 2 {
		t.Errorf("a phone that is not ready started a job: %+v", jobs.requests())
	}
	// The backend's words come back without the password should they quote it.
	jobs.err = fmt.Errorf("%w: the iPhone refused the backup password %s", ErrInvalid, pw)
	resp, body = f.post(t, c, "/phones/UDID-PAIRED/extract", url.Values{"case": {"C-0001"}, "password": {pw}, "list": {"3331112222"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "refused the backup password") || strings.Contains(body, pw) {
		t.Errorf("backend quoting the password: %s", resp.Status)
	}
	if strings.Contains(logs.String(), pw) {
		t.Errorf("the password is in the log:\n%s", logs)
	}
}

// TestIPhoneScreensInChromium walks the Telefono screen with iPhones at every step in a real Chromium at the
// panel's size, in Italian and English: each fits the panel with 48 px targets, the backup's progress bar shows
// the phone's percentage, and a paired iPhone's wizard starts an extraction with the backup password typed on
// the page. With ATTESTA_SHOTS set the screenshots go to /tmp/attesta-shots/.
func TestIPhoneScreensInChromium(t *testing.T) {
	paneltest.SkipShort(t)
	f, jobs, _, _ := iphoneFixture(t)
	ctx := panelBrowser(t)
	shots := newShots(t)
	do := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	var login []chromedp.Action[chromedp.Void]
	for _, d := range techPIN {
		login = append(login, chromedp.Click(chromedp.CSS(`.key[data-digit="`+string(d)+`"]`)))
	}
	do("log in", append(append([]chromedp.Action[chromedp.Void]{chromedp.Navigate(f.ts.URL + "/"), chromedp.WaitVisible(chromedp.CSS(`.keypad`))},
		login...), chromedp.Click(chromedp.CSS(`#enter`)), chromedp.WaitVisible(chromedp.CSS(`#home`)))...)
	do("open phones", chromedp.Navigate(f.ts.URL+"/phones"), chromedp.WaitVisible(chromedp.CSS(`#phones`)))
	checkLayout(t, ctx, "phones with iPhones")
	shots.take(t, ctx, "phones-iphone")
	do("scroll to the backup", chromedp.ScrollIntoView(chromedp.CSS(`[data-state="done"]`)))
	shots.take(t, ctx, "phones-iphone-backup")
	if v, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`document.querySelector('[data-state="backing-up"] progress').position`)); err != nil || v != 0.42 {
		t.Errorf("the backup's progress bar: %v (%v), want 0.42", v, err)
	}
	do("open the paired iPhone's wizard", chromedp.Click(chromedp.CSS(`a[href="/phones/UDID-PAIRED"]`)), chromedp.WaitVisible(chromedp.CSS(`#password`)),
		chromedp.SetValue(chromedp.CSS(`#case`), "C-0001"),
		chromedp.SetValue(chromedp.CSS(`#list`), "3331112222;Mario Rossi;2026-01-10;2026-01-20"),
		chromedp.SetValue(chromedp.CSS(`#password`), "segreta"))
	checkLayout(t, ctx, "iPhone wizard")
	if h, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`document.getElementById("password").getBoundingClientRect().height`)); err != nil || h < 48 {
		t.Errorf("the password field is %v px high (%v): a touch target needs 48", h, err)
	}
	shots.take(t, ctx, "phone-wizard-iphone")
	do("start", chromedp.Click(chromedp.CSS(`#start`)))
	testwait.Until(t, "the wizard asked for no extraction", func() bool { return len(jobs.requests()) > 0 })
	if got := jobs.requests(); len(got) != 1 || got[0].Kind != PhoneIPhone || got[0].Password != "segreta" || got[0].Serial != "UDID-PAIRED" {
		t.Fatalf("extraction from the iPhone wizard: %+v", got)
	}
	testwait.Until(t, "the job's page did not load", func() bool {
		loaded, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`location.pathname.startsWith("/jobs/") && document.readyState === "complete"`))
		return err == nil && loaded
	})
	do("switch to English", chromedp.Navigate(f.ts.URL+"/home"), chromedp.WaitVisible(chromedp.CSS(`#home`)),
		chromedp.Click(chromedp.CSS(`.lang button`)), chromedp.WaitVisible(chromedp.CSS(`html[lang="en"] #home`)))
	for _, p := range []string{"/phones", "/phones/UDID-PAIRED", "/phones/UDID-TRUST"} {
		do("open "+p+" in English", chromedp.Navigate(f.ts.URL+p), chromedp.WaitVisible(chromedp.CSS(`main`)))
		checkLayout(t, ctx, p+" (en)")
	}
	shots.take(t, ctx, "phone-iphone-trust-en")
}
