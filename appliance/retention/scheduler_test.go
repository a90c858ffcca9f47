package retention

import (
	"context"
	"errors"
	"maps"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// fakeEraser erases cases by remembering them; failures[id] makes that many attempts on id fail first.
type fakeEraser struct {
	mu       sync.Mutex
	calls    map[string]int
	erased   []string
	failures map[string]int
}

func (e *fakeEraser) EraseCase(_ context.Context, id, requestedBy, reason string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if requestedBy == "" || reason == "" {
		return errors.New("who asked and why are required")
	}
	e.calls[id]++
	if e.failures[id] > 0 {
		e.failures[id]--
		return errors.New("blob store unavailable")
	}
	e.erased = append(e.erased, id)
	return nil
}

func (e *fakeEraser) snapshot() (erased []string, calls map[string]int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.erased), maps.Clone(e.calls)
}

const day = 24 * time.Hour

// TestSchedulerRun drives the scheduler through two months of fake time: due cases are erased once, a hold blocks
// erasure until released, a failing erasure is retried until it succeeds, and a restart keeps everything.
func TestSchedulerRun(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		start := time.Now() // 2000-01-01 00:00 UTC in the bubble
		audit := &recorder{}
		path := filepath.Join(t.TempDir(), "retention.json")
		reg, err := Open(path, audit, Options{})
		if err != nil {
			t.Fatal(err)
		}
		acq := func(daysAgo int) time.Time { return start.Add(-time.Duration(daysAgo) * day) }
		for _, c := range []Case{
			{ID: "expired", Acquired: acq(60), Service: 1},
			{ID: "later", Acquired: acq(20), Service: 1},                 // due about 11 days in
			{ID: "held", Acquired: acq(60), Service: 1},                  // due, but on hold
			{ID: "flaky", Acquired: acq(60), Service: 1},                 // erasure fails twice
			{ID: "long", Acquired: acq(20), Service: 12},                 // not due in this test
			{ID: "legal", Acquired: acq(60), Service: 1, LegalMonths: 1}, // due about 1 day in
		} {
			if err := reg.Add(ctx, c); err != nil {
				t.Fatal(err)
			}
		}
		if err := reg.SetHold(ctx, "held", "avv. Rossi", "appeal"); err != nil {
			t.Fatal(err)
		}
		eraser := &fakeEraser{calls: map[string]int{}, failures: map[string]int{"flaky": 2}}
		s := NewScheduler(reg, eraser, Options{})
		done := make(chan error)
		go func() { done <- s.Run(ctx, day) }()

		synctest.Wait()
		erased, calls := eraser.snapshot()
		assertIDs(t, "at start", erased, "expired")
		if calls["flaky"] != 1 || audit.count(KindEraseFailed) != 1 {
			t.Errorf("at start: flaky tried %d times, %d failures recorded; want 1, 1", calls["flaky"], audit.count(KindEraseFailed))
		}

		time.Sleep(2*day + time.Second)
		synctest.Wait()
		erased, calls = eraser.snapshot()
		assertIDs(t, "after 2 days", erased, "expired", "flaky", "legal")
		if calls["flaky"] != 3 || calls["expired"] != 1 || calls["held"] != 0 {
			t.Errorf("after 2 days: calls = %v", calls)
		}

		time.Sleep(10 * day)
		synctest.Wait()
		erased, _ = eraser.snapshot()
		assertIDs(t, "after 12 days", erased, "expired", "flaky", "legal", "later")

		if err := reg.ReleaseHold(ctx, "held", "avv. Rossi", "appeal dismissed"); err != nil {
			t.Fatal(err)
		}
		time.Sleep(day)
		synctest.Wait()
		erased, calls = eraser.snapshot()
		assertIDs(t, "after release", erased, "expired", "flaky", "legal", "later", "held")
		for id, n := range calls {
			if id != "flaky" && n != 1 {
				t.Errorf("case %s erased %d times", id, n)
			}
		}
		if got := audit.count(KindErased); got != 5 {
			t.Errorf("%d erasures recorded, want 5", got)
		}

		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("Run = %v, want context.Canceled", err)
		}

		// After a restart nothing is erased again.
		again, err := Open(path, audit, Options{})
		if err != nil {
			t.Fatal(err)
		}
		round, err := NewScheduler(again, eraser, Options{}).Check(t.Context())
		if err != nil || len(round.Erased) != 0 {
			t.Errorf("check after restart: erased %v, err %v", round.Erased, err)
		}
		if c, _ := again.Get("long"); !c.Erased.IsZero() {
			t.Error("case within retention erased")
		}
	})
}

// TestSchedulerUnmarkedErasure: when the eraser succeeds but the registry cannot record it, the case is marked at
// the next round without being erased a second time.
func TestSchedulerUnmarkedErasure(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		audit := &recorder{}
		reg, err := Open(filepath.Join(t.TempDir(), "retention.json"), audit, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if err := reg.Add(t.Context(), Case{ID: "c", Acquired: time.Now().Add(-60 * day), Service: 1}); err != nil {
			t.Fatal(err)
		}
		var s *Scheduler
		eraser := EraserFunc(func(context.Context, string, string, string) error {
			audit.mu.Lock()
			audit.fail = errors.New("journal unavailable")
			audit.mu.Unlock()
			return nil
		})
		s = NewScheduler(reg, eraser, Options{})
		round, err := s.Check(t.Context())
		if err == nil || !slices.Equal(round.Failed, []string{"c"}) {
			t.Fatalf("first round: %+v, %v; want c failed", round, err)
		}
		audit.mu.Lock()
		audit.fail = nil
		audit.mu.Unlock()
		calls := 0
		s.eraser = EraserFunc(func(context.Context, string, string, string) error { calls++; return nil })
		round, err = s.Check(t.Context())
		if err != nil || !slices.Equal(round.Erased, []string{"c"}) || calls != 0 {
			t.Fatalf("second round: %+v, %v, eraser called %d times; want c marked without erasing", round, err, calls)
		}
		if c, _ := reg.Get("c"); c.Erased.IsZero() {
			t.Error("case not marked erased")
		}
	})
}

func TestSchedulerRefusesBadPeriod(t *testing.T) {
	reg := openTest(t, &recorder{})
	if err := NewScheduler(reg, &fakeEraser{}, Options{}).Run(t.Context(), 0); err == nil {
		t.Fatal("Run with zero period accepted")
	}
}

func assertIDs(t *testing.T, when string, got []string, want ...string) {
	t.Helper()
	got, want = slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(want))
	if !slices.Equal(got, want) {
		t.Errorf("%s: erased %v, want %v", when, got, want)
	}
}

// TestHoldDuringErasure: a hold asked for while the case is being erased is refused with ErrErasing rather than
// silently set on a case whose key is going.
func TestHoldDuringErasure(t *testing.T) {
	reg := openTest(t, &recorder{})
	ctx := t.Context()
	if err := reg.Add(ctx, Case{ID: "c", Acquired: time.Now().Add(-90 * day), Service: 1}); err != nil {
		t.Fatal(err)
	}
	var holdErr error
	eraser := EraserFunc(func(ctx context.Context, id, _, _ string) error {
		holdErr = reg.SetHold(ctx, id, "operator", "late order")
		return nil
	})
	if _, err := NewScheduler(reg, eraser, Options{}).Check(ctx); err != nil {
		t.Fatal(err)
	}
	if !errors.Is(holdErr, ErrErasing) {
		t.Errorf("SetHold during erasure = %v, want ErrErasing", holdErr)
	}
	if err := reg.SetHold(ctx, "c", "operator", "late order"); !errors.Is(err, ErrErased) {
		t.Errorf("SetHold after erasure = %v, want ErrErased", err)
	}
}

// EraseNow erases a case at a data subject's request whatever its retention, refuses a case on hold, an erased
// one and an unknown one, and leaves a failed erasure to be tried again.
func TestEraseNow(t *testing.T) {
	ctx := t.Context()
	reg, err := Open(filepath.Join(t.TempDir(), "retention.json"), &recorder{}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for _, id := range []string{"running", "held", "flaky"} {
		if err := reg.Add(ctx, Case{ID: id, Acquired: now, Service: 12}); err != nil {
			t.Fatal(err)
		}
	}
	if err := reg.SetHold(ctx, "held", "avv. Bianchi", "giudizio pendente"); err != nil {
		t.Fatal(err)
	}
	er := &fakeEraser{calls: map[string]int{}, failures: map[string]int{"flaky": 1}}
	s := NewScheduler(reg, er, Options{})
	if err := s.EraseNow(ctx, "running", "data subject", "request R1"); err != nil {
		t.Fatal(err)
	}
	if c, _ := reg.Get("running"); c.Erased.IsZero() {
		t.Error("the case erased on request is not marked erased")
	}
	for id, want := range map[string]error{"running": ErrErased, "held": ErrOnHold, "nope": ErrNotFound} {
		if err := s.EraseNow(ctx, id, "data subject", "request R2"); !errors.Is(err, want) {
			t.Errorf("EraseNow(%s): %v, want %v", id, err, want)
		}
	}
	if err := s.EraseNow(ctx, "flaky", "data subject", "request R3"); err == nil {
		t.Fatal("a failed erasure reported success")
	}
	if err := s.EraseNow(ctx, "flaky", "data subject", "request R3"); err != nil {
		t.Fatalf("the retry: %v", err)
	}
	if erased, _ := er.snapshot(); !slices.Equal(erased, []string{"running", "flaky"}) {
		t.Errorf("erased %v", erased)
	}
}
