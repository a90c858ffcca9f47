package plist

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func sample() map[string]any {
	return map[string]any{
		"IsEncrypted": true, "Version": "10.0", "Count": int64(1 << 40), "Neg": int64(-3), "Ratio": 0.5,
		"Date":  time.Date(2026, 1, 12, 9, 0, 0, 0, time.UTC),
		"Key":   []byte{0, 1, 2, 0xff},
		"Name":  "Città di prova ✓",
		"Long":  strings.Repeat("x", 40),
		"List":  []any{"a", int64(2), map[string]any{"inner": false}},
		"Empty": []any{},
	}
}

func TestRoundTrip(t *testing.T) {
	want := sample()
	for name, marshal := range map[string]func(any) ([]byte, error){"binary": MarshalBinary, "xml": MarshalXML} {
		t.Run(name, func(t *testing.T) {
			b, err := marshal(want)
			if err != nil {
				t.Fatal(err)
			}
			got, err := Parse(b)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, any(want)) {
				t.Errorf("round trip:\n got %#v\nwant %#v", got, want)
			}
		})
	}
}

func TestUIDBinaryOnly(t *testing.T) {
	b, err := MarshalBinary(map[string]any{"root": UID(7)})
	if err != nil {
		t.Fatal(err)
	}
	v, err := Parse(b)
	if err != nil || v.(map[string]any)["root"] != UID(7) {
		t.Fatalf("UID: %v, %v", v, err)
	}
	if _, err := MarshalXML(UID(1)); err == nil {
		t.Error("MarshalXML wrote a UID")
	}
}

func TestHostile(t *testing.T) {
	good, _ := MarshalBinary(sample())
	cycle := selfReferencingArray()
	for name, in := range map[string][]byte{
		"empty":             nil,
		"truncated binary":  good[:len(good)-10],
		"bad trailer sizes": withTrailer(good, func(tr []byte) { tr[6] = 3 }),
		"top out of range":  withTrailer(good, func(tr []byte) { tr[23] = 0xff }),
		"table past end":    withTrailer(good, func(tr []byte) { tr[31] = 0xff }),
		"cycle":             cycle,
		"xml wrong root":    []byte(`<dict></dict>`),
		"xml two values":    []byte(`<plist><string>a</string><string>b</string></plist>`),
		"xml dup key":       []byte(`<plist><dict><key>a</key><true/><key>a</key><false/></dict></plist>`),
		"xml key no value":  []byte(`<plist><dict><key>a</key></dict></plist>`),
		"xml bad integer":   []byte(`<plist><integer>12x</integer></plist>`),
		"xml bad data":      []byte(`<plist><data>!!</data></plist>`),
		"xml unclosed":      []byte(`<plist><array><string>a</string>`),
		"xml trailing":      []byte(`<plist><true/></plist><plist/>`),
		"xml unknown":       []byte(`<plist><blob/></plist>`),
		"xml deep":          []byte("<plist>" + strings.Repeat("<array>", MaxDepth+2) + strings.Repeat("</array>", MaxDepth+2) + "</plist>"),
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Parse(in)
			if !errors.Is(err, ErrFormat) {
				t.Fatalf("Parse: %v, want ErrFormat", err)
			}
		})
	}
}

func withTrailer(b []byte, edit func([]byte)) []byte {
	c := append([]byte(nil), b...)
	edit(c[len(c)-32:])
	return c
}

// selfReferencingArray is a binary list whose only object is an array holding itself.
func selfReferencingArray() []byte {
	b := []byte(binaryMagic)
	b = append(b, 0xA1, 0x00) // object 0 at 8: array of one reference, to object 0
	b = append(b, 0x08)       // offset table at 10: object 0 at 8
	tr := make([]byte, 32)
	tr[6], tr[7] = 1, 1
	tr[15] = 1  // one object
	tr[31] = 10 // offset table at 10
	return append(b, tr...)
}

func TestAccessors(t *testing.T) {
	d := sample()
	if s, ok, err := String(d, "Version"); s != "10.0" || !ok || err != nil {
		t.Errorf("String: %q %v %v", s, ok, err)
	}
	if _, ok, err := String(d, "Missing"); ok || err != nil {
		t.Errorf("String of a missing key: %v %v", ok, err)
	}
	if _, _, err := Int(d, "Version"); !errors.Is(err, ErrFormat) {
		t.Errorf("Int of a string: %v", err)
	}
	if _, err := Dict("x", "root"); !errors.Is(err, ErrFormat) {
		t.Errorf("Dict of a string: %v", err)
	}
}

// TestParseDict: a dictionary comes back; a list of another kind, or bytes that are no list, is ErrFormat naming
// what was read.
func TestParseDict(t *testing.T) {
	dict, err := MarshalXML(map[string]any{"k": "v"})
	if err != nil {
		t.Fatal(err)
	}
	if d, err := ParseDict(dict, "record"); err != nil || d["k"] != "v" {
		t.Fatalf("ParseDict(dict) = %v, %v", d, err)
	}
	array, err := MarshalXML([]any{"v"})
	if err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string][]byte{"array": array, "garbage": []byte("not a plist")} {
		if _, err := ParseDict(b, "record"); !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), "record") {
			t.Errorf("%s: ParseDict = %v, want ErrFormat naming the record", name, err)
		}
	}
}
