package journal

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	bolt "go.etcd.io/bbolt"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// maybeCheckpoint signs a checkpoint if one is due and no other goroutine
// is already signing (that signature will cover most of these leaves, and
// the next append catches up on the rest).
func (j *Journal) maybeCheckpoint(ctx context.Context) error {
	if !j.checkpointDue() || !j.signMu.TryLock() {
		return nil
	}
	defer j.signMu.Unlock()
	if !j.checkpointDue() {
		return nil
	}
	_, err := j.signLocked(ctx)
	return err
}

func (j *Journal) checkpointDue() bool {
	var signed uint64
	if cp := j.latestCheckpoint(); cp != nil {
		signed = cp.Size
	}
	return j.size.Load()-signed >= j.every
}

func (j *Journal) latestCheckpoint() *Checkpoint {
	j.latestMu.RLock()
	defer j.latestMu.RUnlock()
	return j.latest
}

// Checkpoint signs a checkpoint of the current tree if it grew since the last
// one, and returns the newest checkpoint. On an empty journal it returns
// ErrNoCheckpoint.
func (j *Journal) Checkpoint(ctx context.Context) (*Checkpoint, error) {
	j.signMu.Lock()
	defer j.signMu.Unlock()
	return j.signLocked(ctx)
}

// signLocked computes the tree head, checks it is consistent with the last
// checkpoint, signs it outside any transaction, and stores it.
func (j *Journal) signLocked(ctx context.Context) (*Checkpoint, error) {
	prev := j.latestCheckpoint()
	var (
		size uint64
		root tlog.Hash
	)
	err := j.db.View(func(tx *bolt.Tx) error {
		b, err := getBuckets(tx)
		if err != nil {
			return err
		}
		if size, err = b.storedSize(); err != nil || size == 0 || prev != nil && prev.Size == size {
			return err
		}
		r := hashReader{b.hashes}
		if root, err = tlog.TreeHash(int64(size), r); err != nil {
			return err
		}
		if prev == nil {
			return nil
		}
		proof, err := tlog.ProveTree(int64(size), int64(prev.Size), r)
		if err != nil {
			return err
		}
		if err := tlog.CheckTree(proof, int64(size), root, int64(prev.Size), prev.Root); err != nil {
			return fmt.Errorf("checkpoint %d not consistent with %d: %w", size, prev.Size, ErrCorrupt)
		}
		return nil
	})
	switch {
	case err != nil:
		return nil, fmt.Errorf("journal: checkpoint %s: %w", j.path, err)
	case size == 0:
		return nil, fmt.Errorf("journal: checkpoint %s: empty journal: %w", j.path, ErrNoCheckpoint)
	case prev != nil && prev.Size == size:
		return prev, nil
	case j.readOnly:
		return nil, fmt.Errorf("journal: checkpoint %s at size %d: %w", j.path, size, ErrReadOnly)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("journal: checkpoint at size %d: %w", size, err)
	}
	began := time.Now()
	keys := j.keyInForce()
	signed, err := note.Sign(&note.Note{Text: checkpointBody(j.origin, size, root)}, keys.signer)
	if err != nil {
		return nil, fmt.Errorf("journal: sign checkpoint at size %d: %w", size, err)
	}
	cp, err := ParseCheckpoint(signed, keys.verifier)
	if err != nil {
		return nil, fmt.Errorf("journal: sign checkpoint at size %d: %w", size, err)
	}
	if err := j.storeCheckpoint(cp); err != nil {
		return nil, err
	}
	j.log.InfoContext(ctx, "checkpoint signed", slog.Uint64("size", size), slog.String("root", root.String()),
		slog.Duration("sign_time", time.Since(began)))
	return cp, nil
}

func (j *Journal) storeCheckpoint(cp *Checkpoint) error {
	j.writeMu.Lock()
	defer j.writeMu.Unlock()
	err := j.db.Update(func(tx *bolt.Tx) error {
		b, err := getBuckets(tx)
		if err != nil {
			return err
		}
		k := u64key(cp.Size)
		if old := b.checkpoints.Get(k); old != nil {
			return fmt.Errorf("a checkpoint at this size is already stored: %w", ErrCorrupt)
		}
		return b.checkpoints.Put(k, cp.Note)
	})
	if err != nil {
		return fmt.Errorf("journal: store checkpoint at size %d: %w", cp.Size, err)
	}
	j.latestMu.Lock()
	j.latest = cp
	j.latestMu.Unlock()
	return nil
}

// Latest returns the newest stored checkpoint, or ErrNoCheckpoint.
func (j *Journal) Latest(ctx context.Context) (*Checkpoint, error) {
	if cp := j.latestCheckpoint(); cp != nil {
		return cp, nil
	}
	return nil, fmt.Errorf("journal: latest checkpoint of %s: %w", j.path, ErrNoCheckpoint)
}

// Checkpoints returns the stored checkpoints in order of size, parsed with
// the journal's recorded key.
func (j *Journal) Checkpoints(ctx context.Context) ([]*Checkpoint, error) {
	var out []*Checkpoint
	err := j.db.View(func(tx *bolt.Tx) error {
		b, err := getBuckets(tx)
		if err != nil {
			return err
		}
		return b.checkpoints.ForEach(func(k, v []byte) error {
			cp, err := j.storedCheckpoint(b, k, v)
			out = append(out, cp)
			return err
		})
	})
	if err != nil {
		return nil, fmt.Errorf("journal: checkpoints of %s: %w", j.path, err)
	}
	return out, nil
}
