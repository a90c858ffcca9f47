package journal

// Opening: creating a new file, probing an existing one before bbolt maps it, and loading its meta data.

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"io/fs"
	"os"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/attesta/attesta/internal/durable"
	"github.com/attesta/attesta/journal/format"
)

// ensureFile creates the journal if path does not exist, and refuses an
// empty file: a journal is never empty, since it is created elsewhere and
// linked into place.
func ensureFile(path, origin string, pub *ecdsa.PublicKey) (fs.FileInfo, error) {
	st, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if pub == nil {
			return nil, fmt.Errorf("journal: open %s: %w (a signer is needed to create a journal)", path, err)
		}
		vkey, err := VerifierKey(origin, pub)
		if err == nil {
			err = create(path, origin, vkey)
		}
		if err != nil {
			return nil, fmt.Errorf("journal: create %s: %w", path, err)
		}
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("journal: open %s: %w", path, err)
	case st.Size() == 0:
		return nil, fmt.Errorf("journal: open %s: file is empty: %w", path, ErrCorrupt)
	}
	return st, nil
}

func boltOpenError(err error) error {
	if errors.Is(err, berrors.ErrTimeout) {
		return fmt.Errorf("file is locked by another process: %w", err)
	}
	return fmt.Errorf("not a valid journal database: %w: %w", err, ErrCorrupt)
}

// create makes a new, empty journal at path: it initializes a temporary file
// in the same directory, then links it into place, so that a crash never
// leaves a half-initialized journal at path.
func create(path, origin, vkey string) error {
	f, err := durable.Create(path, 0o600)
	if err != nil {
		return err
	}
	defer f.Close()
	db, err := bolt.Open(f.TempName(), 0o600, &bolt.Options{Timeout: lockTimeout})
	if err != nil {
		return err
	}
	err = db.Update(func(tx *bolt.Tx) error {
		meta, err := tx.CreateBucket(bucketMeta)
		if err != nil {
			return err
		}
		for _, b := range [][]byte{bucketLeaves, bucketHashes, bucketCheckpoints} {
			if _, err := tx.CreateBucket(b); err != nil {
				return err
			}
		}
		for k, v := range map[string][]byte{
			string(keyFormat): []byte(FormatVersion),
			string(keyOrigin): []byte(origin),
			string(keyVKey):   []byte(vkey),
			string(keySize):   u64key(0),
		} {
			if err := meta.Put([]byte(k), v); err != nil {
				return err
			}
		}
		return nil
	})
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	// Commit links, never renames: if path appeared meanwhile it is not overwritten.
	return f.Commit()
}

// probe opens the file read-only (which maps no page but the two meta pages)
// to check that the file holds every page the database refers to, and that
// its page graph is sound (checkPages). bbolt maps the file into memory and
// follows page references blindly: a page past the end of a truncated file
// would fault, and a damaged reference could make it loop.
func probe(path string, st fs.FileInfo) error {
	db, err := bolt.Open(path, 0o400, &bolt.Options{Timeout: lockTimeout, ReadOnly: true})
	if err != nil {
		return boltOpenError(err)
	}
	defer db.Close()
	if st == nil {
		if st, err = os.Stat(path); err != nil {
			return err
		}
	}
	err = db.View(func(tx *bolt.Tx) error {
		if need := tx.Size(); st.Size() < need {
			return fmt.Errorf("file is truncated: %d bytes, the database needs %d: %w", st.Size(), need, ErrCorrupt)
		}
		return nil
	})
	if err != nil {
		return err
	}
	// The shared lock held by db keeps writers out while the pages are walked.
	return checkPages(path)
}

// load reads and checks the meta bucket and the newest checkpoint.
func (j *Journal) load(origin string, signer crypto.Signer, epoch *format.Epoch) error {
	return j.db.View(func(tx *bolt.Tx) error {
		b, err := getBuckets(tx)
		if err != nil {
			return err
		}
		if f := string(b.meta.Get(keyFormat)); f != FormatVersion {
			return fmt.Errorf("unsupported format %q, want %q: %w", f, FormatVersion, ErrCorrupt)
		}
		j.origin = string(b.meta.Get(keyOrigin))
		k := &j.keys
		k.vkey = string(b.meta.Get(keyVKey))
		if origin != "" && origin != j.origin {
			return fmt.Errorf("origin %q given, the journal's is %q: %w", origin, j.origin, ErrKeyMismatch)
		}
		if k.verifier, err = NewNoteVerifier(k.vkey); err != nil {
			return fmt.Errorf("recorded %w: %w", err, ErrCorrupt)
		}
		if k.verifier.Name() != j.origin {
			return fmt.Errorf("recorded key name %q is not the origin %q: %w", k.verifier.Name(), j.origin, ErrCorrupt)
		}
		if signer != nil {
			if k.signer, err = NewNoteSigner(j.origin, signer); err != nil {
				return err
			}
			vk, _ := VerifierKey(j.origin, signer.Public().(*ecdsa.PublicKey))
			switch {
			case vk == k.vkey:
				k.key = signer
			case epoch != nil && epoch.OldKey == k.vkey && epoch.NewKey == vk:
				k.signer = nil // no key signs until the epoch's leaf is appended (startEpoch)
			default:
				return fmt.Errorf("signer key %s is not the journal's key %s: %w", vk, k.vkey, ErrKeyMismatch)
			}
		}
		size, err := b.storedSize()
		if err != nil {
			return err
		}
		if err := checkExtent(b, size); err != nil {
			return err
		}
		j.size.Store(size)
		latest, err := j.loadLatest(b, size)
		if err != nil {
			return err
		}
		j.latest = latest
		return nil
	})
}

// checkExtent checks, cheaply, that the leaves and stored hashes end where
// the recorded size says they do.
func checkExtent(b buckets, size uint64) error {
	lastLeaf, _ := b.leaves.Cursor().Last()
	switch {
	case size == 0 && lastLeaf != nil:
		return fmt.Errorf("size is 0 but leaves are stored: %w", ErrCorrupt)
	case size > 0 && !bytes.Equal(lastLeaf, u64key(size-1)):
		return fmt.Errorf("size is %d but the last stored leaf key is %x: %w", size, lastLeaf, ErrCorrupt)
	}
	lastHash, _ := b.hashes.Cursor().Last()
	count := uint64(tlog.StoredHashCount(int64(size)))
	switch {
	case count == 0 && lastHash != nil:
		return fmt.Errorf("size is 0 but hashes are stored: %w", ErrCorrupt)
	case count > 0 && !bytes.Equal(lastHash, u64key(count-1)):
		return fmt.Errorf("size %d needs %d stored hashes but the last stored hash key is %x: %w", size, count, lastHash, ErrCorrupt)
	}
	return nil
}

// loadLatest returns the newest stored checkpoint after checking its
// signature and that it covers no more than the tree.
func (j *Journal) loadLatest(b buckets, size uint64) (*Checkpoint, error) {
	k, v := b.checkpoints.Cursor().Last()
	if k == nil {
		return nil, nil
	}
	cp, err := j.storedCheckpoint(b, k, v)
	if err != nil {
		return nil, err
	}
	if cp.Size > size {
		return nil, fmt.Errorf("checkpoint at size %d is beyond the tree (size %d): %w", cp.Size, size, ErrCorrupt)
	}
	return cp, nil
}

// storedCheckpoint parses a checkpoint from its bucket with the recorded key
// in force at its size (keyAt).
func (j *Journal) storedCheckpoint(b buckets, k, v []byte) (*Checkpoint, error) {
	if len(k) != 8 {
		return nil, fmt.Errorf("checkpoint key %x: not 8 bytes: %w", k, ErrCorrupt)
	}
	kv, err := j.keyAt(b, u64(k))
	if err != nil {
		return nil, err
	}
	return parseStoredCheckpoint(k, v, kv)
}
