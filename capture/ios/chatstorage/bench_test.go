package chatstorage_test

import (
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"

	"github.com/attesta/attesta/capture/ios/chatstorage"
	"github.com/attesta/attesta/capture/ios/iostest"
)

// BenchmarkFindAndRead finds the client's chat among ATTESTA_BENCH_MESSAGES messages of 100 other chats (default
// 100,000; the figure is 1,000,000) and reads its history. The heap it reports (peak-heap-MB) depends on
// the chat read, not on the database's size: compare 100000 and 1000000.
func BenchmarkFindAndRead(b *testing.B) {
	n, _ := strconv.Atoi(os.Getenv("ATTESTA_BENCH_MESSAGES"))
	if n <= 0 {
		n = 100_000
	}
	path := filepath.Join(b.TempDir(), "ChatStorage.sqlite")
	if err := iostest.WriteBulkChatStorage(b.Context(), path, n, day); err != nil {
		b.Fatal(err)
	}
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	peak := uint64(0)
	for b.Loop() {
		db, err := chatstorage.Open(b.Context(), path, "")
		if err != nil {
			b.Fatal(err)
		}
		chat, err := db.FindChat(b.Context(), iostest.ClientPhone)
		if err != nil {
			b.Fatal(err)
		}
		recs, err := db.History(b.Context(), chat, iostest.ClientPhone)
		if err != nil || len(recs) != 10 {
			b.Fatalf("%d records, %v", len(recs), err)
		}
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		peak = max(peak, ms.HeapInuse)
		db.Close()
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
	if fi, err := os.Stat(path); err == nil {
		b.ReportMetric(float64(fi.Size())/(1<<20), "db-MB")
	}
}
