package usbtest_test

import (
	"context"
	"testing"
	"time"

	"github.com/attesta/attesta/usb/adbtest"
	"github.com/attesta/attesta/usb/usbtest"
)

// Every phone source runs the same suite. The host client has one implementation, through the adb server; it
// runs against a modern phone (shell v2, stat_v2, ls_v2 and sendrecv_v2, which the server forwards) and
// an old one that speaks only shell v1 and sync v1, which take other paths through the client and the server.

func TestServerModernPhone(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	usbtest.TestPhoneSource(t, ctx, usbtest.ServerRig(t))
}

func TestServerOldPhone(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	rig := usbtest.ServerRig(t)
	plug := rig.Plug
	rig.Plug = func(t *testing.T, cfg adbtest.Config) (string, *adbtest.Phone) {
		cfg.Features = []string{"cmd"}
		return plug(t, cfg)
	}
	usbtest.TestPhoneSource(t, ctx, rig)
}
