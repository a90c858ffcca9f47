package journaltest_test

import (
	"path/filepath"
	"testing"

	"github.com/attesta/attesta/internal/testpki"
	"github.com/attesta/attesta/journal"
	"github.com/attesta/attesta/journal/journaltest"
)

// Every journal runs the same suite: the bbolt one on disk, and the in-memory fake.

func TestBboltJournal(t *testing.T) {
	j, err := journal.Open(t.Context(), filepath.Join(t.TempDir(), "journal.db"),
		journal.Options{Origin: "attesta/journaltest", Signer: testpki.Key(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	journaltest.TestJournal(t, j)
}

func TestMemoryJournal(t *testing.T) {
	m, err := journaltest.NewMemory("attesta/journaltest", testpki.Key(t))
	if err != nil {
		t.Fatal(err)
	}
	journaltest.TestJournal(t, m)
}
