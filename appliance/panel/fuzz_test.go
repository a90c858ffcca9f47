package panel

import (
	"testing"
	"testing/synctest"
	"time"

	"periph.io/x/conn/v3/gpio"
)

// FuzzWatch drives the intrusion switch with arbitrary edge sequences (a switch is outside input too: a worn contact,
// a probe on the wire) and checks Watch against a plain model of the debounce rule.
//
// The first byte is the level at start (bit 0); each later byte is one edge: bits 1–7 are the milliseconds since the
// previous edge (0–127), bit 0 the level after it.
func FuzzWatch(f *testing.F) {
	f.Add([]byte{0})                              // closed, nothing happens
	f.Add([]byte{1})                              // open at start
	f.Add([]byte{0, 10<<1 | 1, 2 << 1, 3<<1 | 1}) // bounce then open
	f.Add([]byte{0, 10<<1 | 1, 30 << 1})          // glitch
	f.Add([]byte{0, 10<<1 | 1, 100 << 1, 100<<1 | 1, 127 << 1})
	f.Add([]byte{1, 20 << 1, 10<<1 | 1, 0, 0<<1 | 1, 60 << 1})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 || len(data) > 200 {
			return
		}
		start, edges := decodeEdges(data)
		want := modelOpenings(start, edges, DefaultDebounce)
		synctest.Test(t, func(t *testing.T) {
			sw := newSwitch(start)
			p := newPanel(t, Config{Intrusion: sw})
			w := startWatch(t, p)
			drive(sw, w.start, edges)
			time.Sleep(time.Second)
			w.stop()
			got := w.seen()
			if len(got) != len(want) {
				t.Fatalf("edges %v from %v: got %d openings %+v, want %d at %v", edges, start, len(got), got,
					len(want), want)
			}
			for i, at := range want {
				ev := Event{At: w.start.Add(at), Level: open, Count: i + 1}
				if got[i].Event != ev || got[i].Delivered != at+DefaultDebounce {
					t.Fatalf("edges %v from %v: opening %d = %+v, want %+v reported at %v", edges, start, i, got[i],
						ev, at+DefaultDebounce)
				}
			}
		})
	})
}

// decodeEdges turns fuzz input into a start level and edges. A gap of exactly the debounce time is moved by a
// millisecond: an edge at the very instant the level would count is a tie the rule does not decide.
func decodeEdges(data []byte) (gpio.Level, []step) {
	start := gpio.Level(data[0]&1 == 1)
	var edges []step
	var at time.Duration
	for _, b := range data[1:] {
		gap := time.Duration(b>>1) * ms
		if gap == DefaultDebounce {
			gap += ms
		}
		at += gap
		edges = append(edges, step{at, gpio.Level(b&1 == 1)})
	}
	return start, edges
}

// modelOpenings is the debounce rule stated plainly: the debounced state starts closed and flips when the pin has
// shown the other state, with no edge at all, for longer than the debounce time. It returns when each opening's
// stable period began.
func modelOpenings(start gpio.Level, edges []step, debounce time.Duration) []time.Duration {
	var openings []time.Duration
	isOpen, lvl, since := false, start, time.Duration(0)
	settle := func(now time.Duration) {
		if (lvl == open) != isOpen && now-since > debounce {
			isOpen = !isOpen
			if isOpen {
				openings = append(openings, since)
			}
		}
	}
	for _, e := range edges {
		settle(e.At)
		lvl, since = e.Level, e.At
	}
	settle(time.Duration(1<<62 - 1))
	return openings
}
