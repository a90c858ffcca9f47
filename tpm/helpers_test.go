package tpm

import (
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"testing"
)

// backend is a TPM the unit tests open; the conformance suite every transport passes is tpmtest.TestTPM.
type backend struct {
	name string
	spec string
}

func simBackend() backend { return backend{name: "sim", spec: "sim"} }

func openT(t *testing.T, b backend, stateDir string) *TPM {
	t.Helper()
	tp, err := Open(t.Context(), b.spec, stateDir)
	if err != nil {
		t.Fatalf("Open(%q): %v", b.spec, err)
	}
	t.Cleanup(func() { tp.Close() })
	return tp
}

func provisionT(t *testing.T, tp *TPM) *Identity {
	t.Helper()
	id, err := tp.Provision(t.Context(), ProvisionOptions{})
	if err != nil {
		t.Fatalf("Provision: %v", err)
	}
	return id
}

func signAndVerify(t *testing.T, tp *TPM, msg string) {
	t.Helper()
	s, err := tp.Signer(t.Context())
	if err != nil {
		t.Fatalf("Signer: %v", err)
	}
	digest := sha256.Sum256([]byte(msg))
	sig, err := s.Sign(rand.Reader, digest[:], cryptoSHA256)
	if err != nil {
		t.Fatalf("Sign: %v", err)
	}
	if !ecdsa.VerifyASN1(s.Public().(*ecdsa.PublicKey), digest[:], sig) {
		t.Fatalf("signature by the TPM does not verify with crypto/ecdsa")
	}
}
