package journal

// Key rotation: the journal hands its checkpoint key to a successor through a rotation leaf signed by both keys
// (format.Rotation); checkpoints continue under the same origin, signed by the new key.

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"fmt"
	"log/slog"

	bolt "go.etcd.io/bbolt"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/attesta/attesta/journal/format"
)

// TypeRotation is [format.TypeRotation].
const TypeRotation = format.TypeRotation

// bucketKeys maps the first tree size a key signs (big-endian uint64) to its verifier key: 0 → the journal's
// first key, and r+1 → the new key of the rotation leaf at index r. It is created by the first rotation. It is
// the journal's own index, for opening and self-tests; Verify trusts only the rotation leaves.
var bucketKeys = []byte("keys")

// keyAt returns the recorded verifier of the key in force for a checkpoint of the given size.
func (j *Journal) keyAt(b buckets, size uint64) (note.Verifier, error) {
	cur := j.keyInForce()
	if b.keys == nil {
		return cur.verifier, nil
	}
	c := b.keys.Cursor()
	k, v := c.Seek(u64key(size))
	if k == nil || u64(k) != size {
		k, v = c.Prev()
	}
	if k == nil {
		return nil, fmt.Errorf("no key recorded for tree size %d: %w", size, ErrCorrupt)
	}
	if string(v) == cur.vkey {
		return cur.verifier, nil
	}
	kv, err := NewNoteVerifier(string(v))
	if err != nil {
		return nil, fmt.Errorf("recorded key from tree size %d: %w: %w", u64(k), err, ErrCorrupt)
	}
	return kv, nil
}

// Keys returns the verifier keys the journal's checkpoints have been signed with, oldest first, as recorded in the
// database: one key for a journal never rotated.
func (j *Journal) Keys(ctx context.Context) ([]string, error) {
	var out []string
	err := j.db.View(func(tx *bolt.Tx) error {
		b, err := getBuckets(tx)
		if err != nil || b.keys == nil {
			return err
		}
		return b.keys.ForEach(func(_, v []byte) error { out = append(out, string(v)); return nil })
	})
	if err != nil {
		return nil, fmt.Errorf("journal: keys of %s: %w", j.path, err)
	}
	if len(out) == 0 {
		out = []string{j.VerifierKey()}
	}
	return out, nil
}

// Rotate hands the journal to newKey (ECDSA P-256, TPM-resident in production). It first signs a checkpoint with
// the old key over every leaf so far, then appends, in one transaction that also records newKey as the key in
// force, the rotation leaf signed by both keys (format.NewRotation; certification is the new key's TPM
// certification, see format.Rotation), and finally signs a checkpoint with the new key, which covers the leaf.
// The journal must then be opened with newKey. If the last step fails, the leaf is durable and the error wraps
// ErrCheckpoint; the next checkpoint is signed by the new key.
func (j *Journal) Rotate(ctx context.Context, newKey crypto.Signer, certification string) (*format.Rotation, *Checkpoint, error) {
	if j.readOnly {
		return nil, nil, fmt.Errorf("journal: rotate %s: %w", j.path, ErrReadOnly)
	}
	pub, ok := newKey.Public().(*ecdsa.PublicKey)
	if !ok {
		return nil, nil, fmt.Errorf("journal: rotate %s: new key is %T, want ECDSA P-256", j.path, newKey.Public())
	}
	newVKey, err := VerifierKey(j.origin, pub)
	if err != nil {
		return nil, nil, fmt.Errorf("journal: rotate %s: %w", j.path, err)
	}
	newSigner, err := NewNoteSigner(j.origin, newKey)
	if err != nil {
		return nil, nil, fmt.Errorf("journal: rotate %s: %w", j.path, err)
	}
	newVerifier, err := NewNoteVerifier(newVKey)
	if err != nil {
		return nil, nil, fmt.Errorf("journal: rotate %s: %w", j.path, err)
	}
	j.signMu.Lock()
	defer j.signMu.Unlock()
	if j.size.Load() > 0 {
		if _, err := j.signLocked(ctx); err != nil {
			return nil, nil, fmt.Errorf("journal: rotate %s: closing checkpoint under the old key: %w", j.path, err)
		}
	}
	rot, err := j.appendRotation(ctx, newKey, newVKey, certification)
	if err != nil {
		return nil, nil, err
	}
	j.keyMu.Lock()
	j.keys = keyState{vkey: newVKey, verifier: newVerifier, signer: newSigner, key: newKey}
	j.keyMu.Unlock()
	j.log.InfoContext(ctx, "checkpoint key rotated", slog.Uint64("leaf", rot.Seq), slog.String("old_key", rot.OldKey),
		slog.String("new_key", rot.NewKey))
	cp, err := j.signLocked(ctx)
	if err != nil {
		return rot, nil, fmt.Errorf("journal: rotation leaf %d is durable, but %w: %w", rot.Seq, ErrCheckpoint, err)
	}
	return rot, cp, nil
}

// appendRotation signs and commits the rotation leaf and records the new key, under writeMu so that the leaf's
// index and previous root are those of the tree it is appended to.
func (j *Journal) appendRotation(ctx context.Context, newKey crypto.Signer, newVKey, certification string) (*format.Rotation, error) {
	j.writeMu.Lock()
	defer j.writeMu.Unlock()
	old := j.keyInForce()
	seq := j.size.Load()
	root, err := j.rootOf(ctx, seq)
	if err != nil {
		return nil, fmt.Errorf("journal: rotate %s: %w", j.path, err)
	}
	rot, err := format.NewRotation(j.origin, seq, root, j.now(), old.key, newKey, certification)
	if err != nil {
		return nil, fmt.Errorf("journal: rotate %s: %w", j.path, err)
	}
	if _, err = j.commitLocked([]Entry{rot.Entry()}, recordKey(old.vkey, seq, newVKey)); err != nil {
		return nil, err
	}
	return rot, nil
}

// recordKey returns the part of a hand-over leaf's transaction that records newVKey as the key in force from tree
// size seq+1 on (creating the keys bucket, with oldVKey from size 0, at the first hand-over).
func recordKey(oldVKey string, seq uint64, newVKey string) func(b buckets) error {
	return func(b buckets) error {
		keys := b.keys
		if keys == nil {
			var err error
			if keys, err = b.meta.Tx().CreateBucket(bucketKeys); err != nil {
				return err
			}
			if err := keys.Put(u64key(0), []byte(oldVKey)); err != nil {
				return err
			}
		}
		if err := keys.Put(u64key(seq+1), []byte(newVKey)); err != nil {
			return err
		}
		return b.meta.Put(keyVKey, []byte(newVKey))
	}
}

// followRotation checks the rotation leaf at index i (decoded as e) against the key in force, which is the last of
// chain, and the root of the tree before it (read through r, whose hashes below i are verified), then makes its new
// key the key in force from tree size i+1 on.
func followRotation(i uint64, e Entry, r tlog.HashReader, rep *VerifyReport, chain *[]note.Verifier) error {
	rot, err := format.RotationOf(i, e)
	if err != nil {
		return fmt.Errorf("leaf %d: %w: %w", i, err, ErrCorrupt)
	}
	if err := rot.Check(rep.Keys[len(rep.Keys)-1]); err != nil {
		return fmt.Errorf("leaf %d: forged or broken key rotation: %w: %w", i, err, ErrCorrupt)
	}
	return handOver(i, rot.PrevRoot, rot.NewKey, "key rotation", r, rep, chain)
}

// followEpoch is followRotation for an epoch leaf: its new key's signature and the authority's countersignature
// must verify (format.Epoch.CheckSignatures). The journal checks its own records, not the authority's root, which
// it does not hold; a recipient anchors the countersignature (format.Epoch.Check).
func followEpoch(i uint64, e Entry, r tlog.HashReader, rep *VerifyReport, chain *[]note.Verifier) error {
	ep, err := format.EpochOf(i, e)
	if err != nil {
		return fmt.Errorf("leaf %d: %w: %w", i, err, ErrCorrupt)
	}
	if _, err := ep.CheckSignatures(rep.Keys[len(rep.Keys)-1]); err != nil {
		return fmt.Errorf("leaf %d: forged or broken key epoch: %w: %w", i, err, ErrCorrupt)
	}
	rep.Epochs = append(rep.Epochs, i)
	return handOver(i, ep.PrevRoot, ep.NewKey, "key epoch", r, rep, chain)
}

// followRestore is followRotation for a restore leaf that names the restored box's key: the hand-over is backed
// only when that key is one of restored, pinned from outside the journal (format.Restore.Check).
func followRestore(i uint64, e Entry, r tlog.HashReader, restored []string, rep *VerifyReport, chain *[]note.Verifier) error {
	rs, err := format.RestoreOf(i, e)
	if err != nil {
		return fmt.Errorf("leaf %d: %w: %w", i, err, ErrCorrupt)
	}
	if err := rs.Check(rep.Keys[len(rep.Keys)-1], restored); err != nil {
		return fmt.Errorf("leaf %d: forged or unbacked restore: %w", i, err)
	}
	rep.Restores = append(rep.Restores, i)
	return handOver(i, rs.Root, rs.NewKey, "restore", r, rep, chain)
}

// handOver checks that the leaf at index i names the tree before it (prevRoot) and makes newKey the key in force.
func handOver(i uint64, prevRoot tlog.Hash, newKey, what string, r tlog.HashReader, rep *VerifyReport, chain *[]note.Verifier) error {
	var root tlog.Hash
	if i > 0 {
		var err error
		if root, err = tlog.TreeHash(int64(i), r); err != nil {
			return fmt.Errorf("leaf %d: %w", i, err)
		}
	}
	if root != prevRoot {
		return fmt.Errorf("leaf %d: forged or broken %s: it names the tree of %d leaves with root %x, the journal's is %x: %w",
			i, what, i, prevRoot[:], root[:], ErrCorrupt)
	}
	v, err := NewNoteVerifier(newKey)
	if err != nil {
		return fmt.Errorf("leaf %d: %w: %w", i, err, ErrCorrupt)
	}
	*chain = append(*chain, v)
	rep.Keys = append(rep.Keys, newKey)
	rep.KeysFrom = append(rep.KeysFrom, i+1)
	return nil
}

// parseSeenBefore parses a checkpoint given out earlier with the key that was in force at its size.
func parseSeenBefore(seen []byte, chain []note.Verifier, rep *VerifyReport) (*Checkpoint, error) {
	var first error
	for k := len(chain) - 1; k >= 0; k-- {
		cp, err := ParseCheckpoint(seen, chain[k])
		if err != nil {
			first = cmpOr(first, err)
			continue
		}
		if rep.keyAtSize(cp.Size, chain) != chain[k] {
			return nil, fmt.Errorf("signed by %s, which was not the key in force at tree size %d: %w", rep.Keys[k], cp.Size, ErrBadSignature)
		}
		return cp, nil
	}
	return nil, first
}

func cmpOr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// KeyChain returns the chain of keys from the journal's first key to the key in force at treeSize: the rotation
// leaves with index < treeSize, each with its inclusion proof in the tree of treeSize leaves. A delivery carries it
// (proofs/keychain) so that a verifier pinned on the first key reaches the key of the delivery's checkpoint.
func (j *Journal) KeyChain(ctx context.Context, treeSize uint64) (*format.KeyChain, error) {
	type link struct {
		index uint64
		leaf  []byte
	}
	var first string
	var links []link
	err := j.db.View(func(tx *bolt.Tx) error {
		b, err := getBuckets(tx)
		if err != nil || b.keys == nil {
			return err
		}
		return b.keys.ForEach(func(k, v []byte) error {
			from := u64(k)
			switch {
			case from == 0:
				first = string(v)
			case from <= treeSize:
				data := b.leaves.Get(u64key(from - 1))
				if data == nil {
					return fmt.Errorf("rotation leaf %d: missing: %w", from-1, ErrCorrupt)
				}
				links = append(links, link{from - 1, bytes.Clone(data)})
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("journal: key chain of %s: %w", j.path, err)
	}
	if first == "" {
		first = j.VerifierKey()
	}
	c := &format.KeyChain{First: first}
	for _, l := range links {
		p, err := j.InclusionProof(ctx, l.index, treeSize)
		if err != nil {
			return nil, fmt.Errorf("journal: key chain: %w", err)
		}
		c.Links = append(c.Links, format.ChainLink{Index: l.index, Leaf: l.leaf, Hashes: p})
	}
	return c, nil
}

// startEpoch appends the epoch record ep, which hands the journal from its key in force (lost with its TPM) to
// newKey at the journal's current size, and signs a checkpoint with newKey. The record must be for this journal
// as it is now (its size and root), from its key in force, signed by newKey and countersigned (CheckSignatures):
// a journal that grew since the record was made needs a new one. If the checkpoint fails, the leaf is durable and
// the error wraps ErrCheckpoint; the next checkpoint is signed by the new key.
func (j *Journal) startEpoch(ctx context.Context, ep *format.Epoch, newKey crypto.Signer) error {
	newSigner, err := NewNoteSigner(j.origin, newKey)
	if err != nil {
		return fmt.Errorf("journal: epoch of %s: %w", j.path, err)
	}
	newVerifier, err := NewNoteVerifier(ep.NewKey)
	if err != nil {
		return fmt.Errorf("journal: epoch of %s: %w", j.path, err)
	}
	j.signMu.Lock()
	defer j.signMu.Unlock()
	if err := j.appendEpoch(ctx, ep); err != nil {
		return fmt.Errorf("journal: epoch of %s: %w", j.path, err)
	}
	j.keyMu.Lock()
	j.keys = keyState{vkey: ep.NewKey, verifier: newVerifier, signer: newSigner, key: newKey}
	j.keyMu.Unlock()
	j.log.InfoContext(ctx, "new key epoch", slog.Uint64("leaf", ep.Seq), slog.String("old_key", ep.OldKey), slog.String("new_key", ep.NewKey))
	if _, err := j.signLocked(ctx); err != nil {
		return fmt.Errorf("journal: epoch leaf %d is durable, but %w: %w", ep.Seq, ErrCheckpoint, err)
	}
	return nil
}

func (j *Journal) appendEpoch(ctx context.Context, ep *format.Epoch) error {
	j.writeMu.Lock()
	defer j.writeMu.Unlock()
	old := j.keyInForce()
	seq := j.size.Load()
	if ep.Seq != seq {
		return fmt.Errorf("the epoch record is for a journal of %d leaves, this one has %d (it grew since the record was made: make a new one): %w",
			ep.Seq, seq, ErrKeyMismatch)
	}
	root, err := j.rootOf(ctx, seq)
	if err != nil {
		return err
	}
	if root != ep.PrevRoot {
		return fmt.Errorf("the epoch record names a tree of %d leaves with root %x, the journal's is %x: %w", seq, ep.PrevRoot[:], root[:], ErrKeyMismatch)
	}
	if _, err := ep.CheckSignatures(old.vkey); err != nil {
		return err
	}
	_, err = j.commitLocked([]Entry{ep.Entry()}, recordKey(old.vkey, seq, ep.NewKey))
	return err
}

// EpochRequest returns the epoch record that hands the journal, at its current size, from its key in force (lost
// with its TPM) to newKey, signed by newKey and not yet countersigned: the request an appliance whose TPM was
// replaced sends to its authority. The journal may be read-only.
func (j *Journal) EpochRequest(ctx context.Context, newKey crypto.Signer) (*format.Epoch, error) {
	seq := j.size.Load()
	root, err := j.rootOf(ctx, seq)
	if err != nil {
		return nil, fmt.Errorf("journal: epoch request for %s: %w", j.path, err)
	}
	ep, err := format.NewEpoch(j.origin, seq, root, j.now(), j.VerifierKey(), newKey)
	if err != nil {
		return nil, fmt.Errorf("journal: epoch request for %s: %w", j.path, err)
	}
	return ep, nil
}

// rootOf returns the root of the tree of the first size leaves: the previous root a hand-over names, the zero hash
// for an empty journal.
func (j *Journal) rootOf(ctx context.Context, size uint64) (tlog.Hash, error) {
	if size == 0 {
		return tlog.Hash{}, nil
	}
	return j.TreeHash(ctx, size)
}
