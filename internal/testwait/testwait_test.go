package testwait

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"
)

func TestDeadlineIsBeforeTheBinarys(t *testing.T) {
	end, ok := t.Deadline()
	got, gotOK := Deadline(t)
	if gotOK != ok {
		t.Fatalf("Deadline ok = %v, t.Deadline ok = %v", gotOK, ok)
	}
	if ok && (!got.Before(end) || end.Sub(got) > Margin) {
		t.Errorf("Deadline = %v, want within %v before the binary's %v", got, Margin, end)
	}
	if r := Remaining(t); ok != (r > 0) {
		t.Errorf("Remaining = %v with a deadline %v", r, ok)
	}
}

func TestUntilPollsUntilTheConditionHolds(t *testing.T) {
	var n atomic.Int32
	Until(t, "the counter reaches 5", func() bool { return n.Add(1) >= 5 })
	if n.Load() != 5 {
		t.Fatalf("cond called %d times, want 5", n.Load())
	}
}

func TestUntilCtxEndsWithTheContext(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	err := UntilCtx(t, ctx, func() bool { return false })
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("UntilCtx on a context that ends = %v, want DeadlineExceeded", err)
	}
}

func TestWithKeepsAnEarlierParentDeadline(t *testing.T) {
	parent, cancel := context.WithTimeout(t.Context(), time.Second)
	defer cancel()
	ctx, cancel2 := With(t, parent)
	defer cancel2()
	want, _ := parent.Deadline()
	if got, ok := ctx.Deadline(); !ok || got.After(want) {
		t.Fatalf("With's deadline = %v %v, want no later than the parent's %v", got, ok, want)
	}
}

// TestBufferConcurrentWrites: writers in several goroutines and a reader polling meanwhile (run with -race) lose
// nothing.
func TestBufferConcurrentWrites(t *testing.T) {
	var b Buffer
	done := make(chan struct{})
	for range 4 {
		go func() {
			defer func() { done <- struct{}{} }()
			for range 100 {
				b.Write([]byte("x"))
			}
		}()
	}
	Until(t, "every write", func() bool { return len(b.String()) == 400 })
	for range 4 {
		<-done
	}
}
