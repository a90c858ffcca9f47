package journal

import (
	"encoding/binary"
	"fmt"
	"runtime/debug"

	bolt "go.etcd.io/bbolt"
	"golang.org/x/mod/sumdb/tlog"
)

// FormatVersion is the value of the "format" meta key of the database layout
// described in the package documentation.
const FormatVersion = "attesta.journal/v1"

var (
	bucketMeta        = []byte("meta")
	bucketLeaves      = []byte("leaves")
	bucketHashes      = []byte("hashes")
	bucketCheckpoints = []byte("checkpoints")

	keyFormat = []byte("format")
	keyOrigin = []byte("origin")
	keyVKey   = []byte("vkey")
	keySize   = []byte("size")
)

func u64key(n uint64) []byte {
	return binary.BigEndian.AppendUint64(make([]byte, 0, 8), n)
}

// buckets are the four buckets of one transaction.
type buckets struct {
	meta, leaves, hashes, checkpoints *bolt.Bucket
	keys                              *bolt.Bucket // nil until the first rotation
}

func getBuckets(tx *bolt.Tx) (buckets, error) {
	b := buckets{
		meta:        tx.Bucket(bucketMeta),
		leaves:      tx.Bucket(bucketLeaves),
		hashes:      tx.Bucket(bucketHashes),
		checkpoints: tx.Bucket(bucketCheckpoints),
		keys:        tx.Bucket(bucketKeys),
	}
	if b.meta == nil || b.leaves == nil || b.hashes == nil || b.checkpoints == nil {
		return b, fmt.Errorf("missing bucket: %w", ErrCorrupt)
	}
	// Keys only grow: fill pages completely instead of leaving room for inserts.
	b.leaves.FillPercent = 1
	b.hashes.FillPercent = 1
	b.checkpoints.FillPercent = 1
	return b, nil
}

// storedSize reads the tree size from the meta bucket.
func (b buckets) storedSize() (uint64, error) {
	v := b.meta.Get(keySize)
	if len(v) != 8 {
		return 0, fmt.Errorf("meta %q is %d bytes, want 8: %w", keySize, len(v), ErrCorrupt)
	}
	return binary.BigEndian.Uint64(v), nil
}

// hashReader reads stored hashes of one transaction for x/mod tlog.
type hashReader struct{ b *bolt.Bucket }

var _ tlog.HashReader = hashReader{}

func (r hashReader) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, idx := range indexes {
		v := r.b.Get(u64key(uint64(idx)))
		if len(v) != tlog.HashSize {
			level, n := tlog.SplitStoredHashIndex(idx)
			return nil, fmt.Errorf("stored hash %d (level %d, node %d): %d bytes, want %d: %w", idx, level, n, len(v), tlog.HashSize, ErrCorrupt)
		}
		copy(out[i][:], v)
	}
	return out, nil
}

// guard runs fn and turns a panic or a memory fault inside it — which bbolt
// produces when pages of a damaged file are read — into an error wrapping
// ErrCorrupt, so that a hostile file yields a diagnosis instead of a crash.
func guard(what string, fn func() error) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("journal: %s: database structure damaged (%v): %w", what, r, ErrCorrupt)
		}
	}()
	return fn()
}
