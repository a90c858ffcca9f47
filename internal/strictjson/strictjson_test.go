package strictjson

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

type record struct {
	Format string   `json:"format"`
	ID     string   `json:"id"`
	Tags   []string `json:"tags"`
}

const format = "attesta.test/v1"

func TestDecodeFormat(t *testing.T) {
	tests := []struct {
		name, data string
		want       string // substring of the error; "" means success
		isFormat   bool
	}{
		{"ok", `{"format":"attesta.test/v1","id":"a","tags":["x"]}`, "", false},
		{"trailing newline and spaces", "{\"format\":\"attesta.test/v1\",\"id\":\"a\"}\n \t\r\n", "", false},
		{"stray closing brace", `{"format":"attesta.test/v1","id":"a"}}`, "offset 37: data after the JSON value", false},
		{"stray brace after newline", "{\"format\":\"attesta.test/v1\"}\n}", "offset 29: data after the JSON value", false},
		{"stray bracket", `{"format":"attesta.test/v1"}]`, "data after the JSON value", false},
		{"second value", `{"format":"attesta.test/v1"} {"format":"attesta.test/v1"}`, "data after the JSON value", false},
		{"garbage after", `{"format":"attesta.test/v1"}x`, "data after the JSON value", false},
		{"unknown member", `{"format":"attesta.test/v1","id":"a","extra":1}`, `unknown field "extra"`, false},
		{"newer version", `{"format":"attesta.test/v2","id":"a","extra":1}`, `format "attesta.test/v2", want "attesta.test/v1"`, true},
		{"no format", `{"id":"a"}`, "no format member", true},
		{"not an object", `["format"]`, "rec.json", false},
		{"truncated", `{"format":"attesta.test/v1","id":`, "unexpected EOF", false},
		{"empty", ``, "EOF", false},
		{"wrong type", `{"format":"attesta.test/v1","id":7}`, "cannot unmarshal number", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r record
			err := DecodeFormat("rec.json", []byte(tt.data), format, &r)
			if tt.want == "" {
				if err != nil || r.ID != "a" {
					t.Fatalf("DecodeFormat = %v, %+v", err, r)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "rec.json") {
				t.Fatalf("DecodeFormat = %v, want an error naming rec.json with %q", err, tt.want)
			}
			if errors.Is(err, ErrFormat) != tt.isFormat {
				t.Fatalf("errors.Is(%v, ErrFormat) = %v, want %v", err, !tt.isFormat, tt.isFormat)
			}
		})
	}
}

func TestDecodeUnversioned(t *testing.T) {
	var c struct {
		Listen string `json:"listen"`
	}
	if err := Decode("config.json", []byte(`{"listen":":80"} `), &c); err != nil || c.Listen != ":80" {
		t.Fatalf("Decode = %v, %+v", err, c)
	}
	err := Decode("config.json", []byte(`{"listen":":80"}}`), &c)
	if err == nil || !strings.Contains(err.Error(), "config.json: offset 16: data after") {
		t.Fatalf("Decode with a stray brace = %v", err)
	}
	if err := Decode("config.json", []byte(`{"listen":":80","lisen":":81"}`), &c); err == nil {
		t.Fatal("Decode accepted a misspelt member")
	}
}

func TestReadFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "rec.json")
	os.WriteFile(p, []byte(`{"format":"attesta.test/v1","id":"a"}`+"\n"), 0o600)
	var r record
	if err := ReadFile(p, format, &r); err != nil || r.ID != "a" {
		t.Fatalf("ReadFile = %v, %+v", err, r)
	}
	missing := filepath.Join(dir, "absent.json")
	if err := ReadFile(missing, format, &r); !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), missing) {
		t.Fatalf("ReadFile of a missing file = %v", err)
	}
}

func FuzzDecodeFormat(f *testing.F) {
	f.Add([]byte(`{"format":"attesta.test/v1","id":"a","tags":["x"]}`))
	f.Add([]byte(`{"format":"attesta.test/v1"}}`))
	f.Add([]byte(`{"format":"attesta.test/v2"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var r record
		if err := DecodeFormat("f", data, format, &r); err != nil {
			return
		}
		if r.Format != format {
			t.Fatalf("accepted format %q", r.Format)
		}
	})
}
