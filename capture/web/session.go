package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path"
	"strings"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/attesta/attesta/evidence"
)

// DefaultChromium is Debian's Chromium.
const DefaultChromium = "/usr/bin/chromium"

// Browser is one headless Chromium with a fresh profile, removed by Close. Sessions open their own tab in their
// own browser context (no cookies or storage shared between sessions).
type Browser struct {
	ctx     context.Context // chromedp context of the browser (its first tab)
	cancel  context.CancelFunc
	profile string
}

// AllocatorOptions are the Chromium flags the capture uses: headless, no sandbox, no GPU, no QUIC, no first run, no
// background networking, component updates or sync, and the profile in userDataDir.
func AllocatorOptions(execPath, userDataDir string) []chromedp.ExecAllocatorOption {
	return append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(execPath),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.WindowSize(1200, 800),
		chromedp.UserDataDir(userDataDir),
	)
}

// StartBrowser starts Chromium (execPath; "" means [DefaultChromium]) with a fresh profile in a new temporary
// directory. The browser lives until Close, independent of ctx's deadline.
func StartBrowser(ctx context.Context, execPath string) (*Browser, error) {
	if execPath == "" {
		execPath = DefaultChromium
	}
	profile, err := os.MkdirTemp("", "attesta-chromium-")
	if err != nil {
		return nil, fmt.Errorf("start chromium: profile: %w", err)
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.WithoutCancel(ctx), AllocatorOptions(execPath, profile)...)
	bctx, cancelTab := chromedp.NewContext(allocCtx)
	b := &Browser{ctx: bctx, profile: profile, cancel: func() { cancelTab(); cancelAlloc() }}
	if err := chromedp.Do(bctx); err != nil {
		b.Close()
		return nil, fmt.Errorf("start chromium %s: %w", execPath, err)
	}
	return b, nil
}

// Close stops Chromium and removes its profile.
func (b *Browser) Close() error {
	b.cancel()
	return os.RemoveAll(b.profile)
}

// Options configure a [Session]. The zero value is usable except for Recorder, which is required.
type Options struct {
	Recorder Recorder
	Logger   *slog.Logger // nil: silent
	// Progress is called after each step of a capture (nil: not called). It runs on the capture's goroutine.
	Progress func(Progress)
	// AllowOpenUnread is asked before a chat with unread incoming messages is opened in the UI for screenshots and
	// the MHTML snapshot, because opening it sends read receipts. nil or false: the chat is read through the module
	// layer only and its screenshots are skipped (recorded). A true answer is recorded as the operator's consent.
	AllowOpenUnread func(ChatInfo) bool
	// LinkTimeout bounds WaitLinked when its ctx has no deadline (default 3 minutes).
	LinkTimeout time.Duration
	// HistoryTimeout bounds the polling after the on-demand history request, per chat (default 30 s).
	HistoryTimeout time.Duration
	// Now is the appliance clock (default time.Now).
	Now func() time.Time
	// ExpectedAccount is the sender's number declared for the acquisition, in E.164 ("+393771151946"). When set,
	// a link by any other account (or one whose number cannot be read) stops the session with [ErrWrongAccount]
	// before anything is read. Empty: the linked account is recorded, not checked.
	ExpectedAccount string
}

// ChatInfo describes a chat as the module layer shows it, before it is opened.
type ChatInfo struct {
	Phone  string // E.164 asked for
	JID    string // the chat's wid
	Title  string // formattedTitle
	Unread int    // unread incoming messages
}

// Environment is what a session records about the software it acquired through.
type Environment struct {
	BridgeVersion  int
	WhatsAppBuild  string        // window.Debug.VERSION
	Chromium       string        // Browser.getVersion product, e.g. "Chrome/140.0.7339.185"
	UserAgent      string        //
	ClockOffset    time.Duration // browser Date.now() minus the appliance clock at the same instant
	OwnWid         string        // the linked account's own id, as WhatsApp Web gives it
	LinkedAccount  string        // the linked account's number in E.164; empty when it could not be read
	SenderReceipts evidence.ReadReceipts
}

// QR is the code the client scans to link the session.
type QR struct {
	Ref string // the raw data-ref (Conn.ref) the code carries, with the device keys
	PNG []byte // a screenshot of the QR canvas
}

// Session is one WhatsApp Web tab in a [Browser].
type Session struct {
	url    string
	opts   Options
	log    *slog.Logger
	tab    context.Context
	cancel context.CancelFunc
	env    Environment
	names  map[string]bool // artifact names used in this session
	// refused is set when the linked account was refused: nothing is read from that session afterwards.
	refused *AccountError
}

// artifactName makes name unique within the session: a chat captured again (a second list line, a resume) gets
// "-2", "-3"… before the extension rather than overwriting what was recorded.
func (s *Session) artifactName(name string) string {
	for n := 1; ; n++ {
		cand := name
		if n > 1 {
			ext := path.Ext(name)
			cand = fmt.Sprintf("%s-%d%s", strings.TrimSuffix(name, ext), n, ext)
		}
		if !s.names[cand] {
			s.reserve(cand)
			return cand
		}
	}
}

func (s *Session) reserve(name string) {
	if s.names == nil {
		s.names = make(map[string]bool)
	}
	s.names[name] = true
}

// Open opens url (WhatsApp Web, or its replica) in a new tab with its own browser context and waits for the page
// to load its module layer.
func Open(ctx context.Context, b *Browser, url string, opts Options) (*Session, error) {
	if opts.Recorder == nil {
		return nil, errors.New("open whatsapp web: Options.Recorder is required")
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.LinkTimeout <= 0 {
		opts.LinkTimeout = 3 * time.Minute
	}
	if opts.HistoryTimeout <= 0 {
		opts.HistoryTimeout = 30 * time.Second
	}
	tab, cancel := chromedp.NewContext(b.ctx, chromedp.WithNewBrowserContext())
	s := &Session{url: url, opts: opts, log: opts.Logger, tab: tab, cancel: cancel, env: Environment{BridgeVersion: BridgeVersion}}
	// The first run binds the tab's life to its context: run it on the tab itself, never on a derived one.
	if err := chromedp.Do(tab); err != nil {
		cancel()
		return nil, fmt.Errorf("open whatsapp web: new tab: %w", err)
	}
	if err := s.navigate(ctx); err != nil {
		cancel()
		return nil, err
	}
	v, err := chromedp.CallBrowser(tab, browser.GetVersion, cdp.Empty{})
	if err != nil {
		cancel()
		return nil, fmt.Errorf("open whatsapp web: chromium version: %w", err)
	}
	s.env.Chromium, s.env.UserAgent = v.Product, v.UserAgent
	return s, s.event(ctx, "action", map[string]any{"action": "open", "url": url, "chromium": v.Product})
}

// Close closes the tab and its browser context.
func (s *Session) Close() { s.cancel() }

// Environment returns what was recorded about the session so far (complete after WaitLinked).
func (s *Session) Environment() Environment { return s.env }

// run derives a context that stops both with ctx and with the tab.
func (s *Session) run(ctx context.Context) (context.Context, context.CancelFunc) {
	c, cancel := context.WithCancel(s.tab)
	stop := context.AfterFunc(ctx, cancel)
	return c, func() { stop(); cancel() }
}

// runFor is run, bounded to d as well.
func (s *Session) runFor(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	c, cancel := s.run(ctx)
	c, cancel2 := context.WithTimeout(c, d)
	return c, func() { cancel2(); cancel() }
}

func (s *Session) navigate(ctx context.Context) error {
	c, cancel := s.run(ctx)
	defer cancel()
	if err := chromedp.Do(c, chromedp.Navigate(s.url)); err != nil {
		return fmt.Errorf("open whatsapp web %s: %w", s.url, err)
	}
	return s.poll(ctx, 30*time.Second, "the page's module layer", func(st pageState) bool { return st.Socket != "" })
}

// state reads the page's link state.
func (s *Session) state(ctx context.Context) (pageState, error) {
	c, cancel := s.runFor(ctx, 10*time.Second)
	defer cancel()
	var st pageState
	err := call(c, &st, "state")
	return st, err
}

// poll re-reads the page state until ok or the timeout; errors while the page reloads count as "not yet".
func (s *Session) poll(ctx context.Context, timeout time.Duration, what string, ok func(pageState) bool) error {
	deadline := time.Now().Add(timeout)
	var last pageState
	var lastErr error
	for {
		st, err := s.state(ctx)
		if err == nil && ok(st) {
			return nil
		}
		if err == nil {
			last = st
		}
		lastErr = err
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("wait for %s: timed out after %v (Socket.state %q, last error: %v)", what, timeout, last.Socket, lastErr)
		}
		if err := sleep(ctx, 100*time.Millisecond); err != nil {
			return err
		}
	}
}

// QR waits for the logged-out page's QR code and returns it.
func (s *Session) QR(ctx context.Context) (QR, error) {
	// The page's state can name a code before the code is drawn (a reload after a lost link is still under way):
	// both are waited for.
	var ref string
	var refErr error
	if err := s.poll(ctx, 30*time.Second, "the QR code", func(st pageState) bool {
		if st.Ref == "" || st.Socket != "UNPAIRED" && st.Socket != "UNPAIRED_IDLE" {
			return false
		}
		ref, refErr = s.drawnRef(ctx)
		return ref != ""
	}); err != nil {
		return QR{}, fmt.Errorf("whatsapp web qr: %w (element with data-ref: %q, %v)", err, ref, refErr)
	}
	c, cancel := s.runFor(ctx, 15*time.Second)
	defer cancel()
	png, err := chromedp.Run(c, chromedp.Screenshot(chromedp.CSS(`[data-ref] canvas`)))
	if err != nil {
		return QR{}, fmt.Errorf("whatsapp web qr: screenshot of the canvas: %w", err)
	}
	if !bytes.HasPrefix(png, []byte("\x89PNG")) {
		return QR{}, errors.New("whatsapp web qr: the canvas screenshot is not a PNG")
	}
	// The ref links a device while it is fresh: the log keeps its digest, not the ref.
	sum := sha256.Sum256([]byte(firstField(ref)))
	if err := s.event(ctx, "action", map[string]any{"action": "qr", "ref_sha256": hex.EncodeToString(sum[:])}); err != nil {
		return QR{}, err
	}
	return QR{Ref: ref, PNG: png}, nil
}

// drawnRef reads the ref of the QR code drawn on the page: "" while there is none.
func (s *Session) drawnRef(ctx context.Context) (string, error) {
	c, cancel := s.runFor(ctx, 15*time.Second)
	defer cancel()
	return chromedp.Run(c, chromedp.Evaluate[string](`(() => { const e = document.querySelector('[data-ref]'); return e ? e.getAttribute('data-ref') : ''; })()`))
}

// linkTimeout is how long to wait for the phone to link: Options.LinkTimeout, or less when ctx ends sooner.
func (s *Session) linkTimeout(ctx context.Context) time.Duration {
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < s.opts.LinkTimeout {
		return time.Until(dl)
	}
	return s.opts.LinkTimeout
}

// WaitLinked waits until the phone has scanned the QR code and the app is loaded, then checks that the build has
// every module the bridge needs and records the environment. It fails with [ErrNotLinked] after Options.LinkTimeout
// or the ctx deadline, whichever comes first, and with [ErrUnsupportedBuild] when a module is missing.
func (s *Session) WaitLinked(ctx context.Context) error {
	timeout := s.linkTimeout(ctx)
	start := time.Now()
	err := s.poll(ctx, timeout, "the link", func(st pageState) bool { return st.linked() })
	if err != nil {
		st, _ := s.state(context.WithoutCancel(ctx))
		return fmt.Errorf("%w: the QR code was not scanned within %v (Socket.state %s); show the new QR and retry",
			ErrNotLinked, time.Since(start).Round(time.Millisecond), orUnknown(st.Socket))
	}
	var det struct {
		Build   string   `json:"build"`
		Missing []string `json:"missing"`
	}
	if err := s.callCtx(ctx, &det, "detect"); err != nil {
		return fmt.Errorf("whatsapp web: detect modules: %w", err)
	}
	s.env.WhatsAppBuild = det.Build
	if len(det.Missing) > 0 {
		err := &ModuleError{Module: det.Missing[0], Build: det.Build}
		_ = s.event(ctx, "anomaly", map[string]any{"code": "unsupported-build", "missing": det.Missing, "build": det.Build})
		return fmt.Errorf("whatsapp web: %w", err)
	}
	return s.recordEnvironment(ctx)
}

func (s *Session) recordEnvironment(ctx context.Context) error {
	before := s.opts.Now()
	st, err := s.state(ctx)
	after := s.opts.Now()
	if err != nil {
		return fmt.Errorf("whatsapp web: environment: %w", err)
	}
	mid := before.Add(after.Sub(before) / 2)
	s.env.ClockOffset = time.UnixMilli(st.Now).Sub(mid)
	s.env.UserAgent = st.UA
	// The module layer of bridge v1 does not expose the privacy setting: say so rather than guess.
	s.env.SenderReceipts = evidence.ReadReceiptsUnknown
	mismatch := s.linkAccount(st)
	if err := s.event(ctx, "environment", map[string]any{
		"bridge_version": BridgeVersion, "whatsapp_build": s.env.WhatsAppBuild, "chromium": s.env.Chromium,
		"user_agent": s.env.UserAgent, "clock_offset_ms": s.env.ClockOffset.Milliseconds(),
		"clock_uncertainty_ms": after.Sub(before).Milliseconds(), "own_wid": s.env.OwnWid,
		"linked_account": s.env.LinkedAccount,
	}); err != nil {
		return err
	}
	if mismatch != nil {
		s.refused = mismatch
		_ = s.event(ctx, "anomaly", map[string]any{"code": "linked-account-mismatch",
			"linked": mismatch.Linked, "expected": mismatch.Expected, "reason": mismatch.Reason})
		return fmt.Errorf("whatsapp web: %w", mismatch)
	}
	return nil
}

// linkAccount records the account that linked the session and checks it: it must be the declared sender
// (Options.ExpectedAccount) and, when the session links again after a lost link, the account linked first. A
// capture of somebody else's WhatsApp as if it were the sender's is the one thing a certification must not do.
func (s *Session) linkAccount(st pageState) *AccountError {
	first := s.env.LinkedAccount
	s.env.OwnWid, s.env.LinkedAccount = st.Wid, widPhone(st.Phone)
	switch {
	case first != "" && s.env.LinkedAccount != first:
		return &AccountError{Linked: s.env.LinkedAccount, Expected: first, Reason: "linked again by another account"}
	case s.opts.ExpectedAccount == "":
		return nil
	case s.env.LinkedAccount == "":
		return &AccountError{Linked: st.Wid, Expected: s.opts.ExpectedAccount, Reason: "the linked account's number could not be read"}
	case s.env.LinkedAccount != s.opts.ExpectedAccount:
		return &AccountError{Linked: s.env.LinkedAccount, Expected: s.opts.ExpectedAccount, Reason: "not the declared sender"}
	}
	return nil
}

// widPhone turns a phone wid ("393771151946@c.us") into E.164; anything else (a LID the contact API did not map,
// a group) has no number and gives "".
func widPhone(wid string) string {
	digits, ok := strings.CutSuffix(wid, "@c.us")
	if !ok {
		digits, ok = strings.CutSuffix(wid, "@s.whatsapp.net")
	}
	if !ok || digits == "" || len(digits) > 15 || strings.Trim(digits, "0123456789") != "" {
		return ""
	}
	return "+" + digits
}

// callCtx is call on the session's tab, stopping with ctx.
func (s *Session) callCtx(ctx context.Context, out any, method string, args ...any) error {
	c, cancel := s.run(ctx)
	defer cancel()
	return call(c, out, method, args...)
}

func (s *Session) event(ctx context.Context, kind string, fields map[string]any) error {
	s.log.DebugContext(ctx, "whatsapp web capture", slog.String("event", kind), slog.Any("fields", fields))
	if err := s.opts.Recorder.Event(context.WithoutCancel(ctx), kind, fields); err != nil {
		return fmt.Errorf("record %s event: %w", kind, err)
	}
	return nil
}

// screenshot returns a PNG of a region of the page (page coordinates).
func (s *Session) screenshot(ctx context.Context, box jsBox) ([]byte, error) {
	if box.Width <= 0 || box.Height <= 0 {
		return nil, fmt.Errorf("screenshot: empty region %+v", box)
	}
	c, cancel := s.runFor(ctx, 15*time.Second)
	defer cancel()
	// PNG stays lossless; optimizing for speed only makes the file larger.
	fast := true
	res, err := chromedp.Call(c, page.CaptureScreenshot, page.CaptureScreenshotParams{Format: page.CaptureScreenshotFormatPng,
		Clip: &page.Viewport{X: box.X, Y: box.Y, Width: box.Width, Height: box.Height, Scale: 1}, OptimizeForSpeed: &fast})
	if err != nil {
		return nil, err
	}
	return res.Data, nil
}

// mhtml captures the page as MHTML (Page.captureSnapshot).
func (s *Session) mhtml(ctx context.Context) ([]byte, error) {
	c, cancel := s.run(ctx)
	defer cancel()
	res, err := chromedp.Call(c, page.CaptureSnapshot, page.CaptureSnapshotParams{Format: page.CaptureSnapshotFormatMhtml})
	if err != nil {
		return nil, err
	}
	return []byte(res.Data), nil
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func firstField(ref string) string {
	f, _, _ := strings.Cut(ref, ",")
	return f
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}
