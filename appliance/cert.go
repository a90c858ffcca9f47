package appliance

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/attesta/attesta/internal/durable"
	"github.com/attesta/attesta/journal"
	"github.com/attesta/attesta/report/pades"
)

// LeafCertificate records the certificate made for the signing key.
const LeafCertificate = "certificate"

// certificate returns the certificate chain of the TPM-resident signing key, which PAdES signatures carry: the
// chain an authority issued at enrollment (DataDir/appliance-chain.pem, see InstallCertificate) when there is one
// for the current key, else a certificate self-signed by that key, made once and kept in DataDir/appliance-cert.pem; a certificate whose key is not the
// current signing key is replaced. Trust in it comes from the TPM's certification of the key (proofs/attestation),
// not from a certification authority; a studio that has a CA can issue its own certificate for the same key.
func (r reporter) certificate(ctx context.Context) ([]*x509.Certificate, error) {
	if chains, err := r.a.enrolled(); err != nil {
		return nil, err
	} else if chains != nil {
		return chains.signer, nil
	}
	cert, err := r.selfSigned(ctx)
	if err != nil {
		return nil, err
	}
	return []*x509.Certificate{cert}, nil
}

func (r reporter) selfSigned(ctx context.Context) (*x509.Certificate, error) {
	path := filepath.Join(r.a.cfg.DataDir, "appliance-cert.pem")
	b, err := os.ReadFile(path)
	if err == nil {
		if cert, err := parseCertPEM(b); err == nil && r.a.ident.SigningKey.Equal(cert.PublicKey) {
			return cert, nil
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	signer, err := r.a.tpm.Signer(ctx)
	if err != nil {
		return nil, err
	}
	now := time.Now().UTC()
	cert, err := pades.SelfSignedCert(signer, pkix.Name{CommonName: "Attesta " + r.a.ID(), Organization: []string{"Attesta"}},
		now.Add(-time.Hour), now.AddDate(10, 0, 0))
	if err != nil {
		return nil, fmt.Errorf("appliance: certificate for the signing key: %w", err)
	}
	data := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw})
	if err := durable.Replace(path, data, 0o644); err != nil {
		return nil, err
	}
	sum := sha256.Sum256(cert.Raw)
	if _, err := r.a.record(ctx, journal.Entry{Type: LeafCertificate, Fields: map[string]any{
		"sha256": hex.EncodeToString(sum[:]), "subject": cert.Subject.String(), "not_after": cert.NotAfter.Format(time.RFC3339),
	}}); err != nil {
		return nil, err
	}
	return cert, nil
}

func parseCertPEM(b []byte) (*x509.Certificate, error) {
	block, _ := pem.Decode(bytes.TrimSpace(b))
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, errors.New("not a PEM certificate")
	}
	return x509.ParseCertificate(block.Bytes)
}
