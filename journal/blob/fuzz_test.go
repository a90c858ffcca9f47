package blob_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/attesta/attesta/journal/blob"
	"github.com/attesta/attesta/journal/blob/blobtest"
)

// fuzzName is the name under which FuzzOpen plants its input: the digest of the empty plaintext, so that a header
// claiming it gets past the name check.
var fuzzName = digest(nil)

// FuzzOpen plants arbitrary bytes as a blob file of a case with a real key and reads it. Open must never panic and
// must never return plaintext it has not authenticated: whatever it delivers before an error or io.EOF has to be
// whole chunks of a blob that really was stored under the name.
func FuzzOpen(f *testing.F) {
	fx := newFuzzStore(f)
	// Seeds: well-formed blobs under this run's key (0, 1 and 2 chunks) and damaged variants.
	for _, n := range []int{0, 1, chunkSize + 1} {
		f.Add(fx.sealed(f, randomBytes(uint64(n), n)))
	}
	valid := fx.sealed(f, nil)
	f.Add(valid[:headerSize])
	f.Add(append(bytes.Clone(valid), 0))
	f.Add([]byte("ATSTBLOB"))
	f.Fuzz(func(t *testing.T, file []byte) {
		if err := os.WriteFile(fx.plant, file, 0o600); err != nil {
			t.Fatal(err)
		}
		got, err := readAll(t, fx.s, "fuzz", fuzzName)
		if err == nil && len(got) != 0 {
			t.Fatalf("read %d bytes from a file named after the empty plaintext", len(got))
		}
		if err != nil && !errors.Is(err, blob.ErrCorrupt) {
			t.Fatalf("error does not match ErrCorrupt: %v", err)
		}
		if err != nil && len(got) != 0 {
			t.Fatalf("delivered %d bytes of a blob that does not exist", len(got))
		}
	})
}

// FuzzOpenMutated stores a real blob, applies fuzzer-chosen edits to its file (overwrite bytes, truncate, extend)
// and reads it. An edited file must fail with ErrCorrupt after delivering at most a prefix of whole chunks of the
// original plaintext; an unchanged file must read back exactly.
func FuzzOpenMutated(f *testing.F) {
	fx := newFuzzStore(f)
	f.Add(uint32(10), []byte{})
	f.Add(uint32(chunkSize+5), []byte{0, 0, 0, 200, 0xff})
	f.Add(uint32(3*chunkSize), []byte{1, 0, 2, 0, 0})
	f.Add(uint32(2*chunkSize+1), []byte{2, 0, 0, 0, 9})
	f.Fuzz(func(t *testing.T, size uint32, edits []byte) {
		data := randomBytes(uint64(size), int(size%(4*chunkSize)))
		ref, path, orig := fx.put(t, "mut", data)
		file := applyEdits(bytes.Clone(orig), edits)
		if err := os.WriteFile(path, file, 0o600); err != nil {
			t.Fatal(err)
		}
		defer os.Remove(path) // the next iteration stores afresh
		got, err := readAll(t, fx.s, "mut", ref.SHA256)
		if bytes.Equal(file, orig) {
			if err != nil || !bytes.Equal(got, data) {
				t.Fatalf("unchanged file: read %d bytes, %v", len(got), err)
			}
			return
		}
		if !errors.Is(err, blob.ErrCorrupt) {
			t.Fatalf("edited file read without ErrCorrupt: %v", err)
		}
		if len(got)%chunkSize != 0 || len(got) >= max(len(data), 1) || !bytes.Equal(got, data[:len(got)]) {
			t.Fatalf("edited file delivered %d bytes that are not whole chunks of the original", len(got))
		}
	})
}

// applyEdits interprets edits as 5-byte operations: kind, then a 32-bit big-endian argument.
// kind%3 == 0: XOR the byte at arg%len with (arg>>24)|1; 1: truncate to arg%(len+1); 2: append arg%7+1 bytes.
func applyEdits(b []byte, edits []byte) []byte {
	for ; len(edits) >= 5; edits = edits[5:] {
		arg := binary.BigEndian.Uint32(edits[1:5])
		switch edits[0] % 3 {
		case 0:
			if len(b) > 0 {
				b[int(arg)%len(b)] ^= byte(arg>>24) | 1
			}
		case 1:
			b = b[:int(arg)%(len(b)+1)]
		case 2:
			b = append(b, make([]byte, arg%7+1)...)
		}
	}
	return b
}

type fuzzStore struct {
	dir   string
	s     *blob.Store
	plant string
}

func newFuzzStore(f *testing.F) *fuzzStore {
	fx := &fuzzStore{dir: f.TempDir()}
	var err error
	fx.s, err = blob.Open(fx.dir, blobtest.NewWrapper())
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { fx.s.Close() })
	if _, err := fx.s.Put(context.Background(), "fuzz", bytes.NewReader([]byte("creates the case key"))); err != nil {
		f.Fatal(err)
	}
	fx.plant = filepath.Join(fx.dir, "fuzz", "blobs", fuzzName)
	return fx
}

// sealed stores data in a scratch case and returns the blob file's bytes.
func (fx *fuzzStore) sealed(f *testing.F, data []byte) []byte {
	_, _, b := fx.put(f, "fuzz", data)
	return b
}

// put stores data in caseID and returns its Ref, the path of its blob file and the file's bytes.
func (fx *fuzzStore) put(tb testing.TB, caseID string, data []byte) (blob.Ref, string, []byte) {
	tb.Helper()
	ref, err := fx.s.Put(context.Background(), caseID, bytes.NewReader(data))
	if err != nil {
		tb.Fatal(err)
	}
	p := filepath.Join(fx.dir, caseID, "blobs", ref.SHA256)
	b, err := os.ReadFile(p)
	if err != nil {
		tb.Fatal(err)
	}
	return ref, p, b
}
