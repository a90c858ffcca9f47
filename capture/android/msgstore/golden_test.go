package msgstore_test

import (
	"bytes"
	"flag"
	"path/filepath"
	"testing"
	"time"

	"github.com/attesta/attesta/internal/golden"
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
	// A change here changes the leaves' bytes: it needs a new RawRowVersion.
	golden.Check(t, filepath.Join("testdata", "rawrow.golden"), got.Bytes(), *update)
}
