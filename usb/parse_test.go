package usb

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

func TestParseDevicesLong(t *testing.T) {
	in := "127.0.0.1:25555        device product:panther model:Pixel_7 device:panther transport_id:1\n" +
		"R5CR1234XYZ            unauthorized usb:1-1.2 transport_id:2\n" +
		"0123456789ABCDEF       no permissions (user in plugdev group; are your udev rules wrong?); see [http://developer.android.com/tools/device.html] usb:3-4 transport_id:7\n" +
		"emulator-5554          offline transport_id:3\n"
	got, err := ParseDevicesLong(in)
	if err != nil {
		t.Fatal(err)
	}
	want := []DeviceInfo{
		{Serial: "127.0.0.1:25555", State: "device", Product: "panther", Model: "Pixel_7", Device: "panther", TransportID: 1},
		{Serial: "R5CR1234XYZ", State: "unauthorized", USB: "1-1.2", TransportID: 2},
		{Serial: "0123456789ABCDEF", State: "no permissions (user in plugdev group; are your udev rules wrong?); see [http://developer.android.com/tools/device.html]", USB: "3-4", TransportID: 7},
		{Serial: "emulator-5554", State: "offline", TransportID: 3},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d devices, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("line %d = %+v, want %+v", i+1, got[i], want[i])
		}
	}
	for _, bad := range []string{"lonely\n", "x device transport_id:zz\n"} {
		if _, err := ParseDevicesLong(bad); !errors.Is(err, ErrProtocol) || !strings.Contains(err.Error(), "line 1") {
			t.Errorf("%q: %v, want ErrProtocol naming line 1", bad, err)
		}
	}
}

func TestParseGetpropAndVersion(t *testing.T) {
	props := ParseGetprop("[ro.product.model]: [SM-G991B]\n[ro.build.version.sdk]: [33]\r\ngarbage line\n[empty]: []\n")
	if props["ro.product.model"] != "SM-G991B" || props["ro.build.version.sdk"] != "33" || props["empty"] != "" || len(props) != 3 {
		t.Errorf("ParseGetprop = %v", props)
	}
	dump := `Packages:
  Package [com.whatsapp.w4b] (1):
    versionName=2.24.1.1
  Package [com.whatsapp] (2):
    versionCode=242578 minSdk=21 targetSdk=34
    versionName=2.24.25.78
Hidden system packages:
  Package [com.whatsapp] (3):
    versionName=1.0
`
	if v := ParseVersionName(dump, PackageWhatsApp); v != "2.24.25.78" {
		t.Errorf("whatsapp version = %q", v)
	}
	if v := ParseVersionName(dump, PackageWhatsAppBusiness); v != "2.24.1.1" {
		t.Errorf("business version = %q", v)
	}
	if v := ParseVersionName("Unable to find package\n", PackageWhatsApp); v != "" {
		t.Errorf("missing package version = %q", v)
	}
}

func TestHostReplies(t *testing.T) {
	tests := []struct {
		in   string
		want error
	}{
		{"OKAY", nil},
		{"FAIL000edevice offline", ErrOffline},
		{"FAIL0016device 'x' not found..", ErrDeviceNotFound},
		{"FAIL0014device unauthorized.", ErrUnauthorized},
		{"FAILzzzz", ErrProtocol},
		{"FAIL0010short", io.ErrUnexpectedEOF},
		{"WHAT", ErrProtocol},
		{"OK", io.ErrUnexpectedEOF},
	}
	for _, tt := range tests {
		err := readStatus(strings.NewReader(tt.in))
		if (tt.want == nil) != (err == nil) || (tt.want != nil && !errors.Is(err, tt.want)) {
			t.Errorf("%q: %v, want %v", tt.in, err, tt.want)
		}
	}
}

func TestReadShellV2Errors(t *testing.T) {
	if _, err := readShellV2(bytes.NewReader([]byte{1, 2, 0, 0, 0, 'h', 'i'})); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("stream without exit status: %v", err)
	}
	if _, err := readShellV2(bytes.NewReader([]byte{3, 2, 0, 0, 0, 0, 0})); !errors.Is(err, ErrProtocol) {
		t.Errorf("exit packet of 2 bytes: %v", err)
	}
}

func TestDiffDevices(t *testing.T) {
	evs := diffDevices(map[string]string{"a": "device", "b": "offline"}, map[string]string{"b": "device", "c": "unauthorized"})
	want := []DeviceEvent{{Serial: "a", OldState: "device"}, {Serial: "b", OldState: "offline", State: "device"}, {Serial: "c", State: "unauthorized"}}
	if len(evs) != len(want) {
		t.Fatalf("events %+v", evs)
	}
	for i := range want {
		if evs[i] != want[i] {
			t.Errorf("event %d = %+v, want %+v", i, evs[i], want[i])
		}
	}
	if !evs[0].Gone() || evs[2].Gone() {
		t.Error("Gone is wrong")
	}
}

func TestValidName(t *testing.T) {
	for name, ok := range map[string]bool{"msgstore.db.crypt15": true, ".hidden": true, "": false, ".": false, "..": false, "../x": false, "a/b": false, "a\x00b": false, strings.Repeat("n", 256): false} {
		if ValidName(name) != ok {
			t.Errorf("ValidName(%q) = %v", name, !ok)
		}
	}
}

// FuzzParseDevicesLong feeds host:devices-l and host:track-devices text.
func FuzzParseDevicesLong(f *testing.F) {
	f.Add("127.0.0.1:25555        device product:panther model:Pixel_7 device:panther transport_id:1\n")
	f.Add("R5CR1234XYZ\tunauthorized\nemulator-5554\tdevice\n")
	f.Fuzz(func(t *testing.T, s string) {
		ds, err := ParseDevicesLong(s)
		if err == nil {
			for _, d := range ds {
				if d.Serial == "" || d.State == "" || strings.ContainsAny(d.Serial, " \t\n") {
					t.Fatalf("implausible entry %+v", d)
				}
			}
		}
		if m, err := parseDevices(s); err == nil {
			for serial := range m {
				if serial == "" || strings.Contains(serial, "\n") {
					t.Fatalf("implausible serial %q", serial)
				}
			}
		}
	})
}

// FuzzHostReply feeds server replies: a status, then a length-prefixed string.
func FuzzHostReply(f *testing.F) {
	f.Add([]byte("OKAY0029"))
	f.Add([]byte("OKAY00150123456789ABCDEF\tdevice\n"))
	f.Add([]byte("FAIL000edevice offline"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r := bytes.NewReader(data)
		if err := readStatus(r); err != nil {
			return
		}
		if s, err := readHexString(r); err == nil && len(s) > maxHostReply {
			t.Fatalf("reply of %d bytes", len(s))
		}
	})
}

// FuzzParseGetprop feeds getprop and dumpsys output.
func FuzzParseGetprop(f *testing.F) {
	f.Add("[ro.product.model]: [Pixel 7]\n[ro.build.version.sdk]: [34]\n")
	f.Add("Packages:\n  Package [com.whatsapp] (5e3c1a2):\n    versionName=2.24.25.78\n")
	f.Fuzz(func(t *testing.T, s string) {
		for k := range ParseGetprop(s) {
			if strings.Contains(k, "\n") {
				t.Fatalf("key %q spans lines", k)
			}
		}
		if v := ParseVersionName(s, PackageWhatsApp); strings.Contains(v, "\n") {
			t.Fatalf("version %q spans lines", v)
		}
	})
}
