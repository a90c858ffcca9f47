package msgstore_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/attesta/attesta/capture/android/msgstore"
	"github.com/attesta/attesta/capture/android/msgstore/msgstoretest"
)

// FuzzOpen feeds arbitrary files to the whole parse: Open, Chats and every chat's Messages must return errors,
// never panic, and whatever they return must carry valid canonical raw rows. Seeds are real-schema fixtures.
func FuzzOpen(f *testing.F) {
	small := msgstoretest.Truth{Chats: []msgstoretest.Chat{
		{JID: jidClient, Messages: []msgstoretest.Message{
			{KeyID: "F1", FromMe: true, Time: at(0), Text: "ciao", Status: 13,
				Receipts: []msgstoretest.Receipt{{JID: jidClient, Delivered: at(1), Read: at(2)}}},
			{KeyID: "F2", Time: at(3), Text: "ok", Quoted: "F1"},
		}},
		{JID: jidGroup, Subject: "g", Messages: []msgstoretest.Message{
			{KeyID: "F3", Time: at(4), Author: jidOther, Type: 1, Text: "foto",
				Media: &msgstoretest.Media{Path: "Media/x.jpg", MIME: "image/jpeg", Size: 3, FileHash: hashImage}},
		}},
	}}
	for _, write := range []func(context.Context, string, msgstoretest.Truth) error{
		msgstoretest.WriteModern, msgstoretest.WriteLegacy} {
		path := filepath.Join(f.TempDir(), "seed.db")
		if err := write(context.Background(), path, small); err != nil {
			f.Fatal(err)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
		f.Add(data[:len(data)/3])
	}
	f.Add([]byte("SQLite format 3\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "msgstore.db")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		ctx := t.Context()
		db, err := msgstore.Open(ctx, path)
		if err != nil {
			return
		}
		defer db.Close()
		chats, err := db.Chats(ctx)
		if err != nil {
			return
		}
		for _, c := range chats {
			for r, err := range db.Messages(ctx, c, time.Time{}, time.Time{}) {
				if err != nil {
					break
				}
				checkJSON(t, "fuzz", r.RawRow)
			}
		}
	})
}
