package journal

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	bolt "go.etcd.io/bbolt"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/attesta/attesta/journal/blob"
	"github.com/attesta/attesta/journal/format"
)

// BlobChecker is the seam to the blob store. CheckBlob returns nil when the
// blob of the case with that plaintext SHA-256 (lower-case hex) and size is
// present and intact, and otherwise an error saying what is wrong with it.
type BlobChecker interface {
	CheckBlob(ctx context.Context, caseID, sha256hex string, size int64) error
}

// VerifyOptions configure Verify.
type VerifyOptions struct {
	// Verifier is the key every checkpoint must be signed by. Required. Pin
	// it from outside the file (a report, the TPM) when the file itself is
	// not trusted; NewNoteVerifier(j.VerifierKey()) trusts the file.
	// After a rotation, the verifier follows the rotation leaves from this key (the first one the journal had)
	// to each next key: a rotation leaf counts only when signed by the key in force and by its successor.
	Verifier note.Verifier
	// Latest is optionally the newest checkpoint note the verifier has seen
	// before. A journal smaller than it, or not consistent with it, fails
	// with ErrRollback.
	Latest []byte
	// Blobs, when set, is asked about every artifact leaf whose case has not
	// been erased after it.
	Blobs BlobChecker
}

// VerifyReport says what Verify checked.
type VerifyReport struct {
	Origin      string
	Size        uint64            // leaves
	Root        tlog.Hash         // root of the whole tree
	Checkpoints int               // stored checkpoints, each signed and matching the tree
	Latest      *Checkpoint       // newest stored checkpoint; nil if none
	Unsigned    uint64            // leaves after the newest checkpoint
	SeenBefore  *Checkpoint       // VerifyOptions.Latest, parsed; nil if not given
	Types       map[string]uint64 // leaves per type
	BlobsOK     int               // artifacts confirmed by VerifyOptions.Blobs
	BlobsErased int               // artifacts skipped because their case was erased
	// BlobsKeyLost counts the artifacts stored before a key epoch (a TPM replaced) whose case key was wrapped by
	// the lost TPM and cannot be unwrapped on this one (blob.ErrKeyUnavailable): their leaves are verified, their
	// contents are in the deliveries made from them and in the case keys' escrow.
	BlobsKeyLost int
	// Keys are the verifier keys followed from the pinned one through the rotation leaves, oldest first, and
	// KeysFrom the first tree size each signs (0 for the pinned key, r+1 after the rotation leaf at index r).
	Keys     []string
	KeysFrom []uint64
	// Epochs are the indices of the key epoch leaves among those hand-overs (a TPM replaced).
	Epochs   []uint64
	Duration time.Duration
}

// keyAtSize returns the verifier of the key in force for a checkpoint of that size, from rep's chain.
func (rep *VerifyReport) keyAtSize(size uint64, chain []note.Verifier) note.Verifier {
	i := len(chain) - 1
	for i > 0 && rep.KeysFrom[i] > size {
		i--
	}
	return chain[i]
}

// verifyChunk is how many leaves one read transaction of Verify covers, so
// that appends are not held up by a long verification.
const verifyChunk = 4096

type artifactRef struct {
	index  uint64
	caseID string
	sha256 string
	size   int64
}

// Verify recomputes everything from the leaves: it runs bbolt's own
// consistency check, re-hashes every leaf and every stored hash, decodes
// every leaf (canonical form, seq = index), checks every stored checkpoint's
// signature with opts.Verifier and its root against the tree, compares the
// tree with opts.Latest, and asks opts.Blobs about artifacts. It returns the
// first failure, naming the leaf, stored hash or checkpoint; the report is
// filled in as far as verification got.
func (j *Journal) Verify(ctx context.Context, opts VerifyOptions) (*VerifyReport, error) {
	began := time.Now()
	rep := &VerifyReport{Origin: j.origin, Types: map[string]uint64{}}
	err := guard("verify "+j.path, func() error { return j.verify(ctx, opts, rep) })
	rep.Duration = time.Since(began)
	if err != nil {
		j.log.ErrorContext(ctx, "journal verification failed", slog.String("path", j.path), slog.Any("error", err))
		return rep, err
	}
	j.log.InfoContext(ctx, "journal verified", slog.String("path", j.path), slog.Uint64("size", rep.Size),
		slog.Int("checkpoints", rep.Checkpoints), slog.Duration("duration", rep.Duration))
	return rep, nil
}

func (j *Journal) verify(ctx context.Context, opts VerifyOptions, rep *VerifyReport) error {
	if opts.Verifier == nil {
		return fmt.Errorf("journal: verify %s: no verifier key given", j.path)
	}
	if opts.Verifier.Name() != j.origin {
		return fmt.Errorf("journal: verify %s: verifier key %q is not for origin %q: %w", j.path, opts.Verifier.Name(), j.origin, ErrKeyMismatch)
	}
	if err := j.checkBolt(); err != nil {
		return err
	}
	var size uint64
	err := j.viewStored(func(_ buckets, stored uint64) error {
		size = stored
		return nil
	})
	if err != nil {
		return fmt.Errorf("journal: verify %s: %w", j.path, err)
	}
	rep.Size = size
	pinned, _ := format.VerifierKeyOf(opts.Verifier)
	chain := []note.Verifier{opts.Verifier}
	rep.Keys, rep.KeysFrom = []string{pinned}, []uint64{0}
	arts, erased, err := j.verifyTree(ctx, size, opts.Blobs != nil, rep, &chain)
	if err != nil {
		return err
	}
	if err := j.verifyCheckpoints(chain, size, rep); err != nil {
		return err
	}
	if err := j.verifySeenBefore(chain, opts.Latest, size, rep); err != nil {
		return err
	}
	return j.verifyBlobs(ctx, opts.Blobs, arts, erased, rep)
}

// checkBolt runs bbolt's structural check. Writers are held off meanwhile,
// which bbolt requires for a check in a read transaction.
//
// bbolt checks in a goroutine of its own and trusts page references, so a
// damaged file could crash or hang it: checkPages first validates the page
// graph from the file, and every key and value is then touched here, where
// guard turns a fault into an error.
func (j *Journal) checkBolt() error {
	j.writeMu.Lock()
	defer j.writeMu.Unlock()
	if err := checkPages(j.path); err != nil {
		return fmt.Errorf("journal: %s: %w", j.path, err)
	}
	return j.db.View(func(tx *bolt.Tx) error {
		if err := touchAll(tx); err != nil {
			return fmt.Errorf("journal: %s: %w", j.path, err)
		}
		var first error
		for err := range tx.Check() {
			if first == nil {
				first = err
			}
		}
		if first != nil {
			return fmt.Errorf("journal: %s: bbolt check: %w: %w", j.path, first, ErrCorrupt)
		}
		return nil
	})
}

// touchAll reads every key and value of every bucket once.
func touchAll(tx *bolt.Tx) error {
	var sink byte
	err := tx.ForEach(func(name []byte, b *bolt.Bucket) error {
		c := b.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			sink ^= k[len(k)-1]
			if len(v) > 0 {
				sink ^= v[0] ^ v[len(v)-1]
			}
		}
		return nil
	})
	_ = sink
	return err
}

// verifyTree re-hashes leaves [0, size) chunk by chunk. Stored hash i is only
// trusted once recomputed from the leaves, and the computation of later
// hashes reads only such hashes, so one pass checks them all.
func (j *Journal) verifyTree(ctx context.Context, size uint64, wantArtifacts bool, rep *VerifyReport, chain *[]note.Verifier) ([]artifactRef, map[string]uint64, error) {
	var arts []artifactRef
	erased := map[string]uint64{} // case → index of its last erasure
	for from := uint64(0); from < size || from == 0; {
		if err := ctx.Err(); err != nil {
			return nil, nil, fmt.Errorf("journal: verify %s: %w", j.path, err)
		}
		end := min(size, from+verifyChunk)
		err := j.db.View(func(tx *bolt.Tx) error {
			b, err := getBuckets(tx)
			if err != nil {
				return err
			}
			lc, hc := b.leaves.Cursor(), b.hashes.Cursor()
			k, v := lc.Seek(u64key(from))
			hk, hv := hc.Seek(u64key(uint64(tlog.StoredHashCount(int64(from)))))
			r := hashReader{b.hashes}
			for i := from; i < end; i++ {
				if k == nil || u64(k) != i {
					return fmt.Errorf("leaf %d: missing: %w", i, ErrCorrupt)
				}
				computed, err := tlog.StoredHashes(int64(i), v, r)
				if err != nil {
					return fmt.Errorf("leaf %d: %w", i, err)
				}
				base := uint64(tlog.StoredHashCount(int64(i)))
				for n, h := range computed {
					idx := base + uint64(n)
					if hk == nil || u64(hk) != idx {
						return fmt.Errorf("stored hash %d: missing: %w", idx, ErrCorrupt)
					}
					if !bytes.Equal(hv, h[:]) {
						return hashMismatch(i, idx, hv, h)
					}
					hk, hv = hc.Next()
				}
				seq, e, err := DecodeLeaf(v)
				if err != nil {
					return fmt.Errorf("leaf %d: %w: %w", i, err, ErrCorrupt)
				}
				if seq != i {
					return fmt.Errorf("leaf %d: seq is %d: %w", i, seq, ErrCorrupt)
				}
				rep.Types[e.Type]++
				switch {
				case e.Type == TypeRotation:
					if err := followRotation(i, e, r, rep, chain); err != nil {
						return err
					}
				case e.Type == format.TypeEpoch:
					if err := followEpoch(i, e, r, rep, chain); err != nil {
						return err
					}
				case e.Type == TypeErasure:
					erased[e.Case] = i
				case e.Type == TypeArtifact && wantArtifacts:
					a, err := format.ArtifactOf(e)
					if err != nil {
						return fmt.Errorf("leaf %d: %w: %w", i, err, ErrCorrupt)
					}
					arts = append(arts, artifactRef{i, a.Case, a.SHA256, a.Size})
				}
				k, v = lc.Next()
			}
			if end == size {
				if k != nil {
					return fmt.Errorf("leaf key %x stored beyond the tree size %d: %w", k, size, ErrCorrupt)
				}
				if hk != nil {
					return fmt.Errorf("stored hash key %x beyond the tree size %d: %w", hk, size, ErrCorrupt)
				}
				if rep.Root, err = tlog.TreeHash(int64(size), r); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return nil, nil, fmt.Errorf("journal: %w", err)
		}
		if from = end; size == 0 {
			break
		}
	}
	return arts, erased, nil
}

func hashMismatch(leaf, idx uint64, stored []byte, computed tlog.Hash) error {
	level, n := tlog.SplitStoredHashIndex(int64(idx))
	if level == 0 {
		return fmt.Errorf("leaf %d: hash mismatch (stored %x, computed %x): %w", leaf, stored, computed[:], ErrCorrupt)
	}
	return fmt.Errorf("stored hash %d (level %d, node %d, completed by leaf %d): mismatch (stored %x, computed %x): %w",
		idx, level, n, leaf, stored, computed[:], ErrCorrupt)
}

// verifyCheckpoints checks every stored checkpoint against the key in force at
// its size and against the verified tree. Matching the tree makes each
// consistent with every other.
func (j *Journal) verifyCheckpoints(chain []note.Verifier, size uint64, rep *VerifyReport) error {
	err := j.db.View(func(tx *bolt.Tx) error {
		b, err := getBuckets(tx)
		if err != nil {
			return err
		}
		r := hashReader{b.hashes}
		var prev *Checkpoint
		return b.checkpoints.ForEach(func(k, val []byte) error {
			if len(k) != 8 {
				return fmt.Errorf("checkpoint key %x: not 8 bytes: %w", k, ErrCorrupt)
			}
			cp, err := parseStoredCheckpoint(k, val, rep.keyAtSize(u64(k), chain))
			if err != nil {
				return err
			}
			if cp.Size > size {
				return fmt.Errorf("checkpoint at size %d: beyond the tree (size %d): %w", cp.Size, size, ErrCorrupt)
			}
			root, err := tlog.TreeHash(int64(cp.Size), r)
			if err != nil {
				return err
			}
			if root != cp.Root {
				if prev != nil {
					return fmt.Errorf("checkpoint %d not consistent with %d: its root %x is not the tree's %x: %w",
						cp.Size, prev.Size, cp.Root[:], root[:], ErrCorrupt)
				}
				return fmt.Errorf("checkpoint at size %d: root %x is not the tree's %x: %w", cp.Size, cp.Root[:], root[:], ErrCorrupt)
			}
			prev = cp
			rep.Checkpoints++
			rep.Latest = cp
			return nil
		})
	})
	if err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	if rep.Latest != nil {
		rep.Unsigned = size - rep.Latest.Size
	} else {
		rep.Unsigned = size
	}
	return nil
}

func parseStoredCheckpoint(k, val []byte, v note.Verifier) (*Checkpoint, error) {
	if len(k) != 8 {
		return nil, fmt.Errorf("checkpoint key %x: not 8 bytes: %w", k, ErrCorrupt)
	}
	at := u64(k)
	cp, err := ParseCheckpoint(val, v)
	switch {
	case errors.Is(err, ErrBadSignature):
		return nil, fmt.Errorf("checkpoint at size %d: signature invalid: %w: %w", at, err, ErrCorrupt)
	case err != nil:
		return nil, fmt.Errorf("checkpoint at size %d: %w: %w", at, err, ErrCorrupt)
	case cp.Size != at:
		return nil, fmt.Errorf("checkpoint at size %d: note says size %d: %w", at, cp.Size, ErrCorrupt)
	}
	return cp, nil
}

// verifySeenBefore compares the tree with a checkpoint given out earlier.
func (j *Journal) verifySeenBefore(chain []note.Verifier, seen []byte, size uint64, rep *VerifyReport) error {
	if seen == nil {
		return nil
	}
	cp, err := parseSeenBefore(seen, chain, rep)
	if err != nil {
		return fmt.Errorf("journal: verify %s: checkpoint seen before: %w", j.path, err)
	}
	rep.SeenBefore = cp
	if cp.Size > size {
		return fmt.Errorf("journal: %s: %w: the journal has %d leaves but a checkpoint seen before covers %d",
			j.path, ErrRollback, size, cp.Size)
	}
	root, err := j.TreeHash(context.Background(), cp.Size)
	if err != nil {
		return err
	}
	if root != cp.Root {
		return fmt.Errorf("journal: %s: %w: the tree at size %d (root %x) is not consistent with the checkpoint seen before (root %x)",
			j.path, ErrRollback, cp.Size, root[:], cp.Root[:])
	}
	return nil
}

func (j *Journal) verifyBlobs(ctx context.Context, blobs BlobChecker, arts []artifactRef, erased map[string]uint64, rep *VerifyReport) error {
	if blobs == nil {
		return nil
	}
	for _, a := range arts {
		if at, ok := erased[a.caseID]; ok && a.caseID != "" && at > a.index {
			rep.BlobsErased++
			continue
		}
		err := blobs.CheckBlob(ctx, a.caseID, a.sha256, a.size)
		if err != nil && errors.Is(err, blob.ErrKeyUnavailable) && len(rep.Epochs) > 0 && a.index < rep.Epochs[len(rep.Epochs)-1] {
			rep.BlobsKeyLost++
			continue
		}
		if err != nil {
			return fmt.Errorf("journal: leaf %d: artifact %s of case %q: %w", a.index, a.sha256, a.caseID, err)
		}
		rep.BlobsOK++
	}
	return nil
}

// SelfTest is the fast start-up check: bbolt's structural check, the newest
// checkpoint's signature, its root recomputed from the stored hashes, and the
// last few leaves re-hashed and decoded. Verify is the full check.
func (j *Journal) SelfTest(ctx context.Context) error {
	return guard("self-test "+j.path, func() error {
		if err := j.checkBolt(); err != nil {
			return err
		}
		return j.db.View(func(tx *bolt.Tx) error {
			b, err := getBuckets(tx)
			if err != nil {
				return fmt.Errorf("journal: self-test %s: %w", j.path, err)
			}
			size, err := b.storedSize()
			if err == nil {
				err = checkExtent(b, size)
			}
			if err == nil {
				err = j.selfTestCheckpoint(b, size)
			}
			if err == nil {
				err = selfTestTail(b, size, 16)
			}
			if err != nil {
				return fmt.Errorf("journal: self-test %s: %w", j.path, err)
			}
			return nil
		})
	})
}

func (j *Journal) selfTestCheckpoint(b buckets, size uint64) error {
	cp, err := j.loadLatest(b, size)
	if err != nil || cp == nil {
		return err
	}
	root, err := tlog.TreeHash(int64(cp.Size), hashReader{b.hashes})
	if err != nil {
		return err
	}
	if root != cp.Root {
		return fmt.Errorf("checkpoint at size %d: root %x is not the tree's %x: %w", cp.Size, cp.Root[:], root[:], ErrCorrupt)
	}
	return nil
}

// selfTestTail re-hashes and decodes the last n leaves.
func selfTestTail(b buckets, size uint64, n uint64) error {
	r := hashReader{b.hashes}
	for i := size - min(n, size); i < size; i++ {
		data := b.leaves.Get(u64key(i))
		if data == nil {
			return fmt.Errorf("leaf %d: missing: %w", i, ErrCorrupt)
		}
		stored, err := r.ReadHashes([]int64{tlog.StoredHashIndex(0, int64(i))})
		if err != nil {
			return err
		}
		if h := tlog.RecordHash(data); h != stored[0] {
			return fmt.Errorf("leaf %d: hash mismatch (stored %x, computed %x): %w", i, stored[0][:], h[:], ErrCorrupt)
		}
		if seq, _, err := DecodeLeaf(data); err != nil || seq != i {
			return fmt.Errorf("leaf %d: undecodable or wrong seq: %v: %w", i, err, ErrCorrupt)
		}
	}
	return nil
}
