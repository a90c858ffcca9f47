package chatstorage_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

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

// FuzzQuotedID: ZMETADATA decodes or fails with ErrProtobuf.
func FuzzQuotedID(f *testing.F) {
	f.Add(iostest.QuoteMetadata("3EB0C767D26A1D8F0F2B"))
	seeds(f, "metadata")
	f.Fuzz(func(t *testing.T, b []byte) {
		if _, err := chatstorage.QuotedID(b); err != nil && !errors.Is(err, chatstorage.ErrProtobuf) {
			t.Fatalf("error without ErrProtobuf: %v", err)
		}
	})
}
