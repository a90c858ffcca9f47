package blob_test

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/attesta/attesta/journal/blob"
)

// tamperSet is a case holding two blobs of four chunks each, and a second case holding the first blob's content.
type tamperSet struct {
	a, b, other   blob.Ref
	dataA         []byte
	pathA, pathB  string
	pathOtherCase string
}

func newTamperSet(f *fixture) tamperSet {
	const size = 3*chunkSize + 100 // chunks 0..3, the last one short
	ts := tamperSet{dataA: randomBytes(10, size)}
	ts.a = f.put("c", ts.dataA)
	ts.b = f.put("c", randomBytes(11, size))
	ts.other = f.put("d", ts.dataA)
	ts.pathA, ts.pathB, ts.pathOtherCase = f.path(ts.a), f.path(ts.b), f.path(ts.other)
	return ts
}

func TestTamperDetected(t *testing.T) {
	tests := []struct {
		name    string
		damage  func(ts tamperSet) error
		chunk   int64 // -1: header
		mention string
	}{
		{"magic", flipAt(0), -1, "magic"},
		{"version", flipAt(8), -1, "unsupported version"},
		{"chunk size", flipAt(9), -1, "chunk size"},
		{"reserved", flipAt(11), -1, "reserved"},
		{"key id", flipAt(12), -1, "encrypted under key"},
		{"salt", flipAt(40), -1, "header authentication failed"},
		{"size", flipAt(67), -1, "header authentication failed"},
		{"digest", flipAt(99), -1, "header authentication failed"},
		{"header mac", flipAt(131), -1, "header authentication failed"},
		{"first chunk", flipAt(chunkOff(0)), 0, "chunk authentication failed"},
		{"tag of chunk 2", flipAt(chunkOff(3) - 1), 2, "chunk authentication failed"},
		{"last chunk", flipAt(chunkOff(3) + 50), 3, "chunk authentication failed"},
		{"truncated in header", truncateTo(50), -1, "inside the 132-byte header"},
		{"truncated at chunk boundary", truncateTo(chunkOff(2)), 2, "truncated"},
		{"truncated in chunk 1", truncateTo(chunkOff(1) + 1000), 1, "truncated"},
		{"last byte cut", truncateBy(1), 3, "truncated"},
		{"extended", appendBytes([]byte{0}), 4, "1 unexpected bytes after the last chunk"},
		{"chunks 0 and 1 swapped", swapChunks(0, 1), 0, "chunk authentication failed"},
		{"chunk from another blob", chunkFromB(1), 1, "chunk authentication failed"},
		{"files swapped", swapFiles, -1, "file holds blob"},
		{"file from another case", func(ts tamperSet) error { return copyFile(ts.pathOtherCase, ts.pathA) }, -1, "encrypted under key"},
		{"empty file", truncateTo(0), -1, "inside the 132-byte header"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			ts := newTamperSet(f)
			if err := tc.damage(ts); err != nil {
				t.Fatal(err)
			}
			f.markDamaged("c", ts.a.SHA256)
			f.markDamaged("c", ts.b.SHA256)

			err := f.s.CheckBlob(t.Context(), "c", ts.a.SHA256, ts.a.Size)
			wantErr(t, err, blob.ErrCorrupt, tc.mention, ts.pathA, "c/"+ts.a.SHA256)
			var ce *blob.CorruptError
			if !errors.As(err, &ce) || ce.Chunk != tc.chunk {
				t.Errorf("CheckBlob error %v: want a *CorruptError for chunk %d", err, tc.chunk)
			}
			if tc.chunk >= 0 && !strings.Contains(err.Error(), "chunk ") {
				t.Errorf("error %q does not name the chunk", err)
			}

			got, err := readAll(t, f.s, "c", ts.a.SHA256)
			wantErr(t, err, blob.ErrCorrupt)
			if len(got)%chunkSize != 0 || len(got) >= len(ts.dataA) || !bytes.Equal(got, ts.dataA[:len(got)]) {
				t.Errorf("a failing reader delivered %d bytes that are not whole authenticated chunks of the blob", len(got))
			}
			if int64(len(got)) > max(tc.chunk, 0)*chunkSize {
				t.Errorf("reader delivered %d bytes, beyond the damaged chunk %d", len(got), tc.chunk)
			}

			// The other case is untouched.
			if err := f.s.CheckBlob(t.Context(), "d", ts.other.SHA256, ts.other.Size); err != nil {
				t.Errorf("other case damaged: %v", err)
			}
		})
	}
}

func TestCheckBlobWrongSize(t *testing.T) {
	f := newFixture(t)
	ref := f.put("c", []byte("twelve bytes"))
	err := f.s.CheckBlob(t.Context(), "c", ref.SHA256, 13)
	wantErr(t, err, blob.ErrCorrupt, "blob is 12 bytes, expected 13")
}

func flipAt(off int64) func(tamperSet) error {
	return func(ts tamperSet) error { return flip(ts.pathA, off) }
}

func truncateTo(n int64) func(tamperSet) error {
	return func(ts tamperSet) error { return os.Truncate(ts.pathA, n) }
}

func truncateBy(n int64) func(tamperSet) error {
	return func(ts tamperSet) error {
		fi, err := os.Stat(ts.pathA)
		if err != nil {
			return err
		}
		return os.Truncate(ts.pathA, fi.Size()-n)
	}
}

func appendBytes(b []byte) func(tamperSet) error {
	return func(ts tamperSet) error {
		f, err := os.OpenFile(ts.pathA, os.O_WRONLY|os.O_APPEND, 0)
		if err != nil {
			return err
		}
		if _, err := f.Write(b); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	}
}

func swapChunks(i, j int) func(tamperSet) error {
	return func(ts tamperSet) error {
		b, err := os.ReadFile(ts.pathA)
		if err != nil {
			return err
		}
		ci := bytes.Clone(b[chunkOff(i):chunkOff(i+1)])
		copy(b[chunkOff(i):], b[chunkOff(j):chunkOff(j+1)])
		copy(b[chunkOff(j):], ci)
		return os.WriteFile(ts.pathA, b, 0o600)
	}
}

func chunkFromB(i int) func(tamperSet) error {
	return func(ts tamperSet) error {
		a, err := os.ReadFile(ts.pathA)
		if err != nil {
			return err
		}
		b, err := os.ReadFile(ts.pathB)
		if err != nil {
			return err
		}
		copy(a[chunkOff(i):chunkOff(i+1)], b[chunkOff(i):chunkOff(i+1)])
		return os.WriteFile(ts.pathA, a, 0o600)
	}
}

func swapFiles(ts tamperSet) error {
	tmp := ts.pathA + ".swap"
	if err := os.Rename(ts.pathA, tmp); err != nil {
		return err
	}
	if err := os.Rename(ts.pathB, ts.pathA); err != nil {
		return err
	}
	return os.Rename(tmp, ts.pathB)
}

func copyFile(from, to string) error {
	b, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	return os.WriteFile(to, b, 0o600)
}
