package main

import (
	"archive/zip"
	"bytes"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/attesta/attesta/internal/strictjson"
	"github.com/attesta/attesta/tpm/attest"
)

// maxAttestMember bounds what is read of one member of an attestation ZIP (a TPMT_PUBLIC is a few hundred bytes).
const maxAttestMember = 64 << 10

// runPolicy checks an image's signed TPM policy against the build: its signature is the image-policy key's, its
// PCRs are those attesta.pcrs.json predicts; and, given the /attest ZIP of a box booted from the image, that the
// box's signing key is bound to that key's signed policies (its authPolicy is PolicyAuthorize of the key, then the
// tamper index's PolicyNV) rather than to a literal PCR policy.
func runPolicy(args []string) error {
	fs := flag.NewFlagSet("policy", flag.ContinueOnError)
	keyFile := fs.String("image-key", "", "the image-policy key's public half (PEM)")
	policyFile := fs.String("policy", "", "the image's signed TPM policy (attesta.tpm.policy/v1)")
	pcrsFile := fs.String("pcrs", "", "the predicted PCRs (attesta.pcrs.json)")
	zipFile := fs.String("attestation", "", "the /attest ZIP of a booted box (optional)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *keyFile == "" || *policyFile == "" || *pcrsFile == "" {
		return errors.New("policy: -image-key, -policy and -pcrs are required")
	}
	var err error
	read := func(path string) []byte {
		b, rerr := os.ReadFile(path)
		if rerr != nil && err == nil {
			err = rerr
		}
		return b
	}
	key, pol, pcrs := read(*keyFile), read(*policyFile), read(*pcrsFile)
	var tpmt []byte
	if *zipFile != "" {
		z := read(*zipFile)
		if err == nil {
			tpmt, err = zipMember(*zipFile, z, "signing-key.tpmt")
		}
	}
	if err != nil {
		return fmt.Errorf("policy: %w", err)
	}
	lines, err := checkImagePolicy(key, *policyFile, pol, *pcrsFile, pcrs, tpmt)
	for _, l := range lines {
		fmt.Println(l)
	}
	return err
}

// checkImagePolicy does runPolicy's checks; tpmt (the box's signing key's TPMT_PUBLIC) may be nil. It returns what
// held, one line each, and the first check that failed.
func checkImagePolicy(keyPEM []byte, policyName string, policyJSON []byte, pcrsName string, pcrsJSON, tpmt []byte) ([]string, error) {
	var lines []string
	key, err := attest.ParseImageKey(keyPEM)
	if err != nil {
		return nil, err
	}
	p, err := attest.ParsePolicy(policyName, policyJSON)
	if err != nil {
		return nil, err
	}
	if err := p.Verify(key); err != nil {
		return nil, fmt.Errorf("%s: %w", policyName, err)
	}
	lines = append(lines, fmt.Sprintf("signed policy: version %d for image %s over %s, signed by the image-policy key %s",
		p.Version, p.ImageVersion, p.Selection, keyID(key)))
	var pred pcrFile
	if err := strictjson.Decode(pcrsName, pcrsJSON, &pred); err != nil {
		return lines, err
	}
	if pred.Bank != "sha256" {
		return lines, fmt.Errorf("%s: bank %q, want sha256", pcrsName, pred.Bank)
	}
	if pred.Version != p.ImageVersion {
		return lines, fmt.Errorf("%s: image %s, the signed policy is for image %s", pcrsName, pred.Version, p.ImageVersion)
	}
	if len(pred.PCRs) != len(p.Selection) {
		return lines, fmt.Errorf("%s predicts %d PCRs, the signed policy binds %d (%s)", pcrsName, len(pred.PCRs), len(p.Selection), p.Selection)
	}
	for i, pcr := range p.Selection {
		want, ok := pred.PCRs[strconv.FormatUint(uint64(pcr), 10)]
		if !ok {
			return lines, fmt.Errorf("the signed policy binds PCR %d, which %s does not predict", pcr, pcrsName)
		}
		if got := hex.EncodeToString(p.Values[i]); got != want {
			return lines, fmt.Errorf("PCR %d: the signed policy has %s, %s predicts %s", pcr, got, pcrsName, want)
		}
	}
	lines = append(lines, fmt.Sprintf("signed policy: PCRs %s equal %s", p.Selection, pcrsName))
	if tpmt == nil {
		return lines, nil
	}
	got, err := attest.KeyPolicy(tpmt)
	if err != nil {
		return lines, fmt.Errorf("signing-key.tpmt: %w", err)
	}
	want, err := attest.AuthorizedKeyPolicy(key)
	if err != nil {
		return lines, err
	}
	if !bytes.Equal(got, want) {
		return lines, fmt.Errorf("signing key: authPolicy %x, want %x (PolicyAuthorize of the image-policy key, then the tamper index == 0): the key is not bound to the signed policies", got, want)
	}
	lines = append(lines, fmt.Sprintf("signing key: authPolicy %x = PolicyAuthorize(image-policy key) + PolicyNV(tamper index == 0)", got))
	return lines, nil
}

// keyID is the hex SHA-256 of the key's SubjectPublicKeyInfo, shortened for a report line.
func keyID(pub *ecdsa.PublicKey) string {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return "?"
	}
	sum := sha256.Sum256(der)
	return "sha256:" + hex.EncodeToString(sum[:8])
}

// zipMember returns the member called name of the ZIP archive data.
func zipMember(zipName string, data []byte, name string) ([]byte, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", zipName, err)
	}
	for _, f := range zr.File {
		if f.Name != name {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %w", zipName, name, err)
		}
		defer rc.Close()
		b, err := io.ReadAll(io.LimitReader(rc, maxAttestMember+1))
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %w", zipName, name, err)
		}
		if len(b) > maxAttestMember {
			return nil, fmt.Errorf("%s: %s: more than %d bytes", zipName, name, maxAttestMember)
		}
		return b, nil
	}
	return nil, fmt.Errorf("%s: no member %s", zipName, name)
}
