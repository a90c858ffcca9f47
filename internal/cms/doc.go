// Package cms verifies the two kinds of CMS (RFC 5652) SignedData that Attesta meets: the detached signature inside
// a PAdES report, and the RFC 3161 TimeStampToken a time-stamping authority returns. Both report/pades and
// bundle/tsa use it, so that a signature is judged by one set of rules wherever it is found. It imports only the
// standard library and golang.org/x/crypto/cryptobyte, so the recipient's offline verifier can carry it.
//
// # What is checked
//
// A SignedData must hold exactly one SignerInfo, with signed attributes. [SignedData.Verify] finds the signer's
// certificate among those the SignedData carries (by issuer and serial number, or by subject key identifier) and
// checks, in order:
//   - the content-type signed attribute is present, single-valued and names the expected content type;
//   - the message-digest signed attribute is present, single-valued and equals the digest of the content, computed
//     with the SignerInfo's digest algorithm ([ErrDigestMismatch] otherwise);
//   - the digest and signature algorithms are on the allowed list below, and agree with each other;
//   - the signature over the DER of the signed attributes verifies with the certificate's key.
//
// [CheckSigningCertificate] checks the ESS signing-certificate attribute (RFC 5035 v2, else RFC 2634 v1): its first
// ESSCertID must carry the hash of the signer's certificate and, when it names an issuer and serial number, those
// of the signer's certificate ([ErrCertMismatch] otherwise). RFC 3161 §2.4.1 requires the attribute in a token;
// CAdES requires v2.
//
// # Allowed algorithms
//
// Digests: SHA-256, SHA-384, SHA-512 (SHA-1 only as the fixed hash of an ESS v1 certificate identifier).
// Signatures: ECDSA and RSA PKCS #1 v1.5, named either by the combined OID (ecdsa-with-SHA256, sha256WithRSAEncryption,
// …), whose hash must then be the SignerInfo's digest algorithm, or by the bare key OID (id-ecPublicKey,
// rsaEncryption) with the SignerInfo's digest algorithm. Anything else fails with [ErrUnsupported].
//
// # Time-stamp tokens
//
// [VerifyTimestampToken] parses a TimeStampToken — a ContentInfo with nothing after it, whose SignedData
// encapsulates a TSTInfo — checks its signature as above with the ESS attribute required, and returns the decoded
// [TSTInfo] (version 1, an allowed imprint hash with a digest of its size, genTime in DER form, accuracy in range, no
// trailing data). What was stamped, and whether the signer is trusted, are the caller's to check.
//
// # Errors
//
// Every error wraps one of the sentinels [ErrMalformed], [ErrUnsupported], [ErrNoCertificate], [ErrBadSignature],
// [ErrDigestMismatch] or [ErrCertMismatch]. Callers with their own sentinels map them with [Mark], which keeps the
// message.
package cms

import "errors"

// Sentinel errors; every error this package returns wraps exactly one of them.
var (
	// ErrMalformed: the bytes are not the DER structure they claim to be.
	ErrMalformed = errors.New("malformed CMS")
	// ErrUnsupported: an algorithm not on the allowed list.
	ErrUnsupported = errors.New("unsupported CMS algorithm")
	// ErrNoCertificate: the certificate the SignerInfo names is not in the SignedData.
	ErrNoCertificate = errors.New("the signer's certificate is not in the CMS")
	// ErrBadSignature: the signed attributes are missing or wrong, or the signature does not verify.
	ErrBadSignature = errors.New("bad CMS signature")
	// ErrDigestMismatch: the message-digest attribute is not the digest of the content.
	ErrDigestMismatch = errors.New("CMS message digest does not match the content")
	// ErrCertMismatch: the ESS signing-certificate attribute is missing (when required) or names another
	// certificate.
	ErrCertMismatch = errors.New("ESS signing certificate does not match the signer")
)

// Mark returns an error with err's message that matches both err and kind with errors.Is: a caller maps this
// package's sentinels onto its own without repeating them in the text.
func Mark(err, kind error) error {
	if err == nil {
		return nil
	}
	return marked{err, kind}
}

type marked struct{ err, kind error }

func (m marked) Error() string   { return m.err.Error() }
func (m marked) Unwrap() []error { return []error{m.err, m.kind} }
