package blobtest_test

import (
	"path/filepath"
	"testing"

	"github.com/attesta/attesta/journal/blob"
	"github.com/attesta/attesta/journal/blob/blobtest"
)

// Every blob store runs the same suite: the real one on disk, and the in-memory fake.

func TestDiskStore(t *testing.T) {
	s, err := blob.Open(filepath.Join(t.TempDir(), "blobs"), blobtest.NewWrapper())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	blobtest.TestStore(t, s)
}

func TestMemoryStore(t *testing.T) { blobtest.TestStore(t, blobtest.NewMemory()) }
