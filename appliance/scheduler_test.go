package appliance

import (
	"context"
	"slices"
	"testing"
	"testing/synctest"
	"time"
)

// TestEvery runs every with an hourly period in a bubble of fake time: it runs at once and then periodically, and a
// run slower than its period delays the next instead of stacking (each begins a full period after the previous one
// ended).
func TestEvery(t *testing.T) {
	tests := []struct {
		name     string
		work     time.Duration // how long each run takes
		watch    time.Duration // how long the test lets it run
		wantRuns []time.Duration
	}{
		{"runs at once then periodically", 0, 3*time.Hour + time.Minute,
			[]time.Duration{0, time.Hour, 2 * time.Hour, 3 * time.Hour}},
		{"an overrun delays instead of stacking", 90 * time.Minute, 5 * time.Hour,
			[]time.Duration{0, 150 * time.Minute, 300 * time.Minute}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ctx, cancel := context.WithCancel(t.Context())
				var runs []time.Duration
				start := time.Now()
				done := make(chan struct{})
				go func() {
					every(ctx, time.Hour, func(context.Context) {
						runs = append(runs, time.Since(start))
						time.Sleep(tt.work)
					})
					close(done)
				}()
				time.Sleep(tt.watch)
				synctest.Wait()
				cancel()
				<-done
				if !slices.Equal(runs, tt.wantRuns) {
					t.Fatalf("runs at %v, want %v", runs, tt.wantRuns)
				}
			})
		})
	}
}
