package lockdown

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"testing"

	"github.com/attesta/attesta/internal/fuzzseed"
)

func framed(body string) []byte {
	return append(binary.BigEndian.AppendUint32(nil, uint32(len(body))), body...)
}

func TestRoundTripXMLAndBinary(t *testing.T) {
	for name, write := range map[string]func(*bytes.Buffer, any) error{
		"xml":    func(b *bytes.Buffer, v any) error { return Write(b, v) },
		"binary": func(b *bytes.Buffer, v any) error { return WriteBinary(b, v) },
	} {
		var b bytes.Buffer
		if err := write(&b, map[string]any{"Request": "GetValue", "Key": "DeviceName"}); err != nil {
			t.Fatal(err)
		}
		req, d, err := ReadRequest(&b)
		if err != nil || req != "GetValue" || d["Key"] != "DeviceName" {
			t.Fatalf("%s: %s %v %v", name, req, d, err)
		}
	}
}

func TestReadRefusesBrokenMessages(t *testing.T) {
	list := `<plist version="1.0"><array><string>x</string></array></plist>`
	for name, tc := range map[string]struct {
		b    []byte
		want string
	}{
		"length cut":   {[]byte{0, 0}, "length cut short"},
		"zero length":  {[]byte{0, 0, 0, 0}, "length 0"},
		"huge length":  {[]byte{0x7f, 0, 0, 0}, "length 2130706432"},
		"body cut":     {framed("<plist")[:8], "body cut short"},
		"not a plist":  {framed("hello"), "malformed"},
		"not a dict":   {framed(list), "not a dictionary"},
		"no request":   {framed(`<plist version="1.0"><dict><key>Key</key><string>x</string></dict></plist>`), "without a string Request"},
		"request type": {framed(`<plist version="1.0"><dict><key>Request</key><integer>1</integer></dict></plist>`), "without a string Request"},
	} {
		t.Run(name, func(t *testing.T) {
			_, _, err := ReadRequest(bytes.NewReader(tc.b))
			if !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want ErrFormat mentioning %q", err, tc.want)
			}
		})
	}
}

func FuzzReadMessage(f *testing.F) {
	for _, v := range []any{
		map[string]any{"Request": "QueryType", "Label": "attesta"},
		map[string]any{"Request": "StartSession", "SessionID": "ABC", "EnableSessionSSL": true},
		[]any{"DLMessageVersionExchange", int64(300), int64(0)},
	} {
		var b bytes.Buffer
		if err := Write(&b, v); err != nil {
			f.Fatal(err)
		}
		f.Add(b.Bytes())
		b.Reset()
		if err := WriteBinary(&b, v); err != nil {
			f.Fatal(err)
		}
		f.Add(b.Bytes())
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := ReadMessage(bytes.NewReader(b))
		if err != nil {
			if !errors.Is(err, ErrFormat) && !strings.Contains(err.Error(), "reading length") {
				t.Fatalf("error not ErrFormat: %v", err)
			}
			return
		}
		var out bytes.Buffer
		if err := WriteBinary(&out, v); err != nil {
			t.Fatalf("read %v but cannot write it back: %v", v, err)
		}
	})
}

// TestReadsRecordedLibimobiledeviceRequest reads the QueryType Debian's ideviceinfo sent (testdata/PROVENANCE).
func TestReadsRecordedLibimobiledeviceRequest(t *testing.T) {
	b := fuzzseed.Read(t, fuzzseed.Dir("FuzzReadMessage"), "ideviceinfo-QueryType")[0]
	req, d, err := ReadRequest(bytes.NewReader(b))
	if err != nil || req != "QueryType" || d["Label"] != "ideviceinfo" {
		t.Fatalf("recorded request read as %s %v: %v", req, d, err)
	}
}
