package tpm

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/template"
	"time"

	"github.com/attesta/attesta/internal/durable"
)

// AttestationFormat is the "format" of attestation.json; a change that a
// reader of version 1 would misread gets a new version.
const AttestationFormat = "attesta.tpm.attestation/v1"

// AttestationFile describes one file of an attestation folder.
type AttestationFile struct {
	Name        string `json:"name"`
	SHA256      string `json:"sha256"`
	Description string `json:"description"`
}

// Attestation is what WriteAttestation wrote.
type Attestation struct {
	Format       string            `json:"format"`
	CreatedAt    time.Time         `json:"created_at"`
	Nonce        string            `json:"nonce"` // hex
	PCRSelection string            `json:"pcr_selection"`
	PCRs         []string          `json:"pcrs"` // hex, selection order
	Clock        Clock             `json:"clock"`
	Files        []AttestationFile `json:"files"`

	Dir     string        `json:"-"`
	Quote   *Quote        `json:"-"`
	Certify Certification `json:"-"` // fresh, with the nonce
}

// WriteAttestation writes into dir (created if missing) the evidence an
// auditor needs to check this appliance's TPM and key with standard tools,
// bound to nonce (1 to MaxNonce bytes; empty: 32 random bytes): a quote of
// the provisioned PCR selection, a fresh Certify of the signing key, the
// CertifyCreation from provisioning, the public keys, the EK certificate
// when the TPM has one, the clock, attestation.json, VERIFY.txt with the
// commands to run, and SHA256SUMS. It needs Provision first.
func (t *TPM) WriteAttestation(ctx context.Context, dir string, nonce []byte) (*Attestation, error) {
	if len(nonce) == 0 {
		nonce = make([]byte, 32)
		if _, err := rand.Read(nonce); err != nil {
			return nil, fmt.Errorf("tpm: attestation: nonce: %w", err)
		}
	}
	if len(nonce) > MaxNonce {
		return nil, fmt.Errorf("tpm: attestation: nonce of %d bytes exceeds %d", len(nonce), MaxNonce)
	}
	if err := t.lock(ctx); err != nil {
		return nil, err
	}
	att, files, err := t.gatherAttestation(ctx, nonce)
	t.mu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("tpm: attestation: %w", err)
	}
	att.Dir = dir
	if err := writeAttestationFiles(dir, att, files); err != nil {
		return nil, fmt.Errorf("tpm: attestation: %w", err)
	}
	return att, nil
}

type fileSpec struct {
	name, desc string
	data       []byte
}

// gatherAttestation talks to the TPM; the caller holds the lock.
func (t *TPM) gatherAttestation(ctx context.Context, nonce []byte) (*Attestation, []fileSpec, error) {
	if t.id == nil || t.sig == nil {
		return nil, nil, ErrNotProvisioned
	}
	id := t.id
	q, err := t.quote(ctx, nonce, id.PCRSelection)
	if err != nil {
		return nil, nil, fmt.Errorf("quote: %w", err)
	}
	ak, err := createAK(t.tr, t.akGen)
	if err != nil {
		return nil, nil, err
	}
	cert, err := certify(t.tr, ak, &object{handle: t.sig.handle, name: t.sig.name, pub: t.sig.pub}, nonce)
	flush(t.tr, ak.handle)
	if err != nil {
		return nil, nil, err
	}
	clk, err := readClock(t.tr)
	if err != nil {
		return nil, nil, err
	}
	akPEM, err := pemPublic(id.AK)
	if err != nil {
		return nil, nil, err
	}
	skPEM, err := pemPublic(id.SigningKey)
	if err != nil {
		return nil, nil, err
	}
	clockJSON, err := json.MarshalIndent(map[string]Clock{"read_clock": clk, "quote_clock_info": q.ClockInfo}, "", "  ")
	if err != nil {
		return nil, nil, err
	}
	files := []fileSpec{
		{"ak.pem", "attestation key (restricted ECDSA P-256, endorsement hierarchy), PKIX PEM", akPEM},
		{"ak.tpmt", "attestation key TPMT_PUBLIC", id.AKTPMT},
		{"quote.msg", "quote: TPMS_ATTEST over the PCRs, extraData = nonce", q.Msg},
		{"quote.sig", "quote signature by the attestation key, TPMT_SIGNATURE (tpm2-tools tss format)", q.Sig},
		{"quote.sig.der", "quote signature, ASN.1 DER", q.SigDER},
		{"pcrs.bin", "SHA-256 PCR values of " + q.Selection + ", raw, concatenated in selection order", bytes.Join(q.PCRs, nil)},
		{"pcrs.tpm2", "the same PCR values with their selection in the layout of tpm2_quote -o (tpm2_checkquote -f)", tpm2ToolsPCRFile(id.PCRSelection, q.PCRs)},
		{"certify.msg", "TPM2_Certify of the signing key by the attestation key, extraData = nonce: TPMS_ATTEST", cert.Msg},
		{"certify.sig", "certify.msg signature by the attestation key, ASN.1 DER", cert.SigDER},
		{"certify-creation.msg", "TPM2_CertifyCreation of the signing key at provisioning: TPMS_ATTEST", id.CertifyCreation.Msg},
		{"certify-creation.sig", "certify-creation.msg signature by the attestation key, ASN.1 DER", id.CertifyCreation.SigDER},
		{"creation-data.bin", "TPMS_CREATION_DATA of the signing key; its SHA-256 is the creationHash in certify-creation.msg", id.CreationData},
		{"signing-key.pem", "appliance signing key (ECDSA P-256, TPM-resident), PKIX PEM", skPEM},
		{"signing-key.tpmt", "signing key TPMT_PUBLIC; certify.msg attests its Name 000b||SHA-256(this file)", id.SigningKeyTPMT},
		{"clock.json", "TPM clock: unsigned reading and the signed clock info of the quote", append(clockJSON, '\n')},
	}
	if ek := firstEKCert(id.EKCerts); ek != nil {
		files = append(files, fileSpec{"ek.crt", fmt.Sprintf("endorsement key certificate (%s, NV %#x), PEM", ek.Kind, ek.NVIndex),
			pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ek.DER})})
	}
	att := &Attestation{
		Format: AttestationFormat, CreatedAt: time.Now().UTC().Truncate(time.Second),
		Nonce: hex.EncodeToString(nonce), PCRSelection: q.Selection, Clock: clk,
		Quote: q, Certify: *cert,
	}
	for _, v := range q.PCRs {
		att.PCRs = append(att.PCRs, hex.EncodeToString(v))
	}
	return att, files, nil
}

func firstEKCert(certs []EKCert) *EKCert {
	for i := range certs {
		if certs[i].Cert != nil {
			return &certs[i]
		}
	}
	return nil
}

func pemPublic(k any) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(k)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), nil
}

func writeAttestationFiles(dir string, att *Attestation, files []fileSpec) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	var sums strings.Builder
	put := func(name string, data []byte) error {
		sum := sha256.Sum256(data)
		fmt.Fprintf(&sums, "%x  %s\n", sum, name)
		return durable.WriteNew(filepath.Join(dir, name), data, 0o644)
	}
	for _, f := range files {
		if err := put(f.name, f.data); err != nil {
			return err
		}
		sum := sha256.Sum256(f.data)
		att.Files = append(att.Files, AttestationFile{Name: f.name, SHA256: hex.EncodeToString(sum[:]), Description: f.desc})
	}
	verify, err := verifyText(att, files)
	if err != nil {
		return err
	}
	att.Files = append(att.Files,
		AttestationFile{Name: "VERIFY.txt", Description: "how to verify this folder with tpm2-tools and openssl"},
		AttestationFile{Name: "SHA256SUMS", Description: "SHA-256 of every other file (sha256sum -c)"})
	js, err := json.MarshalIndent(att, "", "  ")
	if err != nil {
		return err
	}
	if err := put("attestation.json", append(js, '\n')); err != nil {
		return err
	}
	if err := put("VERIFY.txt", verify); err != nil {
		return err
	}
	return durable.WriteNew(filepath.Join(dir, "SHA256SUMS"), []byte(sums.String()), 0o644)
}

// verifyTmpl: every line starting with "$ " is a command to run, as is, in
// the folder; each must exit 0.
var verifyTmpl = template.Must(template.New("verify").Parse(`TPM attestation of an Attesta appliance, written {{.CreatedAt.Format "2006-01-02T15:04:05Z07:00"}}.
Nonce (hex): {{.Nonce}}

Run each line that starts with "$ " in this folder (without the "$ ").
Every command must exit with status 0. Tools: tpm2-tools, openssl, coreutils.

1. Nothing in this folder was altered after it was written:
$ sha256sum -c SHA256SUMS

2. The quote is signed by the attestation key, carries the nonce and covers
   the PCR values {{.PCRSelection}} listed in pcrs.tpm2 (the same values as
   the raw pcrs.bin; tpm2_checkquote prints them):
$ tpm2_checkquote -u ak.pem -m quote.msg -s quote.sig -f pcrs.tpm2 -g sha256 -q {{.Nonce}}

3. The attestation key certified the signing key (TPM2_Certify, fresh: its
   extraData is the nonce) and its creation inside the TPM
   (TPM2_CertifyCreation); openssl prints "Verified OK" for each:
$ openssl dgst -sha256 -verify ak.pem -signature certify.sig certify.msg
$ openssl dgst -sha256 -verify ak.pem -signature certify-creation.sig certify-creation.msg

4. certify.msg names exactly this signing key (Name = 000b || SHA-256 of its
   TPMT_PUBLIC), carries the nonce, and the key in signing-key.tpmt is the
   one in signing-key.pem:
$ od -An -v -tx1 certify.msg | tr -d ' \n' | grep -q "0022000b$(sha256sum < signing-key.tpmt | cut -c1-64)" && echo "Name OK"
$ od -An -v -tx1 certify.msg | tr -d ' \n' | grep -q "{{.NonceTPM2B}}" && echo "Nonce OK"
$ tpm2_print -t TPMT_PUBLIC -f pem signing-key.tpmt | cmp - signing-key.pem && echo "Key OK"

5. The signing key was created inside the TPM, cannot leave it
   (fixedtpm, fixedparent, sensitivedataorigin) and is bound to a PCR policy
   (no userwithauth); certify-creation.msg commits to creation-data.bin:
$ tpm2_print -t TPMT_PUBLIC signing-key.tpmt | grep -A1 '^attributes:' | grep value: | grep fixedtpm | grep fixedparent | grep sensitivedataorigin | grep -v userwithauth
$ od -An -v -tx1 certify-creation.msg | tr -d ' \n' | grep -q "0020$(sha256sum < creation-data.bin | cut -c1-64)" && echo "Creation data OK"
{{if .EK}}
6. The TPM's endorsement key certificate (check its issuer against the TPM
   vendor's root). This folder does not by itself prove that the attestation
   key lives in the TPM this certificate names; that binding comes from
   enrolment (credential activation) and is outside this folder.
$ openssl x509 -in ek.crt -noout -subject -issuer
{{end}}
The signed TPM clock is in the quote:
  tpm2_print -t TPMS_ATTEST quote.msg
`))

func verifyText(att *Attestation, files []fileSpec) ([]byte, error) {
	hasEK := false
	for _, f := range files {
		hasEK = hasEK || f.name == "ek.crt"
	}
	nonce, _ := hex.DecodeString(att.Nonce)
	data := struct {
		*Attestation
		NonceTPM2B string
		EK         bool
	}{att, fmt.Sprintf("%04x%s", len(nonce), att.Nonce), hasEK}
	var b bytes.Buffer
	if err := verifyTmpl.Execute(&b, data); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// Zip returns the attestation folder as a ZIP (what GET /attest answers), its files in name order.
func (att *Attestation) Zip() ([]byte, error) {
	entries, err := os.ReadDir(att.Dir)
	if err != nil {
		return nil, fmt.Errorf("tpm: attestation: %w", err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(att.Dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("tpm: attestation: %w", err)
		}
		f, err := zw.Create(e.Name())
		if err != nil {
			return nil, err
		}
		if _, err := f.Write(data); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
