package web

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/attesta/attesta/capture/web/webtest"
	"github.com/attesta/attesta/internal/testwait"
)

// callEval runs a JS expression in the session's tab (tests alter the page with it).
func (s *Session) callEval(ctx context.Context, expr string) error {
	c, cancel := s.run(ctx)
	defer cancel()
	_, err := chromedp.Run(c, chromedp.Evaluate[bool](expr))
	return err
}

func TestQRNeverScanned(t *testing.T) {
	sc := webtest.MustDefaultScenario("basic")
	f := newFixture(t, sc, Options{LinkTimeout: 1500 * time.Millisecond})
	ctx := testCtx(t)
	qr, err := f.s.QR(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(qr.Ref, f.srv.Ref()) || !strings.HasPrefix(string(qr.PNG), "\x89PNG") {
		t.Errorf("qr ref %q (server %q)", qr.Ref, f.srv.Ref())
	}
	err = f.s.WaitLinked(ctx)
	if !errors.Is(err, ErrNotLinked) {
		t.Fatalf("WaitLinked = %v, want ErrNotLinked", err)
	}
	for _, want := range []string{"not scanned", "UNPAIRED"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
}

func TestMissingModule(t *testing.T) {
	sc := webtest.MustDefaultScenario("basic")
	const module = "WAWebApiMessageInfoStore"
	f := newFixture(t, sc, Options{}, webtest.WithMissingModule(module))
	ctx := testCtx(t)
	if _, err := f.s.QR(ctx); err != nil {
		t.Fatal(err)
	}
	f.srv.Scan()
	err := f.s.WaitLinked(ctx)
	if !errors.Is(err, ErrUnsupportedBuild) {
		t.Fatalf("WaitLinked = %v, want ErrUnsupportedBuild", err)
	}
	var me *ModuleError
	if !errors.As(err, &me) || me.Module != module || me.Build != sc.Account.BuildVersion() {
		t.Fatalf("error %v does not name the module and the build", err)
	}
	if !strings.Contains(err.Error(), module) || !strings.Contains(err.Error(), sc.Account.BuildVersion()) {
		t.Errorf("message %q", err)
	}
	checkEvents(t, f.rec, "anomaly")
}

func TestChatNotFound(t *testing.T) {
	sc := webtest.MustDefaultScenario("basic")
	f, ctx := newLinked(t, sc, Options{})
	res, err := f.s.Capture(ctx, []Target{
		{Phone: "+390000000001", Name: "Nessuno", Range: rng("2026-01-12", "2026-01-14"), N: 5},
		target(sc.ChatByTitle("Luca Ferri"), "2026-01-12", "2026-01-12", 5),
	})
	if err != nil {
		t.Fatal(err)
	}
	nf := res.Chats[0]
	if nf.Status != StatusNotFound || !strings.Contains(nf.Reason, "+390000000001") || len(nf.Selection.Messages) != 0 {
		t.Errorf("not found: %+v", nf)
	}
	if res.Chats[1].Status != StatusComplete || res.Chats[1].Chat.JID != "210987654321098@lid" {
		t.Errorf("the chat after a missing one: %s %s", res.Chats[1].Status, res.Chats[1].Chat.JID)
	}
}

func TestHistoryRanges(t *testing.T) {
	sc := webtest.MustDefaultScenario("basic")
	f, ctx := newLinked(t, sc, Options{})
	c := sc.ChatByTitle("Avv. Marta Rossi")
	// Messages 5..10 come only after the on-demand request; 1..4 never reach the linked device.
	res, err := f.s.Capture(ctx, []Target{target(c, "2025-10-14", "2025-10-31", 5)})
	if err != nil {
		t.Fatal(err)
	}
	onDemand := res.Chats[0]
	if onDemand.Status != StatusComplete || !slicesEqual(onDemand.Selection.Certified,
		[]string{"3EB0A689B7D9C3D95991", "3EB0962D164B2D8D8DCA", "3EB0B6B1AEC5C2D9AFB4"}) {
		t.Errorf("on-demand range: %s %q certified %v", onDemand.Status, onDemand.Reason, onDemand.Selection.Certified)
	}
	requests := 0
	for _, a := range f.srv.Actions() {
		if a.Kind == "history-request" {
			requests++
		}
	}
	if requests != 1 {
		t.Errorf("%d history requests, want exactly 1", requests)
	}

	res, err = f.s.Capture(ctx, []Target{target(c, "2025-10-01", "2025-10-31", 5)})
	if err != nil {
		t.Fatal(err)
	}
	old := res.Chats[0]
	if old.Status != StatusOutOfReach || old.Reason != OutOfReachExplanation || !strings.Contains(old.Reason, "cloud backup") ||
		!strings.Contains(old.Reason, "phone itself") || old.HistoryOldest.Unix() != c.Message("3EB07293787E5A4CF8D6").T {
		t.Errorf("older range: %s %q oldest %v", old.Status, old.Reason, old.HistoryOldest)
	}
	// What the device holds in the range is still delivered, judged.
	if len(old.Selection.Certified) == 0 || old.Selection.Messages[0].SentAt.Unix() < c.Message("3EB07293787E5A4CF8D6").T {
		t.Errorf("older range keeps %v", old.Selection.Certified)
	}
}

func slicesEqual(a, b []string) bool { return strings.Join(a, ",") == strings.Join(b, ",") }

// TestLinkLostAndResume: the phone logs the device out mid-capture; what was acquired is kept, the rest is
// pending or partial, and after a new link Resume completes only what is missing, with no receipt sent.
func TestLinkLostAndResume(t *testing.T) {
	sc := webtest.MustDefaultScenario("basic")
	var f *fixture
	unlinked := false
	f = newFixture(t, sc, Options{Progress: func(p Progress) {
		if p.Chat == 2 && p.Stage == "history" && !unlinked {
			unlinked = true
			f.srv.Unlink()
			// Let the page notice, as it does on the real site, however long a loaded machine takes.
			if err := testwait.UntilCtx(t, t.Context(), func() bool {
				return errors.Is(f.s.ensureLinked(t.Context()), ErrLinkLost)
			}); err != nil {
				t.Errorf("the page never noticed the lost link: %v", err)
			}
		}
	}})
	ctx := testCtx(t)
	f.link(ctx)
	targets := basicTargets(sc)
	res, err := f.s.Capture(ctx, targets)
	if !errors.Is(err, ErrLinkLost) {
		t.Fatalf("capture = %v, want ErrLinkLost", err)
	}
	if res.Chats[0].Status != StatusComplete {
		t.Errorf("chat 1: %s %q", res.Chats[0].Status, res.Chats[0].Reason)
	}
	if res.Chats[1].Status != StatusPartial || !strings.Contains(res.Chats[1].Reason, "link lost") {
		t.Errorf("chat 2: %s %q", res.Chats[1].Status, res.Chats[1].Reason)
	}
	for _, c := range res.Chats[2:] {
		if c.Status != StatusPending {
			t.Errorf("chat %s: %s, want pending", c.Target.Phone, c.Status)
		}
	}
	if got := res.Incomplete(); len(got) != len(targets)-1 {
		t.Errorf("incomplete %v", got)
	}
	first := res.Chats[0]

	f.link(ctx)
	before := len(f.srv.Actions())
	res2, err := f.s.Resume(ctx, res)
	if err != nil {
		t.Fatalf("resume: %v", err)
	}
	for i, c := range res2.Chats {
		if c.Status != StatusComplete {
			t.Errorf("after resume chat %d: %s %q", i+1, c.Status, c.Reason)
		}
		if i > 0 {
			checkSelection(t, f, &sc.Chats[i], targets[i], &res2.Chats[i])
		}
	}
	if !slicesEqual(res2.Chats[0].Selection.Certified, first.Selection.Certified) || len(res2.Chats[0].Artifacts) != len(first.Artifacts) {
		t.Errorf("resume changed the completed chat")
	}
	for _, a := range f.srv.Actions()[before:] {
		if a.Chat == sc.Chats[0].ID && a.Kind != "scroll" {
			t.Errorf("resume touched the completed chat: %+v", a)
		}
	}
	if r := f.srv.Receipts(); len(r) != 0 {
		t.Errorf("receipts: %+v", r)
	}
	checkEvents(t, f.rec, "capture-resume")
}

// failingRecorder is a DirRecorder whose disk fills up after a few artifacts.
type failingRecorder struct {
	*DirRecorder
	left int
}

func (r *failingRecorder) Artifact(ctx context.Context, kind, name string, rd io.Reader) (string, int64, error) {
	if r.left == 0 {
		return "", 0, errors.New("no space left on device")
	}
	r.left--
	return r.DirRecorder.Artifact(ctx, kind, name, rd)
}

// TestRecorderFailureStops: when evidence cannot be kept the capture stops at once, says why, and keeps the
// chat's status as partial; it is not mistaken for a lost link.
func TestRecorderFailureStops(t *testing.T) {
	sc := webtest.MustDefaultScenario("basic")
	f := newFixture(t, sc, Options{})
	f.s.opts.Recorder = &failingRecorder{DirRecorder: f.rec, left: 2}
	ctx := testCtx(t)
	f.link(ctx)
	res, err := f.s.Capture(ctx, basicTargets(sc)[:2])
	if err == nil || errors.Is(err, ErrLinkLost) || !strings.Contains(err.Error(), "no space left") {
		t.Fatalf("capture = %v, want the recorder's error", err)
	}
	if res.Chats[0].Status != StatusPartial || res.Chats[1].Status != StatusPending {
		t.Errorf("statuses %s, %s", res.Chats[0].Status, res.Chats[1].Status)
	}
}
