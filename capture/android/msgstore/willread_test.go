package msgstore_test

import (
	"context"
	"errors"
	"math"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/attesta/attesta/capture/android/msgstore"
	"github.com/attesta/attesta/capture/android/msgstore/msgstoretest"
)

// TestWillRead reads every chat of a generated database of 20 chats written in turns (more than one group of
// announced chats) and of the scripted database, each chat on its own (child rows sought per message) and
// announced with WillRead (child rows read once per group of chats): in the announced order, in the reverse
// order (groups dropped before all their chats are read), in a time range, and all at once on as many
// goroutines. Every way gives the records of reading the chat on its own, raw rows included, and the announced
// reads do read child tables per group.
func TestWillRead(t *testing.T) {
	paths := scriptedAndBulk(t, msgstoretest.Bulk{Messages: 2000, Chats: 20})
	span := [2]time.Time{msgstoretest.BulkStart.Add(30 * time.Minute), at(30)}
	for _, path := range paths {
		name := filepath.Base(path)
		db := openDB(t, path)
		chats, err := db.Chats(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		// Every child table read by message, as the receipts of a chat among many are.
		msgstore.SetTableRows(db, childTables, math.MaxInt64)
		alone := make([][]*msgstore.Record, len(chats))
		inSpan := make([][]*msgstore.Record, len(chats))
		for i, c := range chats {
			alone[i], inSpan[i] = readAll(t, db, c, [2]time.Time{}), readAll(t, db, c, span)
		}
		if n := msgstore.GroupReads(db); n != 0 {
			t.Fatalf("%s: %d group reads without WillRead", name, n)
		}
		check := func(way string, i int, got []*msgstore.Record, want []*msgstore.Record) {
			t.Helper()
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("%s, %s: chat %s: %d records, on its own %d, or they differ", name, way, chats[i].JID,
					len(got), len(want))
			}
		}

		db.WillRead(chats)
		for i, c := range chats {
			check("announced", i, readAll(t, db, c, [2]time.Time{}), alone[i])
		}
		if msgstore.GroupReads(db) == 0 {
			t.Fatalf("%s: the announced chats were not read by group", name)
		}

		db.WillRead(chats)
		for i := len(chats) - 1; i >= 0; i-- {
			check("reverse order", i, readAll(t, db, chats[i], [2]time.Time{}), alone[i])
		}

		db.WillRead(chats)
		for i, c := range chats {
			check("time range", i, readAll(t, db, c, span), inSpan[i])
		}

		db.WillRead(chats)
		got := make([][]*msgstore.Record, len(chats))
		var wg sync.WaitGroup
		for i, c := range chats {
			wg.Go(func() { got[i] = readAll(t, db, c, [2]time.Time{}) })
		}
		wg.Wait()
		for i := range chats {
			check("concurrently", i, got[i], alone[i])
		}
	}
}

// TestWillReadCancel: an announced chat read with a context that has ended stops with the context's error and
// leaves nothing half read behind: the next read gives all its records, by group (TestCancelMidChat cancels one
// in the middle).
func TestWillReadCancel(t *testing.T) {
	db, chats := openBulk(t, msgstoretest.Bulk{Messages: 3000, Chats: 3})
	msgstore.SetTableRows(db, childTables, math.MaxInt64)
	want := readAll(t, db, chats[0], [2]time.Time{})

	db.WillRead(chats)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	for r, err := range db.Messages(ctx, chats[0], time.Time{}, time.Time{}) {
		if !errors.Is(err, context.Canceled) || r != nil {
			t.Fatalf("record %v, error %v; want context.Canceled", r, err)
		}
	}
	db.WillRead(chats)
	if got := readAll(t, db, chats[0], [2]time.Time{}); !reflect.DeepEqual(got, want) {
		t.Fatalf("after a cancelled read: %d records, want %d", len(got), len(want))
	}
	if msgstore.GroupReads(db) == 0 {
		t.Fatal("not read by group")
	}
}

// openBulk writes a bulk database and opens it, with its chats.
func openBulk(t *testing.T, b msgstoretest.Bulk) (*msgstore.DB, []msgstore.ChatInfo) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "bulk.db")
	if err := msgstoretest.WriteBulkChats(t.Context(), path, b); err != nil {
		t.Fatal(err)
	}
	db := openDB(t, path)
	chats, err := db.Chats(t.Context())
	if err != nil || len(chats) != b.Chats {
		t.Fatalf("%d chats, want %d: %v", len(chats), b.Chats, err)
	}
	return db, chats
}

// scriptedAndBulk writes the scripted database and a bulk one, and returns their paths.
func scriptedAndBulk(t *testing.T, b msgstoretest.Bulk) []string {
	t.Helper()
	truth, _ := scripted()
	bulk := filepath.Join(t.TempDir(), "bulk.db")
	if err := msgstoretest.WriteBulkChats(t.Context(), bulk, b); err != nil {
		t.Fatal(err)
	}
	return []string{writeFixture(t, msgstoretest.WriteModern, truth), bulk}
}
