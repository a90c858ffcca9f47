package format

import "errors"

// Sentinel errors. Every error of the package wraps one of these and names the leaf, field, line or offset at
// fault; callers branch with errors.Is.
var (
	// ErrInvalidLeaf reports leaf bytes or an entry that do not follow the leaf format, including non-canonical
	// JSON, or a typed leaf whose fields are not those of its type and version.
	ErrInvalidLeaf = errors.New("invalid leaf")

	// ErrInvalidCheckpoint reports a checkpoint note that is malformed.
	ErrInvalidCheckpoint = errors.New("invalid checkpoint")

	// ErrBadSignature reports a checkpoint whose signature does not verify under the expected key.
	ErrBadSignature = errors.New("bad signature")

	// ErrProof reports a tlog-proof that does not follow c2sp.org/tlog-proof@v1 as this package writes it, or an
	// inclusion proof that does not lead from the leaf to the checkpoint's root.
	ErrProof = errors.New("invalid tlog-proof")
)
