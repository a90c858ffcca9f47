package cms

import (
	"bytes"
	"crypto/x509"
	"encoding/asn1"
	"fmt"
	"math/big"
	"slices"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// SignedData is a parsed CMS SignedData.
type SignedData struct {
	ContentType  asn1.ObjectIdentifier // eContentType
	Content      []byte                // eContent; nil when the signature is detached
	Certificates []*x509.Certificate   // in the order carried
	// SignerInfos holds exactly one SignerInfo: Attesta's signatures and RFC 3161 tokens have one signer, and
	// ParseContentInfo refuses others.
	SignerInfos []SignerInfo
}

// SignerInfo is a parsed CMS SignerInfo.
type SignerInfo struct {
	// The signer's identifier: Issuer (the DER Name) and Serial, or SubjectKeyID.
	Issuer       []byte
	Serial       *big.Int
	SubjectKeyID []byte

	DigestAlgorithm asn1.ObjectIdentifier
	// SignedAttrs is the DER SET OF the signed attributes, re-tagged from [0] IMPLICIT to SET: the bytes the signature
	// covers (RFC 5652 §5.4).
	SignedAttrs        []byte
	SignatureAlgorithm asn1.ObjectIdentifier
	Signature          []byte
	UnsignedAttrs      Attributes // nil when absent
}

// Attributes maps an attribute type (the OID's dotted string) to the DER of its single value.
type Attributes map[string][]byte

// ParseContentInfo parses a DER ContentInfo holding a SignedData with one SignerInfo. rest is what follows the DER
// element (for PAdES, the zero padding of /Contents); callers decide whether anything may follow.
func ParseContentInfo(der []byte) (sd *SignedData, rest []byte, err error) {
	s := cryptobyte.String(der)
	var ci, content cryptobyte.String
	var ct asn1.ObjectIdentifier
	if !s.ReadASN1(&ci, cbasn1.SEQUENCE) || !ci.ReadASN1ObjectIdentifier(&ct) {
		return nil, nil, fmt.Errorf("%w: not a ContentInfo", ErrMalformed)
	}
	if !ct.Equal(OIDSignedData) {
		return nil, nil, fmt.Errorf("%w: ContentInfo content type %v, want signedData", ErrMalformed, ct)
	}
	if !ci.ReadASN1(&content, tagCtx0) || !ci.Empty() {
		return nil, nil, fmt.Errorf("%w: bad ContentInfo content", ErrMalformed)
	}
	sd, err = parseSignedData(content)
	return sd, s, err
}

func parseSignedData(content cryptobyte.String) (*SignedData, error) {
	var body, digestAlgs, encap, certs, signerInfos cryptobyte.String
	var version int64
	if !content.ReadASN1(&body, cbasn1.SEQUENCE) || !content.Empty() || !body.ReadASN1Integer(&version) ||
		!body.ReadASN1(&digestAlgs, cbasn1.SET) || !body.ReadASN1(&encap, cbasn1.SEQUENCE) {
		return nil, fmt.Errorf("%w: bad SignedData header", ErrMalformed)
	}
	sd := &SignedData{}
	if err := sd.readEncapsulated(encap); err != nil {
		return nil, err
	}
	var hasCerts bool
	if !body.ReadOptionalASN1(&certs, &hasCerts, tagCtx0) || !body.SkipOptionalASN1(tagCtx1) {
		return nil, fmt.Errorf("%w: bad SignedData certificates", ErrMalformed)
	}
	if err := sd.readCertificates(certs); err != nil {
		return nil, err
	}
	if !body.ReadASN1(&signerInfos, cbasn1.SET) || !body.Empty() {
		return nil, fmt.Errorf("%w: bad SignedData signerInfos", ErrMalformed)
	}
	var si cryptobyte.String
	if !signerInfos.ReadASN1(&si, cbasn1.SEQUENCE) || !signerInfos.Empty() {
		return nil, fmt.Errorf("%w: want exactly one SignerInfo", ErrMalformed)
	}
	p, err := parseSignerInfo(si)
	if err != nil {
		return nil, err
	}
	sd.SignerInfos = []SignerInfo{p}
	return sd, nil
}

func (sd *SignedData) readEncapsulated(encap cryptobyte.String) error {
	if !encap.ReadASN1ObjectIdentifier(&sd.ContentType) {
		return fmt.Errorf("%w: bad encapsulated content type", ErrMalformed)
	}
	if encap.PeekASN1Tag(tagCtx0) {
		var explicit, octets cryptobyte.String
		if !encap.ReadASN1(&explicit, tagCtx0) || !explicit.ReadASN1(&octets, cbasn1.OCTET_STRING) || !explicit.Empty() {
			return fmt.Errorf("%w: bad encapsulated content", ErrMalformed)
		}
		sd.Content = octets
	}
	if !encap.Empty() {
		return fmt.Errorf("%w: trailing data in the encapsulated content", ErrMalformed)
	}
	return nil
}

// readCertificates parses the certificate set; other certificate formats (attribute certificates and the like) are
// refused rather than skipped.
func (sd *SignedData) readCertificates(certs cryptobyte.String) error {
	for !certs.Empty() {
		var raw cryptobyte.String
		var tag cbasn1.Tag
		if !certs.ReadAnyASN1Element(&raw, &tag) {
			return fmt.Errorf("%w: bad certificate set", ErrMalformed)
		}
		if tag != cbasn1.SEQUENCE {
			return fmt.Errorf("%w: certificate %d: choice with tag %#x, only X.509 certificates are read", ErrUnsupported, len(sd.Certificates), tag)
		}
		c, err := x509.ParseCertificate(raw)
		if err != nil {
			return fmt.Errorf("%w: certificate %d: %w", ErrMalformed, len(sd.Certificates), err)
		}
		sd.Certificates = append(sd.Certificates, c)
	}
	return nil
}

func parseSignerInfo(si cryptobyte.String) (SignerInfo, error) {
	var p SignerInfo
	var version int64
	if !si.ReadASN1Integer(&version) {
		return p, fmt.Errorf("%w: bad SignerInfo version", ErrMalformed)
	}
	if err := p.readSID(&si); err != nil {
		return p, err
	}
	var err error
	if p.DigestAlgorithm, err = readAlgorithm(&si); err != nil {
		return p, err
	}
	if si.PeekASN1Tag(tagCtx0) {
		if p.SignedAttrs, err = readAttributeSet(&si, tagCtx0); err != nil {
			return p, fmt.Errorf("signed attributes: %w", err)
		}
	}
	if p.SignatureAlgorithm, err = readAlgorithm(&si); err != nil {
		return p, err
	}
	var sig cryptobyte.String
	if !si.ReadASN1(&sig, cbasn1.OCTET_STRING) {
		return p, fmt.Errorf("%w: bad signature value", ErrMalformed)
	}
	p.Signature = sig
	if si.PeekASN1Tag(tagCtx1) {
		set, err := readAttributeSet(&si, tagCtx1)
		if err != nil {
			return p, fmt.Errorf("unsigned attributes: %w", err)
		}
		if p.UnsignedAttrs, err = ParseAttributes(set); err != nil {
			return p, fmt.Errorf("unsigned attributes: %w", err)
		}
	}
	if !si.Empty() {
		return p, fmt.Errorf("%w: trailing data in SignerInfo", ErrMalformed)
	}
	return p, nil
}

// readAttributeSet reads a [n] IMPLICIT SET OF Attribute and returns its exact bytes re-tagged as a SET.
func readAttributeSet(s *cryptobyte.String, tag cbasn1.Tag) ([]byte, error) {
	var elem cryptobyte.String
	if !s.ReadASN1Element(&elem, tag) {
		return nil, fmt.Errorf("%w: bad attribute set", ErrMalformed)
	}
	return append([]byte{byte(cbasn1.SET)}, elem[1:]...), nil
}

func (p *SignerInfo) readSID(si *cryptobyte.String) error {
	if si.PeekASN1Tag(cbasn1.Tag(0).ContextSpecific()) {
		var ski cryptobyte.String
		if !si.ReadASN1(&ski, cbasn1.Tag(0).ContextSpecific()) {
			return fmt.Errorf("%w: bad signer key identifier", ErrMalformed)
		}
		p.SubjectKeyID = ski
		return nil
	}
	var ias, issuer cryptobyte.String
	p.Serial = new(big.Int)
	if !si.ReadASN1(&ias, cbasn1.SEQUENCE) || !ias.ReadASN1Element(&issuer, cbasn1.SEQUENCE) ||
		!ias.ReadASN1Integer(p.Serial) || !ias.Empty() {
		return fmt.Errorf("%w: bad signer identifier", ErrMalformed)
	}
	p.Issuer = issuer
	return nil
}

// readAlgorithm reads an AlgorithmIdentifier's OID; its parameters are not used by the allowed algorithms.
func readAlgorithm(s *cryptobyte.String) (asn1.ObjectIdentifier, error) {
	var alg cryptobyte.String
	var oid asn1.ObjectIdentifier
	if !s.ReadASN1(&alg, cbasn1.SEQUENCE) || !alg.ReadASN1ObjectIdentifier(&oid) {
		return nil, fmt.Errorf("%w: bad algorithm identifier", ErrMalformed)
	}
	return oid, nil
}

// ParseAttributes parses a DER SET OF Attribute. Each attribute must have exactly one value and appear once.
func ParseAttributes(set []byte) (Attributes, error) {
	s := cryptobyte.String(set)
	var body cryptobyte.String
	if !s.ReadASN1(&body, cbasn1.SET) || !s.Empty() {
		return nil, fmt.Errorf("%w: bad attribute set", ErrMalformed)
	}
	m := Attributes{}
	for !body.Empty() {
		var attr, values, value cryptobyte.String
		var oid asn1.ObjectIdentifier
		var tag cbasn1.Tag
		if !body.ReadASN1(&attr, cbasn1.SEQUENCE) || !attr.ReadASN1ObjectIdentifier(&oid) ||
			!attr.ReadASN1(&values, cbasn1.SET) || !attr.Empty() || !values.ReadAnyASN1Element(&value, &tag) {
			return nil, fmt.Errorf("%w: bad attribute", ErrMalformed)
		}
		if !values.Empty() {
			return nil, fmt.Errorf("%w: attribute %v has several values", ErrMalformed, oid)
		}
		if _, dup := m[oid.String()]; dup {
			return nil, fmt.Errorf("%w: attribute %v repeated", ErrMalformed, oid)
		}
		m[oid.String()] = value
	}
	return m, nil
}

// SignedAttributes returns the DER SET OF attrs (each a DER Attribute), sorted by their encodings as DER requires of
// a SET OF (X.690 §11.6): the bytes a SignerInfo's signature covers, before their tag becomes [0] IMPLICIT.
func SignedAttributes(attrs ...[]byte) []byte {
	sorted := slices.Clone(attrs)
	slices.SortFunc(sorted, bytes.Compare)
	b := cryptobyte.NewBuilder(nil)
	b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) {
		for _, a := range sorted {
			b.AddBytes(a)
		}
	})
	return b.BytesOrPanic()
}
