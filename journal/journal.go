package journal

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"fmt"
	"iter"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/attesta/attesta/journal/format"
)

// DefaultCheckpointEvery is the number of new leaves after which Append signs
// a checkpoint when Options.CheckpointEvery is 0.
const DefaultCheckpointEvery = 1024

// lockTimeout bounds the wait for another process that holds the file.
const lockTimeout = 10 * time.Second

// Options configure Open.
type Options struct {
	// Origin names the log and the signing key: "attesta/<appliance-id>".
	// Required to create a journal; when opening one it must be empty or
	// equal to the origin recorded in the file.
	Origin string
	// Signer holds the ECDSA P-256 checkpoint key (TPM-resident in
	// production). Its public key must be the one the journal was created
	// with. Nil opens the journal read-only: verify, show and export.
	Signer crypto.Signer
	// CheckpointEvery makes Append sign a checkpoint once this many leaves
	// have been added since the last one; 0 means DefaultCheckpointEvery.
	CheckpointEvery int
	// Now is the clock for entries whose Time is zero; nil means time.Now.
	Now func() time.Time
	// Logger receives the journal's events; nil means silent.
	Logger *slog.Logger
	// Epoch starts a new key epoch when Signer's key is not the journal's key in force because that key was lost
	// with its TPM (a replaced motherboard, a cleared TPM): an epoch record from the key in force to Signer's key
	// at the journal's current size, countersigned by the authority (format.Epoch). Open appends it, then signs a
	// checkpoint with the new key. Ignored when Signer's key is the key in force (the epoch was appended before).
	Epoch *format.Epoch
}

// Journal is an open journal. Its methods are safe for concurrent use.
type Journal struct {
	db       *bolt.DB
	path     string
	origin   string
	readOnly bool
	every    uint64
	now      func() time.Time
	log      *slog.Logger

	writeMu sync.Mutex // serializes bbolt write transactions and bbolt checks
	signMu  sync.Mutex // one checkpoint signature at a time
	size    atomic.Uint64

	latestMu sync.RWMutex
	latest   *Checkpoint // newest stored checkpoint, verified; nil if none

	keyMu sync.RWMutex // guards keys, which Rotate replaces
	keys  keyState
}

// keyState is the checkpoint key in force.
type keyState struct {
	vkey     string
	verifier note.Verifier
	signer   note.Signer   // nil when read-only
	key      crypto.Signer // the signer's crypto.Signer; nil when read-only
}

func (j *Journal) keyInForce() keyState {
	j.keyMu.RLock()
	defer j.keyMu.RUnlock()
	return j.keys
}

// Open opens the journal database at path, creating it when it does not
// exist (which needs Origin and Signer). It checks the file's layout version,
// that the file is not truncated, that the signer and origin match the ones
// recorded, and the signature of the newest checkpoint.
func Open(ctx context.Context, path string, opts Options) (*Journal, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("journal: open %s: %w", path, err)
	}
	j := &Journal{path: path, now: opts.Now, log: opts.Logger, every: uint64(opts.CheckpointEvery), readOnly: opts.Signer == nil}
	if j.now == nil {
		j.now = time.Now
	}
	if j.log == nil {
		j.log = slog.New(slog.DiscardHandler)
	}
	if opts.CheckpointEvery < 0 {
		return nil, fmt.Errorf("journal: open %s: CheckpointEvery %d < 0", path, opts.CheckpointEvery)
	}
	if j.every == 0 {
		j.every = DefaultCheckpointEvery
	}
	var pub *ecdsa.PublicKey
	if opts.Signer != nil {
		var ok bool
		if pub, ok = opts.Signer.Public().(*ecdsa.PublicKey); !ok {
			return nil, fmt.Errorf("journal: open %s: signer key is %T, want ECDSA P-256", path, opts.Signer.Public())
		}
	}
	st, err := ensureFile(path, opts.Origin, pub)
	if err != nil {
		return nil, err
	}
	if err := probe(path, st); err != nil {
		return nil, fmt.Errorf("journal: open %s: %w", path, err)
	}
	// bbolt's defaults sync every commit; NoSync is never set.
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: lockTimeout, ReadOnly: pub == nil})
	if err != nil {
		return nil, fmt.Errorf("journal: open %s: %w", path, boltOpenError(err))
	}
	j.db = db
	err = guard("open "+path, func() error {
		if err := j.load(opts.Origin, opts.Signer, opts.Epoch); err != nil {
			return fmt.Errorf("journal: open %s: %w", path, err)
		}
		return nil
	})
	if err == nil && j.keyInForce().key == nil && opts.Signer != nil {
		err = j.startEpoch(ctx, opts.Epoch, opts.Signer)
	}
	if err != nil {
		db.Close()
		return nil, err
	}
	j.log.InfoContext(ctx, "journal opened", slog.String("path", path), slog.String("origin", j.origin),
		slog.Uint64("size", j.size.Load()), slog.Bool("read_only", j.readOnly))
	return j, nil
}

func u64(k []byte) uint64 {
	var n uint64
	for _, c := range k {
		n = n<<8 | uint64(c)
	}
	return n
}

// Close closes the database. It does not sign a checkpoint.
func (j *Journal) Close() error {
	j.writeMu.Lock()
	defer j.writeMu.Unlock()
	if err := j.db.Close(); err != nil {
		return fmt.Errorf("journal: close %s: %w", j.path, err)
	}
	return nil
}

// Size returns the number of leaves.
func (j *Journal) Size() uint64 { return j.size.Load() }

// Origin returns the log's origin, which is also the checkpoint key name.
func (j *Journal) Origin() string { return j.origin }

// VerifierKey returns the verifier key in force, as recorded in the database:
// the key that signs the next checkpoint (after a rotation, the newest key).
// A verifier that must not trust the file alone pins the key from elsewhere
// instead, and follows the rotation leaves from it (Verify).
func (j *Journal) VerifierKey() string { return j.keyInForce().vkey }

// Path returns the database file name.
func (j *Journal) Path() string { return j.path }

// Append adds one entry and returns its leaf once it is durable (the bbolt
// transaction is committed and synced). When a checkpoint falls due, Append
// signs it after the commit; if that fails, the leaf is still returned,
// durable, together with an error wrapping ErrCheckpoint.
func (j *Journal) Append(ctx context.Context, e Entry) (Leaf, error) {
	leaves, err := j.AppendBatch(ctx, []Entry{e})
	if len(leaves) == 0 {
		return Leaf{}, err
	}
	return leaves[0], err
}

// AppendBatch adds entries in one transaction: all of them or none. It
// returns the leaves once durable; see Append for checkpoint errors.
func (j *Journal) AppendBatch(ctx context.Context, es []Entry) ([]Leaf, error) {
	if j.readOnly {
		return nil, fmt.Errorf("journal: append to %s: %w", j.path, ErrReadOnly)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("journal: append: %w", err)
	}
	if len(es) == 0 {
		return nil, nil
	}
	for i, e := range es {
		if e.Type == format.TypeRotation || e.Type == format.TypeEpoch {
			return nil, fmt.Errorf("journal: append to %s: entry %d: a %q leaf is written only by Rotate or an epoch's Open: %w", j.path, i, e.Type, ErrInvalidLeaf)
		}
	}
	leaves, err := j.commit(es)
	if err != nil {
		return nil, err
	}
	if err := j.maybeCheckpoint(ctx); err != nil {
		first, last := leaves[0].Index, leaves[len(leaves)-1].Index
		j.log.ErrorContext(ctx, "checkpoint signing failed", slog.Uint64("size", last+1), slog.Any("error", err))
		return leaves, fmt.Errorf("journal: leaves %d-%d are durable, but %w: %w", first, last, ErrCheckpoint, err)
	}
	return leaves, nil
}

// commit writes the leaves, their stored hashes and the new size in one
// bbolt transaction.
func (j *Journal) commit(es []Entry) ([]Leaf, error) {
	j.writeMu.Lock()
	defer j.writeMu.Unlock()
	return j.commitLocked(es, nil)
}

// commitLocked is commit with writeMu held; also, when set, runs in the same transaction.
func (j *Journal) commitLocked(es []Entry, also func(buckets) error) ([]Leaf, error) {
	start := j.size.Load()
	leaves := make([]Leaf, len(es))
	now := j.now()
	for i, e := range es {
		if e.Time.IsZero() {
			e.Time = now
		}
		data, err := EncodeLeaf(start+uint64(i), e)
		if err != nil {
			return nil, err
		}
		leaves[i] = Leaf{Index: start + uint64(i), Data: data, Hash: tlog.RecordHash(data)}
	}
	err := j.db.Update(func(tx *bolt.Tx) error {
		b, err := getBuckets(tx)
		if err != nil {
			return err
		}
		if size, err := b.storedSize(); err != nil {
			return err
		} else if size != start {
			return fmt.Errorf("stored size %d, expected %d: %w", size, start, ErrCorrupt)
		}
		r := hashReader{b.hashes}
		for _, l := range leaves {
			n := int64(l.Index)
			hashes, err := tlog.StoredHashesForRecordHash(n, l.Hash, r)
			if err != nil {
				return fmt.Errorf("leaf %d: %w", n, err)
			}
			if err := b.leaves.Put(u64key(l.Index), l.Data); err != nil {
				return fmt.Errorf("leaf %d: %w", n, err)
			}
			base := tlog.StoredHashCount(n)
			for k, h := range hashes {
				if err := b.hashes.Put(u64key(uint64(base+int64(k))), h[:]); err != nil {
					return fmt.Errorf("leaf %d: %w", n, err)
				}
			}
		}
		if also != nil {
			if err := also(b); err != nil {
				return err
			}
		}
		return b.meta.Put(keySize, u64key(start+uint64(len(leaves))))
	})
	if err != nil {
		return nil, fmt.Errorf("journal: append leaves %d-%d to %s: %w", start, start+uint64(len(es))-1, j.path, err)
	}
	j.size.Store(start + uint64(len(leaves)))
	return leaves, nil
}

// LeafBytes returns the stored bytes of leaf i.
func (j *Journal) LeafBytes(ctx context.Context, i uint64) ([]byte, error) {
	var out []byte
	err := j.viewStored(func(b buckets, size uint64) error {
		if i >= size {
			return fmt.Errorf("tree size is %d: %w", size, ErrOutOfRange)
		}
		v := b.leaves.Get(u64key(i))
		if v == nil {
			return fmt.Errorf("missing: %w", ErrCorrupt)
		}
		out = bytes.Clone(v)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("journal: leaf %d: %w", i, err)
	}
	return out, nil
}

// entriesChunk is how many leaves Entries reads per read transaction, so that
// a slow consumer does not keep one transaction (and old pages) open.
const entriesChunk = 512

// Entries yields the leaves with from ≤ index < to, stopping at the tree size.
// An error ends the sequence.
func (j *Journal) Entries(ctx context.Context, from, to uint64) iter.Seq2[Leaf, error] {
	return func(yield func(Leaf, error) bool) {
		from, to := from, min(to, j.Size()) // the sequence may be iterated again
		for from < to {
			if err := ctx.Err(); err != nil {
				yield(Leaf{}, fmt.Errorf("journal: entries from %d: %w", from, err))
				return
			}
			end := min(to, from+entriesChunk)
			var chunk []Leaf
			err := j.db.View(func(tx *bolt.Tx) error {
				c := tx.Bucket(bucketLeaves).Cursor()
				i := from
				for k, v := c.Seek(u64key(from)); i < end; k, v = c.Next() {
					if k == nil || u64(k) != i {
						return fmt.Errorf("leaf %d: missing: %w", i, ErrCorrupt)
					}
					d := bytes.Clone(v)
					chunk = append(chunk, Leaf{Index: i, Data: d, Hash: tlog.RecordHash(d)})
					i++
				}
				return nil
			})
			if err != nil {
				yield(Leaf{}, fmt.Errorf("journal: entries: %w", err))
				return
			}
			for _, l := range chunk {
				if !yield(l, nil) {
					return
				}
			}
			from = end
		}
	}
}

// TreeHash returns the root hash of the tree of the first size leaves.
func (j *Journal) TreeHash(ctx context.Context, size uint64) (tlog.Hash, error) {
	var h tlog.Hash
	err := j.view(size, func(r tlog.HashReader) (err error) {
		h, err = tlog.TreeHash(int64(size), r)
		return err
	})
	if err != nil {
		return tlog.Hash{}, fmt.Errorf("journal: tree hash at size %d: %w", size, err)
	}
	return h, nil
}

// view runs fn with a reader of stored hashes after checking that the tree
// has at least size leaves.
func (j *Journal) view(size uint64, fn func(tlog.HashReader) error) error {
	return j.viewStored(func(b buckets, have uint64) error {
		if size > have {
			return fmt.Errorf("tree size is %d: %w", have, ErrOutOfRange)
		}
		return fn(hashReader{b.hashes})
	})
}

// viewStored runs fn in a read transaction with the journal's buckets and its stored size.
func (j *Journal) viewStored(fn func(b buckets, size uint64) error) error {
	return j.db.View(func(tx *bolt.Tx) error {
		b, err := getBuckets(tx)
		if err != nil {
			return err
		}
		size, err := b.storedSize()
		if err != nil {
			return err
		}
		return fn(b, size)
	})
}
