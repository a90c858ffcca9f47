package pades_test

import (
	"context"
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"testing"
	"time"

	"github.com/attesta/attesta/report/pades"
	"github.com/attesta/attesta/tpm"
)

// tpmSigner provisions the reference TPM simulator (one per process: the
// tests using it must not run in parallel) and returns its signing key and
// a self-signed certificate for it.
func tpmSigner(ctx context.Context, t testing.TB) (crypto.Signer, *x509.Certificate) {
	t.Helper()
	dev, err := tpm.Open(ctx, "sim", t.TempDir())
	if err != nil {
		t.Fatalf("open the TPM simulator: %v", err)
	}
	t.Cleanup(func() { dev.Close() })
	if _, err := dev.Provision(ctx, tpm.ProvisionOptions{}); err != nil {
		t.Fatalf("provision: %v", err)
	}
	signer, err := dev.Signer(ctx)
	if err != nil {
		t.Fatalf("signer: %v", err)
	}
	now := time.Now()
	cert, err := pades.SelfSignedCert(signer, pkix.Name{CommonName: "Attesta appliance (TPM simulator)", Organization: []string{"Attesta"}},
		now.Add(-time.Hour), now.Add(24*time.Hour))
	if err != nil {
		t.Fatalf("self-signed certificate with the TPM key: %v", err)
	}
	return signer, cert
}
