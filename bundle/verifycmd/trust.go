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
	j, err := newJudge(root, status)
	if err != nil {
		return fmt.Errorf("--root %s / --status %s: %w", rootPath, statusPath, err)
	}
	opts.Trust, opts.ChainTrust, opts.Roots = j.report, j.chain, j.roots
	return nil
}

// judge holds the authority's roots and, optionally, its verified status list.
type judge struct {
	roots *x509.CertPool
	list  *authority.StatusBody
}

func newJudge(rootPEM, status []byte) (*judge, error) {
	certs, err := authority.ParsePEMCertificates(rootPEM)
	if err != nil {
		return nil, fmt.Errorf("authority root: %w", err)
	}
	j := &judge{roots: x509.NewCertPool()}
	for _, c := range certs {
		j.roots.AddCert(c)
	}
	if status != nil {
		if j.list, err = authority.ReadStatusList("status list", status, j.roots); err != nil {
			return nil, err
		}
	}
	return j, nil
}

// chain judges a certificate chain of the delivery (bundle.ChainTrust): the checkpoint key's as a signer, with
// the appliance's state from the status list; the attestation key's as an AK certificate of the same appliance.
func (j *judge) chain(_ context.Context, role string, chain []*x509.Certificate, applianceID string, at time.Time) (string, string, error) {
	if role == bundle.RoleAK {
		tr, err := authority.CheckAK(chain, j.roots, applianceID, at)
		if err != nil {
			return "", "", err
		}
		it := fmt.Sprintf("chiave di attestazione del TPM certificata con il certificato %s dell'apparecchio %s, emesso da %q", tr.Serial, tr.ApplianceID, tr.Issuer)
		en := fmt.Sprintf("TPM attestation key certified by certificate %s of appliance %s, issued by %q", tr.Serial, tr.ApplianceID, tr.Issuer)
		return it, en, nil
	}
	return j.signer(chain, applianceID, at)
}

// report judges the signer of relazione.pdf (bundle.SignerTrust).
func (j *judge) report(_ context.Context, pdf []byte, applianceID string, at time.Time) (string, string, error) {
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
	return j.signer(chain, applianceID, at)
}

func (j *judge) signer(chain []*x509.Certificate, applianceID string, at time.Time) (string, string, error) {
	tr, err := authority.CheckSigner(chain, j.roots, applianceID, at, j.list)
	if err != nil {
		return "", "", err
	}
	it := fmt.Sprintf("firmata con il certificato %s dell'apparecchio %s, emesso da %q", tr.Serial, tr.ApplianceID, tr.Issuer)
	en := fmt.Sprintf("signed with certificate %s of appliance %s, issued by %q", tr.Serial, tr.ApplianceID, tr.Issuer)
	if !tr.EKCertified {
		it += " (TPM senza certificato EK: arruolato sulla sola chiave pubblica)"
		en += " (TPM without an EK certificate: enrolled on its public key alone)"
	}
	if j.list != nil {
		it += fmt.Sprintf("; stato all'ora della consegna: %s dal %s (lista del %s)", tr.State, tr.Since.Format(time.RFC3339), j.list.IssuedAt.Format(time.RFC3339))
		en += fmt.Sprintf("; state at the delivery's time: %s since %s (list of %s)", tr.State, tr.Since.Format(time.RFC3339), j.list.IssuedAt.Format(time.RFC3339))
	}
	return it, en, nil
}
