package chatstorage_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/attesta/attesta/capture/ios/chatstorage"
	"github.com/attesta/attesta/capture/ios/iostest"
)

func seeds(f *testing.F, dir string) {
	files, _ := filepath.Glob(filepath.Join("testdata", dir, "*"))
	for _, s := range files {
		if b, err := os.ReadFile(s); err == nil {
			f.Add(b)
		}
	}
}

// FuzzDecodeReceiptInfo: any ZRECEIPTINFO decodes or fails with ErrProtobuf; what decodes gives readings that are
// never established (the contract has no established row yet).
func FuzzDecodeReceiptInfo(f *testing.F) {
	for code := range 4 {
		f.Add((&iostest.Receipt{Recipient: iostest.ClientJID, Owner: iostest.OwnerJID, Time: time.Unix(1768208700, 0), Code: code}).Blob())
	}
	seeds(f, "receiptinfo")
	f.Fuzz(func(t *testing.T, b []byte) {
		ri, err := chatstorage.DecodeReceiptInfo(b)
		if err != nil {
			if !errors.Is(err, chatstorage.ErrProtobuf) {
				t.Fatalf("error without ErrProtobuf: %v", err)
			}
			return
		}
		for _, r := range chatstorage.Readings(&ri, 8, true, iostest.ClientPhone) {
			if r.Established {
				t.Fatalf("an inferred rule made an established reading: %+v", r)
			}
		}
	})
}

// FuzzQuotedID: ZMETADATA decodes or fails with ErrProtobuf; a quote without an id carries nothing else, and the
// quoted text is valid UTF-8.
func FuzzQuotedID(f *testing.F) {
	f.Add(iostest.QuoteMetadata("3EB0C767D26A1D8F0F2B"))
	f.Add(iostest.QuoteMetadataText("3EB0C767D26A1D8F0F2B", "393331112222@s.whatsapp.net", "Il canone è di 500 euro."))
	seeds(f, "metadata")
	f.Fuzz(func(t *testing.T, b []byte) {
		id, err := chatstorage.QuotedID(b)
		if err != nil && !errors.Is(err, chatstorage.ErrProtobuf) {
			t.Fatalf("error without ErrProtobuf: %v", err)
		}
		q, qerr := chatstorage.ParseQuote(b)
		if (qerr == nil) != (err == nil) || q.ID != id {
			t.Fatalf("ParseQuote %+v, %v disagrees with QuotedID %q, %v", q, qerr, id, err)
		}
		if q.ID == "" && q != (chatstorage.Quote{}) || !utf8.ValidString(q.Text) {
			t.Fatalf("quote %+v", q)
		}
	})
}
