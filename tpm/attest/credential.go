package attest

import (
	"bytes"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
	"io"

	"github.com/google/go-tpm/tpm2"
)

// The authority's side of enrollment: the endorsement key that a challenge is encrypted to, the attestation key it
// is bound to, and the challenge itself (TPM2_MakeCredential, computed in software).

// ErrEK is wrapped by every refusal of an endorsement key or its certificate.
var ErrEK = errors.New("endorsement key refused")

// ActivationNonce is the qualifying data of the quote a TPM makes right after activating a credential: it binds the
// quote to the secret only that TPM could recover.
func ActivationNonce(secret []byte) []byte {
	h := sha256.New()
	h.Write([]byte("attesta activation quote\x00"))
	h.Write(secret)
	return h.Sum(nil)
}

// EKFromCertificate returns the TPMT_PUBLIC of the endorsement key cert certifies: the TCG RSA-2048 EK template
// (restricted decryption key, fixedTPM, policy PolicySecret(endorsement)) with the certificate's modulus. Building it
// from the template rather than taking the TPM's word makes a challenge decryptable only by a genuine EK.
func EKFromCertificate(cert *x509.Certificate) (*tpm2.TPMTPublic, error) {
	k, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("%w: EK certificate key is %T, want RSA-2048", ErrEK, cert.PublicKey)
	}
	if k.N.BitLen() != 2048 || k.E != 65537 {
		return nil, fmt.Errorf("%w: EK certificate key is RSA-%d with exponent %d, want RSA-2048, 65537", ErrEK, k.N.BitLen(), k.E)
	}
	pub := tpm2.RSAEKTemplate
	pub.Unique = tpm2.NewTPMUPublicID(tpm2.TPMAlgRSA, &tpm2.TPM2BPublicKeyRSA{Buffer: k.N.FillBytes(make([]byte, 256))})
	return &pub, nil
}

// CheckEKPublic decodes a TPMT_PUBLIC that claims to be an endorsement key and checks that it is the TCG RSA-2048
// EK template with some modulus: only such a key, in a TPM, decrypts a credential and releases it only for an object
// loaded beside it.
func CheckEKPublic(tpmt []byte) (*tpm2.TPMTPublic, error) {
	pub, err := decodePublic(tpmt)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrEK, err)
	}
	rsaID, err := pub.Unique.RSA()
	if err != nil || pub.Type != tpm2.TPMAlgRSA {
		return nil, fmt.Errorf("%w: not an RSA key", ErrEK)
	}
	want := tpm2.RSAEKTemplate
	want.Unique = tpm2.NewTPMUPublicID(tpm2.TPMAlgRSA, &tpm2.TPM2BPublicKeyRSA{Buffer: rsaID.Buffer})
	if !bytes.Equal(tpm2.Marshal(want), tpmt) || len(rsaID.Buffer) != 256 {
		return nil, fmt.Errorf("%w: not the TCG RSA-2048 EK template (attributes, policy or parameters differ)", ErrEK)
	}
	return pub, nil
}

// CheckAK decodes an attestation key's TPMT_PUBLIC and checks what makes its statements worth anything: a
// restricted ECDSA P-256 signing key, made in the TPM and unable to leave it. It returns the key's Name.
func CheckAK(tpmt []byte) (*tpm2.TPMTPublic, []byte, error) {
	pub, err := decodePublic(tpmt)
	if err != nil {
		return nil, nil, fmt.Errorf("attestation key: %w", err)
	}
	a := pub.ObjectAttributes
	if !a.Restricted || !a.SignEncrypt || a.Decrypt || !a.FixedTPM || !a.FixedParent || !a.SensitiveDataOrigin {
		return nil, nil, errors.New("attestation key: not a restricted signing key made in the TPM (restricted, sign, fixedTPM, fixedParent, sensitiveDataOrigin)")
	}
	if _, err := PublicKey(pub); err != nil {
		return nil, nil, fmt.Errorf("attestation key: %w", err)
	}
	name, err := tpm2.ObjectName(pub)
	if err != nil {
		return nil, nil, fmt.Errorf("attestation key: name: %w", err)
	}
	return pub, name.Buffer, nil
}

// MakeCredential encrypts secret to the endorsement key ek, bound to the Name of the object akName: a TPM releases
// it (TPM2_ActivateCredential) only if it holds ek's private part and the object with that Name. It returns the
// TPM2B_ID_OBJECT and TPM2B_ENCRYPTED_SECRET contents.
func MakeCredential(rand io.Reader, ek *tpm2.TPMTPublic, akName, secret []byte) (credBlob, encSecret []byte, err error) {
	key, err := tpm2.ImportEncapsulationKey(ek)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrEK, err)
	}
	return tpm2.CreateCredential(rand, key, akName, secret)
}

func decodePublic(tpmt []byte) (*tpm2.TPMTPublic, error) {
	pub, err := tpm2.Unmarshal[tpm2.TPMTPublic](tpmt)
	if err != nil {
		return nil, fmt.Errorf("decode TPMT_PUBLIC: %w", err)
	}
	if !bytes.Equal(tpm2.Marshal(pub), tpmt) {
		return nil, errors.New("decode TPMT_PUBLIC: trailing bytes")
	}
	return pub, nil
}

// PolicyPCRDigest is the authPolicy of a key usable only while the PCRs in sel hold values (TPM2_PolicyPCR from an
// empty policy), as package tpm binds the signing key.
func PolicyPCRDigest(sel PCRSelection, values [][]byte) ([]byte, error) {
	calc, err := tpm2.NewPolicyCalculator(tpm2.TPMAlgSHA256)
	if err != nil {
		return nil, err
	}
	pol := tpm2.PolicyPCR{PcrDigest: tpm2.TPM2BDigest{Buffer: PCRDigest(values)}, Pcrs: sel.TPML()}
	if err := pol.Update(calc); err != nil {
		return nil, err
	}
	return calc.Hash().Digest, nil
}

// KeyPolicy returns the authPolicy of a marshalled TPMT_PUBLIC.
func KeyPolicy(tpmt []byte) ([]byte, error) {
	pub, err := decodePublic(tpmt)
	if err != nil {
		return nil, err
	}
	return pub.AuthPolicy.Buffer, nil
}
