package appliance

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/attesta/attesta/authority"
	"github.com/attesta/attesta/internal/durable"
	"github.com/attesta/attesta/journal"
)

// ChainFile is the certificate chain an authority issued for the signing key, in DataDir: the appliance's
// certificate first, then its issuers, PEM.
const ChainFile = "appliance-chain.pem"

// LeafEnrollment records the installation of an authority's certificate for the signing key.
const LeafEnrollment = "enrollment"

// InstallCertificate installs the chain an authority issued at enrollment (PEM: the appliance's certificate, then
// the issuing CA and optionally the root). The first certificate must be for this appliance's signing key and each
// must be signed by the next. From then on every report carries the chain; deliveries made before keep theirs. The
// installation is journaled.
func InstallCertificate(ctx context.Context, a *Appliance, chainPEM []byte) ([]*x509.Certificate, error) {
	chain, err := authority.ParsePEMCertificates(chainPEM)
	if err != nil {
		return nil, fmt.Errorf("appliance: install certificate: %w", err)
	}
	if !a.ident.SigningKey.Equal(chain[0].PublicKey) {
		return nil, errors.New("appliance: install certificate: the certificate is not for this appliance's signing key")
	}
	for i := 0; i+1 < len(chain); i++ {
		if err := chain[i].CheckSignatureFrom(chain[i+1]); err != nil {
			return nil, fmt.Errorf("appliance: install certificate: certificate %d is not signed by certificate %d: %w", i+1, i+2, err)
		}
	}
	if err := durable.Replace(filepath.Join(a.cfg.DataDir, ChainFile), chainPEM, 0o644); err != nil {
		return nil, err
	}
	sum := sha256.Sum256(chain[0].Raw)
	if _, err := a.record(ctx, journal.Entry{Type: LeafEnrollment, Fields: map[string]any{
		"sha256": hex.EncodeToString(sum[:]), "subject": chain[0].Subject.String(), "issuer": chain[0].Issuer.String(),
		"serial": chain[0].SerialNumber.Text(16), "not_after": chain[0].NotAfter.Format(time.RFC3339),
	}}); err != nil {
		return nil, err
	}
	return chain, nil
}

func readChain(dataDir string) ([]*x509.Certificate, error) {
	b, err := os.ReadFile(filepath.Join(dataDir, ChainFile))
	if err != nil {
		return nil, err
	}
	return authority.ParsePEMCertificates(b)
}
