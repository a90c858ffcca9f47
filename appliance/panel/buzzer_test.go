package panel

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"periph.io/x/conn/v3/gpio"
)

func TestBeepPatterns(t *testing.T) {
	// Every pattern starts sounding at once and ends with the buzzer off.
	tests := []struct {
		pattern   Pattern
		activeLow bool
		want      []step
	}{
		{BeepOK, false, []step{{0, on}, {100 * ms, off}}},
		{BeepAttention, false, []step{{0, on}, {100 * ms, off}, {200 * ms, on}, {300 * ms, off}, {400 * ms, on},
			{500 * ms, off}}},
		{BeepAlarm, false, alarmSteps()},
		{BeepOK, true, []step{{0, gpio.Low}, {100 * ms, gpio.High}}},
	}
	for _, tt := range tests {
		name := tt.pattern.String()
		if tt.activeLow {
			name += " active low"
		}
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				buzzer := newRecordingPin("BUZZER")
				p := newPanel(t, Config{Intrusion: newSwitch(closed), Buzzer: buzzer, OutputsActiveLow: tt.activeLow})
				if err := p.Beep(t.Context(), tt.pattern); err != nil {
					t.Fatal(err)
				}
				if got := buzzer.recorded(); !slices.Equal(got, tt.want) {
					t.Errorf("buzzer levels\n got %v\nwant %v", got, tt.want)
				}
			})
		})
	}
}

// alarmSteps is the alarm: eight 400 ms beeps 100 ms apart.
func alarmSteps() []step {
	var steps []step
	for i := range 8 {
		at := time.Duration(i) * 500 * ms
		steps = append(steps, step{at, on}, step{at + 400*ms, off})
	}
	return steps
}

func TestBeepCancelled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		buzzer := newRecordingPin("BUZZER")
		p := newPanel(t, Config{Intrusion: newSwitch(closed), Buzzer: buzzer})
		ctx, cancel := context.WithTimeout(t.Context(), 1200*ms)
		defer cancel()
		err := p.Beep(ctx, BeepAlarm)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("got %v, want context.DeadlineExceeded", err)
		}
		want := []step{{0, on}, {400 * ms, off}, {500 * ms, on}, {900 * ms, off}, {1000 * ms, on}, {1200 * ms, off}}
		if got := buzzer.recorded(); !slices.Equal(got, want) {
			t.Errorf("buzzer levels\n got %v\nwant %v", got, want)
		}
	})
}

// TestBeepSerialized checks that two patterns asked for together play one after the other, never mixed.
func TestBeepSerialized(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		buzzer := newRecordingPin("BUZZER")
		p := newPanel(t, Config{Intrusion: newSwitch(closed), Buzzer: buzzer})
		var wg sync.WaitGroup
		for range 2 {
			wg.Go(func() {
				if err := p.Beep(t.Context(), BeepOK); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		want := []step{{0, on}, {100 * ms, off}, {100 * ms, on}, {200 * ms, off}}
		if got := buzzer.recorded(); !slices.Equal(got, want) {
			t.Errorf("buzzer levels\n got %v\nwant %v", got, want)
		}
	})
}

func TestBeepErrors(t *testing.T) {
	p := newPanel(t, Config{Intrusion: newSwitch(closed)})
	if err := p.Beep(t.Context(), BeepAlarm); err != nil {
		t.Errorf("Beep without a buzzer: %v", err)
	}
	if err := p.Beep(t.Context(), Pattern(9)); err == nil || !strings.Contains(err.Error(), "Pattern(9)") {
		t.Errorf("unknown pattern: got %v", err)
	}

	broken := &brokenPin{}
	broken.N = "BUZZER"
	p = newPanel(t, Config{Intrusion: newSwitch(closed), Buzzer: broken})
	if err := p.Beep(t.Context(), BeepOK); !errors.Is(err, errPinGone) || !strings.Contains(err.Error(), "BUZZER") {
		t.Errorf("broken buzzer: got %v, want an error naming the pin", err)
	}
}
