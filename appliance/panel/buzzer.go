package panel

import (
	"context"
	"fmt"
	"time"
)

// Pattern is a fixed sound on the buzzer.
type Pattern uint8

const (
	// BeepOK is one short beep: an action succeeded.
	BeepOK Pattern = iota + 1
	// BeepAttention is three short beeps: the operator must act.
	BeepAttention
	// BeepAlarm is eight long beeps, about four seconds: the case was opened or a self-check failed.
	BeepAlarm
)

const (
	short = 100 * time.Millisecond
	gap   = 100 * time.Millisecond
	long  = 400 * time.Millisecond
)

// patterns holds each pattern's durations, alternately on and off, starting and ending with on.
var patterns = map[Pattern][]time.Duration{
	BeepOK:        {short},
	BeepAttention: {short, gap, short, gap, short},
	BeepAlarm:     {long, gap, long, gap, long, gap, long, gap, long, gap, long, gap, long, gap, long},
}

var patternNames = map[Pattern]string{BeepOK: "ok", BeepAttention: "attention", BeepAlarm: "alarm"}

func (pat Pattern) String() string {
	if n, ok := patternNames[pat]; ok {
		return n
	}
	return fmt.Sprintf("Pattern(%d)", uint8(pat))
}

// Beep plays pat on the buzzer and returns when it has finished, with the buzzer off. Patterns never overlap: a
// Beep waits for the one playing. When ctx ends, Beep turns the buzzer off and returns ctx's error. Without a
// buzzer, Beep does nothing.
func (p *Panel) Beep(ctx context.Context, pat Pattern) error {
	steps, ok := patterns[pat]
	if !ok {
		return fmt.Errorf("panel: beep: unknown pattern %v", pat)
	}
	if p.buzzer == nil {
		return nil
	}
	select {
	case p.buzzing <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-p.buzzing }()

	err := p.play(ctx, steps)
	// Whatever happened, the buzzer must not be left sounding.
	if offErr := p.buzzer.Out(!p.onLevel); offErr != nil && err == nil {
		err = offErr
	}
	if err != nil {
		return fmt.Errorf("panel: beep %v on buzzer %s: %w", pat, p.buzzer, err)
	}
	return nil
}

// play drives the buzzer through steps, on first.
func (p *Panel) play(ctx context.Context, steps []time.Duration) error {
	for i, d := range steps {
		l := p.onLevel
		if i%2 == 1 {
			l = !l
		}
		if err := p.buzzer.Out(l); err != nil {
			return err
		}
		if !sleep(ctx, d) {
			return ctx.Err()
		}
	}
	return nil
}
