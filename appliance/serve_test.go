package appliance

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"periph.io/x/conn/v3/gpio"
	"periph.io/x/conn/v3/gpio/gpiotest"

	"github.com/attesta/attesta/appliance/panel"
	"github.com/attesta/attesta/internal/testwait"
	"github.com/attesta/attesta/journal"
	"github.com/attesta/attesta/tpm"
	"github.com/attesta/attesta/ui"
)

// serveForTest runs Serve on the simulator TPM in dir until the returned stop is called, and returns the running
// appliance once its listeners accept connections. stop returns Serve's result.
func serveForTest(t *testing.T, dir string, opts ServeOptions) (a *Appliance, ui string, stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	opts.Listen, opts.TechnicianPIN = "127.0.0.1:0", uiTechPIN
	type running struct {
		a  *Appliance
		ui string
	}
	started := make(chan running, 1)
	opts.Started = func(a *Appliance, ui, _ string) { started <- running{a, ui} }
	done := make(chan error, 1)
	go func() {
		done <- Serve(ctx, Config{DataDir: dir, TPM: "sim", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, opts)
	}()
	stop = sync.OnceValue(func() error { cancel(); return <-done })
	wait, cancelWait := testwait.Context(t)
	defer cancelWait()
	select {
	case r := <-started:
		t.Cleanup(func() { stop() })
		return r.a, r.ui, stop
	case err := <-done:
		cancel()
		t.Fatalf("Serve ended before it started: %v", err)
	case <-wait.Done():
		stop()
		t.Fatal("Serve did not start before the test's deadline")
	}
	return nil, "", nil
}

// Opening the case on a served appliance, through the intrusion switch given to Serve: the application PCR is
// extended (the signing key refuses to sign), the tamper is journaled, certification locks and the LEDs go from
// ready to attention.
func TestServeIntrusionSwitchLocksAndDisablesTheKey(t *testing.T) {
	pin := &gpiotest.Pin{N: "INTRUSION", L: gpio.Low, EdgesChan: make(chan gpio.Level, 4)}
	ready := &gpiotest.Pin{N: "READY", L: gpio.Low}
	attention := &gpiotest.Pin{N: "ATTENTION", L: gpio.Low}
	a, ui, stop := serveForTest(t, t.TempDir(), ServeOptions{Panel: panel.Config{Intrusion: pin,
		Debounce: 5 * time.Millisecond, LEDs: map[panel.State]gpio.PinOut{panel.Ready: ready, panel.Attention: attention}}})
	waitFor(t, "the ready LED", func() bool { return ready.Read() == gpio.High })
	resp, err := http.Get(ui + "login")
	if err != nil {
		t.Fatalf("touch UI: %v", err)
	}
	resp.Body.Close()

	pin.Lock()
	pin.L = gpio.High // the case opens
	pin.Unlock()
	pin.EdgesChan <- gpio.High

	waitFor(t, "the lock and the attention LED", func() bool {
		return a.CheckCertify() != nil && attention.Read() == gpio.High && ready.Read() == gpio.Low
	})
	if got := leavesOfType(t, a, LeafTamper); len(got) != 1 || got[0].Fields["source"] != "intrusion-switch" {
		t.Fatalf("tamper leaves = %+v, want one from the intrusion switch", got)
	}
	if !strings.Contains(a.CheckCertify().Error(), "case opened") {
		t.Errorf("lock reason = %v, want the case opening", a.CheckCertify())
	}
	signer, err := a.TPM().Signer(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := signer.SignDigest(t.Context(), make([]byte, 32)); !errors.Is(err, tpm.ErrKeyUnusable) {
		t.Errorf("signing after the opening: %v, want ErrKeyUnusable", err)
	}
	if err := stop(); err != nil {
		t.Fatalf("Serve after a stop: %v, want nil", err)
	}
	if attention.Read() != gpio.Low {
		t.Error("the attention LED stays lit after the stop")
	}
}

// A box whose intrusion switch cannot be watched (here: a pin without edge detection) must not certify: serve
// locks certification, saying why, and goes on serving.
func TestServeLocksWhenTheSwitchCannotBeWatched(t *testing.T) {
	blind := &gpiotest.Pin{N: "BLIND", L: gpio.Low} // no EdgesChan: arming edge detection fails
	a, ui, _ := serveForTest(t, t.TempDir(), ServeOptions{Panel: panel.Config{Intrusion: blind}})
	waitFor(t, "certification lock", func() bool { return a.CheckCertify() != nil })
	if err := a.CheckCertify(); !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), "intrusion switch not watched") {
		t.Errorf("lock = %v, want ErrLocked saying the switch is not watched", err)
	}
	resp, err := http.Get(ui + "login")
	if err != nil {
		t.Fatalf("the touch UI stopped with the panel: %v", err)
	}
	resp.Body.Close()
}

// waitFor waits for cond until the test's deadline, failing the test with what it waited for.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	testwait.Until(t, "no "+what, cond)
}

// A listener that cannot open is Serve's error, naming the listener; an intrusion pin that no host driver
// registers is an error wrapping panel.ErrPinNotFound. Neither leaves the appliance open: the next Serve starts.
func TestServeRefusesWhatItCannotOpen(t *testing.T) {
	dir := t.TempDir()
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	cfg := Config{DataDir: dir, TPM: "sim", Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	err = Serve(t.Context(), cfg, ServeOptions{Listen: busy.Addr().String(), TechnicianPIN: uiTechPIN})
	if err == nil || !strings.Contains(err.Error(), "touch UI") {
		t.Errorf("Serve on a busy address: %v, want a touch UI error", err)
	}
	cfg.PublicListen = busy.Addr().String()
	err = Serve(t.Context(), cfg, ServeOptions{Listen: "127.0.0.1:0"})
	if err == nil || !strings.Contains(err.Error(), "public links") {
		t.Errorf("Serve with a busy public address: %v, want a public links error", err)
	}
	cfg.PublicListen = ""
	cfg.Panel = PanelConfig{Intrusion: "NO_SUCH_PIN_ON_ANY_BOARD"}
	err = Serve(t.Context(), cfg, ServeOptions{Listen: "127.0.0.1:0"})
	if !errors.Is(err, panel.ErrPinNotFound) || !strings.Contains(err.Error(), "NO_SUCH_PIN_ON_ANY_BOARD") {
		t.Errorf("Serve with an unknown intrusion pin: %v, want ErrPinNotFound naming the pin", err)
	}
}

// The touch UI counts a download's repeated requests and records the count within a minute; a stop within that
// minute records it too: after Serve returns, the journal holds the coalesced count.
func TestServeRecordsShareAccessCountsOnStop(t *testing.T) {
	dir := t.TempDir()
	const folder = "3771151946-15-gennaio-2026"
	deliveries := filepath.Join(dir, "deliveries")
	if err := os.MkdirAll(filepath.Join(deliveries, folder), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(deliveries, folder, "relazione.pdf"), []byte("%PDF-1.7\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	token := strings.Repeat("t", 43)
	sum := sha256.Sum256([]byte(token))
	shares, err := ui.OpenFileShareStore(filepath.Join(dir, "shares.json"))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	if err := shares.Put(t.Context(), ui.Share{Hash: hex.EncodeToString(sum[:]), Delivery: folder, Created: now,
		Expires: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	_, base, stop := serveForTest(t, dir, ServeOptions{})
	for i := range 3 { // the first request is recorded as it comes, the two others are counted
		resp, err := http.Get(base + "s/" + token + "/relazione.pdf")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("request %d through the link: %s", i, resp.Status)
		}
	}
	if err := stop(); err != nil {
		t.Fatalf("Serve after a stop: %v", err)
	}
	var counted []journal.Entry
	for _, e := range leavesOfType(t, openSim(t, dir), LeafShareAccess) {
		if _, ok := e.Fields["coalesced_requests"]; ok {
			counted = append(counted, e)
		}
	}
	if len(counted) != 1 || fmt.Sprint(counted[0].Fields["coalesced_requests"]) != "2" {
		t.Fatalf("coalesced share-access leaves after the stop: %+v, want one counting 2 requests", counted)
	}
}
