package blob

import (
	"errors"
	"fmt"
)

// Sentinel errors that callers branch on. Errors returned by the store wrap them; test with [errors.Is].
var (
	// ErrNotFound: the case has no blob with that digest (or no key yet, for CaseKeyID).
	ErrNotFound = errors.New("not found")
	// ErrErased: the case was erased; its key and blobs are gone.
	ErrErased = errors.New("case erased")
	// ErrCorrupt: a stored file failed a structural or cryptographic check. The error is a *CorruptError.
	ErrCorrupt = errors.New("corrupt")
	// ErrBadCaseID: a case id is not acceptable (see the package doc).
	ErrBadCaseID = errors.New("invalid case id")
	// ErrBadDigest: a digest is not 64 lower-case hex digits.
	ErrBadDigest = errors.New("invalid sha256 digest")
	// ErrKeyUnavailable: the case key could not be obtained: the key file is missing or damaged, the key
	// wrapper refused to unwrap it, or it unwrapped to a key that does not match its key id.
	ErrKeyUnavailable = errors.New("case key unavailable")
)

// CorruptError reports a stored file that failed verification, naming where.
type CorruptError struct {
	Path   string // the file
	Chunk  int64  // chunk index (one past the last for bytes after it), or -1 for the header
	Offset int64  // byte offset in the file where the problem was found
	Reason string
}

func (e *CorruptError) Error() string {
	where := "header"
	if e.Chunk >= 0 {
		where = fmt.Sprintf("chunk %d", e.Chunk)
	}
	return fmt.Sprintf("%s: %s at offset %d: %s", e.Path, where, e.Offset, e.Reason)
}

// Is makes errors.Is(err, ErrCorrupt) true.
func (e *CorruptError) Is(target error) bool { return target == ErrCorrupt }

func corruptf(path string, chunk, off int64, format string, args ...any) *CorruptError {
	return &CorruptError{Path: path, Chunk: chunk, Offset: off, Reason: fmt.Sprintf(format, args...)}
}
