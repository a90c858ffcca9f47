package msgstore_test

import (
	"context"
	"crypto/sha256"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/attesta/attesta/capture/android/msgstore"
	"github.com/attesta/attesta/capture/android/msgstore/msgstoretest"
	"github.com/attesta/attesta/evidence"
	"github.com/attesta/attesta/internal/testvectors"
)

func vectorPath(t testing.TB) string {
	return testvectors.Path(t, "wa-crypt-tools", "msgstore.db")
}

// fileState is what parsing must leave untouched: the file's bytes and its directory's listing.
type fileState struct {
	sum     [32]byte
	listing []string
}

func stateOf(t testing.TB, path string) fileState {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return fileState{sum: sha256.Sum256(data), listing: names}
}

// checkUntouched registers a cleanup that fails the test if the file or its directory changed.
func checkUntouched(t *testing.T, path string) {
	t.Helper()
	before := stateOf(t, path)
	t.Cleanup(func() {
		after := stateOf(t, path)
		if after.sum != before.sum {
			t.Errorf("%s: bytes changed by parsing", path)
		}
		if !slices.Equal(after.listing, before.listing) {
			t.Errorf("%s: directory listing changed by parsing: %v → %v", path, before.listing, after.listing)
		}
	})
}

// openDB opens path and closes it at cleanup, checking that nothing was written.
func openDB(t *testing.T, path string) *msgstore.DB {
	t.Helper()
	checkUntouched(t, path)
	db, err := msgstore.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Error(err)
		}
	})
	return db
}

// writeFixture writes a database with write (WriteModern or WriteLegacy) into its own temp directory.
func writeFixture(t testing.TB, write func(context.Context, string, msgstoretest.Truth) error,
	truth msgstoretest.Truth) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "msgstore.db")
	if err := write(context.Background(), path, truth); err != nil {
		t.Fatal(err)
	}
	return path
}

// mustFindChat finds the chat with phone, failing the test when there is none.
func mustFindChat(t *testing.T, db *msgstore.DB, phone string) msgstore.ChatInfo {
	t.Helper()
	chat, err := db.FindChat(t.Context(), phone)
	if err != nil {
		t.Fatal(err)
	}
	return chat
}

// mustHistory reads the whole history of chat, failing the test on error.
func mustHistory(t *testing.T, db *msgstore.DB, chat msgstore.ChatInfo) []evidence.Message {
	t.Helper()
	history, err := db.History(t.Context(), chat)
	if err != nil {
		t.Fatal(err)
	}
	return history
}
