package bundle

import (
	"bufio"
	"bytes"
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"

	"github.com/attesta/attesta/journal/format"
	"github.com/attesta/attesta/tpm/attest"
)

func (v *verifier) hasAttestation() bool {
	for p := range v.t.sizes() {
		if strings.HasPrefix(p, attestationDir+"/") {
			return true
		}
	}
	return false
}

// certification checks proofs/attestation: its files against its SHA256SUMS, the AK's TPM2_Certify of the
// signing key (attest.VerifyCertification: TPM-generated, names exactly that key, fixedTPM, fixedParent,
// sensitiveDataOrigin), and that the certified key is the key that verified the checkpoint.
func (v *verifier) certification() {
	if !v.hasAttestation() {
		if v.opts.RequireAttestation {
			v.fail(CheckCertification, attestationDir, "certification.tpm-attestation-missing")
		} else {
			v.skip(CheckCertification, "", "certification.no-tpm-attestation-in-the")
		}
		return
	}
	for p := range v.t.sizes() {
		if strings.HasPrefix(p, attestationDir+"/") {
			v.seen[p] = true // accounted for by the attestation's own SHA256SUMS, checked next
		}
	}
	if err := v.checkAttestationSums(); err != nil {
		v.failErr(CheckCertification, attestationDir+"/SHA256SUMS", "certification.attestation-files-altered", err)
		return
	}
	f, ok := v.attestationFiles(CheckCertification, "ak.pem", "certify.msg", "certify.sig", "signing-key.tpmt", "signing-key.pem")
	if !ok {
		return
	}
	akPEM, msg, sig, tpmt, skPEM := f[0], f[1], f[2], f[3], f[4]
	ak, err := parsePEMKey(akPEM)
	if err != nil {
		v.failErr(CheckCertification, attestationDir+"/ak.pem", "certification.unreadable-attestation-key", err)
		return
	}
	if v.opts.AK != nil && !ak.Equal(v.opts.AK) {
		v.fail(CheckCertification, attestationDir+"/ak.pem", "certification.the-attestation-key-is-not")
		return
	}
	if err := attest.VerifyCertification(ak, msg, sig, tpmt); err != nil {
		v.failErr(CheckCertification, attestationDir+"/certify.msg", "certification.invalid-key-certification", err)
		return
	}
	certified, err := attest.CertifiedKey(tpmt)
	if err != nil {
		v.failErr(CheckCertification, attestationDir+"/signing-key.tpmt", "certification.unreadable-certified-key", err)
		return
	}
	pemKey, err := parsePEMKey(skPEM)
	if err != nil || !pemKey.Equal(certified) {
		v.fail(CheckCertification, attestationDir+"/signing-key.pem", "certification.signing-key-pem-is-not")
		return
	}
	cpKey, err := format.VerifierPublicKey(v.key)
	if err != nil || !cpKey.Equal(certified) {
		v.fail(CheckCertification, vkeyFile, "certification.the-checkpoint-key-is-not")
		return
	}
	key := "certification.tpm-resident-unpinned"
	if v.opts.AK != nil {
		key = "certification.tpm-resident"
	}
	v.pass(CheckCertification, attestationDir+"/certify.msg", key)
	v.ak = ak
	v.attestationBinding(ak, msg)
}

// checkAttestationSums checks that every file of proofs/attestation but SHA256SUMS is listed in it with its hash.
func (v *verifier) checkAttestationSums() error {
	sums, ok := v.read(CheckCertification, attestationDir+"/SHA256SUMS", maxSmallFile)
	if !ok {
		return errors.New("SHA256SUMS missing")
	}
	listed := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(sums))
	for line := 1; sc.Scan(); line++ {
		sum, name, ok := strings.Cut(sc.Text(), "  ")
		if !ok || !hexDigest.MatchString(sum) || strings.Contains(name, "/") || name == "" {
			return fmt.Errorf("SHA256SUMS line %d is not \"<sha256>  <name>\"", line)
		}
		if _, dup := listed[name]; dup {
			return fmt.Errorf("SHA256SUMS line %d: %s listed twice", line, name)
		}
		listed[name] = sum
	}
	for _, p := range sortedPaths(v.t.sizes()) {
		name, ok := strings.CutPrefix(p, attestationDir+"/")
		if !ok || name == "SHA256SUMS" {
			continue
		}
		want, ok := listed[name]
		if !ok {
			return fmt.Errorf("%s is not listed in SHA256SUMS", p)
		}
		data, ok := v.read(CheckCertification, p, maxSmallFile)
		if !ok {
			return fmt.Errorf("%s unreadable", p)
		}
		if got := sha256Hex(data); got != want {
			return fmt.Errorf("%s has SHA-256 %s, SHA256SUMS says %s", p, got, want)
		}
		delete(listed, name)
	}
	for name := range listed {
		return fmt.Errorf("%s/%s is listed in SHA256SUMS but missing", attestationDir, name)
	}
	return nil
}

func parsePEMKey(data []byte) (*ecdsa.PublicKey, error) {
	b, rest := pem.Decode(data)
	if b == nil || b.Type != "PUBLIC KEY" || len(bytes.TrimSpace(rest)) != 0 {
		return nil, errors.New("not one PEM PUBLIC KEY block")
	}
	return parseECDSA(b.Bytes)
}

func parseECDSA(der []byte) (*ecdsa.PublicKey, error) {
	k, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		return nil, err
	}
	ek, ok := k.(*ecdsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("%T is not an ECDSA key", k)
	}
	return ek, nil
}

// attestationFiles reads the named files of the attestation folder for check, each failure recorded; false when
// any is missing or unreadable.
func (v *verifier) attestationFiles(check string, names ...string) ([][]byte, bool) {
	files := make([][]byte, len(names))
	ok := true
	for i, name := range names {
		files[i], _ = v.read(check, attestationDir+"/"+name, maxSmallFile)
		ok = ok && files[i] != nil
	}
	return files, ok
}
