package msgstore_test

import (
	"crypto/sha256"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/attesta/attesta/capture/android/msgstore/msgstoretest"
)

// TestBulkChats reads back, through the package itself, a small database of the shape of the performance
// benchmarks' (which `make bench` makes with 1,000,000 messages over 200 chats), and checks that the generator is
// deterministic.
func TestBulkChats(t *testing.T) {
	bulk := msgstoretest.Bulk{Messages: 2000, Chats: 20, Words: 12}
	dir := t.TempDir()
	paths := []string{filepath.Join(dir, "a.db"), filepath.Join(dir, "b.db")}
	for _, p := range paths {
		if err := msgstoretest.WriteBulkChats(t.Context(), p, bulk); err != nil {
			t.Fatal(err)
		}
	}
	a, err := os.ReadFile(paths[0])
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(paths[1])
	if err != nil {
		t.Fatal(err)
	}
	if sha256.Sum256(a) != sha256.Sum256(b) {
		t.Fatal("two databases from the same shape differ")
	}
	db := openDB(t, paths[0])
	chats, err := db.Chats(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(chats) != bulk.Chats {
		t.Fatalf("%d chats, want %d", len(chats), bulk.Chats)
	}
	for c, chat := range chats {
		if want := msgstoretest.BulkChatJID(c); chat.JID != want {
			t.Fatalf("chat %d is %s, want %s", c, chat.JID, want)
		}
		var n, mine, media int
		last := time.Time{}
		for r, err := range db.Messages(t.Context(), chat, time.Time{}, time.Time{}) {
			if err != nil {
				t.Fatal(err)
			}
			m := r.Message
			if m.FromMe {
				mine++
			}
			if r.Media != nil {
				media++
			}
			if m.Text == nil || *m.Text == "" || !m.SentAt.After(last) {
				t.Fatalf("chat %d message %d: text %v at %s after %s", c, n, m.Text, m.SentAt, last)
			}
			last = m.SentAt.Time
			n++
		}
		if per := bulk.Messages / bulk.Chats; n != per || mine != per/2 || media != per/10 {
			t.Fatalf("chat %d: %d messages, %d sent by the owner, %d with media; want %d, %d, %d", c, n, mine, media,
				per, per/2, per/10)
		}
	}
}
