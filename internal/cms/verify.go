package cms

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// SignerCertificate returns the certificate the SignerInfo names, from those the SignedData carries. Two
// certificates that both match (the same issuer name and serial number, or key identifier) are refused.
func (sd *SignedData) SignerCertificate() (*x509.Certificate, error) {
	p := sd.SignerInfos[0]
	var found *x509.Certificate
	for _, c := range sd.Certificates {
		bySKI := p.SubjectKeyID != nil && len(c.SubjectKeyId) > 0 && bytes.Equal(c.SubjectKeyId, p.SubjectKeyID)
		bySerial := p.Serial != nil && bytes.Equal(c.RawIssuer, p.Issuer) && c.SerialNumber.Cmp(p.Serial) == 0
		if !bySKI && !bySerial {
			continue
		}
		if found != nil && !found.Equal(c) {
			return nil, fmt.Errorf("%w: two certificates match the signer identifier", ErrMalformed)
		}
		found = c
	}
	if found == nil {
		return nil, ErrNoCertificate
	}
	return found, nil
}

// Verify checks the SignerInfo's signed attributes and signature (see the package doc) and returns the signer's
// certificate and the signed attributes. contentType is the content type the signature must be over; digest returns
// the content's digest with the SignerInfo's digest algorithm, which Verify has already checked is allowed. Whether
// the certificate is trusted is the caller's to judge.
func (sd *SignedData) Verify(contentType asn1.ObjectIdentifier, digest func(crypto.Hash) []byte) (*x509.Certificate, Attributes, error) {
	p := sd.SignerInfos[0]
	if p.SignedAttrs == nil {
		return nil, nil, fmt.Errorf("%w: no signed attributes", ErrBadSignature)
	}
	cert, err := sd.SignerCertificate()
	if err != nil {
		return nil, nil, err
	}
	attrs, err := ParseAttributes(p.SignedAttrs)
	if err != nil {
		return nil, nil, fmt.Errorf("signed attributes: %w", err)
	}
	var ct asn1.ObjectIdentifier
	if v, ok := attrs[OIDAttrContentType.String()]; !ok || !readOID(v, &ct) || !ct.Equal(contentType) {
		return nil, nil, fmt.Errorf("%w: content-type attribute missing or not %v", ErrBadSignature, contentType)
	}
	h, err := HashFor(p.DigestAlgorithm)
	if err != nil {
		return nil, nil, err
	}
	var md cryptobyte.String
	v := cryptobyte.String(attrs[OIDAttrMessageDigest.String()])
	if !v.ReadASN1(&md, cbasn1.OCTET_STRING) || !v.Empty() {
		return nil, nil, fmt.Errorf("%w: message-digest attribute missing or not an OCTET STRING", ErrBadSignature)
	}
	if got := digest(h); !bytes.Equal(md, got) {
		return nil, nil, fmt.Errorf("%w: attribute %x, content %x", ErrDigestMismatch, []byte(md), got)
	}
	if err := CheckSignature(cert, p.SignatureAlgorithm, p.DigestAlgorithm, p.SignedAttrs, p.Signature); err != nil {
		return nil, nil, err
	}
	return cert, attrs, nil
}

func readOID(der []byte, oid *asn1.ObjectIdentifier) bool {
	s := cryptobyte.String(der)
	return s.ReadASN1ObjectIdentifier(oid) && s.Empty()
}

// CheckSignature checks sig over signed with cert's key, for a SignerInfo's signature and digest algorithms (which
// must be on the allowed list).
func CheckSignature(cert *x509.Certificate, sigAlg, digestAlg asn1.ObjectIdentifier, signed, sig []byte) error {
	h, err := HashFor(digestAlg)
	if err != nil {
		return err
	}
	alg, err := signatureAlgorithm(sigAlg, h)
	if err != nil {
		return err
	}
	if err := cert.CheckSignature(alg, signed, sig); err != nil {
		return fmt.Errorf("%w: %w", ErrBadSignature, err)
	}
	return nil
}

// CheckSigningCertificate checks that the ESS signing-certificate attribute of attrs (v2 when present, else v1)
// names cert: the first ESSCertID's hash is cert's, and its issuer and serial, when given, are cert's. required says
// whether the attribute's absence is an error.
func CheckSigningCertificate(attrs Attributes, cert *x509.Certificate, required bool) error {
	if v, ok := attrs[OIDAttrSigningCertV2.String()]; ok {
		return checkESSCertID(v, cert, true)
	}
	if v, ok := attrs[OIDAttrSigningCert.String()]; ok {
		return checkESSCertID(v, cert, false)
	}
	if required {
		return fmt.Errorf("%w: no signing-certificate(-v2) signed attribute", ErrCertMismatch)
	}
	return nil
}

// checkESSCertID checks the first ESSCertID(v2) of a SigningCertificate(V2):
//
//	SigningCertificateV2 ::= SEQUENCE { certs SEQUENCE OF ESSCertIDv2, policies SEQUENCE OF PolicyInformation OPTIONAL }
//	ESSCertIDv2 ::= SEQUENCE { hashAlgorithm AlgorithmIdentifier DEFAULT sha256, certHash OCTET STRING,
//	                           issuerSerial IssuerSerial OPTIONAL }
//	ESSCertID ::= SEQUENCE { certHash OCTET STRING (SHA-1), issuerSerial IssuerSerial OPTIONAL }
func checkESSCertID(der []byte, cert *x509.Certificate, v2 bool) error {
	what := "signing-certificate"
	if v2 {
		what = "signing-certificate-v2"
	}
	s := cryptobyte.String(der)
	var sc, ids, id, certHash cryptobyte.String
	if !s.ReadASN1(&sc, cbasn1.SEQUENCE) || !s.Empty() || !sc.ReadASN1(&ids, cbasn1.SEQUENCE) ||
		!sc.SkipOptionalASN1(cbasn1.SEQUENCE) || !sc.Empty() || !ids.ReadASN1(&id, cbasn1.SEQUENCE) {
		return fmt.Errorf("%w: %s attribute is malformed", ErrCertMismatch, what)
	}
	h := crypto.SHA1
	if v2 {
		h = crypto.SHA256 // the DEFAULT
		if id.PeekASN1Tag(cbasn1.SEQUENCE) {
			oid, err := readAlgorithm(&id)
			if err != nil {
				return fmt.Errorf("%w: %s: %w", ErrCertMismatch, what, err)
			}
			if h, err = HashFor(oid); err != nil {
				return fmt.Errorf("%w: %s: %w", ErrCertMismatch, what, err)
			}
		}
	}
	if !id.ReadASN1(&certHash, cbasn1.OCTET_STRING) {
		return fmt.Errorf("%w: %s: bad certificate hash", ErrCertMismatch, what)
	}
	d := h.New()
	d.Write(cert.Raw)
	if !bytes.Equal(certHash, d.Sum(nil)) {
		return fmt.Errorf("%w: %s does not name the signer's certificate", ErrCertMismatch, what)
	}
	if id.Empty() {
		return nil
	}
	if err := checkIssuerSerial(&id, cert); err != nil {
		return fmt.Errorf("%w: %s: %w", ErrCertMismatch, what, err)
	}
	return nil
}

// checkIssuerSerial reads IssuerSerial ::= SEQUENCE { issuer GeneralNames, serialNumber INTEGER } (the end of an
// ESSCertID) and checks it names cert: its serial, and its issuer among the directoryNames.
func checkIssuerSerial(id *cryptobyte.String, cert *x509.Certificate) error {
	var is, names cryptobyte.String
	serial := new(big.Int)
	if !id.ReadASN1(&is, cbasn1.SEQUENCE) || !id.Empty() || !is.ReadASN1(&names, cbasn1.SEQUENCE) ||
		!is.ReadASN1Integer(serial) || !is.Empty() {
		return errors.New("bad issuerSerial")
	}
	if serial.Cmp(cert.SerialNumber) != 0 {
		return fmt.Errorf("issuerSerial names serial %v, the signer's is %v", serial, cert.SerialNumber)
	}
	for !names.Empty() {
		var gn cryptobyte.String
		var tag cbasn1.Tag
		if !names.ReadAnyASN1(&gn, &tag) {
			return errors.New("bad issuerSerial GeneralNames")
		}
		if tag == tagCtx4 && bytes.Equal(gn, cert.RawIssuer) {
			return nil
		}
	}
	return errors.New("issuerSerial does not name the signer's issuer")
}
