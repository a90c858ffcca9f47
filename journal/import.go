package journal

import (
	"bytes"
	"context"
	"fmt"
)

// ImportLeaves appends leaves exactly as another journal stored them (read back from a mirror's entry bundles, on
// a restored box): each must decode, carry seq equal to the index it lands at, and be in canonical form, so that the
// tree rebuilt here has the same hashes as the one that was mirrored. Rotation leaves are taken as they are. No
// checkpoint is signed: the caller verifies the rebuilt tree against the mirrored checkpoints and then signs one.
// All of the leaves are appended in one transaction, or none.
func (j *Journal) ImportLeaves(ctx context.Context, leaves [][]byte) error {
	if j.readOnly {
		return fmt.Errorf("journal: import into %s: %w", j.path, ErrReadOnly)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("journal: import: %w", err)
	}
	j.writeMu.Lock()
	defer j.writeMu.Unlock()
	start := j.size.Load()
	es := make([]Entry, len(leaves))
	for i, data := range leaves {
		idx := start + uint64(i)
		seq, e, err := DecodeLeaf(data)
		if err != nil {
			return fmt.Errorf("journal: import leaf %d: %w: %w", idx, err, ErrInvalidLeaf)
		}
		if seq != idx {
			return fmt.Errorf("journal: import leaf %d: seq is %d: %w", idx, seq, ErrInvalidLeaf)
		}
		again, err := EncodeLeaf(seq, e)
		if err != nil || !bytes.Equal(again, data) {
			return fmt.Errorf("journal: import leaf %d: not in canonical form: %w", idx, ErrInvalidLeaf)
		}
		es[i] = e
	}
	_, err := j.commitLocked(es, nil)
	return err
}
