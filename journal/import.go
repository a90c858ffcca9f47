package journal

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"maps"

	bolt "go.etcd.io/bbolt"

	"github.com/attesta/attesta/journal/format"
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

// RestoreEntry returns the restore leaf for AppendRestore on a journal just rebuilt with ImportLeaves: fields (the
// appliance's) with the hand-over from oldKey, the key in force over the rebuilt tree, to this journal's key.
func (j *Journal) RestoreEntry(ctx context.Context, oldKey string, fields map[string]any) (Entry, error) {
	size := j.Size()
	root, err := j.TreeHash(ctx, size)
	if err != nil {
		return Entry{}, fmt.Errorf("journal: restore %s: %w", j.path, err)
	}
	f := maps.Clone(fields)
	if f == nil {
		f = map[string]any{}
	}
	f["tree_size"], f["root_hash"] = size, base64.StdEncoding.EncodeToString(root[:])
	f["old_key"], f["signing_key"] = oldKey, j.VerifierKey()
	return Entry{Type: format.TypeRestore, Fields: f}, nil
}

// AppendRestore appends the restore leaf e (type format.TypeRestore) to a journal just rebuilt with ImportLeaves,
// and records the keys of the imported history, so that the restored box's key chains and self-tests lead from the
// journal's first key through the imported rotations and epochs and this leaf to its own key. e must name the tree
// before it ("tree_size", "root_hash"), the key in force at its end ("old_key") and this journal's key
// ("signing_key"), which signs from the leaf on. Verify follows the leaf only to a key pinned from outside
// (VerifyOptions.Restored).
func (j *Journal) AppendRestore(ctx context.Context, e Entry) (Leaf, error) {
	if j.readOnly {
		return Leaf{}, fmt.Errorf("journal: restore %s: %w", j.path, ErrReadOnly)
	}
	j.writeMu.Lock()
	defer j.writeMu.Unlock()
	seq := j.size.Load()
	rs, err := format.RestoreOf(seq, e)
	if err != nil {
		return Leaf{}, fmt.Errorf("journal: restore %s: %w", j.path, err)
	}
	cur := j.keyInForce()
	if rs.NewKey != cur.vkey {
		return Leaf{}, fmt.Errorf("journal: restore %s: the leaf hands over to %s, the journal signs with %s: %w", j.path, rs.NewKey, cur.vkey, ErrKeyMismatch)
	}
	if seq > 0 {
		root, err := j.TreeHash(ctx, seq)
		if err != nil {
			return Leaf{}, fmt.Errorf("journal: restore %s: %w", j.path, err)
		}
		if root != rs.Root {
			return Leaf{}, fmt.Errorf("journal: restore %s: the leaf names root %x, the rebuilt tree's is %x: %w", j.path, rs.Root[:], root[:], ErrInvalidLeaf)
		}
	}
	hist, err := j.importedKeys(seq, rs.OldKey)
	if err != nil {
		return Leaf{}, fmt.Errorf("journal: restore %s: %w", j.path, err)
	}
	leaves, err := j.commitLocked([]Entry{e}, func(b buckets) error {
		keys := b.keys
		if keys == nil {
			if keys, err = b.meta.Tx().CreateBucket(bucketKeys); err != nil {
				return err
			}
		}
		for _, h := range hist {
			if err := keys.Put(u64key(h.from), []byte(h.vkey)); err != nil {
				return err
			}
		}
		return keys.Put(u64key(seq+1), []byte(rs.NewKey))
	})
	if err != nil {
		return Leaf{}, err
	}
	return leaves[0], nil
}

type keyFrom struct {
	from uint64
	vkey string
}

// importedKeys reads the hand-over leaves among the first n leaves (imported, not yet verified by this journal)
// and returns the keys in force from size 0 on; the last must be last, the restore leaf's old key.
func (j *Journal) importedKeys(n uint64, last string) ([]keyFrom, error) {
	var hist []keyFrom
	err := j.db.View(func(tx *bolt.Tx) error {
		b, err := getBuckets(tx)
		if err != nil {
			return err
		}
		c := b.leaves.Cursor()
		for k, v := c.First(); k != nil && u64(k) < n; k, v = c.Next() {
			seq, e, err := DecodeLeaf(v)
			if err != nil {
				return fmt.Errorf("leaf %d: %w", u64(k), err)
			}
			var oldKey, newKey string
			switch {
			case e.Type == format.TypeRotation:
				r, err := format.RotationOf(seq, e)
				if err != nil {
					return err
				}
				oldKey, newKey = r.OldKey, r.NewKey
			case e.Type == format.TypeEpoch:
				ep, err := format.EpochOf(seq, e)
				if err != nil {
					return err
				}
				oldKey, newKey = ep.OldKey, ep.NewKey
			case format.HasHandOver(e):
				rs, err := format.RestoreOf(seq, e)
				if err != nil {
					return err
				}
				oldKey, newKey = rs.OldKey, rs.NewKey
			default:
				continue
			}
			if len(hist) == 0 {
				hist = append(hist, keyFrom{0, oldKey})
			}
			hist = append(hist, keyFrom{seq + 1, newKey})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(hist) == 0 {
		hist = []keyFrom{{0, last}}
	}
	if got := hist[len(hist)-1].vkey; got != last {
		return nil, fmt.Errorf("the imported history ends with key %s, the restore leaf hands over from %s: %w", got, last, ErrInvalidLeaf)
	}
	return hist, nil
}
