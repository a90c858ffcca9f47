package panel

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// TamperSink receives the openings of the case. In the appliance it sets the TPM's tamper index (so the TPM signing
// key stops working), journals a "tamper" leaf and locks certification.
//
// Delivery is at least once: when Tamper returns an error, Run calls it again later with the same Event, and it may
// also be called again for an Event whose earlier call did part of its work before failing. Implementations should
// make each step safe to repeat (extending a PCR twice is harmless; a journal can skip an Event it already holds,
// keyed by At and Count). Tamper should honour ctx: Run cancels it on shutdown.
type TamperSink interface {
	Tamper(ctx context.Context, ev Event) error
}

// UndeliveredError is returned by [Panel.Run] when it stopped with openings the sink has not accepted. They stay
// queued in the panel: the next Run delivers them first, and the tampered latch cannot be cleared until then.
type UndeliveredError struct {
	Events []Event // the openings still queued, oldest first
	Err    error   // why Run stopped: its context's error, or the watch's
}

func (e *UndeliveredError) Error() string {
	return fmt.Sprintf("panel: run stopped with %d tamper event(s) undelivered: %v", len(e.Events), e.Err)
}

func (e *UndeliveredError) Unwrap() error { return e.Err }

// FuncSink adapts a function to a [TamperSink].
type FuncSink func(ctx context.Context, ev Event) error

// Tamper calls f.
func (f FuncSink) Tamper(ctx context.Context, ev Event) error { return f(ctx, ev) }

var _ TamperSink = FuncSink(nil)

// Run watches the intrusion switch until ctx ends. Each opening latches the tampered LED at once, then goes to sink,
// in order; a failed delivery is logged and retried with exponential back-off, from [Config].RetryInterval up to a
// minute, for as long as Run runs. The LED stays on meanwhile.
//
// Run returns ctx's error, or the watch's error if the switch could not be watched (see [Panel.Watch]), wrapped in
// an [*UndeliveredError] when openings are still queued.
func (p *Panel) Run(ctx context.Context, sink TamperSink) error {
	if !p.watching.TryLock() {
		return ErrBusy
	}
	defer p.watching.Unlock()

	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	wake := make(chan struct{}, 1)
	var watchErr error
	var wg sync.WaitGroup
	wg.Go(func() {
		defer cancel() // a watch that fails stops the delivery too
		watchErr = p.watch(ctx, func(ctx context.Context, ev Event) {
			p.enqueue(ctx, ev)
			select {
			case wake <- struct{}{}:
			default:
			}
		})
	})
	p.deliver(ctx, sink, wake)
	wg.Wait()

	err := watchErr
	if parent.Err() != nil {
		err = parent.Err() // the watch saw only the inner cancellation
	}
	if pending := p.pending(); len(pending) > 0 {
		return &UndeliveredError{Events: pending, Err: err}
	}
	return err
}

// enqueue latches the tampered LED and queues ev for delivery.
func (p *Panel) enqueue(ctx context.Context, ev Event) {
	if err := p.latchTamper(); err != nil {
		p.log.ErrorContext(ctx, "panel: tampered LED", slog.Any("error", err))
	}
	p.mu.Lock()
	p.queue = append(p.queue, ev)
	p.mu.Unlock()
}

// deliver hands queued openings to sink, oldest first, until ctx ends.
func (p *Panel) deliver(ctx context.Context, sink TamperSink, wake <-chan struct{}) {
	backoff := p.retry
	for attempt := 1; ; {
		ev, ok := p.head()
		if !ok {
			select {
			case <-ctx.Done():
				return
			case <-wake:
				continue
			}
		}
		err := sink.Tamper(ctx, ev)
		if err == nil {
			p.log.InfoContext(ctx, "panel: tamper event delivered", slog.Int("count", ev.Count),
				slog.Int("attempts", attempt))
			p.pop()
			backoff, attempt = p.retry, 1
			continue
		}
		if ctx.Err() != nil {
			return
		}
		p.log.ErrorContext(ctx, "panel: tamper event not delivered, will retry", slog.Int("count", ev.Count),
			slog.Int("attempt", attempt), slog.Duration("retry_in", backoff), slog.Any("error", err))
		if !sleep(ctx, backoff) {
			return
		}
		backoff, attempt = min(2*backoff, maxRetryInterval), attempt+1
	}
}

func (p *Panel) head() (Event, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.queue) == 0 {
		return Event{}, false
	}
	return p.queue[0], true
}

func (p *Panel) pop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.queue = p.queue[1:]
}

func (p *Panel) pending() []Event {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Event(nil), p.queue...)
}

// sleep waits for d or until ctx ends, reporting whether the whole wait elapsed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
