package panel_test

import (
	"context"
	"fmt"
	"log"
	"log/slog"
	"time"

	"github.com/attesta/attesta/appliance/panel"
	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpiotest"
)

// A case opened while the appliance was off is seen at start: the tampered LED latches and the sink gets the
// opening. periph's fake pins stand in for the board.
func Example() {
	intrusion := &gpiotest.Pin{N: "GPIO17", L: gpio.High, EdgesChan: make(chan gpio.Level)} // High: open
	ready, tampered := &gpiotest.Pin{N: "GPIO5"}, &gpiotest.Pin{N: "GPIO19"}
	p, err := panel.New(panel.Config{
		Intrusion: intrusion,
		Debounce:  10 * time.Millisecond,
		LEDs:      map[panel.State]gpio.PinOut{panel.Ready: ready, panel.Tampered: tampered},
	})
	if err != nil {
		log.Fatal(err)
	}
	if err := p.SetState(panel.Ready); err != nil {
		log.Fatal(err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	delivered := make(chan panel.Event, 1)
	go p.Run(ctx, panel.FuncSink(func(ctx context.Context, ev panel.Event) error {
		// The appliance extends the application PCR, journals a "tamper" leaf and locks certification here.
		delivered <- ev
		return nil
	}))

	ev := <-delivered
	fmt.Println("opening", ev.Count, "at level", ev.Level)
	fmt.Println("ready LED", ready.Read(), "- tampered LED", tampered.Read())
	fmt.Println("clear tamper:", p.ClearTamper())
	// Output:
	// opening 1 at level High
	// ready LED High - tampered LED High
	// clear tamper: panel: clear tamper: intrusion pin GPIO17(0) reads High: panel: case is open
}

// On the appliance, pins are resolved by the names the board's GPIO driver gives them.
func ExampleOpen() {
	ctx := context.Background()
	p, err := panel.Open(ctx, panel.PinNames{
		Intrusion: "GPIO17",
		Ready:     "GPIO5",
		Working:   "GPIO6",
		Attention: "GPIO13",
		Tampered:  "GPIO19",
		Buzzer:    "GPIO26",
	}, panel.Config{Logger: slog.Default()})
	if err != nil {
		log.Fatal(err) // for example: panel: open: intrusion pin "GPIO17": pin not found
	}
	if err := p.SetState(panel.Ready); err != nil {
		log.Print(err)
	}
	if err := p.Beep(ctx, panel.BeepOK); err != nil {
		log.Print(err)
	}
}
