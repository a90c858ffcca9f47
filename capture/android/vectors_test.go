package android

import (
	"os"
	"path/filepath"
	"testing"
)

// sharedDir finds the project's shared directory (the sibling of the module
// root) by walking up from the test's working directory to go.mod.
func sharedDir(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "..", "shared")
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the test directory")
		}
		dir = parent
	}
}

// vector returns the path of a test vector under shared/testvectors.
func vector(t testing.TB, parts ...string) string {
	t.Helper()
	p := filepath.Join(append([]string{sharedDir(t), "testvectors"}, parts...)...)
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("test vector missing: %v", err)
	}
	return p
}

func readVector(t testing.TB, parts ...string) []byte {
	t.Helper()
	b, err := os.ReadFile(vector(t, parts...))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func waKey(t testing.TB, name string) Key {
	t.Helper()
	k, err := ParseKeyFile(readVector(t, "wa-crypt-tools", name))
	if err != nil {
		t.Fatalf("parse %s: %v", name, err)
	}
	return k
}
