package journaltest_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"path/filepath"
	"testing"

	"github.com/attesta/attesta/journal"
	"github.com/attesta/attesta/journal/journaltest"
)

// Every journal runs the same suite: the bbolt one on disk, and the in-memory fake.

func newKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestBboltJournal(t *testing.T) {
	j, err := journal.Open(t.Context(), filepath.Join(t.TempDir(), "journal.db"),
		journal.Options{Origin: "attesta/journaltest", Signer: newKey(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	journaltest.TestJournal(t, j)
}

func TestMemoryJournal(t *testing.T) {
	m, err := journaltest.NewMemory("attesta/journaltest", newKey(t))
	if err != nil {
		t.Fatal(err)
	}
	journaltest.TestJournal(t, m)
}
