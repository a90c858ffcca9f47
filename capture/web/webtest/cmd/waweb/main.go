// Command waweb runs the WhatsApp Web replica on its own, so a person can
// open it in a browser and link it with the scan hook.
//
//	go run ./capture/web/webtest/cmd/waweb --listen 127.0.0.1:8099 --scenario basic
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/attesta/attesta/capture/web/webtest"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:8099", "address to serve on")
	scenario := flag.String("scenario", "basic", "embedded scenario ("+strings.Join(webtest.DefaultScenarioNames(), ", ")+") or a scenario file")
	rotation := flag.Duration("qr-rotation", 20*time.Second, "how often the QR ref changes")
	flag.Parse()
	if err := run(*listen, *scenario, *rotation); err != nil {
		fmt.Fprintln(os.Stderr, "waweb:", err)
		os.Exit(1)
	}
}

func run(listen, name string, rotation time.Duration) error {
	sc, err := loadScenario(name)
	if err != nil {
		return err
	}
	s, err := webtest.NewHandlerServer(sc, webtest.WithQRRotation(rotation))
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", listen, err)
	}
	base := "http://" + ln.Addr().String()
	fmt.Printf("WhatsApp Web replica (scenario %s) at %s/\n", sc.Name, base)
	fmt.Printf("  link (phone scans QR): curl -X POST %s/__test/scan\n", base)
	fmt.Printf("  unlink:                curl -X POST %s/__test/unlink\n", base)
	fmt.Printf("  receipts sent:         %s/__test/receipts\n", base)
	fmt.Printf("  actions seen:          %s/__test/actions\n", base)
	fmt.Printf("acquisition list for its chats (paste it on a case's page):\n%s", sc.AcquisitionList("2026-01-12", "2026-01-14"))

	srv := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(shutdown)
	}()
	slog.Info("serving", slog.String("addr", ln.Addr().String()))
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}

func loadScenario(name string) (*webtest.Scenario, error) {
	for _, n := range webtest.DefaultScenarioNames() {
		if n == name {
			return webtest.DefaultScenario(name)
		}
	}
	return webtest.LoadScenarioFile(name)
}
