package appliance

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/attesta/attesta/authority"
	"github.com/attesta/attesta/internal/durable"
	"github.com/attesta/attesta/journal"
	"github.com/attesta/attesta/tpm"
)

// ChainFile is the certificate chain an authority issued for the signing key, in DataDir: the appliance's
// certificate first, then its issuers, PEM.
const ChainFile = "appliance-chain.pem"

// LeafEnrollment records the installation of an authority's certificate for the signing key.
const LeafEnrollment = "enrollment"

// InstallCertificate installs the certificates an authority issued at enrollment (PEM, as authority.Issue returns
// them: the signing key's certificate, the issuing CA, optionally the root, and, from authorities that issue one,
// the attestation key's certificate). One certificate must be for this appliance's signing key; one may be for its
// AK; the others are their issuers, and each of the two must chain through them. From then on every report
// carries the signing key's chain, and every delivery both chains (proofs/chain.pem, proofs/ak-chain.pem);
// deliveries made before keep what they had. The installation is journaled.
func InstallCertificate(ctx context.Context, a *Appliance, chainPEM []byte) ([]*x509.Certificate, error) {
	certs, err := authority.ParsePEMCertificates(chainPEM)
	if err != nil {
		return nil, fmt.Errorf("appliance: install certificate: %w", err)
	}
	chains, err := splitChains(certs, a.ident)
	if err != nil {
		return nil, fmt.Errorf("appliance: install certificate: %w", err)
	}
	if err := durable.Replace(filepath.Join(a.cfg.DataDir, ChainFile), chainPEM, 0o644); err != nil {
		return nil, err
	}
	leaf := chains.signer[0]
	sum := sha256.Sum256(leaf.Raw)
	fields := map[string]any{
		"sha256": hex.EncodeToString(sum[:]), "subject": leaf.Subject.String(), "issuer": leaf.Issuer.String(),
		"serial": leaf.SerialNumber.Text(16), "not_after": leaf.NotAfter.Format(time.RFC3339),
	}
	if chains.ak != nil {
		aksum := sha256.Sum256(chains.ak[0].Raw)
		fields["ak_sha256"], fields["ak_serial"] = hex.EncodeToString(aksum[:]), chains.ak[0].SerialNumber.Text(16)
	}
	if _, err := a.record(ctx, journal.Entry{Type: LeafEnrollment, Fields: fields}); err != nil {
		return nil, err
	}
	return chains.signer, nil
}

// enrolledChains are the installed certificates: the signing key's chain (its certificate, then its issuers) and,
// when the authority issued one, the attestation key's (nil otherwise).
type enrolledChains struct {
	signer, ak []*x509.Certificate
}

// splitChains sorts installed certificates by key: the signing key's, the AK's, and the issuers, and checks that
// each of the two chains through the issuers in the order given.
func splitChains(certs []*x509.Certificate, id *tpm.Identity) (*enrolledChains, error) {
	var signer, ak *x509.Certificate
	var issuers []*x509.Certificate
	for _, c := range certs {
		switch {
		case id.SigningKey.Equal(c.PublicKey) && signer == nil:
			signer = c
		case id.AK != nil && id.AK.Equal(c.PublicKey) && ak == nil:
			ak = c
		case c.IsCA:
			issuers = append(issuers, c)
		}
		// Any other certificate is an earlier one of this box (its AK's before a rotation): not part of a chain.
	}
	if signer == nil {
		return nil, errors.New("no certificate is for this appliance's signing key")
	}
	out := &enrolledChains{signer: append([]*x509.Certificate{signer}, issuers...)}
	if ak != nil {
		out.ak = append([]*x509.Certificate{ak}, issuers...)
	}
	for _, chain := range [][]*x509.Certificate{out.signer, out.ak} {
		for i := 0; i+1 < len(chain); i++ {
			if err := chain[i].CheckSignatureFrom(chain[i+1]); err != nil {
				return nil, fmt.Errorf("certificate %q is not signed by %q: %w", chain[i].Subject.CommonName, chain[i+1].Subject.CommonName, err)
			}
		}
	}
	return out, nil
}

// enrolled returns the installed chains when they are for the current signing key, nil when there are none or
// they are for an earlier key (a rotation not yet enrolled).
func (a *Appliance) enrolled() (*enrolledChains, error) {
	certs, err := installedCertificates(a.cfg.DataDir)
	if certs == nil {
		return nil, err
	}
	chains, err := splitChains(certs, a.ident)
	if err != nil {
		return nil, nil // for another key: reports fall back to the self-signed certificate
	}
	return chains, nil
}

// installedCertificates returns the certificates of DataDir/appliance-chain.pem, nil when none was installed.
func installedCertificates(dataDir string) ([]*x509.Certificate, error) {
	b, err := os.ReadFile(filepath.Join(dataDir, ChainFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	certs, err := authority.ParsePEMCertificates(b)
	if err != nil {
		return nil, fmt.Errorf("appliance: %s: %w", ChainFile, err)
	}
	return certs, nil
}
