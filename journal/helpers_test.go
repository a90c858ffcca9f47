package journal

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/attesta/attesta/internal/testpki"
	"golang.org/x/mod/sumdb/note"
)

const testOrigin = "attesta/test-appliance"

func testVerifier(t testing.TB, k *ecdsa.PrivateKey) note.Verifier {
	t.Helper()
	vkey, err := VerifierKey(testOrigin, &k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	v, err := NewNoteVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// fixedClock returns a clock that advances one millisecond per call.
func fixedClock() func() time.Time {
	t := time.Date(2026, 1, 15, 9, 30, 0, 123456789, time.UTC)
	return func() time.Time {
		t = t.Add(time.Millisecond)
		return t
	}
}

type testJournal struct {
	*Journal
	path string
	key  *ecdsa.PrivateKey
}

// openTest creates a journal in a temporary directory. Unless the test marks
// it tampered, cleanup runs SelfTest and a full Verify before closing, so
// every test also checks the journal's invariants.
func openTest(t testing.TB, every int) *testJournal {
	t.Helper()
	key := testpki.Key(t)
	path := filepath.Join(t.TempDir(), "journal.db")
	j, err := Open(t.Context(), path, Options{Origin: testOrigin, Signer: key, CheckpointEvery: every, Now: fixedClock()})
	if err != nil {
		t.Fatal(err)
	}
	tj := &testJournal{Journal: j, path: path, key: key}
	t.Cleanup(func() {
		if tj.Journal == nil {
			return
		}
		ctx := context.Background() // t.Context is already canceled in cleanup
		if err := tj.SelfTest(ctx); err != nil {
			t.Errorf("cleanup self-test: %v", err)
		}
		if _, err := tj.Verify(ctx, VerifyOptions{Verifier: testVerifier(t, key)}); err != nil {
			t.Errorf("cleanup verify: %v", err)
		}
		if err := tj.Close(); err != nil {
			t.Errorf("cleanup close: %v", err)
		}
	})
	return tj
}

// closeNow closes the journal before cleanup (for tests that then touch the file).
func (tj *testJournal) closeNow(t testing.TB) {
	t.Helper()
	if err := tj.Close(); err != nil {
		t.Fatal(err)
	}
	tj.Journal = nil
}

func (tj *testJournal) reopen(t testing.TB, every int) *Journal {
	t.Helper()
	j, err := Open(t.Context(), tj.path, Options{Origin: testOrigin, Signer: tj.key, CheckpointEvery: every, Now: fixedClock()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	return j
}

// reopenRotated opens the closed journal of tj again after a rotation to newKey: the retired key may no longer
// open it for writing (ErrKeyMismatch), the new one does, and the journal passes its self-test.
func (tj *testJournal) reopenRotated(t testing.TB, newKey crypto.Signer) *Journal {
	t.Helper()
	if _, err := Open(t.Context(), tj.path, Options{Signer: tj.key}); !errors.Is(err, ErrKeyMismatch) {
		t.Fatalf("open with the retired key: %v, want ErrKeyMismatch", err)
	}
	j, err := Open(t.Context(), tj.path, Options{Signer: newKey, Now: fixedClock()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	if err := j.SelfTest(t.Context()); err != nil {
		t.Fatal(err)
	}
	return j
}

// sampleBatch returns the sample entries start to start+n-1.
func sampleBatch(start, n int) []Entry {
	batch := make([]Entry, n)
	for i := range batch {
		batch[i] = sampleEntry(start + i)
	}
	return batch
}

// appendSamples appends n sample entries to j in batches of per and returns their leaves.
func appendSamples(t testing.TB, j *Journal, n, per int) []Leaf {
	t.Helper()
	var leaves []Leaf
	for len(leaves) < n {
		got, err := j.AppendBatch(t.Context(), sampleBatch(len(leaves), min(per, n-len(leaves))))
		if err != nil {
			t.Fatal(err)
		}
		leaves = append(leaves, got...)
	}
	return leaves
}

// sampleEntry is an entry like the ones the product appends.
func sampleEntry(i int) Entry {
	switch i % 3 {
	case 0:
		return Entry{Type: "artifact", Case: "case-7", Fields: map[string]any{
			"sha256": fmt.Sprintf("%064x", i), "size": 1000 + i, "kind": "screenshot", "name": fmt.Sprintf("shot-%d.png", i)}}
	case 1:
		return Entry{Type: "message-set", Case: "case-7", Fields: map[string]any{
			"chat": "hmac:5f1d", "ids": []string{"A1", "B2"}, "count": i, "complete": true}}
	default:
		return Entry{Type: "attestation", Fields: map[string]any{"pcrs": map[string]any{"0": "aa", "7": "bb"}, "ok": true}}
	}
}

// mustCheckpoint signs a checkpoint of j (a *Journal or a *testJournal) at its current size.
func mustCheckpoint(t testing.TB, j interface {
	Checkpoint(context.Context) (*Checkpoint, error)
}) *Checkpoint {
	t.Helper()
	cp, err := j.Checkpoint(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return cp
}

func appendN(t testing.TB, j *Journal, n int) []Leaf {
	t.Helper()
	var out []Leaf
	for i := range n {
		l, err := j.Append(t.Context(), sampleEntry(i))
		if err != nil {
			t.Fatalf("append %d: %v", i, err)
		}
		out = append(out, l)
	}
	return out
}
