package ui

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/attesta/attesta/internal/paneltest"
	"github.com/attesta/attesta/internal/testwait"
)

// TestKioskLoginInChromium logs in on the lock screen's keypad in a real headless Chromium at the panel's size,
// checks the home screen's touch targets and saves a screenshot of it.
func TestKioskLoginInChromium(t *testing.T) {
	paneltest.SkipShort(t)
	f := newFixture(t)
	ctx := panelBrowser(t)

	steps := []chromedp.Action[chromedp.Void]{
		chromedp.Navigate(f.ts.URL + "/"),
		chromedp.WaitVisible(chromedp.CSS(`.keypad`)),
	}
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("open the lock screen: %v", err)
	}
	lock, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot lock screen: %v", err)
	}
	steps = nil
	for _, d := range techPIN {
		steps = append(steps, chromedp.Click(chromedp.CSS(`button[data-digit="`+string(d)+`"]`)))
	}
	steps = append(steps, chromedp.Click(chromedp.CSS(`#enter`)), chromedp.WaitVisible(chromedp.CSS(`#home`)))
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("log in with the keypad: %v", err)
	}
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil || loc != f.ts.URL+"/home" {
		t.Fatalf("after login at %q (%v), want /home", loc, err)
	}
	small, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('button, a, select, [role=button]')]
		.filter(e => e.getClientRects().length > 0) // what is not shown cannot be touched
		.filter(e => { const r = e.getBoundingClientRect(); return r.width < 48 || r.height < 48; })
		.map(e => e.outerHTML)`))
	if err != nil {
		t.Fatalf("measure targets: %v", err)
	}
	if len(small) > 0 {
		t.Errorf("touch targets under 48 px: %q", small)
	}
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	dir := t.TempDir()
	if d := os.Getenv("ATTESTA_UI_SCREENSHOTS"); d != "" {
		dir = d // to look at them
	}
	must(t, os.WriteFile(filepath.Join(dir, "lock.png"), lock, 0o644))
	must(t, os.WriteFile(filepath.Join(dir, "home.png"), png, 0o644))

	// The progress page follows the session as the server streams it, under the strict CSP.
	feed := f.srv.Feed("s1")
	if err := chromedp.Do(ctx, chromedp.Navigate(f.ts.URL+"/progress/s1"), chromedp.WaitVisible(chromedp.CSS(`#bar`))); err != nil {
		t.Fatalf("open progress page: %v", err)
	}
	for i := 1; i <= 5; i++ {
		feed.Progress("chat "+string(rune('0'+i)), i, 5)
	}
	feed.End("acquisizione terminata")
	var log []string
	testwait.Until(t, "the progress page did not show the six lines", func() bool {
		log, err = chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('#log li')].map(e => e.textContent)`))
		return err != nil || len(log) == 6
	})
	want := []string{"chat 1", "chat 2", "chat 3", "chat 4", "chat 5", "acquisizione terminata"}
	if err != nil || !slices.Equal(log, want) {
		t.Fatalf("progress page shows %q (%v), want %q", log, err, want)
	}
	png, err = chromedp.Run(ctx, chromedp.CaptureScreenshot())
	must(t, err)
	must(t, os.WriteFile(filepath.Join(dir, "progress.png"), png, 0o644))
}
