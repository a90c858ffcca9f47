package journal

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/attesta/attesta/internal/testpki"
	"golang.org/x/mod/sumdb/tlog"
)

func TestAppendAndRead(t *testing.T) {
	j := openTest(t, 0)
	leaves := appendN(t, j.Journal, 10)
	if j.Size() != 10 {
		t.Fatalf("Size = %d, want 10", j.Size())
	}
	batch, err := j.AppendBatch(t.Context(), []Entry{sampleEntry(10), sampleEntry(11)})
	if err != nil {
		t.Fatal(err)
	}
	leaves = append(leaves, batch...)
	for i, l := range leaves {
		if l.Index != uint64(i) || l.Hash != tlog.RecordHash(l.Data) {
			t.Fatalf("leaf %d: index %d, hash mismatch %v", i, l.Index, l.Hash != tlog.RecordHash(l.Data))
		}
		got, err := j.LeafBytes(t.Context(), uint64(i))
		if err != nil || !bytes.Equal(got, l.Data) {
			t.Fatalf("LeafBytes(%d) = %s, %v; want %s", i, got, err, l.Data)
		}
		e, err := l.Entry()
		if err != nil || e.Type != sampleEntry(i).Type {
			t.Fatalf("leaf %d decodes to %+v, %v", i, e, err)
		}
	}
	var n uint64
	for l, err := range j.Entries(t.Context(), 3, 100) {
		if err != nil {
			t.Fatal(err)
		}
		if l.Index != 3+n || !bytes.Equal(l.Data, leaves[l.Index].Data) {
			t.Fatalf("Entries yielded leaf %d, want %d", l.Index, 3+n)
		}
		n++
	}
	if n != 9 {
		t.Fatalf("Entries(3, 100) yielded %d leaves, want 9", n)
	}
	seq, again := j.Entries(t.Context(), 0, 5), 0
	for range seq {
		again++
	}
	for range seq {
		again++
	}
	if again != 10 {
		t.Fatalf("iterating Entries(0, 5) twice yielded %d leaves, want 10", again)
	}
	if _, err := j.LeafBytes(t.Context(), 12); !errors.Is(err, ErrOutOfRange) {
		t.Fatalf("LeafBytes past the end: %v, want ErrOutOfRange", err)
	}
}

func TestAppendBatchAllOrNothing(t *testing.T) {
	j := openTest(t, 0)
	appendN(t, j.Journal, 3)
	_, err := j.AppendBatch(t.Context(), []Entry{sampleEntry(0), {Type: "x", Fields: map[string]any{"f": 1.5}}})
	if !errors.Is(err, ErrInvalidLeaf) || !strings.Contains(err.Error(), "leaf 4") {
		t.Fatalf("err = %v, want ErrInvalidLeaf naming leaf 4", err)
	}
	if j.Size() != 3 {
		t.Fatalf("size after refused batch = %d, want 3", j.Size())
	}
	l, err := j.Append(t.Context(), sampleEntry(3))
	if err != nil || l.Index != 3 {
		t.Fatalf("append after refused batch: %+v, %v", l, err)
	}
}

func TestReopen(t *testing.T) {
	j := openTest(t, 4)
	leaves := appendN(t, j.Journal, 9)
	cp, err := j.Latest(t.Context())
	if err != nil || cp.Size != 8 {
		t.Fatalf("latest after 9 appends every 4 = %+v, %v; want size 8", cp, err)
	}
	j.closeNow(t)

	j2 := j.reopen(t, 4)
	if j2.Size() != 9 {
		t.Fatalf("reopened size %d, want 9", j2.Size())
	}
	cp2, err := j2.Latest(t.Context())
	if err != nil || !bytes.Equal(cp2.Note, cp.Note) {
		t.Fatalf("reopened latest = %+v, %v", cp2, err)
	}
	l, err := j2.Append(t.Context(), sampleEntry(9))
	if err != nil || l.Index != 9 {
		t.Fatalf("append after reopen: %+v, %v", l, err)
	}
	got, _ := j2.LeafBytes(t.Context(), 2)
	if !bytes.Equal(got, leaves[2].Data) {
		t.Fatal("leaf 2 changed across reopen")
	}
	if _, err := j2.Verify(t.Context(), VerifyOptions{Verifier: testVerifier(t, j.key)}); err != nil {
		t.Fatal(err)
	}
}

func TestOpenRefuses(t *testing.T) {
	j := openTest(t, 0)
	appendN(t, j.Journal, 2)
	j.closeNow(t)
	ctx := t.Context()

	_, err := Open(ctx, j.path, Options{Origin: testOrigin, Signer: testpki.Key(t)})
	if !errors.Is(err, ErrKeyMismatch) || !strings.Contains(err.Error(), j.path) {
		t.Errorf("other key: %v, want ErrKeyMismatch naming the file", err)
	}
	_, err = Open(ctx, j.path, Options{Origin: "attesta/other", Signer: j.key})
	if !errors.Is(err, ErrKeyMismatch) {
		t.Errorf("other origin: %v, want ErrKeyMismatch", err)
	}
	_, err = Open(ctx, filepath.Join(t.TempDir(), "absent.db"), Options{})
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("absent file without signer: %v, want ErrNotExist", err)
	}
	_, err = Open(ctx, filepath.Join(t.TempDir(), "new.db"), Options{Origin: "bad origin", Signer: j.key})
	if err == nil {
		t.Error("created a journal with an invalid origin")
	}
	empty := filepath.Join(t.TempDir(), "empty.db")
	os.WriteFile(empty, nil, 0o600)
	if _, err = Open(ctx, empty, Options{Origin: testOrigin, Signer: j.key}); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "empty") {
		t.Errorf("empty file: %v, want ErrCorrupt saying empty", err)
	}
	junk := filepath.Join(t.TempDir(), "junk.db")
	os.WriteFile(junk, bytes.Repeat([]byte("not a database "), 1000), 0o600)
	if _, err = Open(ctx, junk, Options{}); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), junk) {
		t.Errorf("junk file: %v, want ErrCorrupt naming the file", err)
	}
}

func TestReadOnly(t *testing.T) {
	j := openTest(t, 0)
	appendN(t, j.Journal, 5)
	mustCheckpoint(t, j)
	j.closeNow(t)
	ro, err := Open(t.Context(), j.path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if ro.Origin() != testOrigin || ro.Size() != 5 {
		t.Fatalf("read-only: origin %q size %d", ro.Origin(), ro.Size())
	}
	if _, err := ro.Append(t.Context(), sampleEntry(0)); !errors.Is(err, ErrReadOnly) {
		t.Fatalf("append read-only: %v, want ErrReadOnly", err)
	}
	v, err := NewNoteVerifier(ro.VerifierKey())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ro.Verify(t.Context(), VerifyOptions{Verifier: v}); err != nil {
		t.Fatal(err)
	}
}

// countingSigner counts signatures and can be made to fail, like a TPM whose
// key was locked by the intrusion switch.
type countingSigner struct {
	*ecdsa.PrivateKey
	n    atomic.Int64
	fail atomic.Bool
}

func (c *countingSigner) Sign(r io.Reader, d []byte, o crypto.SignerOpts) ([]byte, error) {
	if c.fail.Load() {
		return nil, errors.New("tpm: policy check failed")
	}
	c.n.Add(1)
	return c.PrivateKey.Sign(r, d, o)
}

func TestCheckpointSchedule(t *testing.T) {
	cs := &countingSigner{PrivateKey: testpki.Key(t)}
	j, err := Open(t.Context(), filepath.Join(t.TempDir(), "j.db"), Options{Origin: testOrigin, Signer: cs, CheckpointEvery: 10})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if _, err := j.Checkpoint(t.Context()); !errors.Is(err, ErrNoCheckpoint) {
		t.Fatalf("checkpoint of empty journal: %v, want ErrNoCheckpoint", err)
	}
	appendN(t, j, 25)
	if got := cs.n.Load(); got != 2 {
		t.Fatalf("%d signatures after 25 leaves every 10, want 2", got)
	}
	cp, _ := j.Latest(t.Context())
	if cp.Size != 20 {
		t.Fatalf("latest at %d, want 20", cp.Size)
	}
	cp, err = j.Checkpoint(t.Context())
	if err != nil || cp.Size != 25 || cs.n.Load() != 3 {
		t.Fatalf("Checkpoint = %+v, %v, %d signatures", cp, err, cs.n.Load())
	}
	again, err := j.Checkpoint(t.Context())
	if err != nil || again != cp || cs.n.Load() != 3 {
		t.Fatalf("Checkpoint without growth signed again (%d) or changed: %v", cs.n.Load(), err)
	}
	// A failing signer: the leaf is durable, the error says so, and the next
	// append retries the signature.
	appendN(t, j, 9)
	cs.fail.Store(true)
	l, err := j.Append(t.Context(), sampleEntry(0))
	if !errors.Is(err, ErrCheckpoint) || l.Index != 34 || !strings.Contains(err.Error(), "durable") {
		t.Fatalf("append with failing signer: %+v, %v", l, err)
	}
	if got, _ := j.LeafBytes(t.Context(), 34); !bytes.Equal(got, l.Data) {
		t.Fatal("leaf appended while signing failed is missing")
	}
	cs.fail.Store(false)
	if _, err := j.Append(t.Context(), sampleEntry(1)); err != nil {
		t.Fatal(err)
	}
	if cp, _ := j.Latest(t.Context()); cp.Size != 36 {
		t.Fatalf("latest after recovery at %d, want 36", cp.Size)
	}
	cps, err := j.Checkpoints(t.Context())
	if err != nil || len(cps) != 4 {
		t.Fatalf("Checkpoints = %d, %v; want 4", len(cps), err)
	}
}

// TestSignaturesPer10000 counts TPM signatures for 10,000 single appends with
// the default CheckpointEvery.
func TestSignaturesPer10000(t *testing.T) {
	if testing.Short() {
		t.Skip("appends 10,000 leaves in batches")
	}
	cs := &countingSigner{PrivateKey: testpki.Key(t)}
	j, err := Open(t.Context(), filepath.Join(t.TempDir(), "j.db"), Options{Origin: testOrigin, Signer: cs})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	for range 100 {
		if _, err := j.AppendBatch(t.Context(), sampleBatch(0, 100)); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := cs.n.Load(), int64(10000/DefaultCheckpointEvery); got != want {
		t.Fatalf("%d signatures per 10,000 leaves, want %d", got, want)
	}
	t.Logf("%d signatures per 10,000 leaves (CheckpointEvery %d)", cs.n.Load(), DefaultCheckpointEvery)
}

func TestConcurrentAppends(t *testing.T) {
	j := openTest(t, 7)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 25 {
				if _, err := j.Append(t.Context(), sampleEntry(g*100+i)); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Go(func() {
		for range 5 {
			if _, err := j.Checkpoint(t.Context()); err != nil && !errors.Is(err, ErrNoCheckpoint) {
				t.Error(err)
			}
		}
	})
	wg.Wait()
	if j.Size() != 100 {
		t.Fatalf("size %d, want 100", j.Size())
	}
}
