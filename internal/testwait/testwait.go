// Package testwait gives tests their deadlines from the test's own: the `go test -timeout` deadline that
// t.Deadline reports, less a margin. A loaded machine then slows a test down without failing it, while a test that
// hangs still fails, with its own message, before the test binary's timeout panics and kills every test with it.
//
// A test waits for a condition with [Until] (it polls), bounds a blocking call with [Context] or [With], and gives
// an http.Client the [Remaining] time as its Timeout. Under `go test -timeout 0`, or in a benchmark (which has no
// deadline), the waits are bounded by the test's context alone.
package testwait

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// Margin bounds what is kept before the binary's deadline for the test to fail, clean up and report: a twentieth
// of the time left, at least MinMargin and at most Margin.
const (
	Margin    = 30 * time.Second
	MinMargin = 2 * time.Second
)

// Deadline returns when tb's waits must give up: the `go test -timeout` deadline less a margin. ok is false when
// the test binary has no deadline (-timeout 0, or tb is not a *testing.T).
func Deadline(tb testing.TB) (deadline time.Time, ok bool) {
	d, ok := tb.(interface{ Deadline() (time.Time, bool) })
	if !ok {
		return time.Time{}, false
	}
	end, ok := d.Deadline()
	if !ok {
		return time.Time{}, false
	}
	margin := min(max(time.Until(end)/20, MinMargin), Margin)
	return end.Add(-margin), true
}

// Remaining returns the time left before [Deadline], at least a millisecond, or 0 when there is none: as
// http.Client.Timeout reads it, 0 is no limit.
func Remaining(tb testing.TB) time.Duration {
	end, ok := Deadline(tb)
	if !ok {
		return 0
	}
	return max(time.Until(end), time.Millisecond)
}

// With returns parent bounded by tb's [Deadline]. The caller cancels it when done.
func With(tb testing.TB, parent context.Context) (context.Context, context.CancelFunc) {
	if end, ok := Deadline(tb); ok {
		return context.WithDeadline(parent, end)
	}
	return context.WithCancel(parent)
}

// Context returns tb.Context() bounded by tb's [Deadline]. The caller cancels it when done.
func Context(tb testing.TB) (context.Context, context.CancelFunc) {
	return With(tb, tb.Context())
}

// Until polls cond, more slowly as time goes on (5 ms to 100 ms), until it holds; it fails tb, saying that what
// did not happen, when tb's deadline or context ends first.
func Until(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	if err := UntilCtx(tb, tb.Context(), cond); err != nil {
		tb.Fatalf("%s: %v", what, err)
	}
}

// UntilCtx polls cond as [Until] does, until it holds (nil), or ctx or tb's deadline ends (the context's error).
// It does not fail tb, and may be called from any goroutine.
func UntilCtx(tb testing.TB, ctx context.Context, cond func() bool) error {
	ctx, cancel := With(tb, ctx)
	defer cancel()
	start := time.Now()
	for wait := 5 * time.Millisecond; !cond(); wait = min(2*wait, 100*time.Millisecond) {
		select {
		case <-ctx.Done():
			return fmt.Errorf("not so after %v: %w", time.Since(start).Round(time.Millisecond), ctx.Err())
		case <-time.After(wait):
		}
	}
	return nil
}
