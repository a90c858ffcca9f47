package web

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/attesta/attesta/capture/web/webtest"
	"github.com/attesta/attesta/internal/testwait"
)

// TestWatchQRKeepsTheCodeFresh lets the replica change its code every 400 ms and go idle after three codes, as
// WhatsApp Web does every 20 s and after a few codes: the client must always be shown the current code, the idle
// page must be woken, and the phone's scan of the latest code must link the session.
func TestWatchQRKeepsTheCodeFresh(t *testing.T) {
	f := newFixture(t, webtest.MustDefaultScenario("basic"), Options{LinkTimeout: testwait.Remaining(t)},
		webtest.WithQRRotation(400*time.Millisecond), webtest.WithQRIdleAfter(3))
	ctx, cancel := testwait.Context(t)
	defer cancel()
	var (
		mu    sync.Mutex
		shown []string
	)
	done := make(chan error, 1)
	go func() {
		done <- f.s.WatchQR(ctx, func(qr QR) {
			if len(qr.PNG) < 100 {
				t.Errorf("code %q shown without its image", qr.Ref)
			}
			mu.Lock()
			shown = append(shown, qr.Ref)
			mu.Unlock()
		})
	}()
	// The client takes its time: past three codes the page went idle and had to be woken. On a loaded machine
	// a code can rotate before it is shown, so this waits for five shown codes however long they take.
	testwait.Until(t, "fewer than 5 codes shown", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(shown) >= 5
	})
	f.srv.Scan()
	if err := <-done; err != nil {
		t.Fatalf("WatchQR: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(shown) < 5 {
		t.Fatalf("shown %d codes, want every new one", len(shown))
	}
	for i := 1; i < len(shown); i++ {
		if shown[i] == shown[i-1] {
			t.Errorf("code %d shown twice in a row: %q", i, shown[i])
		}
	}
	if !f.srv.Linked() {
		t.Error("the session is not linked")
	}
}

func TestWatchQRTimesOut(t *testing.T) {
	f := newFixture(t, webtest.MustDefaultScenario("basic"), Options{LinkTimeout: 2 * time.Second})
	calls := 0
	err := f.s.WatchQR(t.Context(), func(QR) { calls++ })
	if !errors.Is(err, ErrNotLinked) || calls == 0 {
		t.Fatalf("WatchQR never scanned = %v after %d codes shown, want ErrNotLinked after at least one", err, calls)
	}
}
