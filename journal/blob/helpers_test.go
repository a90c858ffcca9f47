package blob_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/attesta/attesta/journal/blob"
	"github.com/attesta/attesta/journal/blob/blobtest"
)

// The blob file format, version 1, restated from the package doc so the tests check the spec, not the code.
const (
	headerSize = 132
	chunkSize  = 64 << 10
	tagSize    = 16
	chunkSpan  = chunkSize + tagSize
)

// chunkOff is the file offset of chunk i.
func chunkOff(i int) int64 { return headerSize + int64(i)*chunkSpan }

type fixture struct {
	t   *testing.T
	dir string
	w   *blobtest.Wrapper
	s   *blob.Store

	broken map[string]bool // blob files damaged on purpose
}

// newFixture opens a store in a temporary directory. At cleanup it checks the store's invariants: no temporaries
// remain and every blob file verifies, unless the test declared it damaged.
func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{t: t, dir: t.TempDir(), w: blobtest.NewWrapper(), broken: map[string]bool{}}
	f.s = f.reopen(f.w)
	t.Cleanup(f.checkInvariants)
	return f
}

func (f *fixture) reopen(w blob.KeyWrapper) *blob.Store {
	f.t.Helper()
	s, err := blob.Open(f.dir, w)
	if err != nil {
		f.t.Fatalf("Open(%s): %v", f.dir, err)
	}
	f.t.Cleanup(func() { s.Close() })
	return s
}

func (f *fixture) checkInvariants() {
	t := f.t
	if t.Failed() {
		return
	}
	s, err := blob.Open(f.dir, f.w)
	if err != nil {
		t.Errorf("invariants: reopen: %v", err)
		return
	}
	defer s.Close()
	cases, _ := os.ReadDir(f.dir)
	for _, c := range cases {
		if _, err := os.Stat(filepath.Join(f.dir, c.Name(), "erased")); err == nil {
			continue
		}
		blobs, _ := os.ReadDir(filepath.Join(f.dir, c.Name(), "blobs"))
		for _, b := range blobs {
			name := b.Name()
			if strings.HasPrefix(name, ".tmp-") {
				t.Errorf("invariants: temporary %s left in case %s", name, c.Name())
			}
			if len(name) != 64 || f.damaged(c.Name(), name) {
				continue
			}
			r, err := s.Open(context.Background(), c.Name(), name) // t.Context is done during cleanup
			if err != nil {
				t.Errorf("invariants: %v", err)
				continue
			}
			h := sha256.New()
			if _, err := io.Copy(h, r); err != nil {
				t.Errorf("invariants: read %s/%s: %v", c.Name(), name, err)
			}
			r.Close()
			if got := hex.EncodeToString(h.Sum(nil)); got != name {
				t.Errorf("invariants: blob %s/%s reads back with digest %s", c.Name(), name, got)
			}
		}
	}
}

// markDamaged records a blob file a test damaged on purpose; the invariant check skips it.
func (f *fixture) markDamaged(caseID, sum string)  { f.broken[caseID+"/"+sum] = true }
func (f *fixture) damaged(caseID, sum string) bool { return f.broken[caseID+"/"+sum] }

func (f *fixture) put(caseID string, data []byte) blob.Ref {
	f.t.Helper()
	ref, err := f.s.Put(f.t.Context(), caseID, bytes.NewReader(data))
	if err != nil {
		f.t.Fatalf("Put(%s, %d bytes): %v", caseID, len(data), err)
	}
	return ref
}

func (f *fixture) path(ref blob.Ref) string {
	return filepath.Join(f.dir, ref.Case, "blobs", ref.SHA256)
}

// readAll reads a blob through Open and returns what the reader delivered before any error.
func readAll(t *testing.T, s *blob.Store, caseID, sum string) ([]byte, error) {
	t.Helper()
	r, err := s.Open(t.Context(), caseID, sum)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	var buf bytes.Buffer
	_, err = io.Copy(&buf, r)
	return buf.Bytes(), err
}

func randomBytes(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func digest(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func wantErr(t *testing.T, err, target error, contains ...string) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("error = %v, want one matching %v", err, target)
	}
	for _, c := range contains {
		if !strings.Contains(err.Error(), c) {
			t.Errorf("error %q does not mention %q", err, c)
		}
	}
}
