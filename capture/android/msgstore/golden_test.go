package msgstore_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/attesta/attesta/capture/android/msgstore"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestRawRowGolden freezes the RawRow encoding (version 1): a change to these bytes is a change of format.
func TestRawRowGolden(t *testing.T) {
	truth, _ := scripted()
	var got bytes.Buffer
	for _, lc := range layouts {
		db := openDB(t, writeFixture(t, lc.write, truth))
		chat := mustFindChat(t, db, phoneA)
		for r, err := range db.Messages(t.Context(), chat, time.Time{}, time.Time{}) {
			if err != nil {
				t.Fatal(err)
			}
			if id := r.Message.ID; id == "A01" || id == "A03" || id == "A17" {
				got.WriteString(lc.name + " " + id + "\n")
				got.Write(r.RawRow)
				got.WriteString("\n")
			}
		}
	}
	path := filepath.Join("testdata", "rawrow.golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got.Bytes(), want) {
		t.Errorf("raw rows differ from %s (RawRowVersion %d):\n got %s\nwant %s", path, msgstore.RawRowVersion,
			got.Bytes(), want)
	}
}
