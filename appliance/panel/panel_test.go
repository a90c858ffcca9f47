package panel

import (
	"errors"
	"strings"
	"testing"
	"time"

	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpiotest"
)

func TestNew(t *testing.T) {
	sw := &gpiotest.Pin{N: "GPIO17"}
	tests := []struct {
		name    string
		cfg     Config
		wantErr string
	}{
		{"minimal", Config{Intrusion: sw}, ""},
		{"no intrusion pin", Config{LEDs: asOutputs(newLEDs())}, "no intrusion pin"},
		{"negative debounce", Config{Intrusion: sw, Debounce: -time.Millisecond}, "negative debounce"},
		{"negative retry", Config{Intrusion: sw, RetryInterval: -time.Second}, "negative retry"},
		{"LED for off", Config{Intrusion: sw, LEDs: map[State]gpio.PinOut{Off: &gpiotest.Pin{}}}, "unknown state off"},
		{"LED for unknown state", Config{Intrusion: sw, LEDs: map[State]gpio.PinOut{9: &gpiotest.Pin{}}}, "State(9)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := New(tt.cfg)
			if tt.wantErr == "" {
				if err != nil || p == nil {
					t.Fatalf("New: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("New: got %v, want an error containing %q", err, tt.wantErr)
			}
		})
	}
}

// TestNewTouchesNoPin checks that making a panel leaves the pins as they were.
func TestNewTouchesNoPin(t *testing.T) {
	leds := newLEDs()
	for _, pin := range leds {
		pin.L = gpio.High
	}
	buzzer := &gpiotest.Pin{N: "BUZZER", L: gpio.High}
	sw := newSwitch(open)
	sw.P = gpio.Float
	if _, err := New(Config{Intrusion: sw, Pull: gpio.PullUp, LEDs: asOutputs(leds), Buzzer: buzzer}); err != nil {
		t.Fatal(err)
	}
	for s, pin := range leds {
		if pin.L != gpio.High {
			t.Errorf("LED %v driven by New", s)
		}
	}
	if buzzer.L != gpio.High || sw.P != gpio.Float {
		t.Error("New touched the buzzer or the intrusion pin")
	}
}

func TestSetState(t *testing.T) {
	// Levels of the ready, working, attention and tampered LEDs after the calls.
	tests := []struct {
		name      string
		activeLow bool
		calls     []State
		want      [4]gpio.Level
	}{
		{"off", false, []State{Off}, [4]gpio.Level{off, off, off, off}},
		{"ready", false, []State{Ready}, [4]gpio.Level{on, off, off, off}},
		{"working", false, []State{Ready, Working}, [4]gpio.Level{off, on, off, off}},
		{"attention", false, []State{Working, Attention}, [4]gpio.Level{off, off, on, off}},
		{"back to off", false, []State{Attention, Off}, [4]gpio.Level{off, off, off, off}},
		{"tampered keeps the status", false, []State{Working, Tampered}, [4]gpio.Level{off, on, off, on}},
		{"tampered is latched", false, []State{Tampered, Ready, Off}, [4]gpio.Level{off, off, off, on}},
		{"active low ready", true, []State{Ready}, [4]gpio.Level{gpio.Low, gpio.High, gpio.High, gpio.High}},
		{"active low tampered", true, []State{Attention, Tampered},
			[4]gpio.Level{gpio.High, gpio.High, gpio.Low, gpio.Low}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			leds := newLEDs()
			p := newPanel(t, Config{Intrusion: newSwitch(closed), LEDs: asOutputs(leds), OutputsActiveLow: tt.activeLow})
			setStates(t, p, tt.calls...)
			for i, s := range []State{Ready, Working, Attention, Tampered} {
				if got := level(leds[s]); got != tt.want[i] {
					t.Errorf("LED %v = %v, want %v", s, got, tt.want[i])
				}
			}
		})
	}
}

func TestSetStateUnknown(t *testing.T) {
	p := newPanel(t, Config{Intrusion: newSwitch(closed)})
	if err := p.SetState(State(42)); err == nil || !strings.Contains(err.Error(), "unknown state") {
		t.Fatalf("got %v, want unknown state", err)
	}
	if p.State() != Off {
		t.Fatalf("state changed to %v by a bad call", p.State())
	}
}

func TestClearTamper(t *testing.T) {
	leds := newLEDs()
	sw := newSwitch(closed)
	p := newPanel(t, Config{Intrusion: sw, LEDs: asOutputs(leds)})
	setStates(t, p, Ready, Tampered)
	if !p.Tampered() || p.State() != Ready {
		t.Fatalf("after Tampered: state %v, tampered %v", p.State(), p.Tampered())
	}

	sw.Out(open)
	if err := p.ClearTamper(); !errors.Is(err, ErrCaseOpen) || !strings.Contains(err.Error(), "INTRUSION") {
		t.Fatalf("ClearTamper with the case open: got %v, want ErrCaseOpen naming the pin", err)
	}
	if level(leds[Tampered]) != on {
		t.Fatal("refused ClearTamper turned the LED off")
	}
	sw.Out(closed)
	if err := p.ClearTamper(); err != nil {
		t.Fatal(err)
	}
	if p.Tampered() || level(leds[Tampered]) != off || level(leds[Ready]) != on {
		t.Fatal("ClearTamper must turn only the tampered LED off")
	}
}

func TestActiveLowClearTamper(t *testing.T) {
	sw := newSwitch(gpio.Low) // open, with an active-low switch
	p := newPanel(t, Config{Intrusion: sw, ActiveLow: true})
	p.SetState(Tampered)
	if err := p.ClearTamper(); !errors.Is(err, ErrCaseOpen) {
		t.Fatalf("got %v, want ErrCaseOpen", err)
	}
	sw.Out(gpio.High)
	if err := p.ClearTamper(); err != nil {
		t.Fatal(err)
	}
}

func TestSetStateBrokenPin(t *testing.T) {
	leds := newLEDs()
	outs := asOutputs(leds)
	outs[Working] = &brokenPin{gpiotest.Pin{N: "LED_WORKING"}}
	p := newPanel(t, Config{Intrusion: newSwitch(closed), LEDs: outs})
	err := p.SetState(Ready)
	if !errors.Is(err, errPinGone) || !strings.Contains(err.Error(), "LED_WORKING") ||
		!strings.Contains(err.Error(), "led working") {
		t.Fatalf("got %v, want an error naming the working LED's pin", err)
	}
	// The other LEDs are still driven.
	if level(leds[Ready]) != on {
		t.Fatal("ready LED not driven past the broken pin")
	}
}

func TestMissingLEDs(t *testing.T) {
	ready := &gpiotest.Pin{N: "LED_READY"}
	p := newPanel(t, Config{Intrusion: newSwitch(closed), LEDs: map[State]gpio.PinOut{Ready: ready, Working: nil}})
	setStates(t, p, Working, Tampered, Ready) // with LEDs missing
	if level(ready) != on {
		t.Fatal("ready LED off")
	}
}

func TestHalt(t *testing.T) {
	leds := newLEDs()
	buzzer := &gpiotest.Pin{N: "BUZZER", L: on}
	p := newPanel(t, Config{Intrusion: newSwitch(closed), LEDs: asOutputs(leds), Buzzer: buzzer})
	p.SetState(Working)
	p.SetState(Tampered)
	if err := p.Halt(); err != nil {
		t.Fatal(err)
	}
	for s, pin := range leds {
		if level(pin) != off {
			t.Errorf("LED %v on after Halt", s)
		}
	}
	if level(buzzer) != off {
		t.Error("buzzer on after Halt")
	}
	// Halt keeps the state: the next SetState shows it again.
	if err := p.SetState(Working); err != nil {
		t.Fatal(err)
	}
	if level(leds[Working]) != on || level(leds[Tampered]) != on {
		t.Error("state or latch lost by Halt")
	}
}

func TestStateString(t *testing.T) {
	for s, want := range map[State]string{Off: "off", Ready: "ready", Working: "working", Attention: "attention",
		Tampered: "tampered", 7: "State(7)"} {
		if got := s.String(); got != want {
			t.Errorf("State(%d).String() = %q, want %q", s, got, want)
		}
	}
}
