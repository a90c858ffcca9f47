package appliance

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/attesta/attesta/appliance/panel"
)

// panelRefresh is how often serve brings the status LEDs up to date with the certification lock.
const panelRefresh = time.Second

// openPanel returns the front panel on pins when they are given (a caller that opened them itself, or gpiotest pins
// in tests), else on the pins that cfg.Panel names, loading periph's host drivers then; nil when the box has no
// panel. It does not drive the pins.
func openPanel(ctx context.Context, cfg Config, pins panel.Config, log *slog.Logger) (*panel.Panel, error) {
	if pins.Logger == nil {
		pins.Logger = log
	}
	if pins.Intrusion != nil {
		return panel.New(pins)
	}
	n := cfg.Panel
	if n.Intrusion == "" {
		return nil, nil
	}
	return panel.Open(ctx, panel.PinNames{Intrusion: n.Intrusion, Ready: n.Ready, Working: n.Working,
		Attention: n.Attention, Tampered: n.Tampered, Buzzer: n.Buzzer},
		panel.Config{ActiveLow: n.ActiveLow, OutputsActiveLow: n.OutputsActiveLow, Debounce: time.Duration(n.Debounce),
			Logger: pins.Logger})
}

// runPanel runs the front panel until ctx ends: every opening of the case goes to [Appliance.Tamper], and the LEDs
// show the appliance's state (see showState). A switch that cannot be watched locks certification: a
// box whose intrusion switch is blind must not certify. The LEDs go off when it returns.
func runPanel(ctx context.Context, a *Appliance, p *panel.Panel) {
	leds, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { every(leds, panelRefresh, func(ctx context.Context) { showState(ctx, a, p) }) })
	err := p.Run(ctx, a)
	stop()
	wg.Wait()
	if err := p.Halt(); err != nil {
		a.log.ErrorContext(ctx, "front panel: halt", slog.Any("error", err))
	}
	if ctx.Err() != nil {
		if ue := (*panel.UndeliveredError)(nil); errors.As(err, &ue) {
			a.log.ErrorContext(ctx, "front panel: stopped with case openings not journaled", slog.Int("events", len(ue.Events)))
		}
		return
	}
	a.log.ErrorContext(ctx, "front panel: intrusion switch not watched", slog.Any("error", err))
	if err := a.lockCertification(ctx, "intrusion switch not watched: "+err.Error()); err != nil {
		a.log.ErrorContext(ctx, "front panel: lock", slog.Any("error", err))
	}
}

// showState shows the appliance on the status LEDs: attention while certification is locked, working while a job
// runs, else ready.
func showState(ctx context.Context, a *Appliance, p *panel.Panel) {
	s := panel.Ready
	switch {
	case a.CheckCertify() != nil:
		s = panel.Attention
	case a.desk.Busy():
		s = panel.Working
	}
	if p.State() == s {
		return
	}
	if err := p.SetState(s); err != nil {
		a.log.ErrorContext(ctx, "front panel: LEDs", slog.Any("error", err))
	}
}
