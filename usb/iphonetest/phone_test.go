package iphonetest

import (
	"context"
	"errors"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/attesta/attesta/capture/ios"

	"github.com/attesta/attesta/usb/usbmux"
)

func dial(t *testing.T, p *Phone) *usbmux.Conn {
	t.Helper()
	c, err := usbmux.DialAddr(t.Context(), "tcp", p.Addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestClientListsReadsPairRecordAndListens(t *testing.T) {
	p := Start(t, Config{})
	c := dial(t, p)
	devs, err := c.ListDevices(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(devs) != 1 || devs[0].UDID != p.UDID || devs[0].ConnectionType != "USB" {
		t.Fatalf("devices %+v", devs)
	}
	rec, err := c.ReadPairRecord(t.Context(), p.UDID)
	if err != nil || !strings.Contains(string(rec), "HostID") {
		t.Fatalf("pair record %q, %v", rec, err)
	}
	if _, err := c.ReadPairRecord(t.Context(), "nobody"); !errors.Is(err, usbmux.ErrRefused) {
		t.Fatalf("pair record of an unknown phone: %v", err)
	}

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var events []usbmux.Event
	err = dial(t, p).Listen(ctx, func(ev usbmux.Event) error {
		events = append(events, ev)
		if ev.Attached {
			p.Unplug()
			return nil
		}
		return errors.New("detached")
	})
	if err == nil || err.Error() != "detached" || len(events) != 2 || events[0].Device.UDID != p.UDID || events[1].Device.ID != devs[0].ID {
		t.Fatalf("Listen: %v, events %+v", err, events)
	}
	if devs, _ := dial(t, p).ListDevices(t.Context()); len(devs) != 0 {
		t.Fatalf("unplugged phone still listed: %+v", devs)
	}
	if _, err := dial(t, p).Connect(t.Context(), devs0(devs), usbmux.LockdownPort); !errors.Is(err, usbmux.ErrRefused) {
		t.Fatalf("Connect to an unplugged phone: %v", err)
	}
}

func devs0(d []usbmux.Device) int64 {
	if len(d) > 0 {
		return d[0].ID
	}
	return 1
}

func TestConnectRefusesAClosedPort(t *testing.T) {
	p := Start(t, Config{})
	if _, err := dial(t, p).Connect(t.Context(), 1, 1234); !errors.Is(err, usbmux.ErrRefused) {
		t.Fatalf("Connect to port 1234: %v", err)
	}
	if !slices.Contains(p.Requests(), "Connect:1234") {
		t.Fatalf("requests %v", p.Requests())
	}
}

// lookTool finds a libimobiledevice tool (Debian: libimobiledevice-utils, libusbmuxd-tools).
func lookTool(t *testing.T, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("%s not installed (Debian libimobiledevice-utils): %v", name, err)
	}
	return path
}

func tool(t *testing.T, p *Phone, name string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), lookTool(t, name), args...)
	cmd.Env = append(cmd.Environ(), "USBMUXD_SOCKET_ADDRESS="+p.Addr)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func TestRealIdeviceIDListsTheFakePhone(t *testing.T) {
	p := Start(t, Config{})
	out, err := tool(t, p, "idevice_id", "-l")
	if err != nil {
		t.Fatalf("idevice_id -l: %v\n%s", err, out)
	}
	if strings.TrimSpace(out) != p.UDID {
		t.Fatalf("idevice_id -l printed %q, want %s", out, p.UDID)
	}
	if !slices.Contains(p.Requests(), "ListDevices") {
		t.Fatalf("requests %v", p.Requests())
	}
}

func TestRealIdeviceinfoReadsTheFakePhoneOverTLS(t *testing.T) {
	p := Start(t, Config{Name: "iPhone di Anna", BackupPassword: ""})
	out, err := tool(t, p, "ideviceinfo", "-u", p.UDID, "-k", "DeviceName")
	if err != nil {
		t.Fatalf("ideviceinfo: %v\n%s\nrequests %v", err, out, p.Requests())
	}
	if strings.TrimSpace(out) != "iPhone di Anna" {
		t.Fatalf("ideviceinfo -k DeviceName printed %q; requests %v", out, p.Requests())
	}
	out, err = tool(t, p, "ideviceinfo", "-u", p.UDID, "-q", "com.apple.mobile.backup", "-k", "WillEncrypt")
	if err != nil || strings.TrimSpace(out) != "false" {
		t.Fatalf("WillEncrypt: %q, %v", out, err)
	}
	for _, want := range []string{"ReadPairRecord", "lockdown:QueryType", "lockdown:StartSession", "lockdown:tls"} {
		if !slices.Contains(p.Requests(), want) {
			t.Errorf("no %s in %v", want, p.Requests())
		}
	}
}

var whatsAppBackup = WhatsAppBackup(time.Date(2026, 1, 12, 9, 0, 0, 0, time.UTC))

func TestRealIdevicebackup2TakesAFullBackup(t *testing.T) {
	p := Start(t, Config{Backup: whatsAppBackup})
	out := t.TempDir()
	log, err := tool(t, p, "idevicebackup2", "-u", p.UDID, "backup", "--full", out)
	if err != nil {
		t.Fatalf("idevicebackup2 backup: %v\n%s\nrequests %v", err, log, p.Requests())
	}
	b, err := ios.Open(t.Context(), filepath.Join(out, p.UDID), nil, t.TempDir())
	if err != nil {
		t.Fatalf("the backup idevicebackup2 wrote does not open: %v\n%s", err, log)
	}
	defer b.Close()
	if b.Encrypted || b.Device.UDID != p.UDID || b.Device.Name != p.Name {
		t.Fatalf("backup %+v", b.Device)
	}
}
