package panel

import (
	"context"
	"errors"
	"strings"
	"testing"

	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpioreg"
	"periph.io/x/conn/v3/gpio/gpiotest"
)

// registerPins puts fake pins in periph's registry, as a GPIO expander's driver would, and removes them after the
// test.
func registerPins(t *testing.T, pins ...*gpiotest.Pin) {
	t.Helper()
	for _, p := range pins {
		if err := gpioreg.Register(p); err != nil {
			t.Fatalf("register %s: %v", p, err)
		}
		t.Cleanup(func() {
			if err := gpioreg.Unregister(p.Name()); err != nil {
				t.Errorf("unregister %s: %v", p, err)
			}
		})
	}
}

func TestOpen(t *testing.T) {
	sw := &gpiotest.Pin{N: "TEST_INTRUSION", Num: 9001, EdgesChan: make(chan gpio.Level)}
	ready := &gpiotest.Pin{N: "TEST_LED_READY", Num: 9002}
	tampered := &gpiotest.Pin{N: "TEST_LED_TAMPERED", Num: 9003}
	buzzer := &gpiotest.Pin{N: "TEST_BUZZER", Num: 9004}
	registerPins(t, sw, ready, tampered, buzzer)
	if err := gpioreg.RegisterAlias("TEST_P1_11", "TEST_LED_READY"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { gpioreg.Unregister("TEST_P1_11") })

	// Pins are found by name and by alias; working and attention LEDs are not fitted.
	p, err := Open(t.Context(), PinNames{Intrusion: "TEST_INTRUSION", Ready: "TEST_P1_11", Tampered: "TEST_LED_TAMPERED",
		Buzzer: "TEST_BUZZER"}, Config{})
	if err != nil {
		t.Fatal(err)
	}
	setStates(t, p, Ready, Tampered)
	if level(ready) != on || level(tampered) != on {
		t.Fatal("LEDs resolved by Open not driven")
	}
	sw.Out(open)
	if err := p.ClearTamper(); !errors.Is(err, ErrCaseOpen) {
		t.Fatalf("ClearTamper: got %v, want ErrCaseOpen from the resolved intrusion pin", err)
	}
}

func TestOpenErrors(t *testing.T) {
	registerPins(t, &gpiotest.Pin{N: "TEST_SWITCH", Num: 9011})
	cancelled, cancel := context.WithCancel(t.Context())
	cancel()
	tests := []struct {
		name    string
		ctx     context.Context
		names   PinNames
		wantErr string
		wantIs  error
	}{
		{"no intrusion name", t.Context(), PinNames{Ready: "TEST_SWITCH"}, "no intrusion pin", nil},
		{"missing intrusion", t.Context(), PinNames{Intrusion: "GPIO_NOPE"}, `intrusion pin "GPIO_NOPE"`,
			ErrPinNotFound},
		{"missing LED", t.Context(), PinNames{Intrusion: "TEST_SWITCH", Attention: "P9_99"},
			`attention LED pin "P9_99"`, ErrPinNotFound},
		{"missing buzzer", t.Context(), PinNames{Intrusion: "TEST_SWITCH", Buzzer: "99999"}, `buzzer pin "99999"`,
			ErrPinNotFound},
		{"cancelled", cancelled, PinNames{Intrusion: "TEST_SWITCH"}, "canceled", context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Open(tt.ctx, tt.names, Config{})
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("got %v, want an error containing %q", err, tt.wantErr)
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Fatalf("got %v, want it to wrap %v", err, tt.wantIs)
			}
		})
	}
}
