package android

import "errors"

// Sentinel errors. Every error returned by this package that corresponds to
// one of these conditions wraps it, so callers branch with errors.Is; the
// wrapping message names the input and the offset.
var (
	// ErrWrongKey: the backup is intact but does not decrypt with this key.
	ErrWrongKey = errors.New("wrong key: the backup does not decrypt with this key")
	// ErrCorrupt: the backup fails its integrity checks (GCM tag, MD5
	// trailer, compressed-stream checksum) although the key fits, or it is
	// damaged in a way that cannot be told apart from a wrong key (then the
	// error wraps ErrWrongKey too and says "wrong key or corrupted file").
	ErrCorrupt = errors.New("backup is corrupted")
	// ErrTruncated: the input ends before the format says it should.
	ErrTruncated = errors.New("backup is truncated")
	// ErrUnknownFormat: the input is not a crypt12/14/15 backup or an
	// Android backup (.ab) this package understands.
	ErrUnknownFormat = errors.New("unknown backup format")
	// ErrNotDatabase: the decrypted payload is neither a SQLite database nor
	// a ZIP multi-file backup.
	ErrNotDatabase = errors.New("payload is neither a SQLite database nor a ZIP")
	// ErrBadKey: a key file or typed key is malformed.
	ErrBadKey = errors.New("malformed key")
	// ErrWrongPassword: an Android backup (.ab) does not open with this password.
	ErrWrongPassword = errors.New("wrong password: the Android backup does not open with this password")
	// ErrTooLarge: a size limit was hit (decompressed payload, archive member).
	ErrTooLarge = errors.New("size limit exceeded")
	// ErrUnsafePath: an archive member's name would escape the extraction
	// directory or is otherwise unsafe (absolute, "..", backslashes, links).
	ErrUnsafePath = errors.New("unsafe path in archive")
)
