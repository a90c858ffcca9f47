package ui

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/attesta/attesta/internal/paneltest"
	"github.com/attesta/attesta/internal/testwait"
)

// panelBrowser starts the kiosk's browser (Italian, at the panel's size) and returns a context for it, bounded
// by the test's deadline.
func panelBrowser(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := testwait.With(t, paneltest.Browser(t, paneltest.Italian))
	t.Cleanup(cancel)
	return ctx
}

// populate gives the screens something to show: phones, cases, journal leaves and attestation checks.
func populate(t *testing.T, f *fixture) {
	t.Helper()
	f.back.phones = []Phone{
		{Serial: "R58M123ABC", Model: "SM-A525F", State: "device"},
		{Serial: "emulator-5556", Model: "Pixel 7", State: "unauthorized"},
	}
	for _, c := range []string{"Mario Rossi", "Studio Legale Bianchi"} {
		_, err := f.back.CreateCase(t.Context(), NewCase{Client: c, ServiceMonths: 3, MaxMessages: 10})
		must(t, err)
	}
	start := time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC)
	types := []string{"acquisition-start", "artifact", "message-set", "artifact", "share-access", "acquisition-end"}
	for i := range 75 {
		typ := types[i%len(types)]
		fields := fmt.Sprintf(`{"case":"C-0001","seq":%d,"sha256":"%064x","time":"%s","type":"%s","v":1}`, i, i*7919,
			start.Add(time.Duration(i)*time.Minute).Format(time.RFC3339), typ)
		if i == 74 {
			fields = `{"chat":"<script>alert(1)</script>","seq":74,"type":"artifact","v":1}`
		}
		f.back.leaves = append(f.back.leaves, LeafInfo{Index: uint64(i), Type: typ,
			Time: start.Add(time.Duration(i) * time.Minute), Fields: fields, Hash: fmt.Sprintf("%064x", i*104729+1)})
	}
	for i := range 8 {
		f.back.atts = append(f.back.atts, AttestationInfo{Leaf: uint64(6 * i), At: start.Add(time.Duration(i) * 6 * time.Hour),
			OK: i != 5, Summary: "quote valida, chiave certificata, orologio TPM monotono"})
	}
	f.back.atts[5].Summary = "PCR 7 diverso dal valore atteso"
	r, err := f.cloud.StartCloudRestore(t.Context(), CloudStart{Case: "C-0001", Platform: CloudAndroid, Device: "R58M123ABC", Wiped: true, Operator: "Anna"})
	must(t, err)
	for _, st := range []CloudStepInput{{Step: CloudRegistering, Operator: "Anna"}, {Step: CloudCodeRelayed}} {
		_, err := f.cloud.CloudStep(t.Context(), r.ID, st)
		must(t, err)
	}
}

// TestScreensInChromium walks the technician's screens in a real Chromium at 1280×800 as an administrator: the
// phone wizard with the on-page keypad, the journal, the attestation history and the PIN change; then home in
// English. Every screen must fit the panel's width, keep the bar on one line and its touch targets at 48 px.
// With ATTESTA_SHOTS set the screenshots go to /tmp/attesta-shots/ to be looked at.
func TestScreensInChromium(t *testing.T) {
	paneltest.SkipShort(t)
	f := newFixture(t)
	populate(t, f)
	jobs := &recordingJobs{memBackend: f.back}
	f.srv.cfg.Jobs = jobs
	ctx := panelBrowser(t)
	dir := t.TempDir()
	if os.Getenv("ATTESTA_SHOTS") != "" {
		dir = "/tmp/attesta-shots"
		must(t, os.MkdirAll(dir, 0o755))
	}
	shoot := func(name string) {
		t.Helper()
		checkLayout(t, ctx, name)
		png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		must(t, os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644))
	}
	do := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	tap := func(digits string) []chromedp.Action[chromedp.Void] {
		var out []chromedp.Action[chromedp.Void]
		for _, d := range digits {
			out = append(out, chromedp.Click(chromedp.CSS(`.key[data-digit="`+string(d)+`"]`)))
		}
		return out
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("read %s: %v", sel, err)
		}
		return s
	}

	do("open the lock screen", chromedp.Navigate(f.ts.URL+"/"), chromedp.WaitVisible(chromedp.CSS(`.keypad`)))
	shoot("lock")
	do("log in", append(tap(adminPIN), chromedp.Click(chromedp.CSS(`#enter`)), chromedp.WaitVisible(chromedp.CSS(`#home`)))...)
	// The phone plugged in and ready is offered on the home screen, without a reload.
	do("see the plugged-in phone", chromedp.WaitVisible(chromedp.CSS(`#phone-banner[href="/phones/R58M123ABC"]`)))
	if got := text(`#phone-banner`); got != "Telefono collegato: SM-A525F — avvia l'estrazione" {
		t.Errorf("phone banner says %q, want the phone's model and the way to its extraction", got)
	}
	shoot("home")

	do("open phones", chromedp.Navigate(f.ts.URL+"/phones"), chromedp.WaitVisible(chromedp.CSS(`#phones`)))
	shoot("phones")
	do("open the wizard", chromedp.Click(chromedp.CSS(`a[href="/phones/R58M123ABC"]`)), chromedp.WaitVisible(chromedp.CSS(`#keyview`)),
		chromedp.SetValue(chromedp.CSS(`#case`), "C-0001"),
		chromedp.SetValue(chromedp.CSS(`#list`), "3771151946;Emanuel Celano;2026-01-12;2026-01-14\n3339876543;Anna Verdi;12/01/2026;13/01/2026"))
	do("type in the list with the on-page keyboard", chromedp.Click(chromedp.CSS(`#list`)), chromedp.WaitVisible(chromedp.CSS(`#kbd`)),
		chromedp.Click(chromedp.CSS(`#kbd [data-action=enter]`)), chromedp.Click(chromedp.CSS(`#kbd [data-key="3"]`)),
		chromedp.Click(chromedp.CSS(`#kbd [data-action=done]`)), chromedp.WaitNotVisible(chromedp.CSS(`#kbd`)))
	if v, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("list").value`)); err != nil || !strings.HasSuffix(v, "\n3") {
		t.Errorf("list after typing on the keyboard: %q (%v)", v, err)
	}
	do("type part of the key", tap(testKey[:23])...)
	if got := text(`#keycount`); got != "23" {
		t.Errorf("key count %q after 23 digits", got)
	}
	groups := text(`#keyview`)
	if !strings.HasPrefix(groups, "1234567890123456789012345678901234567890123456789012") && !strings.HasPrefix(groups, "1234") {
		t.Errorf("key view %q", groups)
	}
	if disabled, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById("start").disabled`)); err != nil || !disabled {
		t.Errorf("start enabled with a partial key (%v)", err)
	}
	shoot("phone-wizard")
	do("finish the key and start", append(tap(testKey[23:]), chromedp.Evaluate[chromedp.Void](
		`document.getElementById("case").dispatchEvent(new Event("change"))`), chromedp.Click(chromedp.CSS(`#start`)))...)
	var got []Extraction
	testwait.Until(t, "the wizard asked for no extraction", func() bool {
		got = jobs.requests()
		return len(got) > 0
	})
	// The start's answer leads to the job's page: a navigation before that page has loaded would abort it.
	testwait.Until(t, "the job's page did not load", func() bool {
		loaded, err := chromedp.Run(ctx, chromedp.Evaluate[bool](
			`location.pathname.startsWith("/jobs/") && document.readyState === "complete"`))
		return err == nil && loaded
	})
	if len(got) != 1 || got[0].Key != testKey || got[0].Case != "C-0001" || !strings.Contains(got[0].List, "Anna Verdi") {
		t.Fatalf("extraction from the wizard: %+v", got)
	}

	do("open the journal", chromedp.Navigate(f.ts.URL+"/journal"), chromedp.WaitVisible(chromedp.CSS(`#journal`)))
	if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("script:not([src])").length`)); err != nil || n != 0 {
		t.Errorf("journal fields became script (%d, %v)", n, err)
	}
	shoot("journal")
	do("open attestations", chromedp.Click(chromedp.CSS(`a[href="/attestations"]`)), chromedp.WaitVisible(chromedp.CSS(`#attestations`)))
	shoot("attestations")
	do("open admin", chromedp.Navigate(f.ts.URL+"/admin"), chromedp.WaitVisible(chromedp.CSS(`#pinform`)))
	do("type the current PIN", append([]chromedp.Action[chromedp.Void]{chromedp.Click(chromedp.CSS(`#current`))}, tap(adminPIN)...)...)
	do("type the new PIN", append([]chromedp.Action[chromedp.Void]{chromedp.Click(chromedp.CSS(`#newpin`))}, tap("2468")...)...)
	if v, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("current").value + "/" + document.getElementById("newpin").value`)); err != nil || v != adminPIN+"/2468" {
		t.Errorf("keypad typed %q (%v)", v, err)
	}
	shoot("admin")

	do("switch to English", chromedp.Navigate(f.ts.URL+"/home"), chromedp.WaitVisible(chromedp.CSS(`#home`)),
		chromedp.Click(chromedp.CSS(`.lang button`)), chromedp.WaitVisible(chromedp.CSS(`html[lang="en"] #home`)))
	if s := text(`#home`); !strings.Contains(s, "Free space") || strings.Contains(s, "Spazio libero") {
		t.Errorf("home in English: %q", s)
	}
	shoot("home-en")
	// English words are longer: every screen must still fit.
	for _, p := range []string{"/phones", "/phones/R58M123ABC", "/journal", "/attestations", "/admin", "/deliveries"} {
		do("open "+p+" in English", chromedp.Navigate(f.ts.URL+p), chromedp.WaitVisible(chromedp.CSS(`main`)))
		checkLayout(t, ctx, p+" (en)")
	}
}

// checkLayout fails when the page is wider than the panel, the bar wraps, or a visible target is under 48 px.
func checkLayout(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	width, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
	if err != nil || width > 1280 {
		t.Errorf("%s: page %d px wide (%v)", name, width, err)
	}
	bar, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelector(".bar").getBoundingClientRect().height`))
	if err != nil || bar > 80 {
		t.Errorf("%s: bar %d px high (%v): it wraps", name, bar, err)
	}
	small, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('button, a, select, textarea, [role=button], label.btn')]
		.filter(e => { const r = e.getBoundingClientRect(); return (r.width > 0 || r.height > 0) && (r.width < 48 || r.height < 48); })
		.map(e => e.outerHTML.slice(0, 80))`))
	if err != nil || len(small) > 0 {
		t.Errorf("%s: touch targets under 48 px (%v): %q", name, err, small)
	}
}
