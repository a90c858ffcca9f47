package cms

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"math/big"
	"slices"
	"testing"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/attesta/attesta/internal/testpki"
)

// This file builds CMS SignedData and RFC 3161 tokens from parts, so that each test can break exactly one rule. The
// encodings follow RFC 5652, RFC 3161 and RFC 5035; the real tokens and signatures, from OpenSSL and from
// report/pades, are the fuzz seeds in testdata/fuzz.

// pki is a CA with a signer certificate, another certificate of the same CA and a certificate of another CA with
// the signer's serial number.
type pki struct {
	key                  *ecdsa.PrivateKey
	cert, sibling, alien *x509.Certificate
}

func newPKI(t testing.TB) *pki {
	t.Helper()
	caKey, caCert := issue(t, "Test CA", 1, nil, nil)
	otherKey, otherCA := issue(t, "Other CA", 1, nil, nil)
	key, cert := issue(t, "Test TSA", 2, caKey, caCert)
	_, sibling := issue(t, "Test TSA 2", 3, caKey, caCert)
	_, alien := issue(t, "Test TSA", 2, otherKey, otherCA)
	return &pki{key: key, cert: cert, sibling: sibling, alien: alien}
}

// issue creates a P-256 key and a time-stamping certificate for it, self-signed when parent is nil.
func issue(t testing.TB, cn string, serial int64, parentKey *ecdsa.PrivateKey, parent *x509.Certificate) (*ecdsa.PrivateKey, *x509.Certificate) {
	t.Helper()
	key := testpki.Key(t)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping}, SubjectKeyId: []byte(cn),
	}
	if parent == nil {
		parentKey = key
	}
	return key, testpki.Issue(t, tmpl, parent, key, parentKey)
}

// spec describes one SignedData; the zero value of each field means "as a well-behaved TSA writes it".
type spec struct {
	content       []byte // encapsulated; nil with detached
	detached      []byte // the detached content, for message-digest
	contentType   asn1.ObjectIdentifier
	attrType      asn1.ObjectIdentifier // the content-type attribute's value
	digestAlg     asn1.ObjectIdentifier
	sigAlg        asn1.ObjectIdentifier
	messageDigest []byte
	noDigestAttr  bool
	ess           *essAttr // the signing-certificate attribute; nil means essV2(signer, SHA-256, issuerSerial)
	noESS         bool
	extraAttrs    [][]byte
	certs         []*x509.Certificate // carried; nil means the signer's
	bySKI         bool                // identify the signer by subject key identifier
	breakSig      bool
}

func (p *pki) build(t testing.TB, s spec) []byte {
	t.Helper()
	s.contentType = or(s.contentType, OIDTSTInfo)
	s.attrType = or(s.attrType, s.contentType)
	s.digestAlg = or(s.digestAlg, OIDSHA256)
	s.sigAlg = or(s.sigAlg, OIDECDSAWithSHA256)
	if s.certs == nil {
		s.certs = []*x509.Certificate{p.cert}
	}
	h, err := HashFor(s.digestAlg)
	if err != nil {
		h = crypto.SHA256 // a disallowed algorithm: what is hashed does not matter
	}
	if s.messageDigest == nil {
		s.messageDigest = hashOf(h, append(bytes.Clone(s.content), s.detached...))
	}
	attrs := p.signedAttrs(s)
	sig, err := p.key.Sign(rand.Reader, hashOf(h, attrs), h)
	if err != nil {
		t.Fatal(err)
	}
	if s.breakSig {
		sig[len(sig)-1] ^= 1
	}
	b := cryptobyte.NewBuilder(nil)
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(OIDSignedData)
		b.AddASN1(tagCtx0, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1Int64(3)
				b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) { algorithm(b, s.digestAlg) })
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1ObjectIdentifier(s.contentType)
					if s.content != nil {
						b.AddASN1(tagCtx0, func(b *cryptobyte.Builder) { b.AddASN1OctetString(s.content) })
					}
				})
				b.AddASN1(tagCtx0, func(b *cryptobyte.Builder) {
					for _, c := range s.certs {
						b.AddBytes(c.Raw)
					}
				})
				b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) { p.signerInfo(b, s, attrs, sig) })
			})
		})
	})
	return b.BytesOrPanic()
}

func (p *pki) signerInfo(b *cryptobyte.Builder, s spec, attrs, sig []byte) {
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		if s.bySKI {
			b.AddASN1Int64(3)
			b.AddASN1(cbasn1.Tag(0).ContextSpecific(), func(b *cryptobyte.Builder) { b.AddBytes(p.cert.SubjectKeyId) })
		} else {
			b.AddASN1Int64(1)
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddBytes(p.cert.RawIssuer)
				b.AddASN1BigInt(p.cert.SerialNumber)
			})
		}
		algorithm(b, s.digestAlg)
		b.AddBytes(append([]byte{byte(tagCtx0)}, attrs[1:]...))
		algorithm(b, s.sigAlg)
		b.AddASN1OctetString(sig)
	})
}

func (p *pki) signedAttrs(s spec) []byte {
	attrs := slices.Clone(s.extraAttrs)
	attrs = append(attrs, attr(OIDAttrContentType, func(b *cryptobyte.Builder) { b.AddASN1ObjectIdentifier(s.attrType) }))
	if !s.noDigestAttr {
		attrs = append(attrs, attr(OIDAttrMessageDigest, func(b *cryptobyte.Builder) { b.AddASN1OctetString(s.messageDigest) }))
	}
	if !s.noESS {
		ess := s.ess
		if ess == nil {
			ess = essV2(p.cert, nil, p.cert.RawIssuer, p.cert.SerialNumber)
		}
		attrs = append(attrs, attr(ess.oid, func(b *cryptobyte.Builder) { b.AddBytes(ess.der) }))
	}
	return SignedAttributes(attrs...)
}

func attr(oid asn1.ObjectIdentifier, value cryptobyte.BuilderContinuation) []byte {
	b := cryptobyte.NewBuilder(nil)
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(oid)
		b.AddASN1(cbasn1.SET, value)
	})
	return b.BytesOrPanic()
}

// essAttr is a signing-certificate attribute: its type (v1 or v2) and value.
type essAttr struct {
	oid asn1.ObjectIdentifier
	der []byte
}

// truncated returns the attribute with its value cut to n bytes.
func (a *essAttr) truncated(n int) *essAttr { return &essAttr{a.oid, a.der[:n]} }

// essV2 encodes a SigningCertificateV2 naming cert by hashAlg (nil: the SHA-256 default, omitted) and, when issuer
// is not nil, an issuerSerial.
func essV2(cert *x509.Certificate, hashAlg asn1.ObjectIdentifier, issuer []byte, serial *big.Int) *essAttr {
	h := crypto.SHA256
	if hashAlg != nil {
		h = map[string]crypto.Hash{OIDSHA1.String(): crypto.SHA1, OIDSHA384.String(): crypto.SHA384}[hashAlg.String()]
	}
	return &essAttr{OIDAttrSigningCertV2, ess(hashAlg, hashOf(h, cert.Raw), issuer, serial)}
}

// essV1 encodes a SigningCertificate (SHA-1) naming cert, with an issuerSerial when issuer is not nil.
func essV1(cert *x509.Certificate, issuer []byte, serial *big.Int) *essAttr {
	return &essAttr{OIDAttrSigningCert, ess(nil, hashOf(crypto.SHA1, cert.Raw), issuer, serial)}
}

func ess(hashAlg asn1.ObjectIdentifier, certHash, issuer []byte, serial *big.Int) []byte {
	b := cryptobyte.NewBuilder(nil)
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				if hashAlg != nil {
					algorithm(b, hashAlg)
				}
				b.AddASN1OctetString(certHash)
				if issuer == nil {
					return
				}
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
						b.AddASN1(tagCtx4, func(b *cryptobyte.Builder) { b.AddBytes(issuer) })
					})
					b.AddASN1BigInt(serial)
				})
			})
		})
	})
	return b.BytesOrPanic()
}

// tst describes a TSTInfo; genTime "" means a fixed time with milliseconds.
type tst struct {
	version  int64
	genTime  string
	imprint  []byte
	hashAlg  asn1.ObjectIdentifier
	trailing bool
}

func (s tst) der() []byte {
	if s.version == 0 {
		s.version = 1
	}
	s.hashAlg = or(s.hashAlg, OIDSHA256)
	if s.imprint == nil {
		s.imprint = hashOf(crypto.SHA256, []byte("stamped"))
	}
	if s.genTime == "" {
		s.genTime = "20261206213000.123Z"
	}
	b := cryptobyte.NewBuilder(nil)
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1Int64(s.version)
		b.AddASN1ObjectIdentifier(asn1.ObjectIdentifier{1, 2, 3, 4, 1})
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			algorithm(b, s.hashAlg)
			b.AddASN1OctetString(s.imprint)
		})
		b.AddASN1Int64(42)
		b.AddASN1(cbasn1.GeneralizedTime, func(b *cryptobyte.Builder) { b.AddBytes([]byte(s.genTime)) })
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // accuracy: 1 s 500 ms 100 µs
			b.AddASN1Int64(1)
			b.AddASN1(cbasn1.Tag(0).ContextSpecific(), func(b *cryptobyte.Builder) { b.AddBytes([]byte{0x01, 0xf4}) })
			b.AddASN1(cbasn1.Tag(1).ContextSpecific(), func(b *cryptobyte.Builder) { b.AddBytes([]byte{0x64}) })
		})
		b.AddASN1Boolean(true)
		b.AddASN1Int64(7) // nonce
		b.AddASN1(tagCtx0, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.Tag(2).ContextSpecific(), func(b *cryptobyte.Builder) { b.AddBytes([]byte("tsa.example")) })
		})
		if s.trailing {
			b.AddASN1Int64(0)
		}
	})
	return b.BytesOrPanic()
}

func algorithm(b *cryptobyte.Builder, oid asn1.ObjectIdentifier) {
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { b.AddASN1ObjectIdentifier(oid) })
}

func hashOf(h crypto.Hash, data []byte) []byte {
	d := h.New()
	d.Write(data)
	return d.Sum(nil)
}

func or(oid, def asn1.ObjectIdentifier) asn1.ObjectIdentifier {
	if oid == nil {
		return def
	}
	return oid
}
