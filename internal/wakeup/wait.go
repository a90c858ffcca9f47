// Package wakeup is the one sleep of the durable queues (the TSA queue, the Drive queue): until a deadline, a wake-up
// or the end of the context, whichever comes first.
package wakeup

import (
	"context"
	"time"
)

// Sleep waits for d (forever if negative), a value on wake, or ctx, and returns ctx's error only when ctx ended.
// Its timer is stopped on return, so that a loop calling it keeps no timer between rounds.
func Sleep(ctx context.Context, wake <-chan struct{}, d time.Duration) error {
	var timer <-chan time.Time
	if d >= 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		timer = t.C
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-wake:
	case <-timer:
	}
	return nil
}
