// Package testtools finds the Go programs that scripts/setup builds for the tests into the tools folder
// ($ATTESTA_TOOLS, by default ~/.cache/attesta/tools): real parts the tests run, such as transparency-dev's witness
// and tessera's fsck. It is imported by tests only.
package testtools

import (
	"os"
	"path/filepath"
	"testing"
)

// Dir is the tools folder: $ATTESTA_TOOLS, else attesta/tools under the user's cache directory.
func Dir() string {
	if d := os.Getenv("ATTESTA_TOOLS"); d != "" {
		return d
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(cache, "attesta", "tools")
}

// Path returns the path of the tool name, failing tb when scripts/setup has not built it: the tools are part of
// the test environment, like the Debian packages.
func Path(tb testing.TB, name string) string {
	tb.Helper()
	p := filepath.Join(Dir(), name)
	if _, err := os.Stat(p); err != nil {
		tb.Fatalf("%s is part of the test environment: run scripts/setup, which builds it into %s (%v)", name, Dir(), err)
	}
	return p
}
