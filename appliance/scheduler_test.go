package appliance

import (
	"context"
	"testing"
	"testing/synctest"
	"time"
)

func TestEveryRunsAtOnceThenPeriodically(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		var runs []time.Duration
		start := time.Now()
		done := make(chan struct{})
		go func() {
			every(ctx, time.Hour, func(context.Context) { runs = append(runs, time.Since(start)) })
			close(done)
		}()
		time.Sleep(3*time.Hour + time.Minute)
		synctest.Wait()
		cancel()
		<-done
		want := []time.Duration{0, time.Hour, 2 * time.Hour, 3 * time.Hour}
		if len(runs) != len(want) {
			t.Fatalf("runs at %v, want %v", runs, want)
		}
		for i := range want {
			if runs[i] != want[i] {
				t.Fatalf("runs at %v, want %v", runs, want)
			}
		}
	})
}

func TestEveryOverrunDelaysInsteadOfStacking(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		var runs []time.Duration
		start := time.Now()
		done := make(chan struct{})
		go func() {
			every(ctx, time.Hour, func(context.Context) {
				runs = append(runs, time.Since(start))
				time.Sleep(90 * time.Minute) // a check slower than its period
			})
			close(done)
		}()
		time.Sleep(5 * time.Hour)
		synctest.Wait()
		cancel()
		<-done
		// Runs start at 0, 2h30, 5h00: each begins a full period after the previous one ended.
		want := []time.Duration{0, 150 * time.Minute, 300 * time.Minute}
		if len(runs) != len(want) || runs[1] != want[1] {
			t.Fatalf("runs at %v, want %v", runs, want)
		}
	})
}
