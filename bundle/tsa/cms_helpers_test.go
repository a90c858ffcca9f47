package tsa

import (
	"crypto/x509"
	"testing"

	"github.com/attesta/attesta/internal/cms"
)

// parseSignedAttrs and checkESS give the tests the attribute-level checks of internal/cms with this package's errors.

func parseSignedAttrs(set []byte) (cms.Attributes, error) {
	attrs, err := cms.ParseAttributes(set)
	if err != nil {
		return nil, fromCMS(err)
	}
	return attrs, nil
}

func checkESS(attrs cms.Attributes, signer *x509.Certificate) error {
	if err := cms.CheckSigningCertificate(attrs, signer, true); err != nil {
		return fromCMS(err)
	}
	return nil
}

// mustTokenAttrs parses the token der and the signed attributes of its SignerInfo, failing the test on error.
func mustTokenAttrs(t *testing.T, der []byte) (*Token, cms.Attributes) {
	t.Helper()
	tok, err := ParseToken(der)
	if err != nil {
		t.Fatal(err)
	}
	attrs, err := parseSignedAttrs(tok.signed.SignerInfos[0].SignedAttrs)
	if err != nil {
		t.Fatal(err)
	}
	return tok, attrs
}
