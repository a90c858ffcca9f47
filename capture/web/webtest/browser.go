package webtest

import "github.com/chromedp/chromedp"

// AllocatorOptions are the Chromium options for driving the replica on a
// machine without network: headless, no sandbox, no GPU, no QUIC, no
// first-run, background networking, component updates or sync, and a fresh
// profile in userDataDir (give each browser its own, e.g. t.TempDir()).
func AllocatorOptions(userDataDir string) []chromedp.ExecAllocatorOption {
	return append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-sync", true),
		chromedp.NoFirstRun,
		chromedp.WindowSize(1200, 800),
		chromedp.UserDataDir(userDataDir),
	)
}
