package msgstore_test

import (
	"context"
	"errors"
	"math"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/attesta/attesta/capture/android/msgstore"
	"github.com/attesta/attesta/capture/android/msgstore/msgstoretest"
)

// childTables are the tables read beside message, one way or the other.
var childTables = []string{"receipt_user", "receipt_device", "message_media", "message_quoted", "message_revoked",
	"message_edit_info", "message_system"}

// TestChildJoinOrder reads every chat, whole and in a time range, with the child tables read from the messages'
// side and from the tables' side, and checks that both give the same records, raw rows included.
func TestChildJoinOrder(t *testing.T) {
	truth, _ := scripted()
	scriptedDB := writeFixture(t, msgstoretest.WriteModern, truth)
	bulk := filepath.Join(t.TempDir(), "bulk.db")
	if err := msgstoretest.WriteBulkChats(t.Context(), bulk, msgstoretest.Bulk{Messages: 600, Chats: 3}); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{scriptedDB, bulk} {
		db := openDB(t, path)
		chats, err := db.Chats(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range chats {
			for _, r := range [][2]time.Time{{}, {msgstoretest.BulkStart.Add(30 * time.Minute), at(30)}} {
				msgstore.SetTableRows(db, childTables, 0)
				fromTables := readAll(t, db, c, r)
				msgstore.SetTableRows(db, childTables, math.MaxInt64)
				fromMessages := readAll(t, db, c, r)
				if len(fromTables) == 0 && r[0].IsZero() {
					t.Fatalf("%s: chat %s read no messages", filepath.Base(path), c.JID)
				}
				if !reflect.DeepEqual(fromTables, fromMessages) {
					t.Fatalf("%s: chat %s, range %v: the two join orders differ:\n%+v\n%+v", filepath.Base(path),
						c.JID, r, fromTables, fromMessages)
				}
			}
		}
	}
}

func readAll(t *testing.T, db *msgstore.DB, c msgstore.ChatInfo, r [2]time.Time) []*msgstore.Record {
	t.Helper()
	var out []*msgstore.Record
	for rec, err := range db.Messages(context.Background(), c, r[0], r[1]) {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, rec)
	}
	return out
}

// TestCancelMidChat cancels the context while a chat larger than the cursors read ahead is being read: the
// iterator stops with context.Canceled instead of reading on to the end, and a stopped iteration closes its
// cursors (the database closes cleanly at the test's end).
func TestCancelMidChat(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bulk.db")
	const total = 3000
	if err := msgstoretest.WriteBulkChats(t.Context(), path, msgstoretest.Bulk{Messages: total, Chats: 1}); err != nil {
		t.Fatal(err)
	}
	db := openDB(t, path)
	chats, err := db.Chats(t.Context())
	if err != nil || len(chats) != 1 {
		t.Fatalf("chats %v: %v", chats, err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	n, cancelled := 0, false
	for r, err := range db.Messages(ctx, chats[0], time.Time{}, time.Time{}) {
		if err != nil {
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("error %v, want context.Canceled", err)
			}
			cancelled = true
			continue
		}
		if r == nil {
			t.Fatal("nil record without an error")
		}
		if n++; n == 10 {
			cancel()
		}
	}
	if !cancelled || n >= total {
		t.Fatalf("read %d of %d messages after cancelling at 10, cancelled %v", n, total, cancelled)
	}
}
