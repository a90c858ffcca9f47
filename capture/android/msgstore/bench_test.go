package msgstore_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/attesta/attesta/capture/android/msgstore"
	"github.com/attesta/attesta/capture/android/msgstore/msgstoretest"
)

// benchMessages is the size of the benchmark database: ATTESTA_BENCH_MSGS, default 100 000.
func benchMessages(b *testing.B) int {
	if s := os.Getenv("ATTESTA_BENCH_MSGS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			b.Fatalf("ATTESTA_BENCH_MSGS=%q: want a positive number", s)
		}
		return n
	}
	return 100_000
}

// BenchmarkParse streams every message of a generated one-chat database (half sent with user and device receipts,
// a tenth with media), raw rows included, and reports messages per second. ATTESTA_BENCH_DB names a database to
// keep between runs (generated when missing); one that exists may hold many chats (bigbackup gen's msgstore.db):
// every chat is read, one after the other (the first ATTESTA_BENCH_CHATS of them when that is set), announced
// with [msgstore.DB.WillRead] as certify announces the chats of its list.
func BenchmarkParse(b *testing.B) {
	n := benchMessages(b)
	path := os.Getenv("ATTESTA_BENCH_DB")
	if path == "" {
		path = filepath.Join(b.TempDir(), "msgstore.db")
	}
	generated := false
	if _, err := os.Stat(path); err != nil {
		start := time.Now()
		if err := msgstoretest.WriteBulk(context.Background(), path, n); err != nil {
			b.Fatal(err)
		}
		generated = true
		b.Logf("generated %d messages in %s", n, time.Since(start).Round(time.Millisecond))
	}
	db, err := msgstore.Open(context.Background(), path)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	chats, err := db.Chats(context.Background())
	if err != nil || len(chats) == 0 || generated && len(chats) != 1 {
		b.Fatalf("%d chats: %v", len(chats), err)
	}
	// ATTESTA_BENCH_CHATS reads only the first chats of a large database.
	if s := os.Getenv("ATTESTA_BENCH_CHATS"); s != "" {
		k, err := strconv.Atoi(s)
		if err != nil || k <= 0 {
			b.Fatalf("ATTESTA_BENCH_CHATS=%q: want a positive number", s)
		}
		chats = chats[:min(k, len(chats))]
	}
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	total := 0
	for b.Loop() {
		count := 0
		db.WillRead(chats) // as certify does
		for _, chat := range chats {
			for r, err := range db.Messages(context.Background(), chat, time.Time{}, time.Time{}) {
				if err != nil {
					b.Fatal(err)
				}
				if len(r.RawRow) == 0 {
					b.Fatal("empty raw row")
				}
				count++
			}
		}
		if count == 0 || generated && count != n {
			b.Fatalf("parsed %d messages, want %d", count, n)
		}
		total += count
	}
	b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "msgs/s")
	// CPU time says what a message costs when the machine's cores are shared with other work, which slows the
	// wall clock but not this.
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(total), "cpu-µs/msg")
}

// cpuTime is the CPU time this process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
