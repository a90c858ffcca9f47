package bundle

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestCatalogComplete fails when a detail lacks a language, takes other arguments in the other language, or when
// the verifier records a key the catalog does not hold.
func TestCatalogComplete(t *testing.T) {
	if err := catalog.Check(); err != nil {
		t.Error(err)
	}
	used := regexp.MustCompile(`(?:v\.(?:pass|fail|skip|failErr)\([^,]+,[^,]+,|unsafeEntry\([^,]+,|texts\()\s*"([^"]+)"`)
	files, _ := filepath.Glob("*.go")
	n := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range used.FindAllStringSubmatch(string(src), -1) {
			n++
			if !catalog.Has(m[1]) {
				t.Errorf("%s records %q, which the catalog lacks", f, m[1])
			}
		}
	}
	if n < 60 {
		t.Errorf("found %d keys in the code: the pattern no longer matches how the verifier records checks", n)
	}
}
