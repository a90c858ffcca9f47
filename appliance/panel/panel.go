package panel

import (
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"periph.io/x/conn/v3/gpio"
)

// DefaultDebounce is how long the intrusion level must stay unchanged to count when [Config].Debounce is zero.
const DefaultDebounce = 50 * time.Millisecond

// DefaultRetryInterval is the first wait before a failed tamper delivery is retried when [Config].RetryInterval is
// zero.
const DefaultRetryInterval = time.Second

// maxRetryInterval caps the exponential back-off between tamper deliveries: a sink that comes back (a journal whose
// disk was full, a TPM that was busy) must be retried within a minute.
const maxRetryInterval = time.Minute

var (
	// ErrTamperPending is returned by [Panel.ClearTamper] while an opening has not yet been delivered to the sink.
	ErrTamperPending = errors.New("panel: tamper event not yet delivered")
	// ErrCaseOpen is returned by [Panel.ClearTamper] while the intrusion switch reads "open".
	ErrCaseOpen = errors.New("panel: case is open")
	// ErrBusy is returned by [Panel.Watch] and [Panel.Run] when the intrusion switch is already being watched.
	ErrBusy = errors.New("panel: intrusion switch already watched")
	// ErrPinNotFound is returned by [Open] when a named pin does not exist on this host.
	ErrPinNotFound = errors.New("pin not found")
)

// State is what the status LEDs show.
type State uint8

const (
	// Off lights none of the ready, working and attention LEDs.
	Off State = iota
	// Ready: idle, able to certify.
	Ready
	// Working: an acquisition or an attestation is running.
	Working
	// Attention: the operator must act (a phone to unlock, a failed check, certification locked).
	Attention
	// Tampered latches the tampered LED until [Panel.ClearTamper]; it leaves the other LEDs as they were.
	Tampered
)

var stateNames = [...]string{
	Off: "off", Ready: "ready", Working: "working", Attention: "attention", Tampered: "tampered",
}

func (s State) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return fmt.Sprintf("State(%d)", uint8(s))
}

// Config describes the panel's pins and timing. Only Intrusion is required.
type Config struct {
	// Intrusion is the case-intrusion switch input. It must support edge detection.
	Intrusion gpio.PinIn
	// ActiveLow says the switch reads Low when the case is open; by default High means open (a normally-closed
	// switch to ground with a pull-up, so a cut wire also reads open).
	ActiveLow bool
	// Pull is the bias set on the intrusion input; the zero value, gpio.PullNoChange, keeps the board's own.
	Pull gpio.Pull
	// Debounce is how long the intrusion level must stay unchanged before it counts; zero means DefaultDebounce.
	Debounce time.Duration
	// LEDs maps Ready, Working, Attention and Tampered to their pins; a missing entry is an LED not fitted.
	LEDs map[State]gpio.PinOut
	// Buzzer is the buzzer's pin, or nil when none is fitted.
	Buzzer gpio.PinOut
	// OutputsActiveLow says LEDs and buzzer are on when driven Low (sinking wiring).
	OutputsActiveLow bool
	// RetryInterval is the first wait before retrying a failed tamper delivery, doubled on each failure up to a
	// minute; zero means DefaultRetryInterval.
	RetryInterval time.Duration
	// Logger receives the panel's events (openings, delivery failures); nil discards them.
	Logger *slog.Logger
}

// Panel is the appliance's front panel. Its methods are safe for concurrent use; only one [Panel.Watch] or
// [Panel.Run] runs at a time.
type Panel struct {
	intrusion gpio.PinIn
	openLevel gpio.Level
	pull      gpio.Pull
	debounce  time.Duration
	leds      map[State]gpio.PinOut
	buzzer    gpio.PinOut
	onLevel   gpio.Level
	retry     time.Duration
	log       *slog.Logger

	watching sync.Mutex    // held by Watch and Run for their whole run
	buzzing  chan struct{} // a one-slot semaphore: patterns never interleave on the buzzer

	mu       sync.Mutex
	state    State
	tampered bool
	queue    []Event // openings not yet delivered by Run, oldest first
}

// New returns a panel on cfg's pins. It does not touch the pins.
func New(cfg Config) (*Panel, error) {
	if cfg.Intrusion == nil {
		return nil, errors.New("panel: new: no intrusion pin")
	}
	if cfg.Debounce < 0 {
		return nil, fmt.Errorf("panel: new: negative debounce %v", cfg.Debounce)
	}
	if cfg.RetryInterval < 0 {
		return nil, fmt.Errorf("panel: new: negative retry interval %v", cfg.RetryInterval)
	}
	p := &Panel{
		intrusion: cfg.Intrusion,
		openLevel: gpio.Level(!cfg.ActiveLow),
		pull:      cfg.Pull,
		debounce:  orDefault(cfg.Debounce, DefaultDebounce),
		leds:      make(map[State]gpio.PinOut, len(cfg.LEDs)),
		buzzer:    cfg.Buzzer,
		onLevel:   gpio.Level(!cfg.OutputsActiveLow),
		retry:     orDefault(cfg.RetryInterval, DefaultRetryInterval),
		log:       cfg.Logger,
		buzzing:   make(chan struct{}, 1),
	}
	if p.log == nil {
		p.log = slog.New(slog.DiscardHandler)
	}
	for s, pin := range cfg.LEDs {
		if s == Off || s > Tampered {
			return nil, fmt.Errorf("panel: new: LED for unknown state %v", s)
		}
		if pin != nil {
			p.leds[s] = pin
		}
	}
	return p, nil
}

// orDefault returns d, or def when d is zero.
func orDefault(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}

// SetState shows s: for Off, Ready, Working and Attention it lights that LED alone (none for Off) among the three;
// Tampered latches the tampered LED. Every LED is driven on each call, so a pin disturbed by a glitch is put right.
// An error names each pin that could not be driven; the others are still driven.
func (p *Panel) SetState(s State) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch s {
	case Off, Ready, Working, Attention:
		p.state = s
	case Tampered:
		p.tampered = true
	default:
		return fmt.Errorf("panel: set state: unknown state %v", s)
	}
	if err := p.driveLocked(); err != nil {
		return fmt.Errorf("panel: set state %v: %w", s, err)
	}
	return nil
}

// State returns the status last set with [Panel.SetState] (never Tampered: see [Panel.Tampered]).
func (p *Panel) State() State {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.state
}

// Tampered reports whether the tampered latch is set.
func (p *Panel) Tampered() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.tampered
}

// ClearTamper turns the tampered latch off. It is an administrator's action after inspecting the case, and it
// refuses with [ErrTamperPending] while an opening is still to be delivered to the sink, and with [ErrCaseOpen]
// while the switch reads open.
func (p *Panel) ClearTamper() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if n := len(p.queue); n > 0 {
		return fmt.Errorf("panel: clear tamper: %d opening(s) queued: %w", n, ErrTamperPending)
	}
	if l := p.intrusion.Read(); l == p.openLevel {
		return fmt.Errorf("panel: clear tamper: intrusion pin %s reads %v: %w", p.intrusion, l, ErrCaseOpen)
	}
	p.tampered = false
	if err := p.driveLocked(); err != nil {
		return fmt.Errorf("panel: clear tamper: %w", err)
	}
	return nil
}

// Halt turns every LED and the buzzer off, for shutdown. The state and the latch are kept: the next SetState shows
// them again.
func (p *Panel) Halt() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	var errs []error
	for _, s := range []State{Ready, Working, Attention, Tampered} {
		errs = append(errs, p.driveLED(s, false))
	}
	if p.buzzer != nil {
		if err := p.buzzer.Out(!p.onLevel); err != nil {
			errs = append(errs, fmt.Errorf("buzzer %s: %w", p.buzzer, err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("panel: halt: %w", err)
	}
	return nil
}

// latchTamper sets the tampered latch on an opening. Its caller only logs a pin error: the opening must go on to
// the sink whatever the LED does.
func (p *Panel) latchTamper() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.tampered = true
	return p.driveLED(Tampered, true)
}

// driveLocked drives every LED to the current state and latch. p.mu must be held.
func (p *Panel) driveLocked() error {
	var errs []error
	for _, s := range []State{Ready, Working, Attention} {
		errs = append(errs, p.driveLED(s, p.state == s))
	}
	errs = append(errs, p.driveLED(Tampered, p.tampered))
	return errors.Join(errs...)
}

// driveLED turns the LED for s on or off; an LED not fitted is skipped.
func (p *Panel) driveLED(s State, on bool) error {
	pin, ok := p.leds[s]
	if !ok {
		return nil
	}
	l := p.onLevel
	if !on {
		l = !l
	}
	if err := pin.Out(l); err != nil {
		return fmt.Errorf("led %v (pin %s): %w", s, pin, err)
	}
	return nil
}
