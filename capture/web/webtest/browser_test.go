package webtest

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/attesta/attesta/internal/testwait"
)

// One Chromium serves every browser test of the package; each test opens
// its own tab against its own server (its own origin).
var browserCtx context.Context

func TestMain(m *testing.M) {
	os.Exit(runWithBrowser(m))
}

func runWithBrowser(m *testing.M) int {
	dir, err := os.MkdirTemp("", "webtest-chromium-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "webtest: profile dir:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), AllocatorOptions(dir)...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(allocCtx)
	defer cancel()
	browserCtx = ctx
	return m.Run()
}

// tab is one browser tab on a replica server.
type tab struct {
	t   testing.TB
	ctx context.Context
	s   *Server
}

// startBrowser starts the shared browser on first use; a test that needs
// none never pays for it.
func startBrowser(t testing.TB) {
	t.Helper()
	if chromedp.FromContext(browserCtx).Browser != nil {
		return
	}
	if err := chromedp.Do(browserCtx); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
}

// openTab opens the replica of s in a new tab and waits for the page script.
func openTab(t testing.TB, s *Server) *tab {
	t.Helper()
	startBrowser(t)
	ctx, cancel := chromedp.NewContext(browserCtx)
	t.Cleanup(cancel)
	tb := &tab{t: t, ctx: ctx, s: s}
	if err := chromedp.Do(tb.timeout(), chromedp.Navigate(s.URL()+"/")); err != nil {
		t.Fatalf("open %s: %v", s.URL(), err)
	}
	tb.waitFor(`typeof window.require === 'function' && !!document.querySelector('#app > *')`)
	return tb
}

// timeout bounds a browser action by the test's deadline.
func (tb *tab) timeout() context.Context {
	ctx, cancel := testwait.With(tb.t, tb.ctx)
	tb.t.Cleanup(cancel)
	return ctx
}

// eval runs a JS expression (awaiting a promise) and decodes its value.
func eval[T any](tb *tab, expr string) T {
	tb.t.Helper()
	v, err := chromedp.Run(tb.timeout(), chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		tb.t.Fatalf("evaluate %s: %v", short(expr), err)
	}
	return v
}

// evalErr runs an expression that should throw or reject and returns the
// error message the page saw.
func (tb *tab) evalErr(expr string) string {
	tb.t.Helper()
	wrapped := `(async () => { try { await (` + expr + `); return ''; } catch (e) { return String(e && e.message || e); } })()`
	msg := eval[string](tb, wrapped)
	if msg == "" {
		tb.t.Fatalf("%s: want an error, got none", short(expr))
	}
	return msg
}

// waitFor polls until the JS expression is truthy, until the test's deadline. Errors (a reload in
// progress, a module not there yet) count as not yet; one look that hangs through a reload is given up after
// evalTry and tried again.
func (tb *tab) waitFor(expr string) {
	tb.t.Helper()
	var last error
	err := testwait.UntilCtx(tb.t, tb.ctx, func() bool {
		ctx, cancel := context.WithTimeout(tb.ctx, evalTry)
		defer cancel()
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`!!(`+expr+`)`))
		last = err
		return err == nil && ok
	})
	if err != nil {
		tb.t.Fatalf("wait for %s: %v (last error: %v)", short(expr), err, last)
	}
}

// evalTry bounds one look of waitFor: long enough for a loaded machine, short enough to try again after a reload.
const evalTry = 10 * time.Second

// link scans the QR and waits for the app to load.
func (tb *tab) link() {
	tb.t.Helper()
	tb.s.Scan()
	tb.waitFor(`require('WAWebSocketModel').Socket.state === 'CONNECTED' && document.querySelector('#pane-side')`)
}

func (tb *tab) click(sel string) {
	tb.t.Helper()
	if err := chromedp.Do(tb.timeout(), chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible)); err != nil {
		tb.t.Fatalf("click %s: %v", sel, err)
	}
}

// openChat clicks the chat in the chat list and waits for its header.
func (tb *tab) openChat(title string) {
	tb.t.Helper()
	tb.click(`#pane-side span[title=` + jsString(title) + `]`)
	tb.waitFor(`document.querySelector('#main header') && document.querySelector('#main header').textContent === ` + jsString(title) +
		` && document.querySelectorAll('#main div[role="row"]').length > 0`)
}

// jsString quotes s for JS and for CSS attribute selectors (both read \"
// and \\ the same way; HTML escaping would not be understood by CSS).
func jsString(s string) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(s)
	return strings.TrimSpace(b.String())
}

func short(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 120 {
		return s[:120] + "…"
	}
	return s
}

// waitServer polls a condition on the server side.
func waitServer(t *testing.T, what string, cond func() bool) {
	t.Helper()
	testwait.Until(t, "timed out waiting for "+what, cond)
}

func newTestServer(t testing.TB, sc *Scenario, opts ...Option) *Server {
	t.Helper()
	s := NewServer(sc, opts...)
	t.Cleanup(s.Close)
	return s
}
