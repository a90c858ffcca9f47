package msgstore_test

import (
	"context"
	"errors"
	"iter"
	"math"
	"path/filepath"
	"reflect"
	"slices"
	"sync"
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
	paths := scriptedAndBulk(t, msgstoretest.Bulk{Messages: 600, Chats: 3})
	for _, path := range paths {
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
// cursors (the database closes cleanly at the test's end); so does a chat announced with WillRead.
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
	for _, announced := range []bool{false, true} {
		if announced {
			msgstore.SetTableRows(db, childTables, math.MaxInt64) // receipts read per group of chats
			db.WillRead(chats)
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
			t.Fatalf("announced %v: read %d of %d messages after cancelling at 10, cancelled %v", announced, n, total,
				cancelled)
		}
	}
	if msgstore.GroupReads(db) == 0 {
		t.Fatal("the announced chat was not read by group")
	}
}

// TestConcurrentChats reads chats while others are being read, first with every other read paused after its first
// record (each holds a connection per cursor: more than the twelve the database used to be capped at), then all at
// once on as many goroutines: the records are those of reading the chats one after the other, and no read waits
// forever for a connection another holds.
func TestConcurrentChats(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bulk.db")
	if err := msgstoretest.WriteBulkChats(t.Context(), path, msgstoretest.Bulk{Messages: 4000, Chats: 4}); err != nil {
		t.Fatal(err)
	}
	db := openDB(t, path)
	chats, err := db.Chats(t.Context())
	if err != nil || len(chats) != 4 {
		t.Fatalf("chats %v: %v", chats, err)
	}
	// A read that waits for a connection that never frees would hang: the deadline only turns that into a failure.
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	read := func(c msgstore.ChatInfo) ([]string, error) {
		var raws []string
		for r, err := range db.Messages(ctx, c, time.Time{}, time.Time{}) {
			if err != nil {
				return nil, err
			}
			raws = append(raws, string(r.RawRow))
		}
		return raws, nil
	}
	want := make([][]string, len(chats))
	for i, c := range chats {
		if want[i], err = read(c); err != nil {
			t.Fatal(err)
		}
	}

	// Every chat but the last paused after its first record, then the last read whole, then the others resumed.
	last := len(chats) - 1
	paused := make([][]string, last)
	nexts := make([]func() (*msgstore.Record, error, bool), last)
	for i, c := range chats[:last] {
		next, stop := iter.Pull2(db.Messages(ctx, c, time.Time{}, time.Time{}))
		defer stop()
		first, err, ok := next()
		if !ok || err != nil {
			t.Fatalf("first record of chat %d: %v", i, err)
		}
		nexts[i], paused[i] = next, []string{string(first.RawRow)}
	}
	if n := msgstore.OpenConns(db); n <= 12 {
		t.Fatalf("%d open connections with %d reads paused: the chats are too small to keep their cursors open", n, last)
	}
	if got, err := read(chats[last]); err != nil || !slices.Equal(got, want[last]) {
		t.Fatalf("chat %d while the others are paused: %d records, %v; alone: %d", last, len(got), err, len(want[last]))
	}
	for i, next := range nexts {
		for {
			r, err, ok := next()
			if !ok {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			paused[i] = append(paused[i], string(r.RawRow))
		}
		if !slices.Equal(paused[i], want[i]) {
			t.Fatalf("chat %d paused and resumed: %d records, alone: %d", i, len(paused[i]), len(want[i]))
		}
	}

	got := make([][]string, len(chats))
	errs := make([]error, len(chats))
	var wg sync.WaitGroup
	for i, c := range chats {
		wg.Go(func() { got[i], errs[i] = read(c) })
	}
	wg.Wait()
	for i := range chats {
		if errs[i] != nil || !slices.Equal(got[i], want[i]) {
			t.Fatalf("chat %d read concurrently: %d records, %v; alone: %d", i, len(got[i]), errs[i], len(want[i]))
		}
	}
}
