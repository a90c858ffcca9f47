package tpm

import (
	"context"
	"fmt"

	"github.com/google/go-tpm/tpm2"
)

// MaxSealed is the largest secret Seal accepts (MAX_SYM_DATA).
const MaxSealed = 128

// Seal wraps secret (1 to MaxSealed bytes, e.g. an AES-256 data key) in a
// sealed data object under the storage root key and returns the blob (see
// the package doc for its encoding). Only this TPM can unseal it. The
// object is not bound to PCRs; see the package doc for why.
func (t *TPM) Seal(ctx context.Context, secret []byte) ([]byte, error) {
	if len(secret) == 0 || len(secret) > MaxSealed {
		return nil, fmt.Errorf("tpm: seal: secret of %d bytes, want 1 to %d", len(secret), MaxSealed)
	}
	if err := t.lock(ctx); err != nil {
		return nil, err
	}
	defer t.mu.Unlock()
	srk, err := createSRK(t.tr)
	if err != nil {
		return nil, fmt.Errorf("tpm: seal: %w", err)
	}
	defer flush(t.tr, srk.handle)
	rsp, err := tpm2.Create{
		ParentHandle: srk.authHandle(tpm2.HMAC(tpm2.TPMAlgSHA256, 16,
			tpm2.Salted(srk.handle, srk.pub), tpm2.AESEncryption(128, tpm2.EncryptIn))),
		InSensitive: tpm2.TPM2BSensitiveCreate{Sensitive: &tpm2.TPMSSensitiveCreate{
			Data: tpm2.NewTPMUSensitiveCreate(&tpm2.TPM2BSensitiveData{Buffer: secret}),
		}},
		InPublic: tpm2.New2B(sealTemplate()),
	}.Execute(t.tr)
	if err != nil {
		return nil, fmt.Errorf("tpm: seal: create sealed object: %w", err)
	}
	return encodeBlob(magicSealed, &keyBlob{public: rsp.OutPublic.Bytes(), private: rsp.OutPrivate}), nil
}

// Unseal returns the secret sealed in blob. A blob that does not decode
// fails with ErrBadBlob; one the TPM rejects (altered, or sealed by another
// TPM) fails naming the TPM's reason.
func (t *TPM) Unseal(ctx context.Context, blob []byte) ([]byte, error) {
	kb, _, err := decodeBlob(magicSealed, blob)
	if err != nil {
		return nil, fmt.Errorf("tpm: unseal: %w", err)
	}
	if err := t.lock(ctx); err != nil {
		return nil, err
	}
	defer t.mu.Unlock()
	srk, err := createSRK(t.tr)
	if err != nil {
		return nil, fmt.Errorf("tpm: unseal: %w", err)
	}
	defer flush(t.tr, srk.handle)
	rsp, err := tpm2.Load{
		ParentHandle: srk.authHandle(tpm2.PasswordAuth(nil)),
		InPrivate:    kb.private,
		InPublic:     tpm2.BytesAs2B[tpm2.TPMTPublic](kb.public),
	}.Execute(t.tr)
	if err != nil {
		return nil, fmt.Errorf("tpm: unseal: load sealed object: %w", err)
	}
	defer flush(t.tr, rsp.ObjectHandle)
	out, err := tpm2.Unseal{
		ItemHandle: tpm2.AuthHandle{Handle: rsp.ObjectHandle, Name: rsp.Name, Auth: tpm2.HMAC(tpm2.TPMAlgSHA256, 16,
			tpm2.Salted(srk.handle, srk.pub), tpm2.AESEncryption(128, tpm2.EncryptOut))},
	}.Execute(t.tr)
	if err != nil {
		return nil, fmt.Errorf("tpm: unseal: %w", err)
	}
	return out.OutData.Buffer, nil
}

// KeyWrapper wraps per-case data keys with the TPM. Its method set is the
// journal's key-wrapping seam.
type KeyWrapper struct{ t *TPM }

// KeyWrapper returns the TPM's data-key wrapper.
func (t *TPM) KeyWrapper() *KeyWrapper { return &KeyWrapper{t: t} }

// Wrap seals key; see TPM.Seal.
func (w *KeyWrapper) Wrap(ctx context.Context, key []byte) ([]byte, error) { return w.t.Seal(ctx, key) }

// Unwrap unseals a wrapped key; see TPM.Unseal.
func (w *KeyWrapper) Unwrap(ctx context.Context, wrapped []byte) ([]byte, error) {
	return w.t.Unseal(ctx, wrapped)
}

// The journal and blob store declare this seam; the TPM satisfies it
// without importing them.
var _ interface {
	Wrap(ctx context.Context, key []byte) ([]byte, error)
	Unwrap(ctx context.Context, wrapped []byte) ([]byte, error)
} = (*KeyWrapper)(nil)
