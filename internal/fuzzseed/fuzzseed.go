// Package fuzzseed reads and writes the files of Go's fuzz seed corpora whose values are all []byte, for the tests
// that keep real captures (OpenSSL tokens, PAdES signatures, adb sessions) as seeds and read them back as known
// answers. It is imported by tests only.
//
// # Encoding
//
// A corpus file is testdata/fuzz/<FuzzTarget>/<name> in the fuzzed package. Its first line is "go test fuzz v1", the
// version of the format the go command writes; each further line is one value, []byte("…") with the bytes quoted
// as [strconv.Quote] quotes a string. Values of other types are not supported.
package fuzzseed

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const header = "go test fuzz v1"

// Dir is the seed corpus folder of a fuzz target of the package under test.
func Dir(target string) string { return filepath.Join("testdata", "fuzz", target) }

// Encode returns the corpus file holding values.
func Encode(values ...[]byte) []byte {
	var b bytes.Buffer
	b.WriteString(header + "\n")
	for _, v := range values {
		fmt.Fprintf(&b, "[]byte(%s)\n", strconv.Quote(string(v)))
	}
	return b.Bytes()
}

// Decode returns the values of a corpus file; it fails on another version or a value that is not a quoted []byte.
func Decode(file []byte) ([][]byte, error) {
	lines := strings.Split(strings.TrimSuffix(string(file), "\n"), "\n")
	if lines[0] != header {
		return nil, fmt.Errorf("fuzzseed: first line %q, want %q", lines[0], header)
	}
	var out [][]byte
	for i, line := range lines[1:] {
		lit, ok := strings.CutPrefix(line, "[]byte(")
		lit, ok2 := strings.CutSuffix(lit, ")")
		v, err := strconv.Unquote(lit)
		if !ok || !ok2 || err != nil {
			return nil, fmt.Errorf("fuzzseed: line %d: not a []byte value", i+2)
		}
		out = append(out, []byte(v))
	}
	return out, nil
}

// Read returns the values of the corpus file dir/name, failing the test when it is missing, malformed or empty.
func Read(tb testing.TB, dir, name string) [][]byte {
	tb.Helper()
	path := filepath.Join(dir, name)
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	v, err := Decode(b)
	if err != nil {
		tb.Fatalf("%s: %v", path, err)
	}
	if len(v) == 0 {
		tb.Fatalf("%s: no value", path)
	}
	return v
}

// Write writes values as the corpus file dir/name, creating dir.
func Write(tb testing.TB, dir, name string, values ...[]byte) {
	tb.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), Encode(values...), 0o644); err != nil {
		tb.Fatal(err)
	}
}
