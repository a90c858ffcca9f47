package blob_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/attesta/attesta/journal/blob"
	"github.com/attesta/attesta/journal/blob/blobtest"
)

// To compare ingestion with sha256sum on a large file:
//
//	head -c 1G /dev/urandom > /tmp/1g
//	time sha256sum /tmp/1g
//	ATTESTA_BENCH_FILE=/tmp/1g go test -run '^$' -bench 'File' -benchtime 3x ./journal/blob/
//	rm /tmp/1g
//
// BenchmarkPutFile ingests the file (hash, encrypt, write, fsync); BenchmarkSHA256File only hashes it, as
// sha256sum does. Without ATTESTA_BENCH_FILE both are skipped.
const benchFileEnv = "ATTESTA_BENCH_FILE"

func BenchmarkPut(b *testing.B) {
	const size = 64 << 20
	data := randomBytes(1, size)
	s, err := blob.Open(b.TempDir(), blobtest.NewWrapper())
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	b.SetBytes(size)
	var i uint64
	for b.Loop() {
		i++
		binary.BigEndian.PutUint64(data, i) // new content each time, so every Put writes a blob
		if _, err := s.Put(ctx, "bench", bytes.NewReader(data)); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkOpenRead(b *testing.B) {
	const size = 64 << 20
	s, err := blob.Open(b.TempDir(), blobtest.NewWrapper())
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	ref, err := s.Put(ctx, "bench", bytes.NewReader(randomBytes(2, size)))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(size)
	for b.Loop() {
		r, err := s.Open(ctx, "bench", ref.SHA256)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := io.Copy(io.Discard, r); err != nil {
			b.Fatal(err)
		}
		r.Close()
	}
}

func benchFile(b *testing.B) (string, int64) {
	path := os.Getenv(benchFileEnv)
	if path == "" {
		b.Skip("set " + benchFileEnv + " to a file to ingest")
	}
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	return path, fi.Size()
}

func BenchmarkPutFile(b *testing.B) {
	path, size := benchFile(b)
	dir := b.TempDir()
	w := blobtest.NewWrapper()
	ctx := context.Background()
	b.SetBytes(size)
	var i int
	for b.Loop() {
		i++
		storeDir := filepath.Join(dir, strconv.Itoa(i)) // a fresh store, so the content is new each time
		s, err := blob.Open(storeDir, w)
		if err != nil {
			b.Fatal(err)
		}
		in, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := s.Put(ctx, "bench", in); err != nil {
			b.Fatal(err)
		}
		in.Close()
		s.Close()
		b.StopTimer()
		os.RemoveAll(storeDir)
		b.StartTimer()
	}
}

func BenchmarkSHA256File(b *testing.B) {
	path, size := benchFile(b)
	b.SetBytes(size)
	for b.Loop() {
		in, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		h := sha256.New()
		if _, err := io.Copy(h, in); err != nil {
			b.Fatal(err)
		}
		in.Close()
	}
}
