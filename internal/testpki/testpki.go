// Package testpki makes the keys and certificates that tests need, at run time, so that no private key is
// committed and every test gets fresh ones.
//
// It is for tests only (it takes a [testing.TB] and fails the test on error); production code makes its
// certificates with the TPM's key (see report/pades.SelfSignedCert).
package testpki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"testing"
)

// Key returns a new ECDSA P-256 key.
func Key(tb testing.TB) *ecdsa.PrivateKey {
	tb.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatalf("testpki: generate key: %v", err)
	}
	return k
}

// Issue signs a certificate from tmpl for key's public half with parentKey, as issued by parent; with a nil parent
// the certificate is self-issued (tmpl is its own issuer, and parentKey is then usually key).
func Issue(tb testing.TB, tmpl, parent *x509.Certificate, key, parentKey crypto.Signer) *x509.Certificate {
	tb.Helper()
	if parent == nil {
		parent = tmpl
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, key.Public(), parentKey)
	if err != nil {
		tb.Fatalf("testpki: issue %q: %v", tmpl.Subject.CommonName, err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		tb.Fatalf("testpki: parse %q: %v", tmpl.Subject.CommonName, err)
	}
	return c
}
