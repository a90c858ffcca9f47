package tsa

import (
	"context"
	"encoding/hex"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/attesta/attesta/bundle/tsa/tsatest"
	"github.com/attesta/attesta/internal/testwait"
)

// bubbleClient returns a client usable inside a synctest bubble: without
// keep-alive no connection goroutine outlives its request.
func bubbleClient(s *tsatest.TSA) *Client {
	return &Client{URL: s.URL, Roots: s.Roots, HTTP: &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}}
}

type tokenLog struct {
	mu  sync.Mutex
	ids []string
}

func (l *tokenLog) add(id string, _ *Token) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.ids = append(l.ids, id)
}

func (l *tokenLog) got() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.ids)
}

// TestQueueRetriesUntilTSAIsBack: the TSA is down; the queue keeps the
// request, retries on the backoff schedule, and stores the token once the
// TSA answers again.
func TestQueueRetriesUntilTSAIsBack(t *testing.T) {
	s := tsatest.New(t, tsatest.Options{})
	s.SetDown(true)
	dir := t.TempDir()
	synctest.Test(t, func(t *testing.T) {
		q := mustOpenQueue(t, dir, bubbleClient(s))
		q.Backoff = Backoff{Initial: 10 * time.Second, Max: 40 * time.Second, Factor: 2}
		var log tokenLog
		q.OnToken = log.add
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error)
		go func() { done <- q.Run(ctx) }()

		start := time.Now()
		if err := q.Enqueue(t.Context(), "checkpoint-1", digestOf("c1")); err != nil {
			t.Fatal(err)
		}
		// Failures 1…4 wait 10, 20, 40 (the cap) and 40 seconds.
		elapsed := time.Duration(0)
		for i, wait := range []time.Duration{10, 20, 40, 40} {
			synctest.Wait()
			p := q.Pending()
			if len(p) != 1 || p[0].Failures != i+1 || p[0].LastErr == nil {
				t.Fatalf("after failure %d: pending %+v", i+1, p)
			}
			if want := start.Add(elapsed + wait*time.Second); !p[0].NextAttempt.Equal(want) {
				t.Errorf("failure %d: next attempt at +%v, want +%v", i+1, p[0].NextAttempt.Sub(start), want.Sub(start))
			}
			if i == 3 {
				s.SetDown(false)
			}
			time.Sleep(wait * time.Second)
			elapsed += wait * time.Second
		}
		synctest.Wait()
		if p := q.Pending(); len(p) != 0 {
			t.Fatalf("still pending after the TSA came back: %+v", p)
		}
		if got := log.got(); !slices.Equal(got, []string{"checkpoint-1"}) {
			t.Errorf("OnToken calls %v", got)
		}
		if n := s.Requests(); n != 5 {
			t.Errorf("TSA saw %d requests, want 5", n)
		}
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("Run returned %v", err)
		}
	})
	if _, err := os.Stat(filepath.Join(dir, "checkpoint-1.tsr")); err != nil {
		t.Errorf("token not stored: %v", err)
	}
}

// TestQueueRejectionIsRetried: a refusal is kept as the last error and the
// request stays queued (the TSA may be misconfigured only for now).
func TestQueueRejectionIsRetried(t *testing.T) {
	s := tsatest.New(t, tsatest.Options{})
	dir := t.TempDir()
	synctest.Test(t, func(t *testing.T) {
		c := bubbleClient(s)
		c.Policy = []int{1, 2, 3, 4, 99} // not a policy the TSA serves
		q := mustOpenQueue(t, dir, c)
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		go q.Run(ctx)
		if err := q.Enqueue(t.Context(), "r", digestOf("r")); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		p := q.Pending()
		if len(p) != 1 || !errors.Is(p[0].LastErr, ErrRejected) {
			t.Fatalf("pending %+v", p)
		}
		if err := q.Run(ctx); !errors.Is(err, ErrRunning) {
			t.Errorf("second Run: %v", err)
		}
		cancel()
		synctest.Wait()
	})
}

// TestQueueRestart: requests survive a restart; tokens are stored next to
// them and verify with openssl.
func TestQueueRestart(t *testing.T) {
	c, s := newClient(t, tsatest.Options{})
	dir := t.TempDir()
	q := mustOpenQueue(t, dir, c)
	ids := []string{"a", "b.report", "c_3"}
	for _, id := range ids {
		if err := q.Enqueue(t.Context(), id, digestOf(id)); err != nil {
			t.Fatal(err)
		}
	}
	// Restart before anything was sent.
	q = mustOpenQueue(t, dir, c)
	var got []string
	for _, p := range q.Pending() {
		got = append(got, p.ID)
	}
	slices.Sort(got)
	if !slices.Equal(got, ids) {
		t.Fatalf("pending after restart %v, want %v", got, ids)
	}
	var log tokenLog
	q.OnToken = log.add
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error)
	go func() { done <- q.Run(ctx) }()
	testwait.Until(t, "the queue did not stamp every pending request", func() bool { return len(log.got()) >= len(ids) })
	cancel()
	<-done
	if len(log.got()) != len(ids) {
		t.Fatalf("tokens for %v, want %v", log.got(), ids)
	}
	q = mustOpenQueue(t, dir, c)
	if p := q.Pending(); len(p) != 0 || len(q.Damaged()) != 0 {
		t.Fatalf("after completion: pending %v damaged %v", p, q.Damaged())
	}
	if st, err := q.Stamped(); err != nil || !slices.Equal(st, ids) {
		t.Errorf("stamped %v, %v; want %v", st, err, ids)
	}
	for _, id := range ids {
		tok, err := q.Token(id)
		if err != nil {
			t.Fatal(err)
		}
		if hex.EncodeToString(tok.Digest) != hex.EncodeToString(digestOf(id)) {
			t.Errorf("%s: token stamps %x", id, tok.Digest)
		}
		tsr, err := os.ReadFile(filepath.Join(dir, id+".tsr"))
		if err != nil {
			t.Fatal(err)
		}
		if ok, out := opensslVerify(t, tsr, s.CAPath, "-queryfile", filepath.Join(dir, id+".tsq")); !ok {
			t.Errorf("%s: openssl: %s", id, out)
		}
	}
	if _, err := q.Token("nope"); err == nil {
		t.Error("token for an unknown id")
	}
}

func TestQueueEnqueue(t *testing.T) {
	c, _ := newClient(t, tsatest.Options{})
	dir := t.TempDir()
	q := mustOpenQueue(t, dir, c)
	if err := q.Enqueue(t.Context(), "x", digestOf("x")); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(filepath.Join(dir, "x.tsq"))
	if err := q.Enqueue(t.Context(), "x", digestOf("x")); err != nil {
		t.Errorf("same id and digest again: %v", err)
	}
	if err := q.Enqueue(t.Context(), "x", digestOf("y")); !errors.Is(err, ErrDuplicateID) {
		t.Errorf("same id, other digest: %v", err)
	}
	after, _ := os.ReadFile(filepath.Join(dir, "x.tsq"))
	if string(before) != string(after) {
		t.Error("request file was rewritten")
	}
	for _, id := range []string{"", ".hidden", "../escape", "a/b", "sp ace", string(make([]byte, 200))} {
		if err := q.Enqueue(t.Context(), id, digestOf("x")); !errors.Is(err, ErrBadID) {
			t.Errorf("id %q: %v", id, err)
		}
	}
	if err := q.Enqueue(t.Context(), "short", []byte{1, 2}); err == nil {
		t.Error("short digest accepted")
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := q.Enqueue(ctx, "late", digestOf("late")); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: %v", err)
	}
}

// TestQueueDamagedFiles: unreadable files are reported, kept and never
// overwritten; crash leftovers are cleaned.
func TestQueueDamagedFiles(t *testing.T) {
	c, _ := newClient(t, tsatest.Options{})
	dir := t.TempDir()
	q := mustOpenQueue(t, dir, c)
	for _, id := range []string{"truncated", "badtoken", "ok"} {
		if err := q.Enqueue(t.Context(), id, digestOf(id)); err != nil {
			t.Fatal(err)
		}
	}
	write := func(name string, b []byte) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	req, _ := os.ReadFile(filepath.Join(dir, "truncated.tsq"))
	write("truncated.tsq", req[:len(req)-7])
	write("badtoken.tsr", []byte("\x30\x05junk"))
	write("orphan.tsr", []byte("whatever"))
	write(".tmp-ok.tsr-123", []byte("half written"))

	q = mustOpenQueue(t, dir, c)
	var damaged []string
	for _, d := range q.Damaged() {
		damaged = append(damaged, filepath.Base(d.Path))
		if d.Err == nil {
			t.Errorf("%s: no error", d.Path)
		}
	}
	slices.Sort(damaged)
	if want := []string{"badtoken.tsr", "orphan.tsr", "truncated.tsq"}; !slices.Equal(damaged, want) {
		t.Errorf("damaged %v, want %v", damaged, want)
	}
	if p := q.Pending(); len(p) != 1 || p[0].ID != "ok" {
		t.Errorf("pending %+v, want only ok", p)
	}
	for _, name := range []string{"truncated.tsq", "badtoken.tsr", "orphan.tsr"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("%s was removed: %v", name, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, ".tmp-ok.tsr-123")); !os.IsNotExist(err) {
		t.Errorf("temp file left behind: %v", err)
	}
	if err := q.Enqueue(t.Context(), "truncated", digestOf("truncated")); !errors.Is(err, ErrDuplicateID) {
		t.Errorf("enqueue over a damaged request: %v", err)
	}
}

func TestQueueVersion(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "VERSION"), []byte("attesta.tsa-queue/v9\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenQueue(dir, &Client{}); !errors.Is(err, ErrQueueVersion) {
		t.Errorf("err = %v", err)
	}
	fresh := t.TempDir()
	if _, err := OpenQueue(fresh, &Client{}); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(fresh, "VERSION")); string(b) != "attesta.tsa-queue/v1\n" {
		t.Errorf("VERSION = %q", b)
	}
}

func TestBackoffDelay(t *testing.T) {
	b := Backoff{Initial: time.Second, Max: 10 * time.Second, Factor: 3}
	for _, tc := range []struct {
		failures int
		want     time.Duration
	}{{1, time.Second}, {2, 3 * time.Second}, {3, 9 * time.Second}, {4, 10 * time.Second}, {1000, 10 * time.Second}} {
		if got := b.Delay(tc.failures); got != tc.want {
			t.Errorf("Delay(%d) = %v, want %v", tc.failures, got, tc.want)
		}
	}
	b.Jitter = 0.25
	for _, r := range []float64{0, 0.5, 0.999} {
		got := b.delay(2, func() float64 { return r })
		if got < 2250*time.Millisecond || got > 3750*time.Millisecond {
			t.Errorf("jitter %v: %v outside 3s ±25%%", r, got)
		}
	}
	if d := DefaultBackoff.Delay(1 << 20); d > time.Duration(float64(DefaultBackoff.Max)*(1+DefaultBackoff.Jitter)) {
		t.Errorf("default backoff unbounded: %v", d)
	}
}
