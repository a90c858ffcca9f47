package fuzzseed_test

import (
	"bytes"
	"slices"
	"testing"

	"github.com/attesta/attesta/internal/fuzzseed"
)

func TestRoundTrip(t *testing.T) {
	values := [][]byte{[]byte("%PDF-1.7\n"), {0, 0xff, '"', '\\'}, {}}
	dir := t.TempDir()
	fuzzseed.Write(t, dir, "seed", values...)
	got := fuzzseed.Read(t, dir, "seed")
	if !slices.EqualFunc(got, values, bytes.Equal) {
		t.Fatalf("read %q, want %q", got, values)
	}
	// The encoding is the go command's: the file it writes for f.Add([]byte("a\n")).
	if want := "go test fuzz v1\n[]byte(\"a\\n\")\n"; string(fuzzseed.Encode([]byte("a\n"))) != want {
		t.Errorf("Encode = %q, want %q", fuzzseed.Encode([]byte("a\n")), want)
	}
}

func TestDecodeRefuses(t *testing.T) {
	for _, file := range []string{
		"go test fuzz v2\n[]byte(\"a\")\n",
		"[]byte(\"a\")\n",
		"go test fuzz v1\nstring(\"a\")\n",
		"go test fuzz v1\n[]byte(\"a\"\n",
		"go test fuzz v1\n[]byte(a)\n",
	} {
		if v, err := fuzzseed.Decode([]byte(file)); err == nil {
			t.Errorf("Decode(%q) = %q, want an error", file, v)
		}
	}
}
