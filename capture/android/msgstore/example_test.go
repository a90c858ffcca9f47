package msgstore_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/attesta/attesta/capture/android/msgstore"
	"github.com/attesta/attesta/capture/android/msgstore/msgstoretest"
	"github.com/attesta/attesta/evidence"
)

// Open a decrypted msgstore.db, find the client's chat by phone number, and judge the history.
func Example() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "msgstore-example")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "msgstore.db")
	t := time.Date(2026, 1, 12, 9, 0, 0, 0, time.UTC)
	_ = msgstoretest.WriteModern(ctx, path, msgstoretest.Truth{Chats: []msgstoretest.Chat{{
		JID: "393771151946@s.whatsapp.net",
		Messages: []msgstoretest.Message{
			{KeyID: "M1", FromMe: true, Time: t, Text: "Le invio il preventivo", Status: 5,
				Receipts: []msgstoretest.Receipt{{JID: "393771151946@s.whatsapp.net", Delivered: t.Add(time.Minute)}}},
			{KeyID: "M2", Time: t.Add(time.Hour), Text: "Ricevuto", Quoted: "M1"},
		},
	}}})

	db, err := msgstore.Open(ctx, path)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer db.Close()
	chat, err := db.FindChat(ctx, "+393771151946")
	if err != nil {
		fmt.Println(err)
		return
	}
	history, err := db.History(ctx, chat)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, v := range evidence.Apply(chat.Evidence(chat.Phone, "Emanuel"), history) {
		fmt.Println(v.MessageID, v.Status, v.LegalValue.Basis, *v.LegalValue.ReplyID)
	}
	// Output: M1 delivered reply M2
}
