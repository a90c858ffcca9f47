package journal

import (
	"context"
	"crypto/ecdsa"
	"encoding/base64"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/attesta/attesta/internal/testpki"
	"github.com/attesta/attesta/journal/format"
	"golang.org/x/mod/sumdb/note"
)

// rotatedHistory returns a journal of 9 leaves whose key was rotated at leaf 4 from its first key to k2, with
// checkpoints under both keys, closed, and its leaves as stored.
func rotatedHistory(t testing.TB) (tj *testJournal, k2 *ecdsa.PrivateKey, leaves [][]byte) {
	t.Helper()
	tj = openTest(t, 1000)
	appendN(t, tj.Journal, 4)
	mustCheckpoint(t, tj)
	k2 = testpki.Key(t)
	if _, _, err := tj.Rotate(t.Context(), k2, ""); err != nil {
		t.Fatal(err)
	}
	appendN(t, tj.Journal, 4)
	mustCheckpoint(t, tj)
	for i := range tj.Size() {
		l, err := tj.LeafBytes(t.Context(), i)
		if err != nil {
			t.Fatal(err)
		}
		leaves = append(leaves, l)
	}
	return tj, k2, leaves
}

type restoreFixture struct {
	tj       *testJournal
	first    note.Verifier     // of the first key
	k2v, k3v string            // the rotated-to key, the restored box's key
	k3       *ecdsa.PrivateKey // the restored box's key
	leaves   [][]byte
}

// newRestoreFixture is a rotated history (rotatedHistory) and the key of the box it is restored onto.
func newRestoreFixture(t testing.TB) *restoreFixture {
	tj, k2, leaves := rotatedHistory(t)
	f := &restoreFixture{tj: tj, first: testVerifier(t, tj.key), k3: testpki.Key(t), leaves: leaves}
	var err error
	if f.k2v, err = VerifierKey(testOrigin, &k2.PublicKey); err != nil {
		t.Fatal(err)
	}
	if f.k3v, err = VerifierKey(testOrigin, &f.k3.PublicKey); err != nil {
		t.Fatal(err)
	}
	return f
}

// restoreEntry is the restore leaf of j, rebuilt from a journal whose key in force was oldKey.
func restoreEntry(t testing.TB, j *Journal, oldKey string) Entry {
	t.Helper()
	e, err := j.RestoreEntry(t.Context(), oldKey, map[string]any{"from": "s3://test"})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// rebuilt imports leaves into a new journal signed by key (a new TPM's) and returns it, not yet restored.
func rebuilt(t testing.TB, leaves [][]byte, key *ecdsa.PrivateKey) *Journal {
	t.Helper()
	j, err := Open(t.Context(), filepath.Join(t.TempDir(), "journal.db"), Options{Origin: testOrigin, Signer: key, CheckpointEvery: 1000, Now: fixedClock()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	if err := j.ImportLeaves(t.Context(), leaves); err != nil {
		t.Fatal(err)
	}
	return j
}

func TestRestoreHandsOverToAPinnedKey(t *testing.T) {
	f := newRestoreFixture(t)
	tj, first, k2v, k3, k3v, leaves := f.tj, f.first, f.k2v, f.k3, f.k3v, f.leaves
	j := rebuilt(t, leaves, k3)
	if _, err := j.Append(t.Context(), restoreEntry(t, j, k2v)); !errors.Is(err, ErrInvalidLeaf) {
		t.Fatalf("Append of a restore leaf that hands over: %v, want it refused (AppendRestore writes it)", err)
	}
	leaf, err := j.AppendRestore(t.Context(), restoreEntry(t, j, k2v))
	if err != nil {
		t.Fatal(err)
	}
	if leaf.Index != 9 {
		t.Fatalf("restore leaf at %d, want 9", leaf.Index)
	}
	mustCheckpoint(t, j)
	appendN(t, j, 3)
	mustCheckpoint(t, j)
	if err := j.SelfTest(t.Context()); err != nil {
		t.Fatal(err)
	}
	keys, err := j.Keys(t.Context())
	if err != nil || len(keys) != 3 || keys[0] != tj.VerifierKeyFirst(t) || keys[1] != k2v || keys[2] != k3v {
		t.Fatalf("recorded keys %q (%v), want the first key, k2 and the restored box's", keys, err)
	}

	// Pinned on the first key, with the restored box's key pinned from outside: every checkpoint verifies.
	rep, err := j.Verify(t.Context(), VerifyOptions{Verifier: first, Restored: []string{k3v}})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Keys) != 3 || rep.KeysFrom[2] != 10 || len(rep.Restores) != 1 || rep.Restores[0] != 9 || rep.Checkpoints != 2 {
		t.Fatalf("keys %q from %v, restores %v, %d checkpoints", rep.Keys, rep.KeysFrom, rep.Restores, rep.Checkpoints)
	}
	// Without that pin, the restore leaf is refused by name.
	_, err = j.Verify(t.Context(), VerifyOptions{Verifier: first})
	if !errors.Is(err, format.ErrUnbackedRestore) || !strings.Contains(err.Error(), "leaf 9") {
		t.Fatalf("verify without the restored key pinned: %v, want the restore leaf 9 refused", err)
	}

	// The key chain of a delivery leads through the rotation and the restore; a verifier follows the restore only
	// to a pinned key.
	kc, err := j.KeyChain(t.Context(), j.Size())
	if err != nil || len(kc.Links) != 2 || kc.Links[1].Index != 9 {
		t.Fatalf("key chain: %+v, %v; want the rotation and the restore", kc, err)
	}
	if last, err := kc.FollowPinned(tj.VerifierKeyFirst(t), nil, []string{k3v}); err != nil || last != k3v {
		t.Fatalf("follow with the restored key pinned: %q, %v", last, err)
	}
	if _, err := kc.FollowPinned(tj.VerifierKeyFirst(t), nil, nil); !errors.Is(err, format.ErrUnbackedRestore) || !strings.Contains(err.Error(), "restore leaf 9") {
		t.Fatalf("follow without it: %v, want the restore leaf 9 refused", err)
	}
}

func TestForgedRestoreIsRefused(t *testing.T) {
	f := newRestoreFixture(t)
	tj, first, k2v, k3, k3v, leaves := f.tj, f.first, f.k2v, f.k3, f.k3v, f.leaves

	// Someone rebuilds the mirror onto a key of his own: the verifier that pinned the real restored box's key
	// refuses his restore leaf.
	mallory := testpki.Key(t)
	j := rebuilt(t, leaves, mallory)
	if _, err := j.AppendRestore(t.Context(), restoreEntry(t, j, k2v)); err != nil {
		t.Fatal(err)
	}
	mustCheckpoint(t, j)
	_, err := j.Verify(t.Context(), VerifyOptions{Verifier: first, Restored: []string{k3v}})
	if !errors.Is(err, format.ErrUnbackedRestore) || !strings.Contains(err.Error(), "leaf 9") {
		t.Fatalf("verify of a restore to another key: %v, want the restore leaf 9 refused", err)
	}

	// AppendRestore refuses a leaf that does not match the rebuilt journal.
	j2 := rebuilt(t, leaves, k3)
	for name, mutate := range map[string]func(Entry){
		"wrong old key":   func(e Entry) { e.Fields["old_key"] = tj.VerifierKeyFirst(t) },
		"wrong root":      func(e Entry) { e.Fields["root_hash"] = base64.StdEncoding.EncodeToString(make([]byte, 32)) },
		"wrong tree size": func(e Entry) { e.Fields["tree_size"] = 8 },
		"another key":     func(e Entry) { e.Fields["signing_key"] = k2v },
	} {
		e := restoreEntry(t, j2, k2v)
		mutate(e)
		if _, err := j2.AppendRestore(t.Context(), e); err == nil {
			t.Fatalf("%s: AppendRestore accepted it", name)
		}
	}

	// A restore leaf written around AppendRestore, naming a tree other than the journal's, is refused by Verify
	// even with its key pinned; so is one handing over from a key not in force.
	for name, mutate := range map[string]func(Entry){
		"forged or broken restore: it names the tree": func(e Entry) {
			e.Fields["root_hash"] = base64.StdEncoding.EncodeToString(make([]byte, 32))
		},
		"hands over from key": func(e Entry) { e.Fields["old_key"] = tj.VerifierKeyFirst(t) },
	} {
		j3 := rebuilt(t, leaves, k3)
		e := restoreEntry(t, j3, k2v)
		mutate(e)
		j3.writeMu.Lock()
		_, err := j3.commitLocked([]Entry{e}, nil)
		j3.writeMu.Unlock()
		if err != nil {
			t.Fatal(err)
		}
		_, err = j3.Verify(context.Background(), VerifyOptions{Verifier: first, Restored: []string{k3v}})
		if err == nil || !strings.Contains(err.Error(), "leaf 9") || !strings.Contains(err.Error(), name) {
			t.Fatalf("%s: verify: %v, want leaf 9 refused", name, err)
		}
	}
}

// VerifierKeyFirst is the verifier key of tj's first key.
func (tj *testJournal) VerifierKeyFirst(t *testing.T) string {
	t.Helper()
	v, err := VerifierKey(testOrigin, &tj.key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// A restore leaf written before hand-overs were recorded (no "signing_key") is an ordinary leaf: appended with
// Append, it hands nothing over, and the journal verifies with its own key as it did.
func TestRestoreLeafWithoutHandOver(t *testing.T) {
	tj := openTest(t, 1000)
	appendN(t, tj.Journal, 2)
	if _, err := tj.Append(t.Context(), Entry{Type: format.TypeRestore, Fields: map[string]any{"from": "s3://old", "tree_size": int64(2)}}); err != nil {
		t.Fatal(err)
	}
	mustCheckpoint(t, tj)
	rep, err := tj.Verify(t.Context(), VerifyOptions{Verifier: testVerifier(t, tj.key)})
	if err != nil || len(rep.Keys) != 1 || len(rep.Restores) != 0 {
		t.Fatalf("verify: %v, keys %q, restores %v", err, rep.Keys, rep.Restores)
	}
}
