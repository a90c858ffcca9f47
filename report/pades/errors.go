package pades

import "errors"

// Sentinel errors; every error this package returns that is about the input
// wraps one of them, so callers can branch with errors.Is.
var (
	// ErrMalformed: the PDF or the CMS inside it is not well formed.
	ErrMalformed = errors.New("malformed")
	// ErrUnsupported: a valid construct this package does not handle
	// (cross-reference streams, encryption, an unknown algorithm).
	ErrUnsupported = errors.New("unsupported")
	// ErrNoSignature: Verify found no signature dictionary.
	ErrNoSignature = errors.New("no signature")
	// ErrByteRange: /ByteRange does not cover the whole file except the
	// /Contents string of its own signature dictionary.
	ErrByteRange = errors.New("byte range does not cover the file except /Contents")
	// ErrDigestMismatch: the signed bytes do not hash to the CMS
	// message-digest (the document was altered in the signed range).
	ErrDigestMismatch = errors.New("digest mismatch")
	// ErrBadSignature: the CMS signature does not verify with the signer
	// certificate's public key.
	ErrBadSignature = errors.New("bad signature")
	// ErrCertMismatch: the ESS signing-certificate-v2 attribute is missing
	// or does not name the signer certificate.
	ErrCertMismatch = errors.New("signing certificate mismatch")
	// ErrTimestamp: the signature time-stamp token is malformed, is not
	// over this signature value, or its own signature does not verify.
	ErrTimestamp = errors.New("bad signature time-stamp")
	// ErrContentsTooSmall: Options.ContentsSize is too small for the CMS.
	ErrContentsTooSmall = errors.New("signature does not fit the reserved /Contents")
)
