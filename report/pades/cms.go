package pades

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"fmt"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/attesta/attesta/internal/cms"
)

var (
	tagCtx0 = cbasn1.Tag(0).ContextSpecific().Constructed()
	tagCtx1 = cbasn1.Tag(1).ContextSpecific().Constructed()
	tagCtx4 = cbasn1.Tag(4).ContextSpecific().Constructed()
)

// cmsSigner is what buildCMS needs from Options.
type cmsSigner struct {
	signer    crypto.Signer
	chain     []*x509.Certificate
	timestamp func(ctx context.Context, signature []byte) ([]byte, error)
}

// buildCMS returns a detached CMS SignedData (in a ContentInfo) over the
// content whose SHA-256 is digest: one SignerInfo identified by issuer and
// serial, signed attributes content-type, message-digest and ESS
// signing-certificate-v2 (no signing-time: PAdES baseline carries the
// claimed time in /M), and, when a time-stamp hook is set, the token over
// the signature value as the unsigned signature-time-stamp attribute.
func buildCMS(ctx context.Context, s cmsSigner, digest []byte) ([]byte, error) {
	leaf := s.chain[0]
	sigAlg, err := signatureAlgorithm(s.signer.Public())
	if err != nil {
		return nil, err
	}
	attrs := signedAttributes(leaf, digest)
	h := sha256.Sum256(attrs)
	sig, err := s.signer.Sign(rand.Reader, h[:], crypto.SHA256)
	if err != nil {
		return nil, fmt.Errorf("sign attributes: %w", err)
	}
	if err := cms.CheckSignature(leaf, sigAlg, cms.OIDSHA256, attrs, sig); err != nil {
		return nil, fmt.Errorf("signer produced a signature the certificate does not verify: %w", fromCMS(err))
	}
	var unsigned []byte
	if s.timestamp != nil {
		token, err := s.timestamp(ctx, sig)
		if err != nil {
			return nil, fmt.Errorf("time-stamp the signature: %w", err)
		}
		if len(token) > 0 { // none: no time-stamp to be had now; the signature stays PAdES B-B
			if _, err := parseTimestampToken(token, sig); err != nil {
				return nil, fmt.Errorf("time-stamp the signature: %w", err)
			}
			unsigned = attribute(cms.OIDAttrTimeStampToken, token)
		}
	}
	return contentInfo(s.chain, leaf, attrs, sigAlg, sig, unsigned)
}

func signatureAlgorithm(pub crypto.PublicKey) (asn1.ObjectIdentifier, error) {
	switch pub.(type) {
	case *ecdsa.PublicKey:
		return cms.OIDECDSAWithSHA256, nil
	case *rsa.PublicKey:
		return cms.OIDSHA256WithRSA, nil
	}
	return nil, fmt.Errorf("%w: signer key type %T (want ECDSA or RSA)", ErrUnsupported, pub)
}

// signedAttributes returns the DER SET OF the signed attributes, sorted as
// DER requires; this exact encoding is what the signature covers.
func signedAttributes(leaf *x509.Certificate, digest []byte) []byte {
	octets := func(v []byte) []byte {
		b := cryptobyte.NewBuilder(nil)
		b.AddASN1OctetString(v)
		return b.BytesOrPanic()
	}
	oid := func(o asn1.ObjectIdentifier) []byte {
		b := cryptobyte.NewBuilder(nil)
		b.AddASN1ObjectIdentifier(o)
		return b.BytesOrPanic()
	}
	return cms.SignedAttributes(
		attribute(cms.OIDAttrContentType, oid(cms.OIDData)),
		attribute(cms.OIDAttrMessageDigest, octets(digest)),
		attribute(cms.OIDAttrSigningCertV2, signingCertificateV2(leaf)),
	)
}

// attribute encodes Attribute ::= SEQUENCE { type, values SET OF value }.
func attribute(oid asn1.ObjectIdentifier, value []byte) []byte {
	b := cryptobyte.NewBuilder(nil)
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(oid)
		b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) { b.AddBytes(value) })
	})
	return b.BytesOrPanic()
}

// signingCertificateV2 encodes SigningCertificateV2 with one ESSCertIDv2:
// the SHA-256 of the certificate (the default algorithm, so omitted) and
// its issuer and serial number.
func signingCertificateV2(leaf *x509.Certificate) []byte {
	h := sha256.Sum256(leaf.Raw)
	b := cryptobyte.NewBuilder(nil)
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1OctetString(h[:])
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
						b.AddASN1(tagCtx4, func(b *cryptobyte.Builder) { b.AddBytes(leaf.RawIssuer) })
					})
					b.AddASN1BigInt(leaf.SerialNumber)
				})
			})
		})
	})
	return b.BytesOrPanic()
}

func algorithmID(b *cryptobyte.Builder, oid asn1.ObjectIdentifier) {
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(oid)
		if oid.Equal(cms.OIDSHA256WithRSA) {
			b.AddASN1NULL() // RSA algorithm identifiers carry NULL parameters
		}
	})
}

func contentInfo(chain []*x509.Certificate, leaf *x509.Certificate, attrs []byte, sigAlg asn1.ObjectIdentifier, sig, unsigned []byte) ([]byte, error) {
	b := cryptobyte.NewBuilder(nil)
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(cms.OIDSignedData)
		b.AddASN1(tagCtx0, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1Int64(1)
				b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) { algorithmID(b, cms.OIDSHA256) })
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { b.AddASN1ObjectIdentifier(cms.OIDData) })
				b.AddASN1(tagCtx0, func(b *cryptobyte.Builder) {
					for _, c := range chain {
						b.AddBytes(c.Raw)
					}
				})
				b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) {
					signerInfo(b, leaf, attrs, sigAlg, sig, unsigned)
				})
			})
		})
	})
	return b.Bytes()
}

func signerInfo(b *cryptobyte.Builder, leaf *x509.Certificate, attrs []byte, sigAlg asn1.ObjectIdentifier, sig, unsigned []byte) {
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1Int64(1)
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddBytes(leaf.RawIssuer)
			b.AddASN1BigInt(leaf.SerialNumber)
		})
		algorithmID(b, cms.OIDSHA256)
		// [0] IMPLICIT SET OF Attribute: the signed SET with its tag replaced.
		var body cryptobyte.String
		s := cryptobyte.String(attrs)
		s.ReadASN1(&body, cbasn1.SET)
		b.AddASN1(tagCtx0, func(b *cryptobyte.Builder) { b.AddBytes(body) })
		algorithmID(b, sigAlg)
		b.AddASN1OctetString(sig)
		if unsigned != nil {
			b.AddASN1(tagCtx1, func(b *cryptobyte.Builder) { b.AddBytes(unsigned) })
		}
	})
}
