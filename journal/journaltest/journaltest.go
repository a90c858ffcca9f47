// Package journaltest holds the conformance suite of evidence journals, [TestJournal], which the bbolt journal
// (package journal) and the in-memory fake [Memory] both run, as golang.org/x/mod/sumdb/storage.TestStorage does
// for its storage: an implementation proves itself by passing it.
package journaltest

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/attesta/attesta/journal"
	"github.com/attesta/attesta/journal/format"
)

// Journal is what the product needs of an evidence journal (bundle.Journal and the readers' calls).
type Journal interface {
	Append(ctx context.Context, e format.Entry) (format.Leaf, error)
	Checkpoint(ctx context.Context) (*format.Checkpoint, error)
	InclusionProof(ctx context.Context, index, treeSize uint64) (tlog.RecordProof, error)
	ConsistencyProof(ctx context.Context, oldSize, newSize uint64) (tlog.TreeProof, error)
	LeafBytes(ctx context.Context, i uint64) ([]byte, error)
	Size() uint64
	VerifierKey() string
}

var (
	_ Journal = (*journal.Journal)(nil)
	_ Journal = (*Memory)(nil)
)

// TestJournal checks the Journal contract on an empty journal j: leaves in the format of package format with
// sequential indexes, invalid entries refused with nothing appended, signed checkpoints that verify under
// VerifierKey, inclusion proofs for every leaf, consistency between successive checkpoints, and the sentinel
// errors journal.ErrNoCheckpoint, journal.ErrInvalidLeaf and journal.ErrOutOfRange.
func TestJournal(t *testing.T, j Journal) {
	t.Helper()
	ctx := t.Context()
	if _, err := j.Checkpoint(ctx); !errors.Is(err, journal.ErrNoCheckpoint) {
		t.Errorf("Checkpoint of an empty journal: %v, want ErrNoCheckpoint", err)
	}
	v, err := format.NewNoteVerifier(j.VerifierKey())
	if err != nil {
		t.Fatalf("VerifierKey: %v", err)
	}
	leaves := appendSome(t, j, 0, 7)
	if _, err := j.Append(ctx, format.Entry{Type: "Not A Type"}); !errors.Is(err, journal.ErrInvalidLeaf) || j.Size() != 7 {
		t.Errorf("Append of an invalid entry: %v, size %d; want ErrInvalidLeaf and 7", err, j.Size())
	}
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := j.Append(canceled, entry(99)); err == nil || j.Size() != 7 {
		t.Errorf("Append with a canceled context: %v, size %d", err, j.Size())
	}
	first := checkpoint(t, j, v, 7)
	checkLeaves(t, j, first, leaves)
	if again, err := j.Checkpoint(ctx); err != nil || !bytes.Equal(again.Note, first.Note) {
		t.Errorf("Checkpoint without new leaves: %v; want the same checkpoint", err)
	}
	leaves = append(leaves, appendSome(t, j, 7, 13)...)
	second := checkpoint(t, j, v, 20)
	checkLeaves(t, j, second, leaves)
	p, err := j.ConsistencyProof(ctx, first.Size, second.Size)
	if err != nil {
		t.Fatalf("ConsistencyProof: %v", err)
	}
	if err := tlog.CheckTree(p, int64(second.Size), second.Root, int64(first.Size), first.Root); err != nil {
		t.Errorf("consistency %d→%d: %v", first.Size, second.Size, err)
	}
	for _, bad := range [][2]uint64{{0, 5}, {6, 5}, {5, 21}} {
		if _, err := j.ConsistencyProof(ctx, bad[0], bad[1]); !errors.Is(err, journal.ErrOutOfRange) {
			t.Errorf("ConsistencyProof(%d, %d): %v, want ErrOutOfRange", bad[0], bad[1], err)
		}
	}
	if _, err := j.InclusionProof(ctx, 20, 20); !errors.Is(err, journal.ErrOutOfRange) {
		t.Errorf("InclusionProof of leaf 20 in 20: %v, want ErrOutOfRange", err)
	}
	if _, err := j.LeafBytes(ctx, 20); !errors.Is(err, journal.ErrOutOfRange) {
		t.Errorf("LeafBytes(20) of 20 leaves: %v, want ErrOutOfRange", err)
	}
}

func entry(i int) format.Entry {
	if i%2 == 0 {
		return format.Delivery{Case: "case-1", Acquisition: "acq", ManifestSHA256: string(bytes.Repeat([]byte("a"), 64)),
			ManifestSize: int64(i), SumsSHA256: string(bytes.Repeat([]byte("b"), 64))}.Entry(time.Time{})
	}
	return format.Entry{Type: "acquisition-start", Case: "case-1", Fields: map[string]any{"n": int64(i)}}
}

// appendSome appends n entries and checks each leaf: index, canonical bytes that decode to the entry, hash.
func appendSome(t *testing.T, j Journal, from, n int) []format.Leaf {
	t.Helper()
	var out []format.Leaf
	for i := from; i < from+n; i++ {
		e := entry(i)
		l, err := j.Append(t.Context(), e)
		if err != nil {
			t.Fatalf("Append %d: %v", i, err)
		}
		seq, got, err := format.DecodeLeaf(l.Data)
		if err != nil || l.Index != uint64(i) || seq != l.Index || got.Type != e.Type || got.Case != e.Case || got.Time.IsZero() {
			t.Fatalf("leaf %d: index %d, seq %d, %+v, %v", i, l.Index, seq, got, err)
		}
		if l.Hash != tlog.RecordHash(l.Data) {
			t.Fatalf("leaf %d: hash is not the RFC 6962 leaf hash", i)
		}
		out = append(out, l)
	}
	if j.Size() != uint64(from+n) {
		t.Fatalf("Size %d after %d appends", j.Size(), from+n)
	}
	return out
}

func checkpoint(t *testing.T, j Journal, v note.Verifier, size uint64) *format.Checkpoint {
	t.Helper()
	cp, err := j.Checkpoint(t.Context())
	if err != nil {
		t.Fatalf("Checkpoint: %v", err)
	}
	parsed, err := format.ParseCheckpoint(cp.Note, v)
	if err != nil || parsed.Size != size || parsed.Root != cp.Root || parsed.Origin != cp.Origin {
		t.Fatalf("checkpoint %+v does not verify as one of size %d: %v", cp, size, err)
	}
	return cp
}

// checkLeaves proves every leaf into cp's tree and reads it back.
func checkLeaves(t *testing.T, j Journal, cp *format.Checkpoint, leaves []format.Leaf) {
	t.Helper()
	for _, l := range leaves {
		p, err := j.InclusionProof(t.Context(), l.Index, cp.Size)
		if err != nil {
			t.Fatalf("InclusionProof(%d, %d): %v", l.Index, cp.Size, err)
		}
		if err := format.CheckInclusion(&format.Proof{Index: l.Index, Hashes: p}, cp, l.Data); err != nil {
			t.Errorf("leaf %d: %v", l.Index, err)
		}
		if b, err := j.LeafBytes(t.Context(), l.Index); err != nil || !bytes.Equal(b, l.Data) {
			t.Errorf("LeafBytes(%d): %v", l.Index, err)
		}
	}
}
