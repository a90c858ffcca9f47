package demo

import (
	"context"
	"crypto/rand"
	"crypto/x509/pkix"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/attesta/attesta/appliance"
	"github.com/attesta/attesta/authority"
	"github.com/attesta/attesta/internal/durable"
	"github.com/attesta/attesta/tpm/attest"
)

// demoEnroll enrolls the appliance with a local authority in dir/authority (made on the first run, its passphrase
// random, in dir/authority-passphrase), as a studio would on its own machine: request, challenge to the EK bound to
// the AK, activation in the TPM, certificate, installation. The simulator has no EK certificate, so this authority
// accepts an EK public key alone (the certificate says so). It writes the root to out/authority-root.pem and the
// signed status list to out/status.json, and returns their paths.
func demoEnroll(ctx context.Context, a *appliance.Appliance, dir, out string) (root, status string, fresh bool, err error) {
	authDir := filepath.Join(dir, "authority")
	passFile := filepath.Join(dir, "authority-passphrase")
	pass, err := os.ReadFile(passFile)
	if errors.Is(err, fs.ErrNotExist) {
		raw := make([]byte, 16)
		rand.Read(raw)
		pass = []byte(hex.EncodeToString(raw))
		err = durable.WriteNew(passFile, pass, 0o600)
	}
	if err != nil {
		return "", "", false, err
	}
	req, err := a.TPM().Enroll(ctx, a.ID(), pkix.Name{CommonName: "Attesta " + a.ID()})
	if err != nil {
		return "", "", false, err
	}
	if _, err := os.Stat(filepath.Join(authDir, authority.RootCertFile)); errors.Is(err, fs.ErrNotExist) {
		policy := authority.PCRPolicy{Name: "demo image (the simulator's PCRs)", Selection: req.PCRSelection, Values: req.PCRValues}
		if err := authority.Init(authDir, authority.InitOptions{Name: "Studio Demo", Passphrase: pass, AcceptUncertifiedEK: true,
			Policies: []authority.PCRPolicy{policy}}); err != nil {
			return "", "", false, err
		}
	}
	auth, err := authority.Open(authDir, pass)
	if err != nil {
		return "", "", false, err
	}
	enrolled, err := enrolledWith(auth, a)
	if err != nil {
		return "", "", false, err
	}
	if !enrolled {
		ch, err := auth.Challenge(attest.EncodeFile(req))
		if err != nil {
			return "", "", false, err
		}
		ans, err := a.TPM().ActivateCredential(ctx, ch)
		if err != nil {
			return "", "", false, err
		}
		chain, err := auth.Issue(attest.EncodeFile(ans))
		if err != nil {
			return "", "", false, err
		}
		if _, err := appliance.InstallCertificate(ctx, a, authority.PEMChain(chain...)); err != nil {
			return "", "", false, err
		}
	} else if err := auth.Publish(); err != nil {
		return "", "", false, err
	}
	root, status = filepath.Join(out, "authority-root.pem"), filepath.Join(out, "status.json")
	list, err := os.ReadFile(filepath.Join(authDir, authority.StatusFile))
	if err != nil {
		return "", "", false, err
	}
	if err := durable.Replace(root, authority.PEMChain(auth.Root()), 0o644); err != nil {
		return "", "", false, err
	}
	if err := durable.Replace(status, list, 0o644); err != nil {
		return "", "", false, fmt.Errorf("status list: %w", err)
	}
	return root, status, !enrolled, nil
}

// enrolledWith reports whether the authority holds a good enrollment of this appliance's signing key.
func enrolledWith(auth *authority.Authority, a *appliance.Appliance) (bool, error) {
	aps, err := auth.Appliances()
	if err != nil {
		return false, err
	}
	for _, ap := range aps {
		if ap.ID == a.ID() && ap.State() != authority.StateRevoked {
			k, err := attest.CertifiedKey(ap.SigningKeyPublic)
			return err == nil && k.Equal(a.Identity().SigningKey), nil
		}
	}
	return false, nil
}
