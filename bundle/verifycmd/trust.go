package verifycmd

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/attesta/attesta/authority"
	"github.com/attesta/attesta/bundle"
	"github.com/attesta/attesta/report/pades"
)

// TrustFiles reads --root and --status (either may be ""; --status needs --root) and sets opts.Trust.
func TrustFiles(opts *bundle.VerifyOptions, rootPath, statusPath string) error {
	if rootPath == "" {
		if statusPath != "" {
			return fmt.Errorf("--status needs --root: the status list is checked against the authority's root")
		}
		return nil
	}
	root, err := os.ReadFile(rootPath)
	if err != nil {
		return fmt.Errorf("--root: %w", err)
	}
	var status []byte
	if statusPath != "" {
		if status, err = os.ReadFile(statusPath); err != nil {
			return fmt.Errorf("--status: %w", err)
		}
	}
	if opts.Trust, err = Trust(root, status); err != nil {
		return fmt.Errorf("--root %s / --status %s: %w", rootPath, statusPath, err)
	}
	return nil
}

// Trust returns the judge of a delivery's signer for verify --root (and --status): rootPEM holds the authority's
// root certificate(s); status, when not nil, is its signed status list, checked against the same roots.
func Trust(rootPEM, status []byte) (bundle.SignerTrust, error) {
	certs, err := authority.ParsePEMCertificates(rootPEM)
	if err != nil {
		return nil, fmt.Errorf("authority root: %w", err)
	}
	roots := x509.NewCertPool()
	for _, c := range certs {
		roots.AddCert(c)
	}
	var list *authority.StatusBody
	if status != nil {
		if list, err = authority.ReadStatusList("status list", status, roots); err != nil {
			return nil, err
		}
	}
	return func(_ context.Context, pdf []byte, applianceID string, at time.Time) (string, string, error) {
		sigs, err := pades.Verify(pdf)
		if err != nil {
			return "", "", err
		}
		if len(sigs) == 0 || sigs[0].SubFilter == docTimeStamp {
			return "", "", errors.New("the report carries no signature of the appliance")
		}
		chain := []*x509.Certificate{sigs[0].Signer}
		for _, c := range sigs[0].Certificates {
			if !c.Equal(sigs[0].Signer) {
				chain = append(chain, c)
			}
		}
		tr, err := authority.CheckSigner(chain, roots, applianceID, at, list)
		if err != nil {
			return "", "", err
		}
		it := fmt.Sprintf("firmata con il certificato %s dell'apparecchio %s, emesso da %q", tr.Serial, tr.ApplianceID, tr.Issuer)
		en := fmt.Sprintf("signed with certificate %s of appliance %s, issued by %q", tr.Serial, tr.ApplianceID, tr.Issuer)
		if !tr.EKCertified {
			it += " (TPM senza certificato EK: arruolato sulla sola chiave pubblica)"
			en += " (TPM without an EK certificate: enrolled on its public key alone)"
		}
		if list != nil {
			it += fmt.Sprintf("; stato all'ora della consegna: %s dal %s (lista del %s)", tr.State, tr.Since.Format(time.RFC3339), list.IssuedAt.Format(time.RFC3339))
			en += fmt.Sprintf("; state at the delivery's time: %s since %s (list of %s)", tr.State, tr.Since.Format(time.RFC3339), list.IssuedAt.Format(time.RFC3339))
		}
		return it, en, nil
	}, nil
}
