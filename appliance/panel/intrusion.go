package panel

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"periph.io/x/conn/v3/gpio"
)

// pollInterval bounds each wait for an edge: it is how late Watch may notice a cancelled context on a pin whose wait
// Halt cannot interrupt, and how often a level change whose edge the driver dropped is picked up.
const pollInterval = 100 * time.Millisecond

// Event is one opening of the case.
type Event struct {
	// At is when the switch settled open: the start of the stable period that made the opening count (the moment
	// Watch started, for a case found open).
	At time.Time
	// Level is the intrusion pin's electrical level when the opening counted.
	Level gpio.Level
	// Count numbers the openings seen by one Watch, from 1. It restarts with each Watch.
	Count int
}

// Watch arms edge detection on the intrusion pin and calls onOpen once for each opening of the case, in order, until
// ctx ends; it then returns ctx's error. A case already open when Watch starts is an opening. onOpen runs on Watch's
// goroutine and the switch is not sampled meanwhile, so it should return quickly (Run's does).
//
// Watch returns at once with [ErrBusy] if the switch is already watched, or with an error naming the pin if edge
// detection cannot be armed.
func (p *Panel) Watch(ctx context.Context, onOpen func(context.Context, Event)) error {
	if !p.watching.TryLock() {
		return ErrBusy
	}
	defer p.watching.Unlock()
	return p.watch(ctx, onOpen)
}

// watch is Watch without the single-watcher guard, which Run holds for it.
func (p *Panel) watch(ctx context.Context, onOpen func(context.Context, Event)) error {
	pin := p.intrusion
	if err := pin.In(p.pull, gpio.BothEdges); err != nil {
		return fmt.Errorf("panel: watch intrusion pin %s: arm edge detection: %w", pin, err)
	}
	// Halt interrupts a pending WaitForEdge on pins that support it, so cancellation is seen at once there.
	stop := context.AfterFunc(ctx, func() { _ = pin.Halt() })
	defer stop()

	d := debouncer{delay: p.debounce, openLevel: p.openLevel}
	d.start(pin.Read(), time.Now())
	p.log.InfoContext(ctx, "panel: watching intrusion switch", slog.String("pin", pin.String()),
		slog.Bool("open", d.level == d.openLevel))
	count := 0
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		opened, closed, wait := d.settle(time.Now())
		switch {
		case opened:
			count++
			ev := Event{At: d.since, Level: d.level, Count: count}
			p.log.WarnContext(ctx, "panel: case opened", slog.String("pin", pin.String()),
				slog.Time("at", ev.At), slog.Int("count", count))
			onOpen(ctx, ev)
			continue
		case closed:
			p.log.InfoContext(ctx, "panel: case closed", slog.String("pin", pin.String()), slog.Time("at", d.since))
			continue
		}
		edge := waitForEdge(ctx, pin, min(wait, pollInterval))
		d.observe(pin.Read(), edge, time.Now())
	}
}

// waitForEdge waits up to d for an edge on pin. A driver that gives up early without an edge (a failed read, a
// line that lost edge detection) is made to wait out d anyway, so Watch never spins on a broken pin.
func waitForEdge(ctx context.Context, pin gpio.PinIn, d time.Duration) bool {
	began := time.Now()
	if pin.WaitForEdge(d) {
		return true
	}
	if rest := d - time.Since(began); rest > 0 {
		sleep(ctx, rest)
	}
	return false
}

// debouncer turns raw levels into a debounced open/closed state: a level counts once nothing has moved on the pin
// for delay.
type debouncer struct {
	delay     time.Duration
	openLevel gpio.Level

	open  bool       // the debounced state; starts closed, so a case found open at start is an opening
	level gpio.Level // the last level read
	since time.Time  // when the pin last moved: a level change or an edge
}

func (d *debouncer) start(l gpio.Level, now time.Time) {
	d.open, d.level, d.since = false, l, now
}

// observe records a level read at now. An edge restarts the stable period even when the level reads the same as
// before: the pin moved, and the driver may have coalesced the edge pair of a bounce.
func (d *debouncer) observe(l gpio.Level, edge bool, now time.Time) {
	if edge || l != d.level {
		d.level, d.since = l, now
	}
}

// settle flips the debounced state when the level has differed from it for the whole delay, saying which way it
// flipped; otherwise it says how long to wait before it could flip (or pollInterval when nothing is pending).
func (d *debouncer) settle(now time.Time) (opened, closed bool, wait time.Duration) {
	levelOpen := d.level == d.openLevel
	if levelOpen == d.open {
		return false, false, pollInterval
	}
	if left := d.since.Add(d.delay).Sub(now); left > 0 {
		return false, false, left
	}
	d.open = levelOpen
	return d.open, !d.open, 0
}
