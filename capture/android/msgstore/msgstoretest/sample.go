package msgstoretest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
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

// SampleImagePath is where Sample's photo lives, relative to WhatsApp's folder on the phone's shared storage
// (/sdcard/Android/media/com.whatsapp/WhatsApp/).
const SampleImagePath = "Media/WhatsApp Images/Sent/IMG-20260112-WA0001.jpg"

// SampleImage returns the bytes of Sample's photo: a small JPEG, the same every time.
func SampleImage() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 320, 240))
	for y := range 240 {
		for x := range 320 {
			img.Set(x, y, color.RGBA{uint8(x * 255 / 320), uint8(y * 255 / 240), 160, 255})
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 80}); err != nil {
		panic(err) // encoding to memory cannot fail
	}
	return b.Bytes()
}

// Sample is a small scripted chat between the studio and one client, on day: a message the client read, one
// delivered and answered with a quoting reply, a photo the client read (its file at SampleImagePath, with
// WhatsApp's hash of SampleImage), and one only sent. Its verdicts are read, reply, read and none.
func Sample(day time.Time) Truth {
	at := func(min int) time.Time { return day.Add(time.Duration(min) * time.Minute) }
	photo := SampleImage()
	sum := sha256.Sum256(photo)
	return Truth{Chats: []Chat{{JID: SampleJID, Messages: []Message{
		{KeyID: "OUT-READ", FromMe: true, Time: at(0), Status: 13, Text: "Le comunico la disdetta del contratto.",
			Receipts: []Receipt{{JID: SampleJID, Delivered: at(1), Read: at(5)}}},
		{KeyID: "OUT-REPLIED", FromMe: true, Time: at(10), Status: 5, Text: "Allego il preventivo.",
			Receipts: []Receipt{{JID: SampleJID, Delivered: at(11)}}},
		{KeyID: "OUT-PHOTO", FromMe: true, Time: at(20), Type: 1, Status: 13, Text: "La foto del contatore.",
			Media: &Media{Path: SampleImagePath, MIME: "image/jpeg", Size: int64(len(photo)),
				FileHash: base64.StdEncoding.EncodeToString(sum[:])},
			Receipts: []Receipt{{JID: SampleJID, Delivered: at(21), Read: at(25)}}},
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
