package ui

import (
	"bytes"
	"context"
	"image"
	"image/draw"
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"unicode"

	"github.com/chromedp/chromedp"

	"github.com/attesta/attesta/internal/paneltest"
	"github.com/attesta/attesta/internal/testwait"
)

// TestCaseScreensInChromium goes through the case screens in a real headless Chromium at the panel's size with
// touch input: it opens a case typing on the on-page keyboard, imports a list file, follows the session on its
// job page to the end, checks every touch target and takes a screenshot of each screen (also into
// /tmp/attesta-shots when ATTESTA_SHOTS is set, to look at them).
func TestCaseScreensInChromium(t *testing.T) {
	paneltest.SkipShort(t)
	f := newFixture(t)
	ctx := newPanelBrowser(t)
	shots := newShots(t)

	tap := func(sel string) chromedp.Action[chromedp.Void] { return chromedp.Tap(chromedp.CSS(sel)) }
	steps := []chromedp.Action[chromedp.Void]{
		chromedp.EmulateViewport(1280, 800, chromedp.EmulateTouch),
		chromedp.Navigate(f.ts.URL + "/"),
		chromedp.WaitVisible(chromedp.CSS(`.keypad`)),
	}
	for _, d := range techPIN {
		steps = append(steps, tap(`button[data-digit="`+string(d)+`"]`))
	}
	// The panel speaks Italian first, whatever the browser asks for.
	steps = append(steps, tap(`#enter`), chromedp.WaitVisible(chromedp.CSS(`#home`)),
		tap(`button[name="lang"][value="it"]`), chromedp.WaitVisible(chromedp.CSS(`button[name="lang"][value="en"]`)),
		chromedp.Navigate(f.ts.URL+"/cases"), chromedp.WaitVisible(chromedp.CSS(`#new-case`)),
		tap(`#new-case`), chromedp.WaitVisible(chromedp.CSS(`#newcase`)))
	browse(t, ctx, "open the new case form", steps...)
	checkTargets(t, ctx, "new case form")

	// Every field is typed on the page's keyboard: the panel has no other.
	steps = []chromedp.Action[chromedp.Void]{tap(`#client`), chromedp.WaitVisible(chromedp.CSS(`#kbd [data-key="q"]`))}
	steps = append(steps, kbdType("Mario Rossi")...)
	steps = append(steps, tap(`#kbd [data-action="enter"]`), chromedp.WaitVisible(chromedp.CSS(`#kbd [data-key="+"]`)))
	steps = append(steps, kbdType("3771151946")...)
	browse(t, ctx, "type on the keyboard", steps...)
	shots.take(t, ctx, "newcase-keypad")
	steps = []chromedp.Action[chromedp.Void]{tap(`#purpose`), chromedp.WaitVisible(chromedp.CSS(`#kbd [data-key="q"]`))}
	steps = append(steps, kbdType("Causa di lavoro")...)
	browse(t, ctx, "type on the keyboard", steps...)
	checkTargets(t, ctx, "new case form with the keyboard")
	shots.take(t, ctx, "newcase-keyboard")
	browse(t, ctx, "choose plan and service", tap(`#kbd [data-action="done"]`), chromedp.WaitNotVisible(chromedp.CSS(`#kbd`)),
		tap(`label.plan-choice:has(input[name="plan"][value="20"])`), tap(`label.plan-choice:has(input[name="service"][value="6"])`))
	shots.take(t, ctx, "newcase")
	browse(t, ctx, "open the case", tap(`#create`), chromedp.WaitVisible(chromedp.CSS(`#case`)))

	cases, err := f.back.ListCases(t.Context())
	must(t, err)
	if len(cases) != 1 {
		t.Fatalf("%d cases after the form", len(cases))
	}
	if c := cases[0]; c.Client != "Mario Rossi" || c.ClientPhone != "3771151946" || c.Purpose != "Causa di lavoro" ||
		c.MaxMessages != 20 || c.ServiceMonths != 6 {
		t.Fatalf("the keyboard typed %+v", c)
	}
	checkTargets(t, ctx, "case page")
	shots.take(t, ctx, "case")

	// The list comes from a file on a USB stick; the session's progress is followed on its job page.
	list := filepath.Join(t.TempDir(), "lista.csv")
	must(t, os.WriteFile(list, []byte(sampleList), 0o644))
	feed := f.srv.Feed("J-0001") // the id the backend gives the session
	feed.Progress("apertura di WhatsApp Web", 0, 2)
	feed.SetQR(fakeQR())
	browse(t, ctx, "import the list", chromedp.SetUploadFiles(chromedp.CSS(`#file`), []string{list}),
		chromedp.WaitVisible(chromedp.CSS(`#file-name`)), tap(`#start`), chromedp.WaitVisible(chromedp.CSS(`#qr`)))
	if len(f.back.webs) != 1 || f.back.webs[0].List != sampleList {
		t.Fatalf("StartWebSession got %+v", f.back.webs)
	}
	checkTargets(t, ctx, "job page")
	shots.take(t, ctx, "job")

	feed.Progress("chat 1 di 2: 3771151946", 1, 2)
	done := sampleJob("J-0001", JobDone)
	done.Case = cases[0].ID
	f.back.putJob(done)
	feed.End("acquisizione terminata")
	browse(t, ctx, "see the results", chromedp.WaitVisible(chromedp.CSS(`#results`)))
	checkTargets(t, ctx, "finished job page")
	shots.take(t, ctx, "job-done")

	browse(t, ctx, "open the case with its session", chromedp.Navigate(f.ts.URL+"/cases/"+cases[0].ID),
		chromedp.WaitVisible(chromedp.CSS(`#jobs .job`)), chromedp.ScrollIntoView(chromedp.CSS(`#jobs`)))
	checkTargets(t, ctx, "case page with its session")
	shots.take(t, ctx, "case-jobs")

	// Cases on hold and erased, for the list to show them.
	f.back.CreateCase(t.Context(), NewCase{Client: "Studio Bianchi & Associati", ClientPhone: "+393331234567",
		ServiceMonths: 12, MaxMessages: 50})
	f.back.CreateCase(t.Context(), NewCase{Client: "Giulia Verdi", ClientPhone: "3401122334", ServiceMonths: 1, MaxMessages: 5})
	f.back.mu.Lock()
	f.back.cases[1].Hold = "procedimento penale n. 1234/2026"
	f.back.cases[2].Erased = f.back.cases[2].RetainUntil
	f.back.mu.Unlock()
	browse(t, ctx, "open the cases list", chromedp.Navigate(f.ts.URL+"/cases"), chromedp.WaitVisible(chromedp.CSS(`#cases`)))
	checkTargets(t, ctx, "cases list")
	shots.take(t, ctx, "cases")
}

// newPanelBrowser starts a headless Chromium at the panel's size for one test, bounded by its deadline.
func newPanelBrowser(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := testwait.With(t, paneltest.Browser(t, ""))
	t.Cleanup(cancel)
	return ctx
}

func browse(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// kbdType taps s on the page's keyboard.
func kbdType(s string) []chromedp.Action[chromedp.Void] {
	var out []chromedp.Action[chromedp.Void]
	tap := func(sel string) { out = append(out, chromedp.Tap(chromedp.CSS(`#kbd `+sel))) }
	for _, r := range s {
		switch {
		case r == ' ':
			tap(`[data-action="space"]`)
		case unicode.IsUpper(r):
			tap(`[data-action="shift"]`)
			tap(`[data-key="` + string(unicode.ToLower(r)) + `"]`)
		default:
			tap(`[data-key="` + string(r) + `"]`)
		}
	}
	return out
}

// checkTargets fails for any control shown smaller than 48 px either way.
func checkTargets(t *testing.T, ctx context.Context, page string) {
	t.Helper()
	small, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll(
		'button, a, select, summary, label.plan-choice, label.file, input[type=text], input[type=tel], textarea')]
		.filter(e => e.getClientRects().length > 0)
		.filter(e => { const r = e.getBoundingClientRect(); return r.width < 48 || r.height < 48; })
		.map(e => e.outerHTML.slice(0, 120))`))
	if err != nil {
		t.Fatalf("%s: measure targets: %v", page, err)
	}
	if len(small) > 0 {
		t.Errorf("%s: touch targets under 48 px: %q", page, small)
	}
	wide, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth`))
	if err != nil || wide {
		t.Errorf("%s: the page is wider than the panel (%v)", page, err)
	}
}

type shots struct{ dirs []string }

func newShots(t *testing.T) *shots {
	s := &shots{dirs: []string{t.TempDir()}}
	if os.Getenv("ATTESTA_SHOTS") != "" {
		must(t, os.MkdirAll("/tmp/attesta-shots", 0o755))
		s.dirs = append(s.dirs, "/tmp/attesta-shots")
	}
	return s
}

func (s *shots) take(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	for _, d := range s.dirs {
		must(t, os.WriteFile(filepath.Join(d, name+".png"), png, 0o644))
	}
}

// fakeQR draws a QR-like picture for the session to show: the page only displays it.
func fakeQR() []byte {
	const n, px = 29, 8
	img := image.NewGray(image.Rect(0, 0, (n+8)*px, (n+8)*px))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	finder := func(x, y int) bool {
		for _, o := range [][2]int{{0, 0}, {n - 7, 0}, {0, n - 7}} {
			dx, dy := x-o[0], y-o[1]
			if dx >= 0 && dx < 7 && dy >= 0 && dy < 7 {
				return dx == 0 || dy == 0 || dx == 6 || dy == 6 || (dx >= 2 && dx <= 4 && dy >= 2 && dy <= 4)
			}
		}
		return (x*7+y*13+x*y)%3 == 0
	}
	for y := range n {
		for x := range n {
			if finder(x, y) {
				draw.Draw(img, image.Rect((x+4)*px, (y+4)*px, (x+5)*px, (y+5)*px), image.Black, image.Point{}, draw.Src)
			}
		}
	}
	var b bytes.Buffer
	png.Encode(&b, img)
	return b.Bytes()
}
