// Package testvectors locates the test vectors written by other projects (known answers), which live in
// shared/testvectors beside the module root, for tests only.
package testvectors

import (
	"os"
	"path/filepath"
	"testing"
)

// Path returns the path of a test vector under shared/testvectors, found by walking up from the test's working
// directory to the module root (go.mod). It fails the test when the vector is missing.
func Path(t testing.TB, parts ...string) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("testvectors: no go.mod above the test directory")
		}
		dir = parent
	}
	p := filepath.Join(append([]string{dir, "..", "shared", "testvectors"}, parts...)...)
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("testvectors: missing: %v", err)
	}
	return p
}
