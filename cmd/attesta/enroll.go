package main

import (
	"context"
	"crypto/x509/pkix"
	"fmt"
	"os"

	"github.com/attesta/attesta/appliance"
	"github.com/attesta/attesta/internal/durable"
	"github.com/attesta/attesta/tpm/attest"
)

// runEnroll is the appliance's side of enrollment: the request, the answer to the authority's challenge, and the
// installation of the certificate it issued.
func runEnroll(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "enroll", "enroll (--out FILE | --activate CHALLENGE --out FILE | --install CHAIN.pem) [--data DIR] [--tpm SPEC]")
	var c commonFlags
	c.register(fs)
	out := fs.String("out", "", "new file for the enrollment request, or with --activate for the answer")
	activate := fs.String("activate", "", "the authority's challenge: answer it with TPM2_ActivateCredential")
	install := fs.String("install", "", "the certificate chain the authority issued (PEM): sign reports with it from now on")
	if _, err := parseFlags(fs, args, 0); err != nil {
		return err
	}
	var chainPEM, challenge []byte
	var err error
	switch {
	case *install != "":
		if *out != "" || *activate != "" {
			return usagef("--install takes neither --out nor --activate")
		}
		if chainPEM, err = os.ReadFile(*install); err != nil {
			return usagef("--install: %v", err)
		}
	case *out == "":
		return usagef("--out is required")
	default:
		if err := newOut(*out, "enrollment files are never overwritten"); err != nil {
			return err
		}
		if *activate != "" {
			if challenge, err = os.ReadFile(*activate); err != nil {
				return usagef("--activate: %v", err)
			}
		}
	}
	if chainPEM != nil {
		a, err := appliance.Open(ctx, c.config())
		if err != nil {
			return err
		}
		defer a.Close()
		chain, err := appliance.InstallCertificate(ctx, a, chainPEM)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "certificate installed: %s, issued by %s (serial %s); reports are signed with it from now on\n",
			chain[0].Subject.CommonName, chain[0].Issuer.CommonName, chain[0].SerialNumber.Text(16))
		return nil
	}
	// The request and the activation need the TPM alone: they also work while the journal waits for a new key
	// epoch (a replaced TPM: attesta keys epoch).
	t, id, err := appliance.OpenTPM(ctx, c.config())
	if err != nil {
		return err
	}
	defer t.Close()
	if challenge != nil {
		ch, err := attest.DecodeChallenge(*activate, challenge)
		if err != nil {
			return err
		}
		if ch.ApplianceID != id {
			return fmt.Errorf("%s: the challenge is for appliance %s, this is %s", *activate, ch.ApplianceID, id)
		}
		ans, err := t.ActivateCredential(ctx, ch)
		if err != nil {
			return err
		}
		if err := durable.WriteNew(*out, attest.EncodeFile(ans), 0o600); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "challenge %s answered: %s (give it to the authority: attesta authority issue --in %s)\n", ch.ID, *out, *out)
		return nil
	}
	req, err := t.Enroll(ctx, id, pkix.Name{CommonName: "Attesta " + id})
	if err != nil {
		return err
	}
	if err := durable.WriteNew(*out, attest.EncodeFile(req), 0o644); err != nil {
		return err
	}
	ek := "EK certificate included"
	if !req.EKCertified {
		ek = "NO EK certificate in this TPM: the EK public key alone, flagged (the authority must accept uncertified EKs)"
	}
	fmt.Fprintf(e.stdout, "enrollment request of appliance %s written to %s; %s\n", id, *out, ek)
	return nil
}
