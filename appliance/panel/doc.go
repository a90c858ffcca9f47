// Package panel drives the appliance's front panel: the case-intrusion switch, four status LEDs (ready, working,
// attention, tampered) and a buzzer, all on GPIO pins through periph.io.
//
// The package speaks only periph's pin interfaces ([gpio.PinIn], [gpio.PinOut]), so everything runs without a board:
// tests use periph's gpiotest fakes, the appliance resolves real pins by name with [Open]. Nothing touches hardware
// when the package loads or when a [Panel] is made with [New]; the first pin access is the first call that needs it.
//
// # Intrusion switch
//
// [Panel.Watch] arms edge detection on the intrusion pin and reports every opening of the case (a closed → open
// transition of the debounced level) as an [Event]. A level counts only once it has stayed the same for
// [Config].Debounce (50 ms by default), so contact bounce gives one opening and a glitch shorter than the debounce
// gives none. The debounced level starts "closed": a case found open when Watch starts (opened while the appliance
// was off) is an opening too, reported once the level has been stable for the debounce time. [Config].ActiveLow
// says which level means "open".
//
// Watch waits on edges with bounded timeouts and interrupts a pending wait through the pin's Halt when its context
// ends, so cancellation is honoured within a fraction of a second even on pins that cannot be interrupted. On every
// wake-up it also reads the level, so an edge the driver dropped is still seen.
//
// # Tamper delivery
//
// [Panel.Run] wires the switch to a [TamperSink] (in the appliance: set the TPM's tamper index so the TPM signing
// key stops working, journal a "tamper" leaf, lock certification). Each opening first latches the tampered LED, then
// is queued and delivered to the sink in order, at least once: a failed delivery is logged and retried with
// exponential back-off (from [Config].RetryInterval up to one minute) until it succeeds or Run's context ends.
// Undelivered openings stay queued for the next Run and are listed in the [UndeliveredError] Run returns; while any
// is queued the tampered latch cannot be cleared.
//
// # Status LEDs and buzzer
//
// [Panel.SetState] lights exactly one of the ready, working and attention LEDs (or none, for [Off]). The tampered LED
// is a latch: [Tampered] (or an opening seen by Run) turns it on and only [Panel.ClearTamper], an administrator's
// action, turns it off — and only when the case is closed and every opening has been delivered. [Panel.Beep] plays
// one of three fixed patterns ([BeepOK], [BeepAttention], [BeepAlarm]) on the buzzer. LEDs and buzzer are on when
// driven High, or Low with [Config].OutputsActiveLow. Any LED or the buzzer may be absent (a nil pin).
//
// Nothing is stored on disk or sent on a wire; the [Event] a sink receives is an in-memory value that the sink
// encodes in its own versioned format.
package panel
