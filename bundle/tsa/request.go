package tsa

import (
	"crypto"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"math/big"
)

// NewRequest returns the DER of an RFC 3161 TimeStampReq for digest, which
// must be a hash of the given algorithm (SHA-1, SHA-256, SHA-384 or SHA-512;
// the appliance stamps SHA-256). nonce may be nil; certReq asks the TSA to
// include its certificate in the token, which [VerifyToken] needs.
func NewRequest(digest []byte, hash crypto.Hash, nonce *big.Int, certReq bool) ([]byte, error) {
	return newRequest(digest, hash, nonce, certReq, nil)
}

func newRequest(digest []byte, hash crypto.Hash, nonce *big.Int, certReq bool, policy asn1.ObjectIdentifier) ([]byte, error) {
	oid, ok := oidFromHash(hash)
	if !ok {
		return nil, fmt.Errorf("tsa: new request: unsupported hash %v", hash)
	}
	if len(digest) != hash.Size() {
		return nil, fmt.Errorf("tsa: new request: digest is %d bytes, %v needs %d", len(digest), hash, hash.Size())
	}
	if nonce != nil && nonce.Sign() < 0 {
		return nil, fmt.Errorf("tsa: new request: negative nonce")
	}
	req := timeStampReq{
		Version: 1,
		MessageImprint: messageImprint{
			// NULL parameters, as OpenSSL and most TSAs write them.
			HashAlgorithm: pkix.AlgorithmIdentifier{Algorithm: oid, Parameters: asn1.NullRawValue},
			HashedMessage: append([]byte(nil), digest...),
		},
		ReqPolicy: policy,
		Nonce:     nonce,
		CertReq:   certReq,
	}
	der, err := asn1.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("tsa: new request: %w", err)
	}
	return der, nil
}

// Request is a decoded TimeStampReq.
type Request struct {
	Hash    crypto.Hash
	Digest  []byte
	Policy  asn1.ObjectIdentifier // nil when the request names none
	Nonce   *big.Int              // nil when the request carries none
	CertReq bool
}

// ParseRequest decodes the DER of a TimeStampReq.
func ParseRequest(der []byte) (*Request, error) {
	r, err := parseRequest(der)
	if err != nil {
		return nil, fmt.Errorf("tsa: parse request: %w", err)
	}
	return r, nil
}

func parseRequest(der []byte) (*Request, error) {
	var req timeStampReq
	if err := unmarshalDER(der, &req, "TimeStampReq"); err != nil {
		return nil, err
	}
	if req.Version != 1 {
		return nil, fmt.Errorf("%w: TimeStampReq: version %d, want 1", ErrMalformed, req.Version)
	}
	h, err := imprintHash(req.MessageImprint)
	if err != nil {
		return nil, fmt.Errorf("TimeStampReq: %w", err)
	}
	return &Request{
		Hash:    h,
		Digest:  req.MessageImprint.HashedMessage,
		Policy:  req.ReqPolicy,
		Nonce:   req.Nonce,
		CertReq: req.CertReq,
	}, nil
}

// imprintHash checks a MessageImprint's algorithm and length.
func imprintHash(mi messageImprint) (crypto.Hash, error) {
	h, ok := hashFromOID(mi.HashAlgorithm.Algorithm)
	if !ok {
		return 0, fmt.Errorf("%w: message imprint: unknown hash algorithm %v", ErrMalformed, mi.HashAlgorithm.Algorithm)
	}
	if len(mi.HashedMessage) != h.Size() {
		return 0, fmt.Errorf("%w: message imprint: %d bytes for %v, want %d", ErrMalformed, len(mi.HashedMessage), h, h.Size())
	}
	return h, nil
}
