package chatstorage_test

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/attesta/attesta/capture/ios/chatstorage"
	"github.com/attesta/attesta/evidence"
)

// The public iOS 15 sample (testdata/ileapp-josh-ios15/PROVENANCE.md): a real ChatStorage.sqlite, read as the
// pipeline reads it, from a working copy.
const sampleSHA256 = "72509784f953d7396313962784d097e22b64b2ad32d70290a501fb87708a3b38"

func TestPublicSample(t *testing.T) {
	src := filepath.Join("testdata", "ileapp-josh-ios15", "ChatStorage.sqlite")
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if sum := sha256.Sum256(b); hex.EncodeToString(sum[:]) != sampleSHA256 {
		t.Fatalf("%s changed", src)
	}
	work := filepath.Join(t.TempDir(), "ChatStorage.sqlite")
	if err := os.WriteFile(work, b, 0o600); err != nil {
		t.Fatal(err)
	}
	db, err := chatstorage.Open(t.Context(), work, "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	chat, err := db.FindChat(t.Context(), "+19198887386")
	if err != nil {
		t.Fatal(err)
	}
	if chat.Name != "This Is DFIR Two" || chat.Group {
		t.Errorf("chat %+v", chat)
	}
	recs, err := db.History(t.Context(), chat, "+19198887386")
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]chatstorage.Record{}
	for _, r := range recs {
		byID[r.Message.ID] = r
	}
	if len(recs) != 22 {
		t.Errorf("%d messages, want 22", len(recs))
	}
	// Z_PK 12, the first message the owner sent: ZMESSAGEDATE 704735807.2214981.
	first := byID["3AD2D4F6C4FC636222C7"]
	m := first.Message
	if !m.FromMe || m.Type != evidence.TypeText || m.Text == nil || *m.Text != "I’m here!" ||
		!m.SentAt.Equal(time.UnixMilli(1683043007221)) {
		t.Errorf("Z_PK 12: %+v", m)
	}
	if len(first.Readings) != 2 || first.Readings[0].At.Unix() != 1683043009 || first.Readings[0].Established || first.Readings[1].Established {
		t.Errorf("Z_PK 12 readings: %+v", first.Readings)
	}
	if m.Ack != evidence.AckSent || len(m.Receipts) != 0 {
		t.Errorf("Z_PK 12: ack %v receipts %v; nothing in the sample establishes a receipt", m.Ack, m.Receipts)
	}
	// Z_PK 16 quotes Z_PK 15, an incoming message (ZMETADATA field 5).
	if q := byID["3A05BCEAE15CB80C6E30"].Message.QuotedID; q == nil || *q != "3A26649A0A496377CB01" {
		t.Errorf("Z_PK 16 quotes %v", q)
	}
	// Z_PK 21, a photo the owner sent; Z_PK 30, a location (its media item holds no file).
	photo := byID["3A122E2C181DAD156707"]
	if photo.Message.Type != evidence.TypeImage || photo.Media == nil || photo.Media.Size != 42073 ||
		photo.Media.BackupPath() != "Message/Media/19198887386@s.whatsapp.net/d/0/d041d159-fd7d-4abb-9192-0e97c10ddb00.jpg" {
		t.Errorf("Z_PK 21: %+v %+v", photo.Message, photo.Media)
	}
	if loc := byID["3A5363E4978EDE4D8DDA"].Message; loc.Type != evidence.TypeLocation || len(loc.Attachments) != 0 {
		t.Errorf("Z_PK 30: %+v", loc)
	}
	var calls []string
	for _, r := range recs {
		if r.Message.Type == evidence.TypeOther {
			calls = append(calls, r.Message.SourceType)
		}
	}
	if !slices.Equal(calls, []string{"ZMESSAGETYPE:10"}) {
		t.Errorf("unmapped types: %v", calls)
	}
}

// TestPublicSampleBlobs: every ZRECEIPTINFO and ZMETADATA blob taken from the sample decodes.
func TestPublicSampleBlobs(t *testing.T) {
	for _, dir := range []string{"receiptinfo", "metadata"} {
		files, _ := filepath.Glob(filepath.Join("testdata", dir, "ileapp-*"))
		if len(files) == 0 {
			t.Fatalf("no sample blobs in %s", dir)
		}
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if dir == "receiptinfo" {
				_, err = chatstorage.DecodeReceiptInfo(b)
			} else {
				_, err = chatstorage.QuotedID(b)
			}
			if err != nil {
				t.Errorf("%s: %v", f, err)
			}
		}
	}
}
