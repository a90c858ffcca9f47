package bundle

import (
	"regexp"
	"testing"

	"github.com/attesta/attesta/internal/i18n"
)

// TestCatalogComplete fails when a detail lacks a language, takes other arguments in the other language, or when
// the verifier records a key the catalog does not hold.
func TestCatalogComplete(t *testing.T) {
	if err := catalog.Check(); err != nil {
		t.Error(err)
	}
	used := regexp.MustCompile(`(?:v\.(?:pass|fail|skip|failErr)\([^,]+,[^,]+,|unsafeEntry\([^,]+,|texts\()\s*"([^"]+)"`)
	keys, err := i18n.KeysIn(".", used)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if !catalog.Has(k) {
			t.Errorf("the verifier records %q, which the catalog lacks", k)
		}
	}
	if n := len(keys); n < 60 {
		t.Errorf("found %d keys in the code: the pattern no longer matches how the verifier records checks", n)
	}
}
