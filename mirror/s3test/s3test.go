// Package s3test runs a real S3-compatible object store with Object Lock on loopback for the tests: MinIO, built
// from its Go module by scripts/setup (package localstore starts it).
//
// Tests that need it call Start. When the binary is missing they are skipped with a message saying how to build it,
// except in CI (CI=true), where a missing binary fails them: CI runs scripts/setup first.
package s3test

import (
	"os"
	"testing"

	"github.com/attesta/attesta/mirror/localstore"
)

// Server is a running MinIO.
type Server = localstore.Server

// Start starts a server for t, its data in a directory of t's, and stops it when t ends.
func Start(t testing.TB) *Server {
	t.Helper()
	bin, err := localstore.Binary()
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("s3test: %v", err)
		}
		t.Skipf("s3test: %v", err)
	}
	s, err := localstore.New(t.Context(), bin, t.TempDir())
	if err != nil {
		t.Fatalf("s3test: %v", err)
	}
	t.Cleanup(s.Stop)
	return s
}
