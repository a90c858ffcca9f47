package usbtest

import (
	"testing"
	"time"

	"github.com/attesta/attesta/usb"
	"github.com/attesta/attesta/usb/adbtest"
)

// ServerRig is the real path: a [usb.Client] of Debian's adb server (started by [adbtest.StartServer] on a
// private port, stopped when t ends), which reaches each fake phone over TCP as `adb connect` does. The serial
// is the phone's address, as the server lists it.
func ServerRig(t *testing.T) Rig {
	t.Helper()
	srv := adbtest.StartServer(t)
	// The server announces a TCP phone's loss only by polling; a short poll keeps the hot-plug test brief.
	c := usb.New(usb.Options{Addr: srv.Addr, TrackPoll: 250 * time.Millisecond})
	return Rig{Source: c, Plug: func(t *testing.T, cfg adbtest.Config) (string, *adbtest.Phone) {
		t.Helper()
		p := adbtest.Start(t, cfg)
		if err := c.Connect(t.Context(), p.Addr()); err != nil {
			t.Fatalf("%v (adb server log: %s)", err, srv.LogPath())
		}
		return p.Addr(), p
	}}
}
