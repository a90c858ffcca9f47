package tsa

import (
	"crypto"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"math/big"

	"github.com/attesta/attesta/internal/cms"
)

// Object identifiers of RFC 3161 requests and ETSI EN 319 422; the CMS ones are internal/cms's.
var (
	oidAttrSigningCert   = cms.OIDAttrSigningCert
	oidAttrSigningCertV2 = cms.OIDAttrSigningCertV2

	oidExtKeyUsage    = asn1.ObjectIdentifier{2, 5, 29, 37}
	oidQCStatements   = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 1, 3}
	oidQTSTStatement1 = asn1.ObjectIdentifier{0, 4, 0, 19422, 1, 1}
)

// hashOIDs maps the digest algorithms this package understands.
var hashOIDs = []struct {
	oid  asn1.ObjectIdentifier
	hash crypto.Hash
}{
	{cms.OIDSHA1, crypto.SHA1},
	{cms.OIDSHA256, crypto.SHA256},
	{cms.OIDSHA384, crypto.SHA384},
	{cms.OIDSHA512, crypto.SHA512},
}

func hashFromOID(oid asn1.ObjectIdentifier) (crypto.Hash, bool) {
	for _, h := range hashOIDs {
		if h.oid.Equal(oid) {
			return h.hash, true
		}
	}
	return 0, false
}

func oidFromHash(h crypto.Hash) (asn1.ObjectIdentifier, bool) {
	for _, e := range hashOIDs {
		if e.hash == h {
			return e.oid, true
		}
	}
	return nil, false
}

// messageImprint is RFC 3161 MessageImprint.
type messageImprint struct {
	HashAlgorithm pkix.AlgorithmIdentifier
	HashedMessage []byte
}

// timeStampReq is RFC 3161 TimeStampReq. Optional members left at their zero
// value are omitted when marshalled, as DER requires for certReq DEFAULT FALSE.
type timeStampReq struct {
	Version        int
	MessageImprint messageImprint
	ReqPolicy      asn1.ObjectIdentifier `asn1:"optional"`
	Nonce          *big.Int              `asn1:"optional"`
	CertReq        bool                  `asn1:"optional"`
	Extensions     []pkix.Extension      `asn1:"optional,tag:0"`
}

// pkiStatusInfo is RFC 3161 (RFC 4210) PKIStatusInfo.
type pkiStatusInfo struct {
	Status       int
	StatusString []string       `asn1:"optional,utf8"`
	FailInfo     asn1.BitString `asn1:"optional"`
}

// timeStampResp is RFC 3161 TimeStampResp; the token is kept raw so that
// its exact bytes are what is returned and stored.
type timeStampResp struct {
	Status         pkiStatusInfo
	TimeStampToken asn1.RawValue `asn1:"optional"`
}

type qcStatement struct {
	StatementID   asn1.ObjectIdentifier
	StatementInfo asn1.RawValue `asn1:"optional"`
}

// unmarshalDER decodes der, a whole what, into v: an error or trailing bytes are ErrMalformed.
func unmarshalDER(der []byte, v any, what string) error {
	rest, err := asn1.Unmarshal(der, v)
	if err != nil {
		return fmt.Errorf("%w: %s: %w", ErrMalformed, what, err)
	}
	if len(rest) != 0 {
		return fmt.Errorf("%w: %s: %d trailing bytes at offset %d", ErrMalformed, what, len(rest), len(der)-len(rest))
	}
	return nil
}
