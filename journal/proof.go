package journal

import (
	"context"
	"fmt"

	"golang.org/x/mod/sumdb/tlog"
)

// InclusionProof returns the RFC 6962 audit path proving that leaf index is
// in the tree of size treeSize (index < treeSize ≤ Size()). It verifies with
// tlog.CheckRecord and with any RFC 6962/9162 verifier.
func (j *Journal) InclusionProof(ctx context.Context, index, treeSize uint64) (tlog.RecordProof, error) {
	if index >= treeSize {
		return nil, fmt.Errorf("journal: inclusion proof of leaf %d in tree size %d: %w", index, treeSize, ErrOutOfRange)
	}
	return prove(j, treeSize, fmt.Sprintf("inclusion proof of leaf %d in tree size %d", index, treeSize),
		func(r tlog.HashReader) (tlog.RecordProof, error) {
			return tlog.ProveRecord(int64(treeSize), int64(index), r)
		})
}

// ConsistencyProof returns the RFC 6962 proof that the tree of size oldSize
// is a prefix of the tree of size newSize (0 < oldSize ≤ newSize ≤ Size()).
func (j *Journal) ConsistencyProof(ctx context.Context, oldSize, newSize uint64) (tlog.TreeProof, error) {
	if oldSize == 0 || oldSize > newSize {
		return nil, fmt.Errorf("journal: consistency proof %d→%d: %w", oldSize, newSize, ErrOutOfRange)
	}
	return prove(j, newSize, fmt.Sprintf("consistency proof %d→%d", oldSize, newSize),
		func(r tlog.HashReader) (tlog.TreeProof, error) {
			return tlog.ProveTree(int64(newSize), int64(oldSize), r)
		})
}

// prove runs fn over the stored hashes of the tree of size size; what names the proof in an error.
func prove[P any](j *Journal, size uint64, what string, fn func(tlog.HashReader) (P, error)) (P, error) {
	var p P
	err := j.view(size, func(r tlog.HashReader) (err error) {
		p, err = fn(r)
		return err
	})
	if err != nil {
		var zero P
		return zero, fmt.Errorf("journal: %s: %w", what, err)
	}
	return p, nil
}
