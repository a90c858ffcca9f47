package ios_test

import (
	"context"
	"crypto/rand"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"

	"github.com/attesta/attesta/capture/ios"
	"github.com/attesta/attesta/capture/ios/iostest"
)

// BenchmarkDeriveKey measures the derivation of a real keybag: DPIC 10,000,000 rounds of PBKDF2-HMAC-SHA256 and
// ITER 10,000 of PBKDF2-HMAC-SHA1, what a wrong password costs once. Compare with
// `openssl kdf -keylen 32 -kdfopt digest:SHA256 -kdfopt pass:x -kdfopt hexsalt:00 -kdfopt iter:10000000 PBKDF2`.
func BenchmarkDeriveKey(b *testing.B) {
	kb := &ios.Keybag{Salt: make([]byte, 20), Iter: 10_000, DPSalt: make([]byte, 20), DPIter: 10_000_000}
	for b.Loop() {
		if _, err := kb.DeriveKey([]byte("0000")); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkExtract measures streaming a file out of an encrypted backup (AES-256-CBC and the padding and length
// checks); ATTESTA_BENCH_MB sets its size (default 64). Bytes allocated per op stay constant whatever the size:
// compare -benchmem at 64 and 1024. Compare the MB/s with `openssl enc -d -aes-256-cbc -K … -iv 0 -in FILE`.
func BenchmarkExtract(b *testing.B) {
	mb, _ := strconv.Atoi(os.Getenv("ATTESTA_BENCH_MB"))
	if mb <= 0 {
		mb = 64
	}
	data := make([]byte, mb<<20)
	rand.Read(data)
	dir := filepath.Join(b.TempDir(), "backup")
	if err := iostest.WriteBackup(context.Background(), dir, []iostest.BackupFile{{Domain: domain, RelativePath: "big", Data: data}},
		iostest.BackupOptions{Password: "pw"}); err != nil {
		b.Fatal(err)
	}
	data = nil
	bk, err := ios.Open(context.Background(), dir, []byte("pw"), b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer bk.Close()
	f, err := bk.Stat(context.Background(), domain, "big")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(mb) << 20)
	b.ReportAllocs()
	start := cpuTime()
	for b.Loop() {
		if _, err := bk.Extract(context.Background(), f, io.Discard); err != nil {
			b.Fatal(err)
		}
	}
	// CPU seconds per GB, comparable on a busy machine where wall time is not.
	b.ReportMetric((cpuTime()-start)/float64(b.N)/(float64(mb)/1024), "cpu-s/GB")
}

// cpuTime is the process's user and system CPU time, in seconds.
func cpuTime() float64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}
