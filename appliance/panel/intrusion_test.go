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

const ms = time.Millisecond

func TestWatchDebounce(t *testing.T) {
	// Debounce is the default 50 ms throughout; At and Delivered are offsets from Watch's start.
	tests := []struct {
		name      string
		activeLow bool
		start     gpio.Level
		edges     []step
		want      []seen
	}{
		{
			name:  "bouncing contact is one opening",
			start: closed,
			edges: []step{{10 * ms, open}, {12 * ms, closed}, {15 * ms, open}, {16 * ms, closed}, {20 * ms, open}},
			want:  []seen{{Event{Level: open, Count: 1}, 70 * ms}},
		},
		{
			name:  "glitch shorter than debounce is none",
			start: closed,
			edges: []step{{10 * ms, open}, {40 * ms, closed}},
		},
		{
			name:  "open, close, open is two openings",
			start: closed,
			edges: []step{{10 * ms, open}, {200 * ms, closed}, {400 * ms, open}},
			want:  []seen{{Event{Level: open, Count: 1}, 60 * ms}, {Event{Level: open, Count: 2}, 450 * ms}},
		},
		{
			name:  "closing glitch while open is no new opening",
			start: closed,
			edges: []step{{10 * ms, open}, {100 * ms, closed}, {120 * ms, open}},
			want:  []seen{{Event{Level: open, Count: 1}, 60 * ms}},
		},
		{
			name:  "open at start is an opening",
			start: open,
			want:  []seen{{Event{Level: open, Count: 1}, 50 * ms}},
		},
		{
			name:  "glitch at start is none",
			start: open,
			edges: []step{{20 * ms, closed}},
		},
		{
			name:  "bounce at start delays the opening",
			start: open,
			edges: []step{{20 * ms, closed}, {30 * ms, open}},
			want:  []seen{{Event{Level: open, Count: 1}, 80 * ms}},
		},
		{
			name:  "closed at start stays quiet",
			start: closed,
		},
		{
			name:      "active low",
			activeLow: true,
			start:     gpio.High,
			edges:     []step{{10 * ms, gpio.Low}, {300 * ms, gpio.High}},
			want:      []seen{{Event{Level: gpio.Low, Count: 1}, 60 * ms}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				sw := newSwitch(tt.start)
				p := newPanel(t, Config{Intrusion: sw, ActiveLow: tt.activeLow})
				w := startWatch(t, p)
				drive(sw, w.start, tt.edges)
				time.Sleep(time.Second)
				if err := w.stop(); !errors.Is(err, context.Canceled) {
					t.Fatalf("Watch returned %v, want context.Canceled", err)
				}
				got := w.seen()
				if len(got) != len(tt.want) {
					t.Fatalf("got %d openings %+v, want %d", len(got), got, len(tt.want))
				}
				for i, want := range tt.want {
					// The opening dates from when the pin settled: Debounce before it was reported.
					want.At = w.start.Add(want.Delivered - DefaultDebounce)
					if got[i] != want {
						t.Errorf("opening %d = %+v, want %+v", i, got[i], want)
					}
				}
			})
		})
	}
}

func TestWatchCustomDebounce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sw := newSwitch(closed)
		p := newPanel(t, Config{Intrusion: sw, Debounce: 500 * ms})
		w := startWatch(t, p)
		// 400 ms of open level is a glitch at a 500 ms debounce; 600 ms is an opening.
		drive(sw, w.start, []step{{0, open}, {400 * ms, closed}, {1000 * ms, open}, {1600 * ms, closed}})
		time.Sleep(time.Second)
		w.stop()
		got := w.seen()
		if len(got) != 1 || got[0].Delivered != 1500*ms || !got[0].At.Equal(w.start.Add(time.Second)) {
			t.Fatalf("got %+v, want one opening at 1s reported at 1.5s", got)
		}
	})
}

// TestWatchMissedEdge checks that a level change whose edge the driver dropped is still seen.
func TestWatchMissedEdge(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sw := newSwitch(closed)
		p := newPanel(t, Config{Intrusion: sw})
		w := startWatch(t, p)
		time.Sleep(10 * ms)
		sw.Out(open) // the level moves, no edge is reported
		time.Sleep(time.Second)
		w.stop()
		got := w.seen()
		if len(got) != 1 {
			t.Fatalf("got %d openings, want 1", len(got))
		}
		// Seen at the next poll (100 ms), counted a debounce later.
		if got[0].Delivered != pollInterval+DefaultDebounce {
			t.Errorf("opening reported at %v, want %v", got[0].Delivered, pollInterval+DefaultDebounce)
		}
	})
}

func TestWatchCancelIsPrompt(t *testing.T) {
	for _, tt := range []struct {
		name string
		run  func(ctx context.Context, p *Panel) error
	}{
		{"watch", func(ctx context.Context, p *Panel) error { return p.Watch(ctx, func(context.Context, Event) {}) }},
		{"run", func(ctx context.Context, p *Panel) error { return p.Run(ctx, FuncSink(nopTamper)) }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				p := newPanel(t, Config{Intrusion: newSwitch(closed)})
				ctx, cancel := context.WithCancel(t.Context())
				done := make(chan error)
				go func() { done <- tt.run(ctx, p) }()
				time.Sleep(1234 * ms)
				cancelled := time.Now()
				cancel()
				err := <-done
				if !errors.Is(err, context.Canceled) {
					t.Fatalf("got %v, want context.Canceled", err)
				}
				// gpiotest pins cannot be interrupted, so the bound is one poll; real pins return at once.
				if took := time.Since(cancelled); took > pollInterval {
					t.Errorf("returned %v after cancellation, want at most %v", took, pollInterval)
				}
			})
		})
	}
}

func nopTamper(context.Context, Event) error { return nil }

func TestWatchBusy(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPanel(t, Config{Intrusion: newSwitch(closed)})
		w := startWatch(t, p)
		if err := p.Watch(t.Context(), func(context.Context, Event) {}); !errors.Is(err, ErrBusy) {
			t.Errorf("second Watch: got %v, want ErrBusy", err)
		}
		if err := p.Run(t.Context(), FuncSink(nopTamper)); !errors.Is(err, ErrBusy) {
			t.Errorf("Run during Watch: got %v, want ErrBusy", err)
		}
		w.stop()
		// Once the first watch has ended, the switch can be watched again.
		w = startWatch(t, p)
		w.stop()
	})
}

func TestWatchWithoutEdgeDetection(t *testing.T) {
	// A pin whose driver cannot detect edges (gpiotest without an edge channel refuses them).
	pin := &gpiotest.Pin{N: "GPIO4", Num: 4}
	p := newPanel(t, Config{Intrusion: pin})
	err := p.Watch(t.Context(), func(context.Context, Event) { t.Error("opening reported") })
	if err == nil || !strings.Contains(err.Error(), "GPIO4") || !strings.Contains(err.Error(), "edge") {
		t.Fatalf("got %v, want an error naming the pin and edge detection", err)
	}
	if err := p.Run(t.Context(), FuncSink(nopTamper)); err == nil || !strings.Contains(err.Error(), "GPIO4") {
		t.Fatalf("Run: got %v, want the watch error", err)
	}
}

// deafPin is an intrusion pin whose driver lost edge detection: every wait fails at once.
type deafPin struct {
	gpiotest.Pin
	mu    sync.Mutex
	waits int
}

func (d *deafPin) WaitForEdge(time.Duration) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.waits++
	return false
}

// TestWatchDeafPin checks that Watch neither spins on a pin whose waits fail at once nor misses the level.
func TestWatchDeafPin(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		pin := &deafPin{Pin: gpiotest.Pin{N: "GPIO17", EdgesChan: make(chan gpio.Level)}}
		p := newPanel(t, Config{Intrusion: pin})
		w := startWatch(t, p)
		time.Sleep(250 * ms)
		pin.Out(open)
		time.Sleep(750 * ms)
		w.stop()
		pin.mu.Lock()
		waits := pin.waits
		pin.mu.Unlock()
		if waits > 12 {
			t.Errorf("%d waits in one second, want about one per poll (%v)", waits, pollInterval)
		}
		if got := w.seen(); len(got) != 1 || got[0].Delivered != 300*ms+DefaultDebounce {
			t.Errorf("got %+v, want one opening seen at the poll after 250ms", got)
		}
	})
}

// BenchmarkWatchEdge measures what one edge costs the watch loop (a bouncing contact sends hundreds).
func BenchmarkWatchEdge(b *testing.B) {
	sw := newSwitch(closed)
	p, err := New(Config{Intrusion: sw, Debounce: time.Hour}) // nothing settles: every edge is pure loop cost
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(b.Context())
	done := make(chan error)
	go func() { done <- p.Watch(ctx, func(context.Context, Event) {}) }()
	l := closed
	for b.Loop() {
		l = !l
		sw.EdgesChan <- l
	}
	cancel()
	<-done
}
