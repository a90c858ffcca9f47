package usbmux

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"testing"

	"github.com/attesta/attesta/internal/fuzzseed"
)

func encode(t *testing.T, p Packet) []byte {
	t.Helper()
	b, err := p.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestPacketRoundTrip(t *testing.T) {
	in := Packet{Tag: 7, Body: map[string]any{"MessageType": "Connect", "DeviceID": int64(3), "PortNumber": SwapPort(LockdownPort)}}
	p, err := ReadPacket(bytes.NewReader(encode(t, in)))
	if err != nil {
		t.Fatal(err)
	}
	if p.Tag != 7 || p.Type() != "Connect" || p.Body["PortNumber"] != int64(32498) {
		t.Fatalf("read back %+v", p)
	}
}

func TestReadPacketRefusesBrokenPackets(t *testing.T) {
	good := encode(t, Packet{Tag: 1, Body: map[string]any{"MessageType": "ListDevices"}})
	set := func(off int, v uint32) []byte {
		b := bytes.Clone(good)
		binary.LittleEndian.PutUint32(b[off:], v)
		return b
	}
	reply := func(body map[string]any) []byte { return encode(t, Packet{Tag: 2, Body: body}) }
	notDict := bytes.Clone(good[:HeaderSize])
	notDict = append(notDict, []byte(`<plist version="1.0"><string>x</string></plist>`)...)
	binary.LittleEndian.PutUint32(notDict, uint32(len(notDict)))
	for name, tc := range map[string]struct {
		b    []byte
		want string
	}{
		"header cut":       {good[:9], "header cut short"},
		"body cut":         {good[:len(good)-5], "body cut short"},
		"length too small": {set(0, 15), "length 15"},
		"length too big":   {set(0, MaxPacket+1), "length"},
		"binary protocol":  {set(4, 0), "version 0"},
		"wrong message":    {set(8, 3), "message type 3"},
		"not a dict":       {notDict, "not a dictionary"},
		"no type":          {reply(map[string]any{"Foo": "bar"}), "no MessageType"},
		"type not string":  {reply(map[string]any{"MessageType": int64(1)}), "MessageType is not a string"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := ReadPacket(bytes.NewReader(tc.b))
			if !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want ErrFormat mentioning %q", err, tc.want)
			}
		})
	}
}

func TestParseDeviceRefusesIncompleteEntries(t *testing.T) {
	for name, d := range map[string]map[string]any{
		"no id":         {"Properties": map[string]any{"SerialNumber": "X"}},
		"no properties": {"DeviceID": int64(1)},
		"no serial":     {"DeviceID": int64(1), "Properties": map[string]any{}},
		"bad product":   {"DeviceID": int64(1), "Properties": map[string]any{"SerialNumber": "X", "ProductID": "x"}},
	} {
		if _, err := ParseDevice(d); !errors.Is(err, ErrFormat) {
			t.Errorf("%s: err = %v, want ErrFormat", name, err)
		}
	}
}

func TestParseAddress(t *testing.T) {
	for v, want := range map[string][2]string{"": {"unix", DefaultSocket}, "UNIX:/tmp/m": {"unix", "/tmp/m"},
		"127.0.0.1:27015": {"tcp", "127.0.0.1:27015"}} {
		if n, a := ParseAddress(v); n != want[0] || a != want[1] {
			t.Errorf("ParseAddress(%q) = %s %s, want %v", v, n, a, want)
		}
	}
}

func FuzzReadPacket(f *testing.F) {
	for _, body := range []map[string]any{
		{"MessageType": "ListDevices"},
		{"DeviceList": []any{map[string]any{"DeviceID": int64(1), "MessageType": "Attached",
			"Properties": map[string]any{"SerialNumber": "00008110", "ConnectionType": "USB"}}}},
		{"MessageType": "Result", "Number": int64(0)},
		{"PairRecordData": []byte("<plist/>")},
	} {
		b, err := Packet{Tag: 1, Body: body}.Encode()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := ReadPacket(bytes.NewReader(b))
		if err != nil {
			if !errors.Is(err, ErrFormat) && !strings.Contains(err.Error(), "reading header") {
				t.Fatalf("error not ErrFormat: %v", err)
			}
			return
		}
		if _, err := p.Encode(); err != nil {
			t.Fatalf("read %v but cannot write it back: %v", p, err)
		}
		if p.Type() == "Attached" {
			ParseDevice(p.Body)
		}
	})
}

// TestReadsRecordedLibusbmuxdRequest reads the ListDevices packet Debian's idevice_id (libusbmuxd 2.0.2) sent, as
// recorded into the fuzz seeds (testdata/PROVENANCE).
func TestReadsRecordedLibusbmuxdRequest(t *testing.T) {
	b := fuzzseed.Read(t, fuzzseed.Dir("FuzzReadPacket"), "idevice_id-ListDevices")[0]
	p, err := ReadPacket(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if p.Type() != "ListDevices" || p.Tag != 1 || p.Body["ProgName"] != "idevice_id" || p.Body["kLibUSBMuxVersion"] != int64(3) {
		t.Fatalf("recorded request read as %+v", p)
	}
}
