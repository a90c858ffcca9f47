package blob_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/attesta/attesta/journal/blob"
	"github.com/attesta/attesta/journal/blob/blobtest"
)

func TestRoundTrip(t *testing.T) {
	f := newFixture(t)
	for _, size := range []int{0, 1, chunkSize - 1, chunkSize, chunkSize + 1, 2 * chunkSize, 5<<20 + 7} {
		data := randomBytes(uint64(size), size)
		ref := f.put("case-1", data)
		if ref.SHA256 != digest(data) || ref.Size != int64(size) || ref.Case != "case-1" || len(ref.KeyID) != 32 {
			t.Fatalf("size %d: Put = %+v, want digest %s", size, ref, digest(data))
		}
		got, err := readAll(t, f.s, "case-1", ref.SHA256)
		if err != nil {
			t.Fatalf("size %d: read back: %v", size, err)
		}
		if !bytes.Equal(got, data) {
			t.Fatalf("size %d: read back %d bytes that differ from the %d stored", size, len(got), len(data))
		}
		if err := f.s.CheckBlob(t.Context(), "case-1", ref.SHA256, ref.Size); err != nil {
			t.Fatalf("size %d: CheckBlob: %v", size, err)
		}
		fi, err := os.Stat(f.path(ref))
		if err != nil {
			t.Fatal(err)
		}
		chunks := max(1, (size+chunkSize-1)/chunkSize)
		if want := int64(headerSize + size + tagSize*chunks); fi.Size() != want {
			t.Errorf("size %d: file is %d bytes, the format says %d", size, fi.Size(), want)
		}
		if bytes.Contains(mustRead(t, f.path(ref)), data[:min(size, 64)]) && size >= 16 {
			t.Errorf("size %d: the blob file contains plaintext", size)
		}
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestPutSameContentTwice(t *testing.T) {
	f := newFixture(t)
	data := randomBytes(1, 3*chunkSize+5)
	a, b := f.put("c", data), f.put("c", data)
	if a != b {
		t.Fatalf("second Put = %+v, first = %+v", b, a)
	}
	entries, err := os.ReadDir(filepath.Join(f.dir, "c", "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Fatalf("blobs directory holds %d entries, want 1", len(entries))
	}
}

func TestPutConcurrentSameContent(t *testing.T) {
	f := newFixture(t)
	data := randomBytes(2, 2*chunkSize)
	refs := make([]blob.Ref, 8)
	var wg sync.WaitGroup
	for i := range refs {
		wg.Go(func() { refs[i] = f.put("c", data) })
	}
	wg.Wait()
	for _, r := range refs[1:] {
		if r != refs[0] {
			t.Fatalf("concurrent Puts disagree: %+v vs %+v", r, refs[0])
		}
	}
	entries, _ := os.ReadDir(filepath.Join(f.dir, "c", "blobs"))
	if len(entries) != 1 {
		t.Fatalf("blobs directory holds %d entries, want 1", len(entries))
	}
}

func TestCasesDoNotShareFilesOrKeys(t *testing.T) {
	f := newFixture(t)
	data := randomBytes(3, 1000)
	a, b := f.put("a", data), f.put("b", data)
	if a.SHA256 != b.SHA256 || a.KeyID == b.KeyID {
		t.Fatalf("refs %+v and %+v: want same digest, different key ids", a, b)
	}
	if bytes.Equal(mustRead(t, f.path(a)), mustRead(t, f.path(b))) {
		t.Fatal("two cases store identical files")
	}
}

func TestCaseKeyID(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	_, err := f.s.CaseKeyID(ctx, "c")
	wantErr(t, err, blob.ErrNotFound)
	ref := f.put("c", []byte("x"))
	id, err := f.s.CaseKeyID(ctx, "c")
	if err != nil || id != ref.KeyID {
		t.Fatalf("CaseKeyID = %q, %v; want %q", id, err, ref.KeyID)
	}
	// The id is public: it is readable without the key wrapper.
	broken := blobtest.NewWrapper()
	broken.SetBroken(true)
	id2, err := f.reopen(broken).CaseKeyID(ctx, "c")
	if err != nil || id2 != id {
		t.Fatalf("CaseKeyID after reopen = %q, %v; want %q", id2, err, id)
	}
	if again := f.put("c", []byte("y")); again.KeyID != id {
		t.Fatalf("second blob has key id %s, want %s", again.KeyID, id)
	}
}

func TestPersistsAcrossReopen(t *testing.T) {
	f := newFixture(t)
	data := randomBytes(4, chunkSize+3)
	ref := f.put("c", data)
	s := f.reopen(f.w)
	got, err := readAll(t, s, "c", ref.SHA256)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("read after reopen: %d bytes, %v", len(got), err)
	}
}

func TestOpenMissing(t *testing.T) {
	f := newFixture(t)
	missing := digest([]byte("never stored"))
	_, err := f.s.Open(t.Context(), "nocase", missing)
	wantErr(t, err, blob.ErrNotFound, "nocase")
	f.put("c", []byte("something"))
	_, err = f.s.Open(t.Context(), "c", missing)
	wantErr(t, err, blob.ErrNotFound, missing)
	wantErr(t, f.s.CheckBlob(t.Context(), "c", missing, 1), blob.ErrNotFound)
}

func TestBadDigest(t *testing.T) {
	f := newFixture(t)
	f.put("c", []byte("x"))
	for _, d := range []string{"", "abc", strings.Repeat("A", 64), strings.Repeat("g", 64), "../" + strings.Repeat("0", 61),
		strings.Repeat("0", 65)} {
		_, err := f.s.Open(t.Context(), "c", d)
		wantErr(t, err, blob.ErrBadDigest)
	}
}

func TestHostileCaseIDs(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	sum := digest(nil)
	for _, id := range []string{"", ".", "..", "../x", "x/../../y", "a/b", `a\b`, ".hidden", "a..b", "-flag", "_x",
		strings.Repeat("a", 65), "a\x00b", "caso è", " a", "a b", "a:b", "/abs", "a\nb"} {
		t.Run(id, func(t *testing.T) {
			if _, err := f.s.Put(ctx, id, strings.NewReader("x")); !errors.Is(err, blob.ErrBadCaseID) {
				t.Errorf("Put: %v", err)
			}
			if _, err := f.s.Open(ctx, id, sum); !errors.Is(err, blob.ErrBadCaseID) {
				t.Errorf("Open: %v", err)
			}
			if err := f.s.CheckBlob(ctx, id, sum, 0); !errors.Is(err, blob.ErrBadCaseID) {
				t.Errorf("CheckBlob: %v", err)
			}
			if _, err := f.s.EraseCase(ctx, id); !errors.Is(err, blob.ErrBadCaseID) {
				t.Errorf("EraseCase: %v", err)
			}
			if _, err := f.s.CaseKeyID(ctx, id); !errors.Is(err, blob.ErrBadCaseID) {
				t.Errorf("CaseKeyID: %v", err)
			}
		})
	}
	for _, id := range []string{"a", "A-1", "2026.01.15_caso-42", strings.Repeat("z", 64)} {
		if err := blob.ValidCaseID(id); err != nil {
			t.Errorf("ValidCaseID(%q) = %v, want nil", id, err)
		}
	}
	entries, _ := os.ReadDir(f.dir)
	if len(entries) != 0 {
		t.Errorf("hostile ids created %d entries in the store", len(entries))
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(f.dir), "x")); err == nil {
		t.Error("a hostile id escaped the store directory")
	}
}

func TestWrongKeyWrapper(t *testing.T) {
	f := newFixture(t)
	ref := f.put("c", randomBytes(5, 100))

	other := f.reopen(blobtest.NewWrapper())
	_, err := other.Open(t.Context(), "c", ref.SHA256)
	wantErr(t, err, blob.ErrKeyUnavailable, "unwrap key", "c/"+ref.SHA256)

	broken := blobtest.NewWrapper()
	broken.SetBroken(true)
	err = f.reopen(broken).CheckBlob(t.Context(), "c", ref.SHA256, ref.Size)
	wantErr(t, err, blob.ErrKeyUnavailable)
	wantErr(t, err, blobtest.ErrBroken)

	_, err = f.reopen(liar{}).Open(t.Context(), "c", ref.SHA256)
	wantErr(t, err, blob.ErrKeyUnavailable, "unwrapped key has id")

	// A new case cannot be started without a working wrapper, and nothing is left behind.
	_, err = f.reopen(broken).Put(t.Context(), "new", strings.NewReader("x"))
	wantErr(t, err, blob.ErrKeyUnavailable, "wrap new key")
	if _, err := os.Stat(filepath.Join(f.dir, "new", "key")); err == nil {
		t.Error("a failed Put left a key file")
	}
}

// liar is a key wrapper that unwraps anything to a fresh key, as a wrapper bound to the wrong secret might.
type liar struct{}

func (liar) Wrap(_ context.Context, k []byte) ([]byte, error) { return bytes.Clone(k), nil }
func (liar) Unwrap(context.Context, []byte) ([]byte, error)   { return randomBytes(99, 32), nil }

func TestKeyFileDamage(t *testing.T) {
	tests := []struct {
		name    string
		damage  func(path string) error
		mention string
	}{
		{"flipped byte", func(p string) error { return flip(p, 30) }, "checksum mismatch"},
		{"truncated", func(p string) error { return os.Truncate(p, 20) }, "too short"},
		{"bad magic", func(p string) error { return flip(p, 0) }, "magic"},
		{"unknown version", func(p string) error { return flip(p, 8) }, "unsupported version"},
		{"removed", os.Remove, "key file is missing"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			ref := f.put("c", []byte("evidence"))
			if err := tc.damage(filepath.Join(f.dir, "c", "key")); err != nil {
				t.Fatal(err)
			}
			f.markDamaged("c", ref.SHA256)
			_, err := f.reopen(f.w).Open(t.Context(), "c", ref.SHA256)
			wantErr(t, err, blob.ErrKeyUnavailable, tc.mention)
			// A damaged key is never replaced by a new one.
			_, err = f.reopen(f.w).Put(t.Context(), "c", strings.NewReader("more"))
			wantErr(t, err, blob.ErrKeyUnavailable)
		})
	}
}

func flip(path string, off int64) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	b[off] ^= 0x40
	return os.WriteFile(path, b, 0o600)
}

func TestPutReadError(t *testing.T) {
	f := newFixture(t)
	boom := errors.New("device unplugged")
	r := io.MultiReader(bytes.NewReader(randomBytes(6, 3*chunkSize+10)), errReader{boom})
	_, err := f.s.Put(t.Context(), "c", r)
	wantErr(t, err, boom, "offset 196618")
	entries, _ := os.ReadDir(filepath.Join(f.dir, "c", "blobs"))
	if len(entries) != 0 {
		t.Fatalf("a failed Put left %d files", len(entries))
	}
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

func TestPutCanceled(t *testing.T) {
	f := newFixture(t)
	ctx, cancel := context.WithCancel(t.Context())
	r := io.MultiReader(bytes.NewReader(randomBytes(7, 2*chunkSize)), cancelReader{cancel}, bytes.NewReader(randomBytes(8, 2*chunkSize)))
	_, err := f.s.Put(ctx, "c", r)
	wantErr(t, err, context.Canceled)
}

type cancelReader struct{ cancel func() }

func (c cancelReader) Read([]byte) (int, error) { c.cancel(); return 0, io.EOF }

func TestOpenRemovesTemporaries(t *testing.T) {
	f := newFixture(t)
	ref := f.put("c", []byte("kept"))
	blobs := filepath.Join(f.dir, "c", "blobs")
	for _, p := range []string{filepath.Join(blobs, ".tmp-123"), filepath.Join(f.dir, "c", ".tmp-9")} {
		if err := os.WriteFile(p, []byte("half-written"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	s := f.reopen(f.w)
	for _, p := range []string{filepath.Join(blobs, ".tmp-123"), filepath.Join(f.dir, "c", ".tmp-9")} {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("temporary %s survived Open", p)
		}
	}
	if err := s.CheckBlob(t.Context(), "c", ref.SHA256, ref.Size); err != nil {
		t.Fatalf("blob lost with the temporaries: %v", err)
	}
}

func TestPutSetsAsideDamagedCopy(t *testing.T) {
	f := newFixture(t)
	data := randomBytes(9, chunkSize+1)
	ref := f.put("c", data)
	if err := flip(f.path(ref), chunkOff(1)+3); err != nil {
		t.Fatal(err)
	}
	var logged bytes.Buffer
	s, err := blob.Open(f.dir, f.w, blob.WithLogger(slog.New(slog.NewTextHandler(&logged, nil))))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if again, err := s.Put(t.Context(), "c", bytes.NewReader(data)); err != nil || again != ref {
		t.Fatalf("Put over a damaged copy = %+v, %v; want %+v", again, err, ref)
	}
	if !strings.Contains(logged.String(), "damaged blob set aside") || !strings.Contains(logged.String(), "chunk 1") {
		t.Errorf("log does not report the damaged copy: %q", logged.String())
	}
	if err := s.CheckBlob(t.Context(), "c", ref.SHA256, ref.Size); err != nil {
		t.Fatalf("after repair: %v", err)
	}
	aside, _ := filepath.Glob(f.path(ref) + ".corrupt-*")
	if len(aside) != 1 {
		t.Fatalf("damaged copy set aside %d times, want once", len(aside))
	}
}

// TestPutMemoryIsConstant stores 64 MiB and checks that Put allocates a small, size-independent amount.
func TestPutMemoryIsConstant(t *testing.T) {
	f := newFixture(t)
	f.put("c", []byte("warm up the key"))
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := f.s.Put(t.Context(), "c", io.LimitReader(zeroReader{}, 64<<20))
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 1<<20 {
		t.Fatalf("Put of 64 MiB allocated %d bytes, want under 1 MiB", alloc)
	}
}

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) { clear(p); return len(p), nil }

func TestWrapperConformance(t *testing.T) {
	blobtest.TestKeyWrapper(t, blobtest.NewWrapper())
}
