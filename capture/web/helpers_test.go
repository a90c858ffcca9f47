package web

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/attesta/attesta/capture/web/webtest"
	"github.com/attesta/attesta/evidence"
	"github.com/attesta/attesta/internal/testwait"
)

// One Chromium serves every test of the package; each session gets its own tab and browser context.
var (
	sharedOnce    sync.Once
	sharedBrowser *Browser
	sharedErr     error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if sharedBrowser != nil {
		sharedBrowser.Close()
	}
	os.Exit(code)
}

func testBrowser(t testing.TB) *Browser {
	t.Helper()
	sharedOnce.Do(func() { sharedBrowser, sharedErr = StartBrowser(context.Background(), "") })
	if sharedErr != nil {
		t.Fatalf("start chromium: %v", sharedErr)
	}
	return sharedBrowser
}

// fixture is a replica server with a session on it.
type fixture struct {
	t   testing.TB
	srv *webtest.Server
	s   *Session
	rec *DirRecorder
	sc  *webtest.Scenario
}

func newFixture(t testing.TB, sc *webtest.Scenario, opts Options, srvOpts ...webtest.Option) *fixture {
	t.Helper()
	srv := webtest.NewServer(sc, srvOpts...)
	t.Cleanup(srv.Close)
	rec, err := NewDirRecorder(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	opts.Recorder = rec
	ctx, cancel := testwait.With(t, context.Background())
	defer cancel()
	s, err := Open(ctx, testBrowser(t), srv.URL()+"/", opts)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(s.Close)
	return &fixture{t: t, srv: srv, s: s, rec: rec, sc: sc}
}

// newLinked is newFixture with the session linked, and the test's context (see testCtx).
func newLinked(t testing.TB, sc *webtest.Scenario, opts Options) (*fixture, context.Context) {
	t.Helper()
	f := newFixture(t, sc, opts)
	ctx := testCtx(t)
	f.link(ctx)
	return f, ctx
}

// link shows the QR, lets the replica's phone scan it and waits for the link.
func (f *fixture) link(ctx context.Context) {
	f.t.Helper()
	qr, err := f.s.QR(ctx)
	if err != nil {
		f.t.Fatalf("qr: %v", err)
	}
	if qr.Ref == "" || len(qr.PNG) < 100 {
		f.t.Fatalf("qr: ref %q, %d PNG bytes", qr.Ref, len(qr.PNG))
	}
	f.srv.Scan()
	if err := f.s.WaitLinked(ctx); err != nil {
		f.t.Fatalf("wait linked: %v", err)
	}
}

// target makes the list line of a scenario chat.
func target(c *webtest.Chat, from, to string, n int) Target {
	digits := c.Phone
	if digits == "" {
		digits, _, _ = strings.Cut(c.ID, "@")
	}
	return Target{Phone: "+" + digits, Name: c.Title, Range: rng(from, to), N: n}
}

func rng(from, to string) evidence.Range {
	var r evidence.Range
	if err := r.From.UnmarshalText([]byte(from)); err != nil {
		panic(err)
	}
	if err := r.To.UnmarshalText([]byte(to)); err != nil {
		panic(err)
	}
	return r
}

func chatResult(t testing.TB, res *Result, phone string) *ChatResult {
	t.Helper()
	for i := range res.Chats {
		if res.Chats[i].Target.Phone == phone {
			return &res.Chats[i]
		}
	}
	t.Fatalf("no result for %s", phone)
	return nil
}

func find(msgs []evidence.Message, id string) *evidence.Message {
	for i := range msgs {
		if msgs[i].ID == id {
			return &msgs[i]
		}
	}
	return nil
}

func hasAnomaly(m *evidence.Message, code string) bool {
	for _, a := range m.Anomalies {
		if a.Code == code {
			return true
		}
	}
	return false
}

// testCtx bounds a test's waits by its deadline (see testwait), not by a fixed time that a loaded machine exceeds.
// It outlives t.Context() into the cleanups, as the session it drives does.
func testCtx(t testing.TB) context.Context {
	ctx, cancel := testwait.With(t, context.Background())
	t.Cleanup(cancel)
	return ctx
}

func describe(m *evidence.Message) string {
	return fmt.Sprintf("%s (%s, from_me %t)", m.ID, m.Type, m.FromMe)
}
