package tsa

import (
	"crypto/x509"

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
