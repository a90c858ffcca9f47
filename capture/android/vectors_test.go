package android

import (
	"os"
	"testing"

	"github.com/attesta/attesta/internal/testvectors"
)

// vector returns the path of a test vector under the repository's testdata/.
func vector(t testing.TB, parts ...string) string { return testvectors.Path(t, parts...) }

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
