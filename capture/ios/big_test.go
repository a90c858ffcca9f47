package ios_test

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha256"
	"database/sql"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/attesta/attesta/capture/ios"
	"github.com/attesta/attesta/capture/ios/iostest"
)

var bigDay = time.Date(2026, 1, 20, 9, 0, 0, 0, time.UTC)

// TestBigBackup is the short version of the performance benchmark's backup (scripts/bench-ios makes the 2 GB one
// with the same code): every file the index lists decrypts to what the generator wrote, the media files add up to
// the size asked for and are the ones ChatStorage.sqlite's media items name, with their sizes, and the keys FileKey
// gives decrypt the stored bytes as openssl would (AES-256-CBC, zero IV, PKCS#7).
func TestBigBackup(t *testing.T) {
	ctx := t.Context()
	dir := filepath.Join(t.TempDir(), "backup")
	big := iostest.Big{Messages: 3000, Chats: 7, MediaBytes: 9 << 20, Day: bigDay, BackupOptions: iostest.BackupOptions{Password: "pw"}}
	res, err := iostest.WriteBigBackup(ctx, dir, big)
	if err != nil {
		t.Fatal(err)
	}
	if res.MediaBytes != big.MediaBytes || res.MediaFiles < 5 || len(res.Chats) != 7 {
		t.Fatalf("result %+v", res)
	}
	bk, err := ios.Open(ctx, dir, []byte("pw"), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer bk.Close()
	sizes := map[string]int64{} // media relative path → size, from the backup
	var n int
	var cs ios.File
	err = bk.Files(ctx, func(f ios.File) error {
		n++
		h := sha256.New()
		got, err := bk.Extract(ctx, f, h)
		if err != nil {
			return err
		}
		if strings.HasPrefix(f.RelativePath, "Message/Media/39380") {
			sizes[strings.TrimPrefix(f.RelativePath, "Message/")] = got
		}
		if f.RelativePath == "ChatStorage.sqlite" {
			cs = f
		}
		// The key decrypts the stored bytes on its own, as openssl enc -d -aes-256-cbc -iv 0 does.
		key, err := bk.FileKey(f)
		if err != nil {
			return err
		}
		stored, err := os.ReadFile(bk.Path(f))
		if err != nil {
			return err
		}
		block, _ := aes.NewCipher(key)
		cipher.NewCBCDecrypter(block, make([]byte, 16)).CryptBlocks(stored, stored)
		stored = stored[:len(stored)-int(stored[len(stored)-1])]
		if s := sha256.Sum256(stored); string(s[:]) != string(h.Sum(nil)) {
			t.Errorf("%s: FileKey's decryption differs from Extract's", f.RelativePath)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n != res.Files || len(sizes) != res.MediaFiles {
		t.Fatalf("walked %d files (%d media), wrote %d (%d media)", n, len(sizes), res.Files, res.MediaFiles)
	}
	var total int64
	for _, s := range sizes {
		total += s
	}
	if total != big.MediaBytes {
		t.Fatalf("media add up to %d bytes, want %d", total, big.MediaBytes)
	}
	// The database names exactly these files, with their sizes, and holds every message.
	clear := filepath.Join(t.TempDir(), "cs.sqlite")
	if err := bk.ExtractTo(ctx, cs, clear); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", "file:"+clear+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, "SELECT ZMEDIALOCALPATH, ZFILESIZE FROM ZWAMEDIAITEM WHERE ZMEDIALOCALPATH LIKE 'Media/39380%'")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	items := 0
	for rows.Next() {
		var p string
		var s int64
		if err := rows.Scan(&p, &s); err != nil {
			t.Fatal(err)
		}
		if sizes[p] != s {
			t.Errorf("media item %s: %d bytes in the database, %d in the backup", p, s, sizes[p])
		}
		items++
	}
	if items != res.MediaFiles {
		t.Fatalf("%d media items, %d media files", items, res.MediaFiles)
	}
	var msgs int
	db.QueryRowContext(ctx, "SELECT count(*) FROM ZWAMESSAGE WHERE ZSTANZAID LIKE 'BULK%'").Scan(&msgs)
	if msgs != big.Messages {
		t.Fatalf("%d bulk messages, want %d", msgs, big.Messages)
	}
}

// TestMediaContentDeterministic: the benchmark's media are the same bytes every time, with the signature of their
// kind.
func TestMediaContentDeterministic(t *testing.T) {
	read := func(k int, size int64) []byte {
		b, err := io.ReadAll(iostest.MediaContent(k, size))
		if err != nil || int64(len(b)) != size {
			t.Fatalf("MediaContent(%d, %d): %d bytes, %v", k, size, len(b), err)
		}
		return b
	}
	a, b := read(3, 100_000), read(3, 100_000)
	if string(a) != string(b) || string(a) == string(read(4, 100_000)) {
		t.Fatal("MediaContent is not a function of its number")
	}
	if !strings.HasPrefix(string(a), "\xff\xd8\xff") || !strings.HasSuffix(string(a), "\xff\xd9") {
		t.Fatalf("photo without JPEG markers: % x", a[:4])
	}
	if v := read(1, 3<<20); string(v[4:8]) != "ftyp" {
		t.Fatalf("video without ftyp: % x", v[:12])
	}
}

// TestFilesRejectsForgedID: an index entry whose id is not the SHA-1 of its domain and path (an entry pointing at
// another file's bytes) stops the walk with ErrCorrupt naming it.
func TestFilesRejectsForgedID(t *testing.T) {
	ctx := t.Context()
	dir := filepath.Join(t.TempDir(), "backup")
	if err := iostest.WriteBackup(ctx, dir, files(), iostest.BackupOptions{}); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", filepath.Join(dir, "Manifest.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, "UPDATE Files SET relativePath = 'Library/other.db' WHERE relativePath = 'ChatStorage.sqlite'"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	bk, err := ios.Open(ctx, dir, nil, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer bk.Close()
	err = bk.Files(ctx, func(ios.File) error { return nil })
	if !errors.Is(err, ios.ErrCorrupt) || !strings.Contains(err.Error(), "Library/other.db") {
		t.Fatalf("Files = %v, want ErrCorrupt naming the entry", err)
	}
	if _, err := bk.FileKey(ios.File{}); err == nil {
		t.Fatal("FileKey of a plain backup")
	}
}

// BenchmarkDecryptAll decrypts every file of a big encrypted backup to disk, as iphone_backup_decrypt's
// extract_files does: ATTESTA_BENCH_MEDIA_MB of media (default 32) and ATTESTA_BENCH_MESSAGES messages (default
// 20,000). It reports MB/s of plaintext and the process's peak RSS, which must not grow with the size (compare 32
// with 512); scripts/bench-ios times the same on 2 GB against openssl and iphone_backup_decrypt.
func BenchmarkDecryptAll(b *testing.B) {
	mb, msgs := envInt("ATTESTA_BENCH_MEDIA_MB", 32), envInt("ATTESTA_BENCH_MESSAGES", 20_000)
	ctx := context.Background()
	dir := filepath.Join(b.TempDir(), "backup")
	if _, err := iostest.WriteBigBackup(ctx, dir, iostest.Big{Messages: msgs, Chats: 100, MediaBytes: int64(mb) << 20, Day: bigDay,
		BackupOptions: iostest.BackupOptions{Password: "pw"}}); err != nil {
		b.Fatal(err)
	}
	os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) // resets VmHWM (Linux)
	var bytes int64
	b.ReportAllocs()
	for b.Loop() {
		bk, err := ios.Open(ctx, dir, []byte("pw"), b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		out := b.TempDir()
		bytes = 0
		err = bk.Files(ctx, func(f ios.File) error {
			w, err := os.Create(filepath.Join(out, f.ID))
			if err != nil {
				return err
			}
			n, err := bk.Extract(ctx, f, w)
			bytes += n
			return errors.Join(err, w.Close())
		})
		bk.Close()
		if err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(bytes)
	b.ReportMetric(peakRSS(), "peak-RSS-MB")
}

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// peakRSS is the process's peak resident set size in MB since the last reset (VmHWM, Linux).
func peakRSS() float64 {
	b, _ := os.ReadFile("/proc/self/status")
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			return float64(kb) / 1024
		}
	}
	return 0
}
