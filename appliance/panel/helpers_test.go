package panel

import (
	"context"
	"errors"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpiotest"
)

// Levels of the intrusion switch with the default wiring (High is open).
const (
	open   = gpio.High
	closed = gpio.Low
)

// Levels of an LED or the buzzer with the default wiring.
const (
	on  = gpio.High
	off = gpio.Low
)

// newSwitch returns a fake intrusion pin reading l. Its edge channel is unbuffered, so a test's edge is taken by the
// watcher at the instant the test sends it. It must be made inside the synctest bubble that uses it.
func newSwitch(l gpio.Level) *gpiotest.Pin {
	return &gpiotest.Pin{N: "INTRUSION", Num: 17, L: l, EdgesChan: make(chan gpio.Level)}
}

// newLEDs returns one fake pin per LED, all Low.
func newLEDs() map[State]*gpiotest.Pin {
	return map[State]*gpiotest.Pin{
		Ready:     {N: "LED_READY", Num: 5},
		Working:   {N: "LED_WORKING", Num: 6},
		Attention: {N: "LED_ATTENTION", Num: 13},
		Tampered:  {N: "LED_TAMPERED", Num: 19},
	}
}

func asOutputs(pins map[State]*gpiotest.Pin) map[State]gpio.PinOut {
	out := make(map[State]gpio.PinOut, len(pins))
	for s, p := range pins {
		out[s] = p
	}
	return out
}

// step is a level driven on a pin, at an offset from the start of the test.
type step struct {
	At    time.Duration
	Level gpio.Level
}

// recordingPin is a fake output that also records every level driven on it, with the (synctest) time.
type recordingPin struct {
	*gpiotest.Pin
	start time.Time

	mu    sync.Mutex
	steps []step
}

func newRecordingPin(name string) *recordingPin {
	return &recordingPin{Pin: &gpiotest.Pin{N: name, Num: 26}, start: time.Now()}
}

func (r *recordingPin) Out(l gpio.Level) error {
	r.mu.Lock()
	r.steps = append(r.steps, step{time.Since(r.start), l})
	r.mu.Unlock()
	return r.Pin.Out(l)
}

func (r *recordingPin) recorded() []step {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]step(nil), r.steps...)
}

var _ gpio.PinOut = (*recordingPin)(nil)

// brokenPin is an output whose driver fails, as a pin on an unplugged expander does.
type brokenPin struct{ gpiotest.Pin }

var errPinGone = errors.New("gpio line gone")

func (b *brokenPin) Out(gpio.Level) error { return errPinGone }

// seen is an opening as a test observed it: the event and when onOpen was called, from the test's start.
type seen struct {
	Event
	Delivered time.Duration
}

// background is a call (Watch, Run) running in its own goroutine until the test stops it.
type background struct {
	cancel context.CancelFunc
	done   chan error
}

// inBackground starts run and waits until every goroutine of the bubble is blocked (run waits for its pins).
func inBackground(t *testing.T, run func(ctx context.Context) error) *background {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	b := &background{cancel: cancel, done: make(chan error, 1)}
	go func() { b.done <- run(ctx) }()
	t.Cleanup(cancel)
	synctest.Wait()
	return b
}

// stop cancels the call and returns its error.
func (b *background) stop() error {
	b.cancel()
	return <-b.done
}

// watcher runs Watch in the background and collects what it reports.
type watcher struct {
	*background
	start time.Time

	mu     sync.Mutex
	events []seen
}

// startWatch starts p.Watch and waits until it is waiting for edges.
func startWatch(t *testing.T, p *Panel) *watcher {
	t.Helper()
	w := &watcher{start: time.Now()}
	w.background = inBackground(t, func(ctx context.Context) error {
		return p.Watch(ctx, func(_ context.Context, ev Event) {
			w.mu.Lock()
			w.events = append(w.events, seen{ev, time.Since(w.start)})
			w.mu.Unlock()
		})
	})
	return w
}

func (w *watcher) seen() []seen {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]seen(nil), w.events...)
}

// drive sends steps as edges on the switch, each at its offset from start.
func drive(pin *gpiotest.Pin, start time.Time, steps []step) {
	for _, s := range steps {
		time.Sleep(time.Until(start.Add(s.At)))
		pin.EdgesChan <- s.Level
	}
}

// newPanel returns the panel of c; an error ends the test.
func newPanel(t *testing.T, c Config) *Panel {
	t.Helper()
	p, err := New(c)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// setStates sets the panel's states in turn; an error ends the test.
func setStates(t *testing.T, p *Panel, states ...State) {
	t.Helper()
	for _, s := range states {
		if err := p.SetState(s); err != nil {
			t.Fatalf("SetState(%v): %v", s, err)
		}
	}
}

func level(p *gpiotest.Pin) gpio.Level { return p.Read() }
