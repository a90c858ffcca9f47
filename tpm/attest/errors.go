package attest

import "errors"

var (
	// ErrAttestationInvalid is wrapped by every verification failure of
	// VerifyQuote and VerifyCertification, together with one of the more
	// specific errors below where one applies.
	ErrAttestationInvalid = errors.New("attestation invalid")
	// ErrNonceMismatch: the attested extraData is not the expected nonce.
	ErrNonceMismatch = errors.New("nonce mismatch")
	// ErrPCRMismatch: the PCR digest or selection is not the expected one.
	ErrPCRMismatch = errors.New("PCR mismatch")
	// ErrBadSignature: the signature does not verify under the given key.
	ErrBadSignature = errors.New("bad signature")
)
