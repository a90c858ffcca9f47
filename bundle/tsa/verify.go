package tsa

import (
	"bytes"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"slices"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/attesta/attesta/internal/cms"
)

// VerifyToken checks a time-stamp token for digest and returns it decoded.
// der is a TimeStampToken or a whole TimeStampResp (a .tsr file); digest is
// the hash that was stamped, in the token's own algorithm.
//
// It checks, in order: the CMS SignedData signature over the TSTInfo by the
// signer it names (which must be among the token's certificates), with an
// allowed algorithm (ECDSA or RSA PKCS #1 v1.5 with SHA-256, -384 or -512);
// the content-type and message-digest signed attributes; the ESS
// signing-certificate (v1 or v2) binding to that signer, hash and, when
// given, issuer and serial number (internal/cms); that the token
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

// parseTokenOrResponse accepts a TimeStampToken or a granted TimeStampResp: a ContentInfo starts with its content
// type, a TimeStampResp with its status.
func parseTokenOrResponse(der []byte) (*Token, error) {
	s := cryptobyte.String(der)
	var body cryptobyte.String
	if s.ReadASN1(&body, cbasn1.SEQUENCE) && body.PeekASN1Tag(cbasn1.OBJECT_IDENTIFIER) {
		return parseToken(der)
	}
	tokDER, err := responseToken(der)
	if err != nil {
		return nil, fmt.Errorf("neither a TimeStampToken nor a TimeStampResp: %w", err)
	}
	return parseToken(tokDER)
}

// verifySignature checks the CMS signature, its signed attributes and the ESS signing-certificate binding (the
// rules of internal/cms, shared with the PAdES verifier) and sets t.Signer.
func (t *Token) verifySignature() error {
	signer, _, err := t.signed.VerifyTimestamp()
	if err != nil {
		return fromCMS(err)
	}
	t.Signer = signer
	return nil
}

// fromCMS returns err, from internal/cms, also matching ErrMalformed for bytes that do not parse and ErrBadSignature
// for everything else (the signer missing, an attribute wrong, an algorithm not allowed, the signature false).
func fromCMS(err error) error {
	if errors.Is(err, cms.ErrMalformed) {
		return cms.Mark(err, ErrMalformed)
	}
	return cms.Mark(err, ErrBadSignature)
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
