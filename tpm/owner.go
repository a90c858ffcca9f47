package tpm

// The owner lock: the owner hierarchy's authorization becomes a secret the administrator holds, so that only an
// administrator's unlock can delete (and so clear) the tamper index. See the package doc, "Owner lock".

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"

	"github.com/google/go-tpm/tpm2"
	"github.com/google/go-tpm/tpm2/transport"

	"github.com/attesta/attesta/tpm/attest"
)

// SRKHandle is the persistent handle (owner range) where the owner lock keeps the storage root key, so that loading
// keys needs no owner authorization once the owner hierarchy has one.
const SRKHandle tpm2.TPMHandle = 0x8100a770

// ErrOwnerAuth is returned when the TPM refuses the owner hierarchy's authorization given.
var ErrOwnerAuth = errors.New("the TPM refuses the owner authorization (the administrator's unlock secret)")

// OwnerAuth derives the owner hierarchy's authorization from the administrator's unlock secret: SHA-256 of a
// domain string, a zero byte and the secret. The box never stores either.
func OwnerAuth(secret []byte) []byte {
	h := sha256.New()
	h.Write([]byte("attesta owner authorization v1"))
	h.Write([]byte{0})
	h.Write(secret)
	return h.Sum(nil)
}

// LockOwner hands the owner hierarchy to the administrator: with the owner hierarchy's current authorization
// (empty on a TPM never locked), it defines the counter and the tamper index when missing, makes the storage root
// key persistent at [SRKHandle], then sets the owner authorization to next ([OwnerAuth] of the administrator's
// unlock secret). Called again with the current secret, it changes the secret. After it, deleting the tamper
// index ([TPM.ClearTamper]), defining NV indices and changing persistent objects need next; signing, sealing,
// quoting and rotating keys do not.
func (t *TPM) LockOwner(ctx context.Context, current, next []byte) error {
	if err := t.lock(ctx); err != nil {
		return err
	}
	defer t.mu.Unlock()
	if len(next) == 0 {
		return errors.New("tpm: lock owner: an empty authorization locks nothing")
	}
	if err := checkOwnerAuth(t.tr, current); err != nil {
		return fmt.Errorf("tpm: lock owner: %w", err)
	}
	if err := ensureNV(t.tr, current); err != nil {
		return fmt.Errorf("tpm: lock owner: %w", err)
	}
	if err := persistSRK(t.tr, current); err != nil {
		return fmt.Errorf("tpm: lock owner: %w", err)
	}
	_, err := tpm2.HierarchyChangeAuth{
		AuthHandle: tpm2.AuthHandle{Handle: tpm2.TPMRHOwner, Auth: tpm2.PasswordAuth(current)},
		NewAuth:    tpm2.TPM2BAuth{Buffer: next},
	}.Execute(t.tr)
	if err != nil {
		return fmt.Errorf("tpm: lock owner: change the owner authorization: %w", err)
	}
	t.ownerAuth = nil
	return nil
}

// CheckOwnerAuth checks the owner authorization without changing anything (TPM2_PolicySecret on the owner
// hierarchy in a throw-away policy session): [ErrOwnerAuth] when the TPM refuses it.
func (t *TPM) CheckOwnerAuth(ctx context.Context, auth []byte) error {
	if err := t.lock(ctx); err != nil {
		return err
	}
	defer t.mu.Unlock()
	if err := checkOwnerAuth(t.tr, auth); err != nil {
		return fmt.Errorf("tpm: %w", err)
	}
	return nil
}

func checkOwnerAuth(tr transport.TPM, auth []byte) error {
	sess, closer, err := tpm2.PolicySession(tr, tpm2.TPMAlgSHA256, 16)
	if err != nil {
		return fmt.Errorf("check the owner authorization: start a policy session: %w", err)
	}
	defer closer()
	_, err = tpm2.PolicySecret{
		AuthHandle:    tpm2.AuthHandle{Handle: tpm2.TPMRHOwner, Auth: tpm2.PasswordAuth(auth)},
		PolicySession: sess.Handle(),
		NonceTPM:      sess.NonceTPM(),
	}.Execute(tr)
	if isAuthFailure(err) {
		return fmt.Errorf("%w: %w", ErrOwnerAuth, err)
	}
	if err != nil {
		return fmt.Errorf("check the owner authorization: %w", err)
	}
	return nil
}

func isAuthFailure(err error) bool {
	return errors.Is(err, tpm2.TPMRCBadAuth) || errors.Is(err, tpm2.TPMRCAuthFail)
}

// persistSRK makes the storage root key persistent at SRKHandle (TPM2_EvictControl, owner authorization), unless
// it is there already.
func persistSRK(tr transport.TPM, ownerAuth []byte) error {
	if srk, err := persistentSRK(tr); err != nil || srk != nil {
		return err
	}
	srk, err := createPrimary(tr, tpm2.TPMRHOwner, tpm2.ECCSRKTemplate, ownerAuth)
	if err != nil {
		return fmt.Errorf("create storage root key: %w", err)
	}
	defer flush(tr, srk.handle)
	_, err = tpm2.EvictControl{
		Auth:             tpm2.AuthHandle{Handle: tpm2.TPMRHOwner, Auth: tpm2.PasswordAuth(ownerAuth)},
		ObjectHandle:     srk.named(),
		PersistentHandle: SRKHandle,
	}.Execute(tr)
	if err != nil {
		return fmt.Errorf("make the storage root key persistent at %#x: %w", uint32(SRKHandle), err)
	}
	return nil
}

// persistentSRK returns the storage root key at SRKHandle, nil when there is none. A key there that is not the
// SRK of attesta's template (with any unique) is an error: nothing else belongs at that handle.
func persistentSRK(tr transport.TPM) (*object, error) {
	rsp, err := tpm2.ReadPublic{ObjectHandle: SRKHandle}.Execute(tr)
	if errors.Is(err, tpm2.TPMRCHandle) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read the persistent storage root key %#x: %w", uint32(SRKHandle), err)
	}
	pub, err := rsp.OutPublic.Contents()
	if err != nil {
		return nil, fmt.Errorf("read the persistent storage root key %#x: %w", uint32(SRKHandle), err)
	}
	got := *pub
	got.Unique = tpm2.ECCSRKTemplate.Unique
	if !bytes.Equal(tpm2.Marshal(got), tpm2.Marshal(tpm2.ECCSRKTemplate)) {
		return nil, fmt.Errorf("%w: the persistent object at %#x is not a storage root key of attesta's template", ErrStateMismatch, uint32(SRKHandle))
	}
	return &object{handle: SRKHandle, name: rsp.Name, pub: *pub}, nil
}

// tamperCleared reports whether the tamper index holds no bit, for ClearTamper's early return.
func tamperCleared(tr transport.TPM) bool {
	pub, _, err := readNVPublic(tr, attest.TamperNVIndex)
	if err != nil || !pub.Attributes.Written {
		return false
	}
	v, err := readNV64(tr, attest.TamperNVIndex)
	return err == nil && v == 0
}
