package panel

import (
	"context"
	"fmt"
	"log/slog"

	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpioreg"
	"periph.io/x/host/v3"
)

// PinNames names the panel's pins as periph's drivers register them: a line name ("GPIO17") or an alias (a board
// position such as "P1_11"). Intrusion is required; an empty output name is a part not fitted.
type PinNames struct {
	Intrusion string
	Ready     string
	Working   string
	Attention string
	Tampered  string
	Buzzer    string
}

// Open loads periph's host drivers (the first call only) and returns a panel on the named pins, with the rest of its
// configuration from cfg (whose pin fields are ignored). A name that resolves to no pin is an error wrapping
// [ErrPinNotFound] that names the part and the pin. Like [New], Open does not drive the pins.
func Open(ctx context.Context, names PinNames, cfg Config) (*Panel, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("panel: open: %w", err)
	}
	if names.Intrusion == "" {
		return nil, fmt.Errorf("panel: open: no intrusion pin named")
	}
	state, err := host.Init()
	if err != nil {
		return nil, fmt.Errorf("panel: open: load host drivers: %w", err)
	}
	if cfg.Logger != nil {
		for _, f := range state.Failed {
			cfg.Logger.DebugContext(ctx, "panel: host driver not loaded", slog.String("driver", f.D.String()),
				slog.Any("error", f.Err))
		}
	}

	intrusion, err := lookup("intrusion", names.Intrusion)
	if err != nil {
		return nil, err
	}
	cfg.Intrusion = intrusion
	cfg.LEDs = make(map[State]gpio.PinOut)
	leds := []struct {
		state State
		name  string
	}{{Ready, names.Ready}, {Working, names.Working}, {Attention, names.Attention}, {Tampered, names.Tampered}}
	for _, led := range leds {
		if led.name == "" {
			continue
		}
		if cfg.LEDs[led.state], err = lookup(led.state.String()+" LED", led.name); err != nil {
			return nil, err
		}
	}
	cfg.Buzzer = nil
	if names.Buzzer != "" {
		if cfg.Buzzer, err = lookup("buzzer", names.Buzzer); err != nil {
			return nil, err
		}
	}
	return New(cfg)
}

// lookup resolves a pin name through periph's registry.
func lookup(part, name string) (gpio.PinIO, error) {
	pin := gpioreg.ByName(name)
	if pin == nil {
		return nil, fmt.Errorf("panel: open: %s pin %q: %w", part, name, ErrPinNotFound)
	}
	return pin, nil
}
