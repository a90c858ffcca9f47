package cms

import (
	"crypto"
	_ "crypto/sha1" // ESS signing-certificate (v1) names certificates by SHA-1
	_ "crypto/sha256"
	_ "crypto/sha512"
	"crypto/x509"
	"encoding/asn1"
	"fmt"

	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// Object identifiers of the CMS (RFC 5652), ESS (RFC 2634, RFC 5035), RFC 3161 and algorithm (RFC 5754, RFC 5758)
// structures.
var (
	OIDData               = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	OIDSignedData         = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	OIDTSTInfo            = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 1, 4}
	OIDAttrContentType    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}
	OIDAttrMessageDigest  = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}
	OIDAttrSigningCert    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 12}
	OIDAttrSigningCertV2  = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 47}
	OIDAttrTimeStampToken = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 14}

	OIDSHA1   = asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}
	OIDSHA256 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	OIDSHA384 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 2}
	OIDSHA512 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3}

	OIDECPublicKey     = asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}
	OIDECDSAWithSHA256 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
	OIDECDSAWithSHA384 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 3}
	OIDECDSAWithSHA512 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 4}
	OIDRSAEncryption   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
	OIDSHA256WithRSA   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}
	OIDSHA384WithRSA   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 12}
	OIDSHA512WithRSA   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 13}

	tagCtx0 = cbasn1.Tag(0).ContextSpecific().Constructed()
	tagCtx1 = cbasn1.Tag(1).ContextSpecific().Constructed()
	tagCtx4 = cbasn1.Tag(4).ContextSpecific().Constructed()

	allowedDigests = []struct {
		oid  asn1.ObjectIdentifier
		hash crypto.Hash
	}{{OIDSHA256, crypto.SHA256}, {OIDSHA384, crypto.SHA384}, {OIDSHA512, crypto.SHA512}}
)

// HashFor returns the allowed digest algorithm oid names; SHA-1 and unknown algorithms fail with [ErrUnsupported].
func HashFor(oid asn1.ObjectIdentifier) (crypto.Hash, error) {
	for _, d := range allowedDigests {
		if d.oid.Equal(oid) {
			return d.hash, nil
		}
	}
	return 0, fmt.Errorf("%w: digest algorithm %v", ErrUnsupported, oid)
}

// signatureAlgorithm maps a SignerInfo's signature algorithm, with its digest algorithm h, to crypto/x509's name for
// it; see the package doc for the allowed list.
func signatureAlgorithm(sigAlg asn1.ObjectIdentifier, h crypto.Hash) (x509.SignatureAlgorithm, error) {
	combined := []struct {
		oid  asn1.ObjectIdentifier
		hash crypto.Hash
		alg  x509.SignatureAlgorithm
	}{
		{OIDECDSAWithSHA256, crypto.SHA256, x509.ECDSAWithSHA256},
		{OIDECDSAWithSHA384, crypto.SHA384, x509.ECDSAWithSHA384},
		{OIDECDSAWithSHA512, crypto.SHA512, x509.ECDSAWithSHA512},
		{OIDSHA256WithRSA, crypto.SHA256, x509.SHA256WithRSA},
		{OIDSHA384WithRSA, crypto.SHA384, x509.SHA384WithRSA},
		{OIDSHA512WithRSA, crypto.SHA512, x509.SHA512WithRSA},
	}
	for _, c := range combined {
		if !c.oid.Equal(sigAlg) {
			continue
		}
		if c.hash != h {
			return 0, fmt.Errorf("%w: signature algorithm %v hashes with %v, the digest algorithm is %v", ErrUnsupported, sigAlg, c.hash, h)
		}
		return c.alg, nil
	}
	byKey := map[crypto.Hash][2]x509.SignatureAlgorithm{
		crypto.SHA256: {x509.ECDSAWithSHA256, x509.SHA256WithRSA},
		crypto.SHA384: {x509.ECDSAWithSHA384, x509.SHA384WithRSA},
		crypto.SHA512: {x509.ECDSAWithSHA512, x509.SHA512WithRSA},
	}
	switch algs, ok := byKey[h]; {
	case ok && sigAlg.Equal(OIDECPublicKey):
		return algs[0], nil
	case ok && sigAlg.Equal(OIDRSAEncryption):
		return algs[1], nil
	}
	return 0, fmt.Errorf("%w: signature algorithm %v with digest %v", ErrUnsupported, sigAlg, h)
}
