package panel

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpiotest"
)

// journalSink stands in for the appliance's sink: it keeps what it accepted and fails while failing is set, as a
// journal on a full disk does.
type journalSink struct {
	start time.Time

	mu       sync.Mutex
	failing  int // how many more calls fail
	calls    []time.Duration
	accepted []Event
}

var errDiskFull = errors.New("journal: append tamper leaf: no space left on device")

func (s *journalSink) Tamper(ctx context.Context, ev Event) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, time.Since(s.start))
	if s.failing > 0 {
		s.failing--
		return errDiskFull
	}
	s.accepted = append(s.accepted, ev)
	return nil
}

func (s *journalSink) state() (calls []time.Duration, accepted []Event) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.calls...), append([]Event(nil), s.accepted...)
}

var _ TamperSink = (*journalSink)(nil)

// startRun runs Panel.Run in the background.
func startRun(t *testing.T, p *Panel, sink TamperSink) *background {
	t.Helper()
	return inBackground(t, func(ctx context.Context) error { return p.Run(ctx, sink) })
}

func newTestPanel(t *testing.T, retry time.Duration) (*Panel, *gpiotest.Pin, map[State]*gpiotest.Pin) {
	t.Helper()
	sw, leds := newSwitch(closed), newLEDs()
	p := newPanel(t, Config{Intrusion: sw, LEDs: asOutputs(leds), RetryInterval: retry})
	return p, sw, leds
}

func TestRunRetriesFailedDelivery(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p, sw, leds := newTestPanel(t, time.Second)
		if err := p.SetState(Ready); err != nil {
			t.Fatal(err)
		}
		sink := &journalSink{start: time.Now(), failing: 1}
		r := startRun(t, p, sink)

		sw.EdgesChan <- open
		time.Sleep(DefaultDebounce)
		synctest.Wait()
		// The opening counted and the first delivery failed: the LED is on and the event is held.
		if calls, accepted := sink.state(); len(calls) != 1 || len(accepted) != 0 {
			t.Fatalf("after the opening: %d calls, %d accepted; want 1 failed call", len(calls), len(accepted))
		}
		if level(leds[Tampered]) != on || level(leds[Ready]) != on {
			t.Fatal("tampered and ready LEDs must both be on while the delivery is retried")
		}
		if err := p.ClearTamper(); !errors.Is(err, ErrTamperPending) {
			t.Fatalf("ClearTamper with an undelivered opening: got %v, want ErrTamperPending", err)
		}

		time.Sleep(time.Second)
		synctest.Wait()
		calls, accepted := sink.state()
		if len(calls) != 2 || calls[1]-calls[0] != time.Second {
			t.Fatalf("calls at %v, want a retry one second after the failure", calls)
		}
		want := Event{At: sink.start, Level: open, Count: 1}
		if len(accepted) != 1 || accepted[0] != want {
			t.Fatalf("accepted %+v, want [%+v]", accepted, want)
		}
		if level(leds[Tampered]) != on {
			t.Fatal("tampered LED must stay latched after delivery")
		}

		// The latch clears only with the case closed.
		if err := p.ClearTamper(); !errors.Is(err, ErrCaseOpen) {
			t.Fatalf("ClearTamper with the case open: got %v, want ErrCaseOpen", err)
		}
		sw.EdgesChan <- closed
		time.Sleep(DefaultDebounce)
		if err := p.ClearTamper(); err != nil {
			t.Fatal(err)
		}
		if level(leds[Tampered]) != off || p.Tampered() {
			t.Fatal("tampered LED still on after ClearTamper")
		}
		if err := r.stop(); !errors.Is(err, context.Canceled) {
			t.Fatalf("Run returned %v, want context.Canceled", err)
		}
	})
}

func TestRunBacksOffAndKeepsOpenings(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p, sw, leds := newTestPanel(t, 0)
		sink := &journalSink{start: time.Now(), failing: 1 << 30}
		r := startRun(t, p, sink)

		// Two openings while the sink is down.
		drive(sw, sink.start, []step{{0, open}, {time.Second, closed}, {2 * time.Second, open}})
		time.Sleep(3 * time.Minute)
		err := r.stop()

		var undelivered *UndeliveredError
		if !errors.As(err, &undelivered) || !errors.Is(err, context.Canceled) {
			t.Fatalf("Run returned %v, want an UndeliveredError wrapping context.Canceled", err)
		}
		if msg := err.Error(); !strings.Contains(msg, "2 tamper event(s) undelivered") {
			t.Errorf("error %q does not say how many openings are undelivered", msg)
		}
		wantEvents := []Event{
			{At: sink.start, Level: open, Count: 1},
			{At: sink.start.Add(2 * time.Second), Level: open, Count: 2},
		}
		if len(undelivered.Events) != 2 || undelivered.Events[0] != wantEvents[0] ||
			undelivered.Events[1] != wantEvents[1] {
			t.Fatalf("undelivered %+v, want %+v", undelivered.Events, wantEvents)
		}
		// The first opening is retried after 1, 2, 4 … seconds, capped at a minute.
		calls, _ := sink.state()
		wantCalls := []time.Duration{50 * ms}
		for _, gap := range []time.Duration{1, 2, 4, 8, 16, 32, 60} {
			wantCalls = append(wantCalls, wantCalls[len(wantCalls)-1]+gap*time.Second)
		}
		if len(calls) != len(wantCalls) {
			t.Fatalf("calls at %v, want %v", calls, wantCalls)
		}
		for i := range calls {
			if calls[i] != wantCalls[i] {
				t.Fatalf("calls at %v, want %v", calls, wantCalls)
			}
		}
		if level(leds[Tampered]) != on {
			t.Fatal("tampered LED off with openings undelivered")
		}

		// The next Run delivers the queued openings first, in order, then the latch can be cleared.
		sw.Out(closed) // closed while nothing watched
		sink.mu.Lock()
		sink.failing = 0
		sink.mu.Unlock()
		r = startRun(t, p, sink)
		time.Sleep(time.Second)
		if _, accepted := sink.state(); len(accepted) != 2 || accepted[0] != wantEvents[0] ||
			accepted[1] != wantEvents[1] {
			t.Fatalf("accepted %+v, want %+v", accepted, wantEvents)
		}
		if err := p.ClearTamper(); err != nil {
			t.Fatal(err)
		}
		if err := r.stop(); !errors.Is(err, context.Canceled) {
			t.Fatalf("second Run returned %v", err)
		}
	})
}

// TestRunOpeningsWhileDelivering checks that an opening seen while the sink is busy with an earlier one is queued
// behind it, not lost.
func TestRunOpeningsWhileDelivering(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p, sw, _ := newTestPanel(t, 0)
		release := make(chan struct{})
		var mu sync.Mutex
		var got []Event
		sink := FuncSink(func(ctx context.Context, ev Event) error {
			if ev.Count == 1 {
				select {
				case <-release: // a slow TPM
				case <-ctx.Done():
					return ctx.Err()
				}
			}
			mu.Lock()
			got = append(got, ev)
			mu.Unlock()
			return nil
		})
		r := startRun(t, p, sink)
		drive(sw, time.Now(), []step{{0, open}, {time.Second, closed}, {2 * time.Second, open}})
		time.Sleep(time.Second)
		close(release)
		synctest.Wait()
		if err := r.stop(); !errors.Is(err, context.Canceled) {
			t.Fatalf("Run returned %v", err)
		}
		if len(got) != 2 || got[0].Count != 1 || got[1].Count != 2 {
			t.Fatalf("delivered %+v, want openings 1 then 2", got)
		}
	})
}

// TestRunBrokenTamperedLED checks that an opening reaches the sink even when the tampered LED cannot be lit.
func TestRunBrokenTamperedLED(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sw := newSwitch(open)
		p := newPanel(t, Config{Intrusion: sw, LEDs: map[State]gpio.PinOut{Tampered: &brokenPin{}}})
		sink := &journalSink{start: time.Now()}
		r := startRun(t, p, sink)
		time.Sleep(time.Second)
		if err := r.stop(); !errors.Is(err, context.Canceled) {
			t.Fatalf("Run returned %v", err)
		}
		if _, accepted := sink.state(); len(accepted) != 1 {
			t.Fatalf("accepted %d openings, want 1", len(accepted))
		}
		if !p.Tampered() {
			t.Error("latch not set: the tampered state must not depend on the LED")
		}
	})
}
