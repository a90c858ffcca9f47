package drive

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"google.golang.org/api/googleapi"

	"github.com/attesta/attesta/internal/wakeup"
)

// RetryNow makes every pending job due at once (an account was just authorized, the network came back) and wakes
// Run.
func (q *Queue) RetryNow() {
	q.mu.Lock()
	for _, rs := range q.state {
		rs.next = time.Time{}
	}
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// Run uploads the pending jobs until ctx ends, retrying failures with q.Backoff (or the Retry-After Drive asked
// for, when longer); jobs enqueued meanwhile are picked up at once. It returns ctx's error.
func (q *Queue) Run(ctx context.Context) error {
	return q.loop(ctx, false)
}

// Drain uploads the pending jobs, retrying as Run does, and returns once none is left (nil) or ctx ends (its
// error, the jobs left pending for Run). It may run beside Run: each job is worked on by one of them at a time.
func (q *Queue) Drain(ctx context.Context) error {
	return q.loop(ctx, true)
}

// busyPoll is how often a loop looks again while another loop works on the only jobs left.
const busyPoll = 100 * time.Millisecond

func (q *Queue) loop(ctx context.Context, drain bool) error {
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		id, wait := q.due(time.Now())
		if id != "" {
			q.attempt(ctx, id)
			continue
		}
		if drain && wait < 0 {
			return nil
		}
		if err := wakeup.Sleep(ctx, q.wake, wait); err != nil {
			return err
		}
	}
}

// due returns the job to try now, marked busy, or else how long until the next one is due (-1: none pending).
func (q *Queue) due(now time.Time) (string, time.Duration) {
	q.mu.Lock()
	defer q.mu.Unlock()
	wait := time.Duration(-1)
	for _, rec := range q.sorted() {
		if !rec.Done.IsZero() {
			continue
		}
		if q.busy[rec.ID] {
			if wait < 0 || busyPoll < wait {
				wait = busyPoll
			}
			continue
		}
		rs := q.state[rec.ID]
		if rs == nil || !rs.next.After(now) {
			q.busy[rec.ID] = true
			return rec.ID, 0
		}
		if d := rs.next.Sub(now); wait < 0 || d < wait {
			wait = d
		}
	}
	return "", wait
}

// attempt works on one job; on failure it schedules the next try.
func (q *Queue) attempt(ctx context.Context, id string) {
	err := q.process(ctx, id)
	q.mu.Lock()
	defer q.mu.Unlock()
	delete(q.busy, id)
	if err == nil {
		delete(q.state, id)
		return
	}
	if ctx.Err() != nil {
		return // interrupted, not failed: the job stays pending, its last real failure kept
	}
	rs := q.state[id]
	if rs == nil {
		rs = &retryState{}
		q.state[id] = rs
	}
	rs.failures++
	rs.lastErr = err
	delay := q.Backoff.Delay(rs.failures)
	if ra := retryAfter(err); ra > delay {
		delay = ra
	}
	if errors.Is(err, ErrUnauthorized) && rs.failures == 1 {
		delay = 0 // the token is refreshed: try again at once
	}
	rs.next = time.Now().Add(delay)
	q.log.WarnContext(ctx, "Drive upload failed: retrying", slog.String("job", id), slog.Int("failures", rs.failures),
		slog.Duration("in", delay), slog.Any("error", err))
}

// retryAfter is the wait Drive asked for in a Retry-After header (seconds, or an HTTP date).
func retryAfter(err error) time.Duration {
	var ge *googleapi.Error
	if !errors.As(err, &ge) || ge.Header == nil {
		return 0
	}
	v := ge.Header.Get("Retry-After")
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return min(time.Duration(s)*time.Second, time.Hour)
	}
	if t, err := http.ParseTime(v); err == nil {
		return min(max(time.Until(t), 0), time.Hour)
	}
	return 0
}
