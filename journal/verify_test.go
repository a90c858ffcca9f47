package journal

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/attesta/attesta/internal/testpki"
	bolt "go.etcd.io/bbolt"
	"golang.org/x/mod/sumdb/tlog"
)

// patchFile replaces every occurrence of old in the file with repl (same
// length), the way an attacker with the disk would, bypassing the API. Old
// copies of a value may survive in freed pages, so all are patched.
func patchFile(t *testing.T, path string, old, repl []byte) {
	t.Helper()
	if len(old) != len(repl) {
		t.Fatal("patch must keep the length")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	n := bytes.Count(data, old)
	if n == 0 {
		t.Fatalf("bytes %q not found in %s", old, path)
	}
	if err := os.WriteFile(path, bytes.ReplaceAll(data, old, repl), 0o600); err != nil {
		t.Fatal(err)
	}
}

// usedSize is the part of the file the database uses; bbolt may allocate more.
func usedSize(t *testing.T, path string) int64 {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int64
	db.View(func(tx *bolt.Tx) error { n = tx.Size(); return nil })
	return n
}

func flipped(b []byte, i int) []byte {
	c := bytes.Clone(b)
	c[i] ^= 0x01
	return c
}

// tamperFixture is a closed journal of 40 leaves with checkpoints at 16 and 32.
func tamperFixture(t *testing.T) (*testJournal, []Leaf, []*Checkpoint) {
	t.Helper()
	j := openTest(t, 16)
	leaves := appendN(t, j.Journal, 40)
	cps, err := j.Checkpoints(t.Context())
	if err != nil || len(cps) != 2 {
		t.Fatalf("checkpoints: %d, %v", len(cps), err)
	}
	j.closeNow(t)
	return j, leaves, cps
}

// verifyFile opens the file and verifies it, returning the first error.
func verifyFile(t *testing.T, j *testJournal, latest []byte) error {
	t.Helper()
	jj, err := Open(t.Context(), j.path, Options{Origin: testOrigin, Signer: j.key})
	if err != nil {
		return err
	}
	defer jj.Close()
	_, err = jj.Verify(t.Context(), VerifyOptions{Verifier: testVerifier(t, j.key), Latest: latest})
	return err
}

func TestTamperDetected(t *testing.T) {
	tests := []struct {
		name   string
		tamper func(t *testing.T, j *testJournal, leaves []Leaf, cps []*Checkpoint)
		is     error
		want   string
	}{{
		name: "leaf byte",
		tamper: func(t *testing.T, j *testJournal, leaves []Leaf, _ []*Checkpoint) {
			// Still valid, canonical JSON: only the hash can tell.
			patchFile(t, j.path, leaves[25].Data, bytes.Replace(leaves[25].Data, []byte("count\":25"), []byte("count\":26"), 1))
		},
		is: ErrCorrupt, want: "journal: leaf 25: hash mismatch (stored " + hex.EncodeToString(nil),
	}, {
		name: "leaf made non-canonical",
		tamper: func(t *testing.T, j *testJournal, leaves []Leaf, _ []*Checkpoint) {
			patchFile(t, j.path, leaves[7].Data, bytes.Replace(leaves[7].Data, []byte(`,"count"`), []byte(` "count"`), 1))
		},
		is: ErrCorrupt, want: "journal: leaf 7: hash mismatch",
	}, {
		name: "leaf hash",
		tamper: func(t *testing.T, j *testJournal, leaves []Leaf, _ []*Checkpoint) {
			patchFile(t, j.path, leaves[30].Hash[:], flipped(leaves[30].Hash[:], 5))
		},
		is: ErrCorrupt, want: "journal: leaf 30: hash mismatch",
	}, {
		name: "interior stored hash",
		tamper: func(t *testing.T, j *testJournal, leaves []Leaf, _ []*Checkpoint) {
			h := tlog.NodeHash(leaves[10].Hash, leaves[11].Hash)
			patchFile(t, j.path, h[:], flipped(h[:], 0))
		},
		is: ErrCorrupt, want: fmt.Sprintf("journal: stored hash %d (level 1, node 5, completed by leaf 11): mismatch", tlog.StoredHashIndex(1, 5)),
	}, {
		name: "older checkpoint",
		tamper: func(t *testing.T, j *testJournal, _ []Leaf, cps []*Checkpoint) {
			root := strings.Split(string(cps[0].Note), "\n")[2]
			patchFile(t, j.path, []byte(root), flipped([]byte(root), 3))
		},
		is: ErrBadSignature, want: "journal: checkpoint at size 16: signature invalid",
	}, {
		name: "latest checkpoint signature",
		tamper: func(t *testing.T, j *testJournal, _ []Leaf, cps []*Checkpoint) {
			sigLine := strings.Split(string(cps[1].Note), "\n")[4]
			patchFile(t, j.path, []byte(sigLine), flipped([]byte(sigLine), len(sigLine)-4))
		},
		is: ErrCorrupt, want: "checkpoint at size 32: ",
	}, {
		name: "size in meta",
		tamper: func(t *testing.T, j *testJournal, _ []Leaf, _ []*Checkpoint) {
			// The meta bucket holds "size" → 8-byte big-endian 40.
			patchFile(t, j.path, append([]byte("size"), u64key(40)...), append([]byte("size"), u64key(39)...))
		},
		is: ErrCorrupt, want: "size is 39 but the last stored leaf key is 0000000000000027",
	}, {
		name: "truncated to half",
		tamper: func(t *testing.T, j *testJournal, _ []Leaf, _ []*Checkpoint) {
			os.Truncate(j.path, usedSize(t, j.path)/2)
		},
		is: ErrCorrupt, want: "file is truncated",
	}, {
		name: "truncated by one page",
		tamper: func(t *testing.T, j *testJournal, _ []Leaf, _ []*Checkpoint) {
			os.Truncate(j.path, usedSize(t, j.path)-int64(os.Getpagesize()))
		},
		is: ErrCorrupt, want: "file is truncated",
	}, {
		name: "truncated to a few bytes",
		tamper: func(t *testing.T, j *testJournal, _ []Leaf, _ []*Checkpoint) {
			os.Truncate(j.path, 100)
		},
		is: ErrCorrupt, want: "not a valid journal database",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j, leaves, cps := tamperFixture(t)
			tt.tamper(t, j, leaves, cps)
			err := verifyFile(t, j, nil)
			if !errors.Is(err, tt.is) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v\nwant %v containing %q", err, tt.is, tt.want)
			}
			t.Logf("detected: %v", err)
		})
	}
}

func TestRollbackDetected(t *testing.T) {
	j := openTest(t, 0)
	appendN(t, j.Journal, 50)
	old := mustCheckpoint(t, j)
	j.closeNow(t)
	older, _ := os.ReadFile(j.path)

	j2 := j.reopen(t, 0)
	appendN(t, j2, 70)
	later := mustCheckpoint(t, j2)
	if _, err := j2.Verify(t.Context(), VerifyOptions{Verifier: testVerifier(t, j.key), Latest: old.Note}); err != nil {
		t.Fatalf("grown journal against an older checkpoint: %v", err)
	}
	j2.Close()

	// Restore the older copy: it is internally fine, but behind what was seen.
	os.WriteFile(j.path, older, 0o600)
	err := verifyFile(t, j, later.Note)
	if !errors.Is(err, ErrRollback) || !strings.Contains(err.Error(), "has 50 leaves but a checkpoint seen before covers 120") {
		t.Fatalf("older copy: %v, want ErrRollback", err)
	}
	if err := verifyFile(t, j, nil); err != nil {
		t.Fatalf("older copy alone should verify: %v", err)
	}

	// A fork: same key, same size, other content.
	fork := filepath.Join(t.TempDir(), "fork.db")
	fj, err := Open(t.Context(), fork, Options{Origin: testOrigin, Signer: j.key})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 50 {
		if _, err := fj.Append(t.Context(), sampleEntry(i+1)); err != nil {
			t.Fatal(err)
		}
	}
	_, err = fj.Verify(t.Context(), VerifyOptions{Verifier: testVerifier(t, j.key), Latest: old.Note})
	if !errors.Is(err, ErrRollback) || !strings.Contains(err.Error(), "not consistent with the checkpoint seen before") {
		t.Fatalf("fork: %v, want ErrRollback", err)
	}
	fj.Close()
}

func TestVerifyWrongKey(t *testing.T) {
	j := openTest(t, 4)
	appendN(t, j.Journal, 5)
	_, err := j.Verify(t.Context(), VerifyOptions{Verifier: testVerifier(t, testpki.Key(t))})
	if !errors.Is(err, ErrBadSignature) || !strings.Contains(err.Error(), "checkpoint at size 4: signature invalid") {
		t.Fatalf("err = %v", err)
	}
	if _, err := j.Verify(t.Context(), VerifyOptions{}); err == nil {
		t.Fatal("Verify without a verifier succeeded")
	}
}

// memBlobs is an in-memory blob store keyed by case and plaintext digest.
type memBlobs map[string][]byte

func (m memBlobs) put(caseID string, data []byte) (string, int) {
	d := sha256.Sum256(data)
	h := hex.EncodeToString(d[:])
	m[caseID+"/"+h] = data
	return h, len(data)
}

func (m memBlobs) CheckBlob(_ context.Context, caseID, digest string, size int64) error {
	data, ok := m[caseID+"/"+digest]
	if !ok {
		return fmt.Errorf("blob %s of case %s: missing", digest, caseID)
	}
	if d := sha256.Sum256(data); hex.EncodeToString(d[:]) != digest || int64(len(data)) != size {
		return fmt.Errorf("blob %s of case %s: content differs", digest, caseID)
	}
	return nil
}

func TestVerifyBlobs(t *testing.T) {
	j := openTest(t, 0)
	blobs := memBlobs{}
	var digests []string
	for i, c := range []string{"case-1", "case-2", "case-1"} {
		h, n := blobs.put(c, []byte(fmt.Sprintf("screenshot %d", i)))
		digests = append(digests, h)
		if _, err := j.Append(t.Context(), Entry{Type: TypeArtifact, Case: c, Fields: map[string]any{"sha256": h, "size": n}}); err != nil {
			t.Fatal(err)
		}
	}
	v := testVerifier(t, j.key)
	rep, err := j.Verify(t.Context(), VerifyOptions{Verifier: v, Blobs: blobs})
	if err != nil || rep.BlobsOK != 3 {
		t.Fatalf("all blobs present: %+v, %v", rep, err)
	}
	delete(blobs, "case-1/"+digests[2])
	_, err = j.Verify(t.Context(), VerifyOptions{Verifier: v, Blobs: blobs})
	if err == nil || !strings.Contains(err.Error(), "leaf 2: artifact "+digests[2]) {
		t.Fatalf("missing blob: %v, want an error naming leaf 2 and its digest", err)
	}
	// Erasing case-1 makes its blobs optional; case-2 is still checked.
	if _, err := j.Append(t.Context(), Entry{Type: TypeErasure, Case: "case-1", Fields: map[string]any{"key_id": "k1"}}); err != nil {
		t.Fatal(err)
	}
	delete(blobs, "case-1/"+digests[0])
	rep, err = j.Verify(t.Context(), VerifyOptions{Verifier: v, Blobs: blobs})
	if err != nil || rep.BlobsOK != 1 || rep.BlobsErased != 2 {
		t.Fatalf("after erasure: %+v, %v", rep, err)
	}
}

func TestSelfTest(t *testing.T) {
	j := openTest(t, 8)
	leaves := appendN(t, j.Journal, 20)
	if err := j.SelfTest(t.Context()); err != nil {
		t.Fatal(err)
	}
	j.closeNow(t)
	last := leaves[19].Data
	patchFile(t, j.path, last, bytes.Replace(last, []byte("count"), []byte("cOunt"), 1))
	jj := j.reopen(t, 8)
	err := jj.SelfTest(t.Context())
	if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "leaf 19: hash mismatch") {
		t.Fatalf("self-test of a tampered tail: %v", err)
	}
}

// TestCheckpointRefusesInconsistentTree: if the stored tree no longer
// extends the last signed checkpoint, the journal refuses to sign.
func TestCheckpointRefusesInconsistentTree(t *testing.T) {
	j, _, cps := tamperFixture(t) // checkpoints at 16 and 32, 40 leaves
	// The stored hash of the complete subtree [0, 32) is the root of checkpoint 32.
	patchFile(t, j.path, cps[1].Root[:], flipped(cps[1].Root[:], 9))
	jj := j.reopen(t, 1000)
	appendN(t, jj, 3)
	_, err := jj.Checkpoint(t.Context())
	if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "checkpoint 43 not consistent with 32") {
		t.Fatalf("err = %v, want a refusal naming sizes 43 and 32", err)
	}
	if cps, _ := jj.Checkpoints(t.Context()); len(cps) != 2 {
		t.Fatalf("%d checkpoints stored after the refusal, want 2", len(cps))
	}
}
