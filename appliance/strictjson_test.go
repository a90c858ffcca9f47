package appliance

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/attesta/attesta/internal/strictjson"
)

// A register or a job record followed by anything but white space is refused, a stray "}" included (which
// json.Decoder.More accepts).
func TestStrictReadsRefuseTrailingData(t *testing.T) {
	cases, _ := json.Marshal(casesFile{Format: casesFormat, Cases: []caseRecord{{ID: "AT-2026-0001",
		ServiceMonths: 3, MaxMessages: 20, Created: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}}})
	record := `{"format":"attesta.job/v1","id":"j0123456789abcdef","kind":"web","case":"AT-2026-0001",` +
		`"state":"done","started":"2026-01-12T10:00:00Z","lines":[]}`
	if _, err := parseCases(append(cases, " \n\t"...), "cases.json"); err != nil {
		t.Fatalf("register with trailing white space: %v", err)
	}
	if _, err := decodeJobRecord([]byte(record+"\n"), "j0123456789abcdef"); err != nil {
		t.Fatalf("job record with trailing white space: %v", err)
	}
	for _, tail := range []string{"}", "\n}", "]", "{}", `"x"`, "0", "}{"} {
		_, err := parseCases(append(cases, tail...), "cases.json")
		if err == nil || !strings.Contains(err.Error(), "data after the register") {
			t.Errorf("register followed by %q: %v, want data after the register", tail, err)
		}
		_, err = decodeJobRecord([]byte(record+tail), "j0123456789abcdef")
		if err == nil || !strings.Contains(err.Error(), "data after the record") {
			t.Errorf("job record followed by %q: %v, want data after the record", tail, err)
		}
	}
}

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
