// Package paneltest starts the touch panel's browser for the tests of the touch UI and of the appliance: headless
// Chromium at the panel's 1280×800, with a fresh profile, as the appliance's kiosk runs it. It is imported by tests
// only.
package paneltest

import (
	"context"
	"testing"

	"github.com/chromedp/chromedp"
)

// Chromium is the browser the tests drive: Debian's, as on the appliance.
const Chromium = "/usr/bin/chromium"

// Italian is the language of the appliance's kiosk browser.
const Italian = "it-IT"

// Browser starts the panel's browser, speaking lang when it is not empty (Italian, for the kiosk), and returns a
// context for it; the browser is closed when tb ends. A browser that does not start fails tb.
func Browser(tb testing.TB, lang string) context.Context {
	tb.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(Chromium),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.WindowSize(1280, 800),
		chromedp.UserDataDir(tb.TempDir()),
	)
	if lang != "" {
		opts = append(opts, chromedp.Flag("lang", lang), chromedp.Flag("accept-lang", lang))
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.WithoutCancel(tb.Context()), opts...)
	tb.Cleanup(cancelAlloc)
	ctx, cancel := chromedp.NewContext(allocCtx)
	tb.Cleanup(cancel)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 800)); err != nil {
		tb.Fatalf("start the panel's browser (%s): %v", Chromium, err)
	}
	return ctx
}

// SkipShort skips tb under -short: the test starts Chromium.
func SkipShort(tb testing.TB) {
	tb.Helper()
	if testing.Short() {
		tb.Skip("starts Chromium; skipped with -short")
	}
}
