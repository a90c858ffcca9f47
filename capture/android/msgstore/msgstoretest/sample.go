package msgstoretest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/attesta/attesta/capture/android"
)

// SampleJID and SamplePhone are the client of Sample's chat.
const (
	SampleJID   = "393331112222@s.whatsapp.net"
	SamplePhone = "+393331112222"
)

// Sample is a small scripted chat between the studio and one client, on day: a message the client read, one
// delivered and answered with a quoting reply, and one only sent. Its verdicts are read, reply and none.
func Sample(day time.Time) Truth {
	at := func(min int) time.Time { return day.Add(time.Duration(min) * time.Minute) }
	return Truth{Chats: []Chat{{JID: SampleJID, Messages: []Message{
		{KeyID: "OUT-READ", FromMe: true, Time: at(0), Status: 13, Text: "Le comunico la disdetta del contratto.",
			Receipts: []Receipt{{JID: SampleJID, Delivered: at(1), Read: at(5)}}},
		{KeyID: "OUT-REPLIED", FromMe: true, Time: at(10), Status: 5, Text: "Allego il preventivo.",
			Receipts: []Receipt{{JID: SampleJID, Delivered: at(11)}}},
		{KeyID: "IN-REPLY", Time: at(30), Text: "Ricevuto, grazie", Quoted: "OUT-REPLIED"},
		{KeyID: "OUT-SENT", FromMe: true, Time: at(40), Status: 4, Text: "Mi conferma?"},
	}}}}
}

// WriteCrypt15 writes truth as a modern msgstore.db and encrypts it into a crypt15 backup at path, under a new key
// made at run time, which it returns. The plaintext database is written beside path and removed.
func WriteCrypt15(ctx context.Context, path string, truth Truth) (android.Key, error) {
	plainPath := filepath.Join(filepath.Dir(path), ".plain-"+filepath.Base(path)+".db")
	defer os.Remove(plainPath)
	if err := WriteModern(ctx, plainPath, truth); err != nil {
		return android.Key{}, err
	}
	key, err := android.GenerateKey()
	if err != nil {
		return key, err
	}
	plain, err := os.Open(plainPath)
	if err != nil {
		return key, err
	}
	defer plain.Close()
	out, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return key, err
	}
	if _, err := android.EncryptCrypt15(ctx, out, plain, key, android.Crypt15Options{}); err != nil {
		out.Close()
		return key, fmt.Errorf("encrypt %s: %w", path, err)
	}
	return key, out.Close()
}
