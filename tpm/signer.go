package tpm

import (
	"context"
	"crypto"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"

	"github.com/google/go-tpm/tpm2"
	"github.com/google/go-tpm/tpm2/transport"

	"github.com/attesta/attesta/tpm/attest"
)

// Signer is the TPM-resident signing key as a crypto.Signer. It signs
// SHA-256 digests and returns ASN.1 DER ECDSA signatures, the form
// crypto/x509, crypto/ecdsa.VerifyASN1 and openssl verify.
type Signer struct {
	t   *TPM
	ctx context.Context
}

var _ crypto.Signer = (*Signer)(nil)

// Signer returns the signing key as a crypto.Signer. ctx only bounds this
// call: crypto.Signer.Sign has no context, so Sign runs without deadline
// (the Signer outlives the request that made it); use SignDigest to bound
// a signature. It fails with ErrNotProvisioned before Provision.
func (t *TPM) Signer(ctx context.Context) (*Signer, error) {
	if err := t.lock(ctx); err != nil {
		return nil, err
	}
	defer t.mu.Unlock()
	if t.id == nil {
		return nil, fmt.Errorf("tpm: signer: %w", ErrNotProvisioned)
	}
	return &Signer{t: t, ctx: context.WithoutCancel(ctx)}, nil
}

// Public returns the signing key's *ecdsa.PublicKey.
func (s *Signer) Public() crypto.PublicKey { return s.t.id.SigningKey }

// Sign implements crypto.Signer. opts must name SHA-256 (or be nil) and
// digest must be a SHA-256 digest; rand is unused, the TPM makes the nonce.
func (s *Signer) Sign(_ io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	if opts != nil && opts.HashFunc() != crypto.SHA256 {
		return nil, fmt.Errorf("tpm: sign: hash %v unsupported, want SHA-256", opts.HashFunc())
	}
	return s.SignDigest(s.ctx, digest)
}

// SignDigest signs a SHA-256 digest. When the PCR policy is not satisfied
// (for example after ExtendAppPCR) the error wraps ErrKeyUnusable.
func (s *Signer) SignDigest(ctx context.Context, digest []byte) ([]byte, error) {
	if len(digest) != sha256.Size {
		return nil, fmt.Errorf("tpm: sign: digest of %d bytes, want %d (SHA-256)", len(digest), sha256.Size)
	}
	t := s.t
	if err := t.lock(ctx); err != nil {
		return nil, err
	}
	defer t.mu.Unlock()
	if t.sig == nil {
		return nil, fmt.Errorf("tpm: sign: %w", ErrNotProvisioned)
	}
	sig, err := signWithPolicy(t.tr, t.sig, t.policy, digest)
	if err != nil {
		return nil, fmt.Errorf("tpm: sign: %w", err)
	}
	return attest.SignatureDER(sig)
}

// signWithPolicy runs Sign in a one-shot policy session: for a key under an image key, the authorized policy with
// the signed policy pol (signAuthorized); otherwise the literal PCR policy, asserting the current PCR values, which
// the TPM compares with the key's policy.
func signWithPolicy(tr transport.TPM, key *loadedKey, pol *SignedPolicy, digest []byte) (*tpm2.TPMTSignature, error) {
	if key.imageKey != nil {
		return signAuthorized(tr, key, pol, digest)
	}
	sel := key.sel
	sess := tpm2.Policy(tpm2.TPMAlgSHA256, 16, func(tr transport.TPM, h tpm2.TPMISHPolicy, _ tpm2.TPM2BNonce) error {
		_, err := tpm2.PolicyPCR{PolicySession: h, Pcrs: sel}.Execute(tr)
		return err
	})
	sig, err := signInSession(tr, key, sess, digest)
	if errors.Is(err, tpm2.TPMRCPolicyFail) || errors.Is(err, tpm2.TPMRCValue) {
		return nil, fmt.Errorf("%w: %w", ErrKeyUnusable, err)
	}
	return sig, err
}

// signInSession runs TPM2_Sign with the key's USER role authorised by sess.
func signInSession(tr transport.TPM, key *loadedKey, sess tpm2.Session, digest []byte) (*tpm2.TPMTSignature, error) {
	rsp, err := tpm2.Sign{
		KeyHandle:  tpm2.AuthHandle{Handle: key.handle, Name: key.name, Auth: sess},
		Digest:     tpm2.TPM2BDigest{Buffer: digest},
		InScheme:   tpm2.TPMTSigScheme{Scheme: tpm2.TPMAlgNull},
		Validation: tpm2.TPMTTKHashCheck{Tag: tpm2.TPMSTHashCheck, Hierarchy: tpm2.TPMRHNull},
	}.Execute(tr)
	if err != nil {
		return nil, err
	}
	return &rsp.Signature, nil
}
