package journal

import (
	"errors"

	"github.com/attesta/attesta/journal/format"
)

// Sentinel errors. Every error the package returns wraps at most a few of these
// and names the leaf, stored hash, checkpoint, file or offset concerned; callers
// branch with errors.Is.
var (
	// ErrCorrupt reports that the database no longer holds what was committed:
	// a leaf, a stored hash, a checkpoint or the bbolt structure itself differs
	// from what the journal wrote, or the file is truncated or not a journal.
	ErrCorrupt = errors.New("journal corrupt")

	// ErrRollback reports that the journal is older than, or has forked from, a
	// checkpoint that was seen before (for example one printed in a report).
	ErrRollback = errors.New("journal rolled back")

	// ErrBadSignature reports a checkpoint whose signature does not verify
	// under the expected key. It is [format.ErrBadSignature].
	ErrBadSignature = format.ErrBadSignature

	// ErrInvalidLeaf reports leaf bytes or an entry that do not follow the
	// leaf format, including non-canonical JSON. It is [format.ErrInvalidLeaf].
	ErrInvalidLeaf = format.ErrInvalidLeaf

	// ErrInvalidCheckpoint reports a checkpoint note that is malformed. It is
	// [format.ErrInvalidCheckpoint].
	ErrInvalidCheckpoint = format.ErrInvalidCheckpoint

	// ErrCheckpoint reports that appended leaves are durable but signing the
	// checkpoint that was due afterwards failed. The leaves stay in the journal;
	// the next append or Checkpoint call retries the signature.
	ErrCheckpoint = errors.New("checkpoint not signed")

	// ErrNoCheckpoint reports that no checkpoint has been signed yet.
	ErrNoCheckpoint = errors.New("no checkpoint")

	// ErrReadOnly reports a write to a journal opened without a signer.
	ErrReadOnly = errors.New("journal opened read-only")

	// ErrKeyMismatch reports a signer or origin other than the ones the
	// journal was created with.
	ErrKeyMismatch = errors.New("key mismatch")

	// ErrOutOfRange reports a leaf index or tree size beyond the journal.
	ErrOutOfRange = errors.New("out of range")
)
