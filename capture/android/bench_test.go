package android

import (
	"bufio"
	"bytes"
	"compress/zlib"
	"crypto/aes"
	"crypto/cipher"
	"crypto/md5"
	"crypto/sha256"
	"io"
	"os"
	"path/filepath"
	"runtime/metrics"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	kzlib "github.com/klauspost/compress/zlib"
)

// benchPlaintext is a SQLite-like plaintext of ATTESTA_BENCH_MB megabytes
// (default 64): the real sample msgstore.db repeated, which compresses like
// a real one (about 5:1).
func benchPlaintext(b *testing.B) []byte {
	mb := 64
	if s := os.Getenv("ATTESTA_BENCH_MB"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			b.Fatalf("ATTESTA_BENCH_MB=%q is not a positive number", s)
		}
		mb = n
	}
	db := readVector(b, "wa-crypt-tools", "msgstore.db")
	out := make([]byte, 0, mb<<20)
	for len(out) < mb<<20 {
		out = append(out, db[:min(len(db), mb<<20-len(out))]...)
	}
	return out
}

func makeBenchBackup(b *testing.B) ([]byte, []byte, Key) {
	plain := benchPlaintext(b)
	key, err := GenerateKey()
	if err != nil {
		b.Fatal(err)
	}
	var enc bytes.Buffer
	if _, err := EncryptCrypt15(b.Context(), &enc, bytes.NewReader(plain), key, Crypt15Options{}); err != nil {
		b.Fatal(err)
	}
	return plain, enc.Bytes(), key
}

// peakHeap samples the live heap while a benchmark runs and reports its
// peak in MB: it shows that streaming decryption stays bounded. It also
// reports the process's CPU time (user + system) per operation, which a
// machine shared with other work disturbs far less than wall time.
func peakHeap(b *testing.B) func() {
	cpu0 := cpuTime()
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(sample)
	base := sample[0].Value.Uint64()
	var peak uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				metrics.Read(sample)
				peak = max(peak, sample[0].Value.Uint64())
			}
		}
	})
	return func() {
		close(done)
		wg.Wait()
		b.ReportMetric(float64((cpuTime()-cpu0).Milliseconds())/float64(b.N), "cpu-ms/op")
		if peak > base {
			b.ReportMetric(float64(peak-base)/(1<<20), "peak-heap-MB")
		} else {
			b.ReportMetric(0, "peak-heap-MB")
		}
	}
}

// cpuTime is the CPU time this process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkInflate compares the standard library's inflater with
// klauspost/compress's, which the decrypter uses, on the benchmark payload.
func BenchmarkInflate(b *testing.B) {
	plain := benchPlaintext(b)
	var z bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&z, zlib.BestSpeed)
	zw.Write(plain)
	zw.Close()
	for _, impl := range []struct {
		name string
		open func(io.Reader) (io.ReadCloser, error)
	}{{"stdlib", zlib.NewReader}, {"klauspost", kzlib.NewReader}} {
		b.Run(impl.name, func(b *testing.B) {
			buf := make([]byte, chunkSize)
			b.SetBytes(int64(len(plain)))
			stop := peakHeap(b)
			for b.Loop() {
				zr, err := impl.open(bufio.NewReaderSize(bytes.NewReader(z.Bytes()), 64<<10))
				if err != nil {
					b.Fatal(err)
				}
				if _, err := io.CopyBuffer(io.Discard, struct{ io.Reader }{zr}, buf); err != nil {
					b.Fatal(err)
				}
			}
			stop()
		})
	}
}

func BenchmarkDecryptCrypt15(b *testing.B) {
	plain, enc, key := makeBenchBackup(b)
	d := Decrypter{TempDir: b.TempDir()}
	b.SetBytes(int64(len(plain)))
	b.ReportAllocs()
	b.ResetTimer()
	stop := peakHeap(b)
	for b.Loop() {
		if _, err := d.Decrypt(b.Context(), bytes.NewReader(enc), key, io.Discard); err != nil {
			b.Fatal(err)
		}
	}
	stop()
}

// BenchmarkDecryptFile is the whole file path: read the backup from disk,
// decrypt, inflate, write a new file durably (writeback hints, fsync, link).
func BenchmarkDecryptFile(b *testing.B) {
	plain, enc, key := makeBenchBackup(b)
	dir := b.TempDir()
	src := filepath.Join(dir, "msgstore.db.crypt15")
	if err := os.WriteFile(src, enc, 0o600); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(plain)))
	b.ReportAllocs()
	b.ResetTimer()
	stop := peakHeap(b)
	i := 0
	for b.Loop() {
		dst := filepath.Join(dir, "msgstore-"+strconv.Itoa(i)+".db")
		i++
		if _, err := DecryptFile(b.Context(), src, key, dst); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		os.Remove(dst)
		b.StartTimer()
	}
	stop()
}

// BenchmarkStdlibGCMZlib is the practical limit: crypto/cipher's one-shot
// GCM Open over the whole ciphertext in memory, then zlib inflate.
func BenchmarkStdlibGCMZlib(b *testing.B) { benchOneShot(b, false) }

// BenchmarkStdlibSameChecks is the one-shot path doing what Decrypt does besides decrypting and inflating: the
// SHA-256 and MD5 of the file and the SHA-256 of the plaintext (Info's digests, the MD5 trailer), computed from
// memory. It is the fair yardstick for the streaming path's throughput; BenchmarkStdlibGCMZlib is the bare limit.
func BenchmarkStdlibSameChecks(b *testing.B) { benchOneShot(b, true) }

func benchOneShot(b *testing.B, checks bool) {
	plain, enc, key := makeBenchBackup(b)
	h, err := ParseHeader(enc)
	if err != nil {
		b.Fatal(err)
	}
	block, _ := aes.NewCipher(key.aesKey[:])
	aead, _ := cipher.NewGCMWithNonceSize(block, 16)
	sealed := enc[h.Size : len(enc)-16] // ciphertext and tag, without the MD5
	b.SetBytes(int64(len(plain)))
	b.ReportAllocs()
	b.ResetTimer()
	stop := peakHeap(b)
	for b.Loop() {
		var out io.Writer = io.Discard
		if checks {
			_ = sha256.Sum256(enc)
			if md5.Sum(enc[:len(enc)-16]) != [16]byte(enc[len(enc)-16:]) {
				b.Fatal("MD5 trailer")
			}
			out = sha256.New()
		}
		compressed, err := aead.Open(nil, h.IV, sealed, nil)
		if err != nil {
			b.Fatal(err)
		}
		zr, err := zlib.NewReader(bytes.NewReader(compressed))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := io.Copy(out, zr); err != nil {
			b.Fatal(err)
		}
	}
	stop()
}

// BenchmarkGCMStream measures the streaming GCM alone against the one-shot
// standard library on 1 MiB, to show what the incremental GHASH costs.
func BenchmarkGCMStream(b *testing.B) {
	key := make([]byte, 32)
	nonce := make([]byte, 16)
	buf := make([]byte, 1<<20)
	b.Run("stream", func(b *testing.B) {
		b.SetBytes(int64(len(buf)))
		for b.Loop() {
			g, _ := newGCMStream(key, nonce)
			for off := 0; off < len(buf); off += chunkSize {
				g.decrypt(buf[off:off+chunkSize], buf[off:off+chunkSize])
			}
			g.tag(g.hash)
		}
	})
	b.Run("stdlib", func(b *testing.B) {
		block, _ := aes.NewCipher(key)
		aead, _ := cipher.NewGCMWithNonceSize(block, 16)
		out := make([]byte, 0, len(buf)+16)
		b.SetBytes(int64(len(buf)))
		for b.Loop() {
			out = aead.Seal(out[:0], nonce, buf, nil)
		}
	})
}

// BenchmarkDecryptFileBig is DecryptFile on the backup in the directory
// ATTESTA_BENCH_BACKUP (msgstore.db.crypt15 and key.hex, as bigbackup gen
// writes them); skipped without it.
func BenchmarkDecryptFileBig(b *testing.B) {
	dir := os.Getenv("ATTESTA_BENCH_BACKUP")
	if dir == "" {
		b.Skip("ATTESTA_BENCH_BACKUP is not set")
	}
	hexKey, err := os.ReadFile(filepath.Join(dir, "key.hex"))
	if err != nil {
		b.Fatal(err)
	}
	key, err := ParseHexKey(string(bytes.TrimSpace(hexKey)))
	if err != nil {
		b.Fatal(err)
	}
	src := filepath.Join(dir, "msgstore.db.crypt15")
	out := b.TempDir()
	stop := peakHeap(b)
	i := 0
	for b.Loop() {
		dst := filepath.Join(out, "msgstore-"+strconv.Itoa(i)+".db")
		i++
		info, err := DecryptFile(b.Context(), src, key, dst)
		if err != nil {
			b.Fatal(err)
		}
		b.SetBytes(info.PlaintextSize)
		b.StopTimer()
		os.Remove(dst)
		b.StartTimer()
	}
	stop()
}
