package bundle_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/attesta/attesta/bundle"
	"github.com/attesta/attesta/bundle/bundletest"
	"github.com/attesta/attesta/journal"
)

// caFor makes a root CA for an authority, returning its certificate, key and pool.
func caFor(t *testing.T, name string) (*x509.Certificate, *ecdsa.PrivateKey, *x509.CertPool) {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign, NotBefore: time.Now().AddDate(-1, 0, 0), NotAfter: time.Now().AddDate(1, 0, 0)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return cert, key, pool
}

// TestDeliveriesAcrossAKeyEpoch: the checkpoint key is lost (a TPM replaced); an epoch countersigned by the
// authority hands the journal to a new key. A verifier pinned on the first key follows it only with that
// authority's roots; with nothing pinned the epoch is checked and noted as not judged against a root.
func TestDeliveriesAcrossAKeyEpoch(t *testing.T) {
	dir := t.TempDir()
	m, err := bundletest.NewMaker(t.Context(), dir)
	if err != nil {
		t.Fatal(err)
	}
	first := m.VKey()
	man, src := bundletest.Manifest(1)
	before, err := m.Deliver(t.Context(), man, src, bundle.Delivery{}, bundle.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	newKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ep, err := m.Journal.EpochRequest(t.Context(), newKey)
	if err != nil {
		t.Fatal(err)
	}
	m.Close()
	ca, caKey, roots := caFor(t, "Studio Appliance CA")
	if err := ep.Countersign(caKey, []*x509.Certificate{ca}); err != nil {
		t.Fatal(err)
	}
	j, err := journal.Open(t.Context(), filepath.Join(dir, "journal.db"), journal.Options{Origin: bundletest.Origin, Signer: newKey, Epoch: ep})
	if err != nil {
		t.Fatal(err)
	}
	m.Journal, m.Key = j, newKey
	defer m.Close()
	man, src = bundletest.Manifest(2)
	after, err := m.Deliver(t.Context(), man, src, bundle.Delivery{}, bundle.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	_, _, otherRoots := caFor(t, "Another authority")
	for _, tc := range []struct {
		name  string
		path  string
		opts  bundle.VerifyOptions
		valid bool
		want  string
	}{
		{"before, pinned on the first key", before, bundle.VerifyOptions{Key: first}, true, ""},
		{"after, pinned on the first key, with the authority's root", after, bundle.VerifyOptions{Key: first, Roots: roots}, true, ""},
		{"after, pinned on the first key, no root", after, bundle.VerifyOptions{Key: first}, false, "not backed by a trusted authority"},
		{"after, pinned on the first key, another root", after, bundle.VerifyOptions{Key: first, Roots: otherRoots}, false, "does not chain to the authority's root"},
		{"after, nothing pinned", after, bundle.VerifyOptions{}, true, "not checked against the authority's root"},
		{"after, pinned on the new key", after, bundle.VerifyOptions{Key: m.VKey()}, true, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := bundle.Verify(t.Context(), tc.path, tc.opts)
			if (err == nil) != tc.valid {
				t.Fatalf("Verify: %v, want valid %v\n%s", err, tc.valid, r.Text())
			}
			if tc.want != "" && !strings.Contains(r.Text(), tc.want) {
				t.Errorf("the report does not say %q:\n%s", tc.want, r.Text())
			}
		})
	}
}
