package pades

import (
	"bytes"
	"crypto"
	_ "crypto/sha1" // ESS signing-certificate (v1) names certificates by SHA-1
	_ "crypto/sha512"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// signedData is a parsed CMS SignedData with exactly one SignerInfo.
type signedData struct {
	eContentType asn1.ObjectIdentifier
	eContent     []byte // nil when detached
	certs        []*x509.Certificate
	signer       parsedSignerInfo
}

type parsedSignerInfo struct {
	issuer    []byte // raw Name, when identified by issuer and serial
	serial    *big.Int
	ski       []byte // when identified by subject key identifier
	digestAlg asn1.ObjectIdentifier
	// signedAttrs is the DER SET OF the signed attributes, re-tagged from
	// [0] IMPLICIT to SET: the bytes the signature covers.
	signedAttrs []byte
	attrs       map[string][]byte // attribute type → its single value
	sigAlg      asn1.ObjectIdentifier
	sig         []byte
	unsigned    map[string][]byte
}

var errCMS = fmt.Errorf("%w: CMS", ErrMalformed)

// parseContentInfo parses a DER ContentInfo holding a SignedData; rest is
// what follows the DER element (the zero padding of /Contents).
func parseContentInfo(der []byte) (sd *signedData, rest []byte, err error) {
	s := cryptobyte.String(der)
	var ci, content cryptobyte.String
	var ct asn1.ObjectIdentifier
	if !s.ReadASN1(&ci, cbasn1.SEQUENCE) || !ci.ReadASN1ObjectIdentifier(&ct) {
		return nil, nil, fmt.Errorf("%w: not a ContentInfo", errCMS)
	}
	if !ct.Equal(oidSignedData) {
		return nil, nil, fmt.Errorf("%w: content type %v, want signedData", errCMS, ct)
	}
	if !ci.ReadASN1(&content, tagCtx0) || !ci.Empty() {
		return nil, nil, fmt.Errorf("%w: bad ContentInfo content", errCMS)
	}
	sd, err = parseSignedData(content)
	return sd, s, err
}

func parseSignedData(content cryptobyte.String) (*signedData, error) {
	var body, digestAlgs, encap, certs, signerInfos cryptobyte.String
	var version int64
	if !content.ReadASN1(&body, cbasn1.SEQUENCE) || !body.ReadASN1Integer(&version) ||
		!body.ReadASN1(&digestAlgs, cbasn1.SET) || !body.ReadASN1(&encap, cbasn1.SEQUENCE) {
		return nil, fmt.Errorf("%w: bad SignedData header", errCMS)
	}
	sd := &signedData{}
	if !encap.ReadASN1ObjectIdentifier(&sd.eContentType) {
		return nil, fmt.Errorf("%w: bad encapsulated content type", errCMS)
	}
	if encap.PeekASN1Tag(tagCtx0) {
		var explicit, octets cryptobyte.String
		if !encap.ReadASN1(&explicit, tagCtx0) || !explicit.ReadASN1(&octets, cbasn1.OCTET_STRING) {
			return nil, fmt.Errorf("%w: bad encapsulated content", errCMS)
		}
		sd.eContent = octets
	}
	var hasCerts bool
	if !body.ReadOptionalASN1(&certs, &hasCerts, tagCtx0) || !body.SkipOptionalASN1(tagCtx1) {
		return nil, fmt.Errorf("%w: bad certificates", errCMS)
	}
	for !certs.Empty() {
		var raw cryptobyte.String
		var tag cbasn1.Tag
		if !certs.ReadAnyASN1Element(&raw, &tag) {
			return nil, fmt.Errorf("%w: bad certificate set", errCMS)
		}
		if tag != cbasn1.SEQUENCE {
			continue // other certificate formats are not used here
		}
		c, err := x509.ParseCertificate(raw)
		if err != nil {
			return nil, fmt.Errorf("%w: certificate %d: %w", errCMS, len(sd.certs), err)
		}
		sd.certs = append(sd.certs, c)
	}
	if !body.ReadASN1(&signerInfos, cbasn1.SET) {
		return nil, fmt.Errorf("%w: bad signerInfos", errCMS)
	}
	var si cryptobyte.String
	if !signerInfos.ReadASN1(&si, cbasn1.SEQUENCE) || !signerInfos.Empty() {
		return nil, fmt.Errorf("%w: want exactly one SignerInfo", errCMS)
	}
	var err error
	sd.signer, err = parseSignerInfo(si)
	return sd, err
}

func parseSignerInfo(si cryptobyte.String) (parsedSignerInfo, error) {
	var p parsedSignerInfo
	var version int64
	if !si.ReadASN1Integer(&version) {
		return p, fmt.Errorf("%w: bad SignerInfo version", errCMS)
	}
	if err := p.readSID(&si); err != nil {
		return p, err
	}
	var err error
	if p.digestAlg, err = readAlgorithm(&si); err != nil {
		return p, err
	}
	if si.PeekASN1Tag(tagCtx0) {
		var elem cryptobyte.String
		if !si.ReadASN1Element(&elem, tagCtx0) {
			return p, fmt.Errorf("%w: bad signed attributes", errCMS)
		}
		p.signedAttrs = append([]byte{0x31}, elem[1:]...)
		if p.attrs, err = parseAttributes(p.signedAttrs); err != nil {
			return p, fmt.Errorf("signed attributes: %w", err)
		}
	}
	if p.sigAlg, err = readAlgorithm(&si); err != nil {
		return p, err
	}
	var sig cryptobyte.String
	if !si.ReadASN1(&sig, cbasn1.OCTET_STRING) {
		return p, fmt.Errorf("%w: bad signature value", errCMS)
	}
	p.sig = sig
	if si.PeekASN1Tag(tagCtx1) {
		var elem cryptobyte.String
		if !si.ReadASN1Element(&elem, tagCtx1) {
			return p, fmt.Errorf("%w: bad unsigned attributes", errCMS)
		}
		if p.unsigned, err = parseAttributes(append([]byte{0x31}, elem[1:]...)); err != nil {
			return p, fmt.Errorf("unsigned attributes: %w", err)
		}
	}
	if !si.Empty() {
		return p, fmt.Errorf("%w: trailing data in SignerInfo", errCMS)
	}
	return p, nil
}

func (p *parsedSignerInfo) readSID(si *cryptobyte.String) error {
	if si.PeekASN1Tag(cbasn1.Tag(0).ContextSpecific()) {
		var ski cryptobyte.String
		if !si.ReadASN1(&ski, cbasn1.Tag(0).ContextSpecific()) {
			return fmt.Errorf("%w: bad signer key identifier", errCMS)
		}
		p.ski = ski
		return nil
	}
	var ias, issuer cryptobyte.String
	p.serial = new(big.Int)
	if !si.ReadASN1(&ias, cbasn1.SEQUENCE) || !ias.ReadASN1Element(&issuer, cbasn1.SEQUENCE) ||
		!ias.ReadASN1Integer(p.serial) {
		return fmt.Errorf("%w: bad signer identifier", errCMS)
	}
	p.issuer = issuer
	return nil
}

func readAlgorithm(s *cryptobyte.String) (asn1.ObjectIdentifier, error) {
	var alg cryptobyte.String
	var oid asn1.ObjectIdentifier
	if !s.ReadASN1(&alg, cbasn1.SEQUENCE) || !alg.ReadASN1ObjectIdentifier(&oid) {
		return nil, fmt.Errorf("%w: bad algorithm identifier", errCMS)
	}
	return oid, nil
}

// parseAttributes parses a DER SET OF Attribute, one value per type.
func parseAttributes(set []byte) (map[string][]byte, error) {
	s := cryptobyte.String(set)
	var body cryptobyte.String
	if !s.ReadASN1(&body, cbasn1.SET) {
		return nil, fmt.Errorf("%w: bad attribute set", errCMS)
	}
	m := map[string][]byte{}
	for !body.Empty() {
		var attr, values, value cryptobyte.String
		var oid asn1.ObjectIdentifier
		var tag cbasn1.Tag
		if !body.ReadASN1(&attr, cbasn1.SEQUENCE) || !attr.ReadASN1ObjectIdentifier(&oid) ||
			!attr.ReadASN1(&values, cbasn1.SET) || !values.ReadAnyASN1Element(&value, &tag) {
			return nil, fmt.Errorf("%w: bad attribute", errCMS)
		}
		if !values.Empty() {
			return nil, fmt.Errorf("%w: attribute %v has several values", errCMS, oid)
		}
		if _, dup := m[oid.String()]; dup {
			return nil, fmt.Errorf("%w: attribute %v repeated", errCMS, oid)
		}
		m[oid.String()] = value
	}
	return m, nil
}

// signerCert finds the certificate the SignerInfo names.
func (sd *signedData) signerCert() (*x509.Certificate, error) {
	p := sd.signer
	for _, c := range sd.certs {
		if p.ski != nil && bytes.Equal(c.SubjectKeyId, p.ski) {
			return c, nil
		}
		if p.serial != nil && bytes.Equal(c.RawIssuer, p.issuer) && c.SerialNumber.Cmp(p.serial) == 0 {
			return c, nil
		}
	}
	return nil, fmt.Errorf("%w: the signer's certificate is not in the CMS", ErrCertMismatch)
}

// verifySigner checks content-type, message-digest against contentDigest
// (computed with the SignerInfo's digest algorithm) and the signature.
func (sd *signedData) verifySigner(contentType asn1.ObjectIdentifier, content func(crypto.Hash) []byte) (*x509.Certificate, error) {
	p := sd.signer
	if p.signedAttrs == nil {
		return nil, fmt.Errorf("%w: no signed attributes", errCMS)
	}
	cert, err := sd.signerCert()
	if err != nil {
		return nil, err
	}
	var ct asn1.ObjectIdentifier
	if v, ok := p.attrs[oidAttrContentType.String()]; !ok || !readOID(v, &ct) || !ct.Equal(contentType) {
		return nil, fmt.Errorf("%w: content-type attribute missing or not %v", errCMS, contentType)
	}
	h, err := hashFor(p.digestAlg)
	if err != nil {
		return nil, err
	}
	var md cryptobyte.String
	v := cryptobyte.String(p.attrs[oidAttrMessageDigest.String()])
	if !v.ReadASN1(&md, cbasn1.OCTET_STRING) {
		return nil, fmt.Errorf("%w: message-digest attribute missing", errCMS)
	}
	if !bytes.Equal(md, content(h)) {
		return nil, ErrDigestMismatch
	}
	if err := checkSignature(cert, p.sigAlg, p.digestAlg, p.signedAttrs, p.sig); err != nil {
		return nil, err
	}
	return cert, nil
}

func readOID(der []byte, oid *asn1.ObjectIdentifier) bool {
	s := cryptobyte.String(der)
	return s.ReadASN1ObjectIdentifier(oid) && s.Empty()
}

func hashFor(oid asn1.ObjectIdentifier) (crypto.Hash, error) {
	switch {
	case oid.Equal(oidSHA256):
		return crypto.SHA256, nil
	case oid.Equal(oidSHA384):
		return crypto.SHA384, nil
	case oid.Equal(oidSHA512):
		return crypto.SHA512, nil
	}
	return 0, fmt.Errorf("%w: digest algorithm %v", ErrUnsupported, oid)
}

// x509Algorithm maps a CMS signature algorithm (and, for bare key
// algorithms, the digest algorithm) to crypto/x509's name for it.
func x509Algorithm(sigAlg, digestAlg asn1.ObjectIdentifier) (x509.SignatureAlgorithm, error) {
	ecdsaBy := map[crypto.Hash]x509.SignatureAlgorithm{crypto.SHA256: x509.ECDSAWithSHA256, crypto.SHA384: x509.ECDSAWithSHA384, crypto.SHA512: x509.ECDSAWithSHA512}
	rsaBy := map[crypto.Hash]x509.SignatureAlgorithm{crypto.SHA256: x509.SHA256WithRSA, crypto.SHA384: x509.SHA384WithRSA, crypto.SHA512: x509.SHA512WithRSA}
	switch {
	case len(sigAlg) == len(oidECDSAWithSHA2)+1 && sigAlg[:len(oidECDSAWithSHA2)].Equal(oidECDSAWithSHA2):
		switch sigAlg[len(sigAlg)-1] {
		case 2:
			return x509.ECDSAWithSHA256, nil
		case 3:
			return x509.ECDSAWithSHA384, nil
		case 4:
			return x509.ECDSAWithSHA512, nil
		}
	case sigAlg.Equal(oidSHA256WithRSA):
		return x509.SHA256WithRSA, nil
	case sigAlg.Equal(oidSHA384WithRSA):
		return x509.SHA384WithRSA, nil
	case sigAlg.Equal(oidSHA512WithRSA):
		return x509.SHA512WithRSA, nil
	case sigAlg.Equal(oidECPublicKey), sigAlg.Equal(oidRSAEncryption):
		h, err := hashFor(digestAlg)
		if err != nil {
			return 0, err
		}
		if sigAlg.Equal(oidECPublicKey) {
			return ecdsaBy[h], nil
		}
		return rsaBy[h], nil
	}
	return 0, fmt.Errorf("%w: signature algorithm %v", ErrUnsupported, sigAlg)
}

func checkSignature(cert *x509.Certificate, sigAlg, digestAlg asn1.ObjectIdentifier, signed, sig []byte) error {
	alg, err := x509Algorithm(sigAlg, digestAlg)
	if err != nil {
		return err
	}
	if err := cert.CheckSignature(alg, signed, sig); err != nil {
		return fmt.Errorf("%w: %w", ErrBadSignature, err)
	}
	return nil
}

// checkESS checks that the ESS signing-certificate(-v2) attribute names
// cert. required says whether its absence is an error.
func (sd *signedData) checkESS(cert *x509.Certificate, required bool) error {
	attrs := sd.signer.attrs
	if v, ok := attrs[oidAttrSigningCertV2.String()]; ok {
		return checkESSCertID(v, cert, true)
	}
	if v, ok := attrs[oidAttrSigningCert.String()]; ok {
		return checkESSCertID(v, cert, false)
	}
	if required {
		return fmt.Errorf("%w: no signing-certificate-v2 attribute", ErrCertMismatch)
	}
	return nil
}

// checkESSCertID checks the first ESSCertID(v2) of a SigningCertificate(V2).
func checkESSCertID(der []byte, cert *x509.Certificate, v2 bool) error {
	s := cryptobyte.String(der)
	var sc, ids, id, certHash cryptobyte.String
	if !s.ReadASN1(&sc, cbasn1.SEQUENCE) || !sc.ReadASN1(&ids, cbasn1.SEQUENCE) || !ids.ReadASN1(&id, cbasn1.SEQUENCE) {
		return fmt.Errorf("%w: bad signing-certificate attribute", ErrCertMismatch)
	}
	h := crypto.SHA1
	if v2 {
		h = crypto.SHA256
		if id.PeekASN1Tag(cbasn1.SEQUENCE) {
			oid, err := readAlgorithm(&id)
			if err != nil {
				return err
			}
			if h, err = hashFor(oid); err != nil {
				return err
			}
		}
	}
	if !id.ReadASN1(&certHash, cbasn1.OCTET_STRING) {
		return fmt.Errorf("%w: bad ESSCertID", ErrCertMismatch)
	}
	if !bytes.Equal(certHash, digestOf(h, cert.Raw)) {
		return fmt.Errorf("%w: certificate hash in the signing-certificate attribute differs from the signer certificate", ErrCertMismatch)
	}
	return nil
}

func digestOf(h crypto.Hash, data ...[]byte) []byte {
	d := h.New()
	for _, b := range data {
		d.Write(b)
	}
	return d.Sum(nil)
}

// TimestampInfo describes the RFC 3161 signature time-stamp (PAdES B-T).
type TimestampInfo struct {
	// Time is the token's genTime.
	Time time.Time
	// Hash is the imprint's hash algorithm and Imprint the hashed message:
	// Verify has checked that it is the hash of the CMS signature value.
	Hash    crypto.Hash
	Imprint []byte
	// Serial and Policy are the token's serial number and TSA policy.
	Serial *big.Int
	Policy asn1.ObjectIdentifier
	// TSA is the certificate whose key signed the token (its signature and
	// ESS binding checked; its trust is the caller's decision). Certs are
	// all certificates the token carries.
	TSA   *x509.Certificate
	Certs []*x509.Certificate
	// Token is the TimeStampToken (a DER ContentInfo).
	Token []byte
}

// parseTimestampToken parses and checks an RFC 3161 TimeStampToken: its
// imprint must be the hash of signature and its CMS signature must verify
// with the TSA certificate it carries.
func parseTimestampToken(token, signature []byte) (*TimestampInfo, error) {
	ti, err := checkTimestampToken(token, signature)
	if err != nil {
		if errors.Is(err, ErrTimestamp) {
			return nil, err
		}
		return nil, fmt.Errorf("%w: %w", ErrTimestamp, err)
	}
	return ti, nil
}

func checkTimestampToken(token, signature []byte) (*TimestampInfo, error) {
	sd, rest, err := parseContentInfo(token)
	if err != nil {
		return nil, err
	}
	if len(rest) != 0 {
		return nil, fmt.Errorf("%w: %d bytes after the token", errCMS, len(rest))
	}
	if !sd.eContentType.Equal(oidTSTInfo) || sd.eContent == nil {
		return nil, fmt.Errorf("token does not encapsulate a TSTInfo")
	}
	ti, err := parseTSTInfo(sd.eContent)
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(ti.Imprint, digestOf(ti.Hash, signature)) {
		return nil, fmt.Errorf("%w: the token's message imprint is not the hash of this signature value", ErrTimestamp)
	}
	cert, err := sd.verifySigner(oidTSTInfo, func(h crypto.Hash) []byte { return digestOf(h, sd.eContent) })
	if err != nil {
		return nil, fmt.Errorf("token signature: %w", err)
	}
	if err := sd.checkESS(cert, false); err != nil {
		return nil, fmt.Errorf("token: %w", err)
	}
	ti.TSA, ti.Certs, ti.Token = cert, sd.certs, token
	return ti, nil
}

func parseTSTInfo(der []byte) (*TimestampInfo, error) {
	s := cryptobyte.String(der)
	var body, imprint, hashed, gen cryptobyte.String
	var version int64
	ti := &TimestampInfo{Serial: new(big.Int)}
	if !s.ReadASN1(&body, cbasn1.SEQUENCE) || !body.ReadASN1Integer(&version) ||
		!body.ReadASN1ObjectIdentifier(&ti.Policy) || !body.ReadASN1(&imprint, cbasn1.SEQUENCE) {
		return nil, fmt.Errorf("%w: bad TSTInfo", errCMS)
	}
	alg, err := readAlgorithm(&imprint)
	if err != nil {
		return nil, err
	}
	if ti.Hash, err = hashFor(alg); err != nil {
		return nil, err
	}
	if !imprint.ReadASN1(&hashed, cbasn1.OCTET_STRING) || !body.ReadASN1Integer(ti.Serial) ||
		!body.ReadASN1(&gen, cbasn1.GeneralizedTime) {
		return nil, fmt.Errorf("%w: bad TSTInfo", errCMS)
	}
	ti.Imprint = hashed
	// genTime may carry fractional seconds, which x/crypto does not read.
	t, err := time.Parse("20060102150405.999999999Z", string(gen))
	if err != nil {
		return nil, fmt.Errorf("%w: bad TSTInfo genTime %q", errCMS, truncate(string(gen)))
	}
	ti.Time = t
	return ti, nil
}
