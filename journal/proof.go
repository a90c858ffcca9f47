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
	var p tlog.RecordProof
	err := j.view(treeSize, func(r tlog.HashReader) (err error) {
		p, err = tlog.ProveRecord(int64(treeSize), int64(index), r)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("journal: inclusion proof of leaf %d in tree size %d: %w", index, treeSize, err)
	}
	return p, nil
}

// ConsistencyProof returns the RFC 6962 proof that the tree of size oldSize
// is a prefix of the tree of size newSize (0 < oldSize ≤ newSize ≤ Size()).
func (j *Journal) ConsistencyProof(ctx context.Context, oldSize, newSize uint64) (tlog.TreeProof, error) {
	if oldSize == 0 || oldSize > newSize {
		return nil, fmt.Errorf("journal: consistency proof %d→%d: %w", oldSize, newSize, ErrOutOfRange)
	}
	var p tlog.TreeProof
	err := j.view(newSize, func(r tlog.HashReader) (err error) {
		p, err = tlog.ProveTree(int64(newSize), int64(oldSize), r)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("journal: consistency proof %d→%d: %w", oldSize, newSize, err)
	}
	return p, nil
}
