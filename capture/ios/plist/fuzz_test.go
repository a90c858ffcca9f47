package plist

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// FuzzParse: any input parses or fails with ErrFormat, never panics; what parses writes back to the same value.
func FuzzParse(f *testing.F) {
	good, _ := MarshalBinary(sample())
	xmlb, _ := MarshalXML(sample())
	f.Add(good)
	f.Add(xmlb)
	f.Add(selfReferencingArray())
	seeds, _ := filepath.Glob(filepath.Join("testdata", "seeds", "*"))
	for _, s := range seeds {
		if b, err := os.ReadFile(s); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := Parse(b)
		if err != nil {
			return
		}
		if hasUID(v) {
			return
		}
		out, err := MarshalBinary(v)
		if err != nil {
			t.Fatalf("parsed value does not write back: %v", err)
		}
		again, err := Parse(out)
		if err != nil {
			t.Fatalf("written value does not parse: %v", err)
		}
		if !reflect.DeepEqual(v, again) {
			t.Fatalf("round trip changed the value:\n%#v\n%#v", v, again)
		}
	})
}

func hasUID(v any) bool {
	switch x := v.(type) {
	case UID:
		return true
	case []any:
		for _, e := range x {
			if hasUID(e) {
				return true
			}
		}
	case map[string]any:
		for _, e := range x {
			if hasUID(e) {
				return true
			}
		}
	}
	return false
}
