package journal

import (
	"errors"
	"testing"

	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/tlog"
)

func hashSlices(hs []tlog.Hash) [][]byte {
	out := make([][]byte, len(hs))
	for i := range hs {
		out[i] = hs[i][:]
	}
	return out
}

// TestProofsCrossCheck verifies the journal's proofs with the independent
// transparency-dev/merkle implementation, for every index and size pair of a
// small tree, and for a sample of a larger one.
func TestProofsCrossCheck(t *testing.T) {
	j := openTest(t, 0)
	leaves := appendSamples(t, j.Journal, 5*21, 21)
	ctx := t.Context()
	size := uint64(len(leaves))
	roots := make([][]byte, size+1)
	for n := uint64(1); n <= size; n++ {
		h, err := j.TreeHash(ctx, n)
		if err != nil {
			t.Fatal(err)
		}
		roots[n] = h[:]
		// The leaf hash agrees with the independent hasher.
		if lh := rfc6962.DefaultHasher.HashLeaf(leaves[n-1].Data); string(lh) != string(leaves[n-1].Hash[:]) {
			t.Fatalf("leaf %d: hash differs from rfc6962", n-1)
		}
	}
	for n := uint64(1); n <= size; n += 1 + n/8 {
		for i := uint64(0); i < n; i++ {
			p, err := j.InclusionProof(ctx, i, n)
			if err != nil {
				t.Fatal(err)
			}
			if err := proof.VerifyInclusion(rfc6962.DefaultHasher, i, n, leaves[i].Hash[:], hashSlices(p), roots[n]); err != nil {
				t.Fatalf("inclusion of %d in %d rejected by merkle/proof: %v", i, n, err)
			}
			var root tlog.Hash
			copy(root[:], roots[n])
			if err := tlog.CheckRecord(p, int64(n), root, int64(i), leaves[i].Hash); err != nil {
				t.Fatalf("inclusion of %d in %d rejected by tlog: %v", i, n, err)
			}
		}
		for m := uint64(1); m <= n; m++ {
			p, err := j.ConsistencyProof(ctx, m, n)
			if err != nil {
				t.Fatal(err)
			}
			if err := proof.VerifyConsistency(rfc6962.DefaultHasher, m, n, hashSlices(p), roots[m], roots[n]); err != nil {
				t.Fatalf("consistency %d→%d rejected by merkle/proof: %v", m, n, err)
			}
		}
	}
	// A proof must not verify against a different leaf.
	p, _ := j.InclusionProof(ctx, 3, size)
	if proof.VerifyInclusion(rfc6962.DefaultHasher, 3, size, leaves[4].Hash[:], hashSlices(p), roots[size]) == nil {
		t.Fatal("proof of leaf 3 accepted for leaf 4")
	}
	for _, tc := range []struct{ a, b uint64 }{{size, size}, {0, size + 1}} {
		if _, err := j.InclusionProof(ctx, tc.a, tc.b); !errors.Is(err, ErrOutOfRange) {
			t.Errorf("InclusionProof(%d, %d): %v, want ErrOutOfRange", tc.a, tc.b, err)
		}
	}
	for _, tc := range []struct{ a, b uint64 }{{0, 5}, {6, 5}, {5, size + 1}} {
		if _, err := j.ConsistencyProof(ctx, tc.a, tc.b); !errors.Is(err, ErrOutOfRange) {
			t.Errorf("ConsistencyProof(%d, %d): %v, want ErrOutOfRange", tc.a, tc.b, err)
		}
	}
}
