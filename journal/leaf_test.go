package journal

import (
	"errors"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/attesta/attesta/internal/fuzzseed"
)

var leafTime = time.Date(2026, 1, 15, 8, 0, 0, 5, time.FixedZone("CET", 3600))

func TestEncodeLeaf(t *testing.T) {
	got, err := EncodeLeaf(41, Entry{Type: "artifact", Case: "c1", Time: leafTime,
		Fields: map[string]any{"sha256": strings.Repeat("ab", 32), "size": 12, "kind": "mhtml"}})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"case":"c1","kind":"mhtml","seq":41,"sha256":"` + strings.Repeat("ab", 32) +
		`","size":12,"time":"2026-01-15T07:00:00.000000005Z","type":"artifact","v":1}`
	if string(got) != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	seq, e, err := DecodeLeaf(got)
	if err != nil {
		t.Fatal(err)
	}
	if seq != 41 || e.Type != "artifact" || e.Case != "c1" || !e.Time.Equal(leafTime) || e.Fields["size"] != int64(12) {
		t.Fatalf("decoded %d %+v", seq, e)
	}
}

func TestEncodeLeafRefuses(t *testing.T) {
	ok := func(e Entry) Entry {
		if e.Time.IsZero() {
			e.Time = leafTime
		}
		return e
	}
	tests := []struct {
		name string
		e    Entry
		want string
	}{
		{"no type", ok(Entry{}), "type"},
		{"upper-case type", ok(Entry{Type: "Artifact"}), "lower-case"},
		{"type with space", ok(Entry{Type: "a b"}), "lower-case"},
		{"no time", Entry{Type: "x"}, "time is not set"},
		{"reserved field", ok(Entry{Type: "x", Fields: map[string]any{"seq": 1}}), `"seq" is reserved`},
		{"float field", ok(Entry{Type: "x", Fields: map[string]any{"f": 0.5}}), "floats are not allowed"},
		{"artifact without digest", ok(Entry{Type: "artifact", Fields: map[string]any{"size": 1}}), `"sha256"`},
		{"artifact upper-case digest", ok(Entry{Type: "artifact", Fields: map[string]any{"sha256": strings.Repeat("AB", 32), "size": 1}}), `"sha256"`},
		{"artifact negative size", ok(Entry{Type: "artifact", Fields: map[string]any{"sha256": strings.Repeat("ab", 32), "size": -1}}), `"size"`},
		{"erasure without case", ok(Entry{Type: "erasure"}), `"case" is required`},
		{"too large", ok(Entry{Type: "x", Fields: map[string]any{"blob": strings.Repeat("a", MaxLeafSize)}}), "more than 65535"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := EncodeLeaf(3, tt.e)
			if !errors.Is(err, ErrInvalidLeaf) || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "leaf 3") {
				t.Fatalf("err = %v, want ErrInvalidLeaf naming leaf 3 and %q", err, tt.want)
			}
		})
	}
}

func TestDecodeLeafRefuses(t *testing.T) {
	const tm = `"time":"2026-01-15T07:00:00.000000005Z"`
	tests := []struct{ name, in, want string }{
		{"not object", `[1]`, "not a JSON object"},
		{"version 2", `{"seq":0,` + tm + `,"type":"x","v":2}`, `"v": want 1`},
		{"no version", `{"seq":0,` + tm + `,"type":"x"}`, `"v"`},
		{"negative seq", `{"seq":-1,` + tm + `,"type":"x","v":1}`, `"seq"`},
		{"string seq", `{"seq":"1",` + tm + `,"type":"x","v":1}`, `"seq"`},
		{"no type", `{"seq":0,` + tm + `,"v":1}`, `"type"`},
		{"short time", `{"seq":0,"time":"2026-01-15T07:00:00Z","type":"x","v":1}`, `"time"`},
		{"offset time", `{"seq":0,"time":"2026-01-15T07:00:00.000000005+01:00","type":"x","v":1}`, `"time"`},
		{"empty case", `{"case":"","seq":0,` + tm + `,"type":"x","v":1}`, `"case"`},
		{"numeric case", `{"case":1,"seq":0,` + tm + `,"type":"x","v":1}`, `"case"`},
		{"bad artifact", `{"seq":0,` + tm + `,"type":"artifact","v":1}`, `"sha256"`},
		{"whitespace", `{"seq": 0,` + tm + `,"type":"x","v":1}`, "offset 7: whitespace"},
		{"unsorted", `{"seq":0,"type":"x",` + tm + `,"v":1}`, `key "time" is not sorted`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := DecodeLeaf([]byte(tt.in))
			if !errors.Is(err, ErrInvalidLeaf) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want ErrInvalidLeaf containing %q", err, tt.want)
			}
		})
	}
}

// TestLeafSeeds checks the fuzz seed corpus itself: the "bad-" seeds are
// refused and the others, samples of real leaves, are accepted.
// fuzzerFound names the inputs `make fuzz` adds to the corpus (go's own names: 16 hex digits); the seeds written
// by hand have names that say what they are, and those starting "bad-" must be refused.
var fuzzerFound = regexp.MustCompile(`^[0-9a-f]{16}$`)

func TestLeafSeeds(t *testing.T) {
	dir := fuzzseed.Dir("FuzzDecodeLeaf")
	files, err := os.ReadDir(dir)
	if err != nil || len(files) == 0 {
		t.Fatalf("seed corpus %s: %v", dir, err)
	}
	for _, f := range files {
		if fuzzerFound.MatchString(f.Name()) {
			continue // an input the fuzzer kept: it must only not crash, which FuzzDecodeLeaf checks
		}
		data := fuzzseed.Read(t, dir, f.Name())[0]
		_, _, err := DecodeLeaf(data)
		if bad := strings.HasPrefix(f.Name(), "bad-"); bad != (err != nil) {
			t.Errorf("%s: DecodeLeaf error = %v", f.Name(), err)
		}
	}
}
