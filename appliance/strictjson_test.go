package appliance

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/attesta/attesta/internal/strictjson"
)

// The appliance's other files (its configuration, its identity, the UI's PIN hashes) are read as strictly: a
// stray "}" after the value is refused, naming the file.
func TestOwnFilesRefuseTrailingData(t *testing.T) {
	dir := t.TempDir()
	if _, err := LoadOrCreateCredentials(dir, uiTechPIN, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := loadOrCreateIdentity(dir, time.Now()); err != nil {
		t.Fatal(err)
	}
	config := filepath.Join(dir, "config.json")
	if err := os.WriteFile(config, []byte(`{"tpm":"sim"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	read := map[string]func() error{
		credentialsName:  func() error { _, err := LoadOrCreateCredentials(dir, "", ""); return err },
		"appliance.json": func() error { _, err := loadIdentity(dir); return err },
		"config.json":    func() error { _, err := LoadConfig(config); return err },
	}
	for name, load := range read {
		if err := load(); err != nil {
			t.Fatalf("%s as written: %v", name, err)
		}
		path := filepath.Join(dir, name)
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, append(b, "\n}"...), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := load(); !errors.Is(err, strictjson.ErrTrailingData) || !strings.Contains(err.Error(), path) {
			t.Errorf("%s followed by a stray }: %v, want trailing data naming the file", name, err)
		}
	}
}
