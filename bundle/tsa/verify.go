package tsa

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"slices"
)

// VerifyToken checks a time-stamp token for digest and returns it decoded.
// der is a TimeStampToken or a whole TimeStampResp (a .tsr file); digest is
// the hash that was stamped, in the token's own algorithm.
//
// It checks, in order: the CMS SignedData signature over the TSTInfo by the
// signer it names (which must be among the token's certificates); the
// content-type and message-digest signed attributes; the ESS
// signing-certificate (v1 or v2) binding to that signer; that the token
// stamps digest; that the signer's certificate carries exactly the critical
// extended key usage timeStamping; and that it chains to roots as of the
// token's genTime (revocation is not checked). roots must not be nil.
func VerifyToken(der, digest []byte, roots *x509.CertPool) (*Token, error) {
	tok, err := verifyToken(der, digest, roots)
	if err != nil {
		return nil, fmt.Errorf("tsa: verify token: %w", err)
	}
	return tok, nil
}

func verifyToken(der, digest []byte, roots *x509.CertPool) (*Token, error) {
	tok, err := parseTokenOrResponse(der)
	if err != nil {
		return nil, err
	}
	if err := tok.verifySignature(); err != nil {
		return nil, err
	}
	if !bytes.Equal(tok.Digest, digest) {
		return nil, fmt.Errorf("%w: token stamps %v %x, want %x", ErrImprintMismatch, tok.Hash, tok.Digest, digest)
	}
	if err := tok.verifyChain(roots); err != nil {
		return nil, err
	}
	return tok, nil
}

// parseTokenOrResponse accepts a TimeStampToken or a granted TimeStampResp.
func parseTokenOrResponse(der []byte) (*Token, error) {
	var ci contentInfo
	if _, err := asn1.Unmarshal(der, &ci); err == nil {
		return parseToken(der)
	}
	tokDER, err := responseToken(der)
	if err != nil {
		return nil, fmt.Errorf("neither a TimeStampToken nor a TimeStampResp: %w", err)
	}
	return parseToken(tokDER)
}

// verifySignature checks the CMS signature and signed attributes and sets
// t.Signer.
func (t *Token) verifySignature() error {
	si := t.signed.SignerInfos[0]
	signer, err := t.findSigner(si.SID)
	if err != nil {
		return err
	}
	h, ok := hashFromOID(si.DigestAlgorithm.Algorithm)
	if !ok || !h.Available() {
		return fmt.Errorf("%w: unsupported digest algorithm %v", ErrBadSignature, si.DigestAlgorithm.Algorithm)
	}
	attrs, err := parseSignedAttrs(si.SignedAttrs)
	if err != nil {
		return err
	}
	if err := checkContentAttrs(attrs, h, t.tst); err != nil {
		return err
	}
	alg, err := signatureAlgorithm(signer, h, si.SignatureAlgorithm.Algorithm)
	if err != nil {
		return err
	}
	// The signature covers the DER of the attributes as a SET OF, not under
	// their [0] IMPLICIT tag (RFC 5652 §5.4).
	signed := append([]byte{0x31}, si.SignedAttrs.FullBytes[1:]...)
	if err := signer.CheckSignature(alg, signed, si.Signature); err != nil {
		return fmt.Errorf("%w: %w", ErrBadSignature, err)
	}
	if err := checkESS(attrs, signer); err != nil {
		return err
	}
	t.Signer = signer
	return nil
}

// findSigner returns the certificate the SignerIdentifier names.
func (t *Token) findSigner(sid asn1.RawValue) (*x509.Certificate, error) {
	switch {
	case sid.Class == asn1.ClassUniversal && sid.Tag == asn1.TagSequence:
		var ias issuerAndSerial
		if rest, err := asn1.Unmarshal(sid.FullBytes, &ias); err != nil || len(rest) != 0 || ias.Serial == nil {
			return nil, fmt.Errorf("%w: signer identifier: %v", ErrMalformed, err)
		}
		for _, c := range t.Certs {
			if bytes.Equal(c.RawIssuer, ias.Issuer.FullBytes) && c.SerialNumber.Cmp(ias.Serial) == 0 {
				return c, nil
			}
		}
	case sid.Class == asn1.ClassContextSpecific && sid.Tag == 0:
		for _, c := range t.Certs {
			if len(c.SubjectKeyId) > 0 && bytes.Equal(c.SubjectKeyId, sid.Bytes) {
				return c, nil
			}
		}
	default:
		return nil, fmt.Errorf("%w: signer identifier with tag %d", ErrMalformed, sid.Tag)
	}
	return nil, fmt.Errorf("%w: the signer's certificate is not in the token (was it requested with certReq?)", ErrBadSignature)
}

type signedAttrs map[string]asn1.RawValue // OID string → the one value

func parseSignedAttrs(raw asn1.RawValue) (signedAttrs, error) {
	if len(raw.FullBytes) == 0 {
		return nil, fmt.Errorf("%w: no signed attributes", ErrBadSignature)
	}
	attrs := signedAttrs{}
	for rest := raw.Bytes; len(rest) > 0; {
		var a attribute
		var err error
		if rest, err = asn1.Unmarshal(rest, &a); err != nil {
			return nil, fmt.Errorf("%w: signed attributes: %w", ErrMalformed, err)
		}
		key := a.Type.String()
		if _, dup := attrs[key]; dup {
			return nil, fmt.Errorf("%w: signed attribute %s appears twice", ErrBadSignature, key)
		}
		var v asn1.RawValue
		r, err := asn1.Unmarshal(a.Values.Bytes, &v)
		if err != nil || len(r) != 0 {
			return nil, fmt.Errorf("%w: signed attribute %s must have exactly one value", ErrBadSignature, key)
		}
		attrs[key] = v
	}
	return attrs, nil
}

func checkContentAttrs(attrs signedAttrs, h crypto.Hash, content []byte) error {
	ct, ok := attrs[oidAttrContentType.String()]
	var oid asn1.ObjectIdentifier
	if !ok {
		return fmt.Errorf("%w: no content-type signed attribute", ErrBadSignature)
	}
	if _, err := asn1.Unmarshal(ct.FullBytes, &oid); err != nil || !oid.Equal(oidTSTInfo) {
		return fmt.Errorf("%w: content-type signed attribute is not id-ct-TSTInfo", ErrBadSignature)
	}
	md, ok := attrs[oidAttrMessageDigest.String()]
	var want []byte
	if !ok {
		return fmt.Errorf("%w: no message-digest signed attribute", ErrBadSignature)
	}
	if _, err := asn1.Unmarshal(md.FullBytes, &want); err != nil {
		return fmt.Errorf("%w: message-digest signed attribute: %w", ErrMalformed, err)
	}
	d := h.New()
	d.Write(content)
	if got := d.Sum(nil); !bytes.Equal(got, want) {
		return fmt.Errorf("%w: message-digest attribute %x, TSTInfo hashes to %x", ErrBadSignature, want, got)
	}
	return nil
}

// signatureAlgorithm picks the x509 algorithm from the signer's key type and
// the SignerInfo's digest algorithm.
func signatureAlgorithm(c *x509.Certificate, h crypto.Hash, sigOID asn1.ObjectIdentifier) (x509.SignatureAlgorithm, error) {
	type pair struct {
		k x509.PublicKeyAlgorithm
		h crypto.Hash
	}
	table := map[pair]x509.SignatureAlgorithm{
		{x509.ECDSA, crypto.SHA1}:   x509.ECDSAWithSHA1,
		{x509.ECDSA, crypto.SHA256}: x509.ECDSAWithSHA256,
		{x509.ECDSA, crypto.SHA384}: x509.ECDSAWithSHA384,
		{x509.ECDSA, crypto.SHA512}: x509.ECDSAWithSHA512,
		{x509.RSA, crypto.SHA1}:     x509.SHA1WithRSA,
		{x509.RSA, crypto.SHA256}:   x509.SHA256WithRSA,
		{x509.RSA, crypto.SHA384}:   x509.SHA384WithRSA,
		{x509.RSA, crypto.SHA512}:   x509.SHA512WithRSA,
	}
	switch {
	case c.PublicKeyAlgorithm == x509.Ed25519:
		return x509.PureEd25519, nil
	case c.PublicKeyAlgorithm == x509.RSA && sigOID.Equal(oidRSAPSS):
		pss := map[crypto.Hash]x509.SignatureAlgorithm{
			crypto.SHA256: x509.SHA256WithRSAPSS, crypto.SHA384: x509.SHA384WithRSAPSS, crypto.SHA512: x509.SHA512WithRSAPSS,
		}
		if a, ok := pss[h]; ok {
			return a, nil
		}
	default:
		if a, ok := table[pair{c.PublicKeyAlgorithm, h}]; ok {
			return a, nil
		}
	}
	return 0, fmt.Errorf("%w: unsupported signature: %v key, %v, algorithm %v", ErrBadSignature, c.PublicKeyAlgorithm, h, sigOID)
}

// checkESS checks the signing-certificate attribute (RFC 5035 v2 preferred,
// RFC 2634 v1 otherwise) names the signer as its first certificate, so that
// the signer cannot be substituted (RFC 3161 §2.4.1).
func checkESS(attrs signedAttrs, signer *x509.Certificate) error {
	if v, ok := attrs[oidAttrSigningCertV2.String()]; ok {
		var sc signingCertificateV2
		if rest, err := asn1.Unmarshal(v.FullBytes, &sc); err != nil || len(rest) != 0 || len(sc.Certs) == 0 {
			return fmt.Errorf("%w: signing-certificate-v2 attribute is malformed", ErrBadSignature)
		}
		id := sc.Certs[0]
		h := crypto.SHA256 // the DEFAULT
		if len(id.HashAlgorithm.Algorithm) > 0 {
			var ok bool
			if h, ok = hashFromOID(id.HashAlgorithm.Algorithm); !ok || h == crypto.SHA1 {
				return fmt.Errorf("%w: signing-certificate-v2 hash %v not supported", ErrBadSignature, id.HashAlgorithm.Algorithm)
			}
		}
		return checkCertID(h, id.CertHash, id.IssuerSerial, signer, "signing-certificate-v2")
	}
	if v, ok := attrs[oidAttrSigningCert.String()]; ok {
		var sc signingCertificate
		if rest, err := asn1.Unmarshal(v.FullBytes, &sc); err != nil || len(rest) != 0 || len(sc.Certs) == 0 {
			return fmt.Errorf("%w: signing-certificate attribute is malformed", ErrBadSignature)
		}
		return checkCertID(crypto.SHA1, sc.Certs[0].CertHash, sc.Certs[0].IssuerSerial, signer, "signing-certificate")
	}
	return fmt.Errorf("%w: no signing-certificate(-v2) signed attribute", ErrBadSignature)
}

func checkCertID(h crypto.Hash, certHash []byte, is issuerSerial, signer *x509.Certificate, what string) error {
	d := h.New()
	d.Write(signer.Raw)
	if !bytes.Equal(d.Sum(nil), certHash) {
		return fmt.Errorf("%w: %s does not name the signer's certificate", ErrBadSignature, what)
	}
	if is.Serial == nil {
		return nil
	}
	if is.Serial.Cmp(signer.SerialNumber) != 0 || !generalNamesHaveDN(is.Issuer, signer.RawIssuer) {
		return fmt.Errorf("%w: %s issuer and serial do not match the signer's certificate", ErrBadSignature, what)
	}
	return nil
}

// generalNamesHaveDN reports whether GeneralNames holds directoryName dn.
func generalNamesHaveDN(names asn1.RawValue, dn []byte) bool {
	for rest := names.Bytes; len(rest) > 0; {
		var gn asn1.RawValue
		var err error
		if rest, err = asn1.Unmarshal(rest, &gn); err != nil {
			return false
		}
		if gn.Class == asn1.ClassContextSpecific && gn.Tag == 4 && bytes.Equal(gn.Bytes, dn) {
			return true
		}
	}
	return false
}

// verifyChain checks the signer is a time-stamping certificate trusted by
// roots when the token was issued.
func (t *Token) verifyChain(roots *x509.CertPool) error {
	if roots == nil {
		return fmt.Errorf("%w: no trusted roots given", ErrUntrusted)
	}
	if err := checkTSACert(t.Signer); err != nil {
		return err
	}
	inter := x509.NewCertPool()
	for _, c := range t.Certs {
		if c != t.Signer {
			inter.AddCert(c)
		}
	}
	_, err := t.Signer.Verify(x509.VerifyOptions{
		Roots:         roots,
		Intermediates: inter,
		CurrentTime:   t.GenTime,
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping},
	})
	if err != nil {
		return fmt.Errorf("%w: %q: %w", ErrUntrusted, t.Signer.Subject.String(), err)
	}
	return nil
}

// checkTSACert enforces RFC 3161 §2.3: exactly one extended key usage,
// timeStamping, in a critical extension.
func checkTSACert(c *x509.Certificate) error {
	i := slices.IndexFunc(c.Extensions, func(e pkix.Extension) bool { return e.Id.Equal(oidExtKeyUsage) })
	switch {
	case i < 0:
		return fmt.Errorf("%w: %q has no extended key usage", ErrUntrusted, c.Subject.String())
	case !c.Extensions[i].Critical:
		return fmt.Errorf("%w: %q: extended key usage is not critical", ErrUntrusted, c.Subject.String())
	case len(c.ExtKeyUsage) != 1 || c.ExtKeyUsage[0] != x509.ExtKeyUsageTimeStamping || len(c.UnknownExtKeyUsage) != 0:
		return fmt.Errorf("%w: %q: extended key usage must be timeStamping only", ErrUntrusted, c.Subject.String())
	}
	return nil
}
