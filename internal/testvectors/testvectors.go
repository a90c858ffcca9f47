// Package testvectors locates the test vectors written by other projects (known answers) for tests.
//
// The vectors live in the repository itself, in the top-level testdata/ folder: testdata/README.md names each
// file's source repository, commit and licence, and the licence texts sit beside the files. Tests never read
// outside the repository, so a fresh clone alone passes them. The package is imported by tests only.
package testvectors

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// Dir is the folder of the vectors, relative to the module root.
const Dir = "testdata"

// Path returns the path of a test vector under the module's testdata/ folder, found by walking up from the test's
// working directory to the module root (go.mod). It fails the test when the vector is missing, or when parts would
// name a file outside testdata/.
func Path(t testing.TB, parts ...string) string {
	t.Helper()
	p, err := find(parts...)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func find(parts ...string) (string, error) {
	root, err := moduleRoot()
	if err != nil {
		return "", err
	}
	rel := filepath.Join(parts...)
	if rel == "." || !filepath.IsLocal(rel) {
		return "", fmt.Errorf("testvectors: %q is not a file under %s/", rel, Dir)
	}
	p := filepath.Join(root, Dir, rel)
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("testvectors: missing vector: %w", err)
	}
	return p, nil
}

// moduleRoot walks up from the working directory to the folder that holds go.mod.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("testvectors: working directory: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("testvectors: no go.mod above %s", dir)
		}
		dir = parent
	}
}
