package tpm

// Rotation of the signing key: a successor is created and certified while the old key stays loaded (both sign
// the journal's rotation leaf), then committed, the old key's state kept under retired/.

import (
	"context"
	"crypto"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/google/go-tpm/tpm2"

	"github.com/attesta/attesta/internal/durable"
	"github.com/attesta/attesta/tpm/attest"
)

// RetiredDir is the folder of the state directory that keeps the provisioning record and blob of every retired
// signing key, one folder per key named by the time it was retired; nothing there is ever overwritten.
const RetiredDir = "retired"

// PendingDir holds the state of a pending key between NewSigningKey and CommitKey or DiscardKey, so that a rotation
// interrupted after the journal recorded it is finished at the next start (PendingSigningKey).
const PendingDir = "pending"

// PendingKey is a new signing key, created and certified by the AK (see NewSigningKey for its policy),
// loaded but not yet in force: it signs (crypto.Signer) so that the journal's rotation leaf carries the signatures
// of both keys; CommitKey then makes it the key in force, DiscardKey forgets it.
type PendingKey struct {
	t    *TPM
	id   *Identity
	rec  *provisionRecord
	blob []byte
	key  *loadedKey // nil once discarded
	// committed: the key is the one in force; it still signs, as the journal that rotated to it holds it.
	committed bool
}

var _ crypto.Signer = (*PendingKey)(nil)

// NewSigningKey creates the successor of the signing key in force, certified by the same AK: under the authorized
// policy of the image key configured (ProvisionOptions.ImageKey) or of the key in force, which is how a key under
// the literal PCR policy moves to the image key; else under the same PCR selection and values (the image's
// registered policy). It needs Provision.
func (t *TPM) NewSigningKey(ctx context.Context) (*PendingKey, error) {
	if err := t.lock(ctx); err != nil {
		return nil, err
	}
	defer t.mu.Unlock()
	if t.id == nil {
		return nil, fmt.Errorf("tpm: new signing key: %w", ErrNotProvisioned)
	}
	sel := t.id.PCRSelection
	rec, blob, key, err := t.makeSigningKey(sel, t.id.PCRValues)
	if err != nil {
		return nil, fmt.Errorf("tpm: new signing key: %w", err)
	}
	rec.ProvisionedAt = time.Now().UTC().Truncate(time.Second)
	id, err := identityFromRecord(t.stateDir, rec, blob)
	if err != nil {
		flush(t.tr, key.handle)
		return nil, fmt.Errorf("tpm: new signing key: %w", err)
	}
	id.EKCerts, id.EKCert = t.id.EKCerts, t.id.EKCert
	pending := filepath.Join(t.stateDir, PendingDir)
	err = durable.MkdirAll(pending, 0o700)
	if err == nil {
		err = writeState(pending, rec, blob)
	}
	if err != nil {
		flush(t.tr, key.handle)
		return nil, fmt.Errorf("tpm: new signing key: save pending state: %w", err)
	}
	lk, err := newLoadedKey(key, id)
	if err != nil {
		flush(t.tr, key.handle)
		return nil, fmt.Errorf("tpm: new signing key: %w", err)
	}
	return &PendingKey{t: t, id: id, rec: rec, blob: blob, key: lk}, nil
}

// Identity is what the new key's provisioning established: its public key and the AK's certifications of it.
func (p *PendingKey) Identity() *Identity { return p.id }

// Public returns the new key's *ecdsa.PublicKey.
func (p *PendingKey) Public() crypto.PublicKey { return p.id.SigningKey }

// Sign signs a SHA-256 digest with the new key (see Signer.Sign).
func (p *PendingKey) Sign(_ io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	if opts != nil && opts.HashFunc() != crypto.SHA256 {
		return nil, fmt.Errorf("tpm: sign with the new key: hash %v unsupported, want SHA-256", opts.HashFunc())
	}
	if len(digest) != sha256.Size {
		return nil, fmt.Errorf("tpm: sign with the new key: digest of %d bytes, want %d (SHA-256)", len(digest), sha256.Size)
	}
	t := p.t
	if err := t.lock(context.Background()); err != nil {
		return nil, err
	}
	defer t.mu.Unlock()
	if p.key == nil || p.committed && t.sig != p.key {
		return nil, fmt.Errorf("tpm: sign with the new key: discarded, or no longer in force")
	}
	sig, err := signWithPolicy(t.tr, p.key, t.policy, digest)
	if err != nil {
		return nil, fmt.Errorf("tpm: sign with the new key: %w", err)
	}
	return attest.SignatureDER(sig)
}

// CommitKey makes p the signing key in force: the old key's provision.json and signing-key.blob are copied to
// retired/<time>/ first (durably, never overwriting), then p's state replaces them, and the old key is flushed.
// Signers made by Signer sign with the new key from then on.
func (t *TPM) CommitKey(ctx context.Context, p *PendingKey) error {
	if err := t.lock(ctx); err != nil {
		return err
	}
	defer t.mu.Unlock()
	if p.key == nil || p.committed || p.t != t {
		return fmt.Errorf("tpm: commit signing key: not a pending key of this TPM")
	}
	if err := retireState(t.stateDir, time.Now()); err != nil {
		return fmt.Errorf("tpm: commit signing key: retire the old key: %w", err)
	}
	if err := writeState(t.stateDir, p.rec, p.blob); err != nil {
		return fmt.Errorf("tpm: commit signing key: %w", err)
	}
	if t.sig != nil {
		flush(t.tr, t.sig.handle)
	}
	t.id, t.sig, p.committed = p.id, p.key, true
	if err := removePending(t.stateDir); err != nil {
		return fmt.Errorf("tpm: commit signing key: %w", err)
	}
	return nil
}

// DiscardKey flushes a pending key that will not be committed.
func (t *TPM) DiscardKey(p *PendingKey) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if p.key == nil || p.committed || t.closed {
		return nil
	}
	err := flush(t.tr, p.key.handle)
	p.key = nil
	if rerr := removePending(t.stateDir); err == nil {
		err = rerr
	}
	return err
}

func removePending(dir string) error {
	if err := os.RemoveAll(filepath.Join(dir, PendingDir)); err != nil {
		return err
	}
	return durable.SyncDir(dir)
}

// PendingSigningKey loads the key a rotation left pending (NewSigningKey without CommitKey or DiscardKey, as when
// the appliance stopped in between), or returns nil when there is none. The caller commits it when the journal
// already hands over to it, and discards it otherwise. It needs Provision.
func (t *TPM) PendingSigningKey(ctx context.Context) (*PendingKey, error) {
	if err := t.lock(ctx); err != nil {
		return nil, err
	}
	defer t.mu.Unlock()
	if t.id == nil {
		return nil, fmt.Errorf("tpm: pending signing key: %w", ErrNotProvisioned)
	}
	dir := filepath.Join(t.stateDir, PendingDir)
	rec, blob, err := readState(dir)
	if err != nil || rec == nil {
		if err != nil {
			err = fmt.Errorf("tpm: pending signing key: %w", err)
		}
		return nil, err
	}
	id, err := identityFromRecord(dir, rec, blob)
	if err != nil {
		return nil, fmt.Errorf("tpm: pending signing key: %w", err)
	}
	kb, _, err := decodeBlob(magicSigningKey, blob)
	if err != nil {
		return nil, fmt.Errorf("tpm: pending signing key: %w", err)
	}
	obj, err := loadUnderSRK(t.tr, kb)
	if err != nil {
		return nil, fmt.Errorf("tpm: pending signing key: %w: %w", ErrStateMismatch, err)
	}
	id.EKCerts, id.EKCert = t.id.EKCerts, t.id.EKCert
	lk, err := newLoadedKey(obj, id)
	if err != nil {
		flush(t.tr, obj.handle)
		return nil, fmt.Errorf("tpm: pending signing key: %w", err)
	}
	return &PendingKey{t: t, id: id, rec: rec, blob: blob, key: lk}, nil
}

// retireState copies the state of the key in force to dir/retired/<UTC time, nanoseconds>/.
func retireState(dir string, now time.Time) error {
	to := filepath.Join(dir, RetiredDir, now.UTC().Format("20060102T150405.000000000Z"))
	if err := durable.MkdirAll(to, 0o700); err != nil {
		return err
	}
	for _, name := range []string{SigningKeyFile, ProvisionFile} {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return err
		}
		if err := durable.WriteNew(filepath.Join(to, name), data, 0o600); err != nil {
			return err
		}
	}
	return nil
}

// CertificationText is the new key's certification as the journal's rotation leaf records it: the base64 of the
// AK's TPMT_PUBLIC, the key's TPMT_PUBLIC, the TPMS_ATTEST of TPM2_Certify and its TPMT_SIGNATURE, joined by
// '.', after "tpm2-certify:".
func (id *Identity) CertificationText() string {
	enc := base64.StdEncoding.EncodeToString
	return "tpm2-certify:" + strings.Join([]string{enc(id.AKTPMT), enc(id.SigningKeyTPMT), enc(id.Certify.Msg), enc(id.Certify.Sig)}, ".")
}

// CheckCertificationText checks a certification made by CertificationText: the AK's signature over the
// TPMS_ATTEST, which must certify the key's TPMT_PUBLIC, and that key is pub. It returns the AK's TPMT_PUBLIC
// so that the caller compares it with the AK it trusts.
func CheckCertificationText(text string, pub crypto.PublicKey) (akTPMT []byte, err error) {
	body, ok := strings.CutPrefix(text, "tpm2-certify:")
	parts := strings.Split(body, ".")
	if !ok || len(parts) != 4 {
		return nil, fmt.Errorf("tpm: certification: want \"tpm2-certify:\" and four base64 fields")
	}
	raw := make([][]byte, 4)
	for i, s := range parts {
		if raw[i], err = base64.StdEncoding.DecodeString(s); err != nil {
			return nil, fmt.Errorf("tpm: certification: field %d: %w", i+1, err)
		}
	}
	akPub, err := tpm2.Unmarshal[tpm2.TPMTPublic](raw[0])
	if err != nil {
		return nil, fmt.Errorf("tpm: certification: attestation key: %w", err)
	}
	ak, err := attest.PublicKey(akPub)
	if err != nil {
		return nil, fmt.Errorf("tpm: certification: attestation key: %w", err)
	}
	if err := VerifyCertification(ak, raw[2], raw[3], raw[1]); err != nil {
		return nil, fmt.Errorf("tpm: certification: %w", err)
	}
	keyPub, err := tpm2.Unmarshal[tpm2.TPMTPublic](raw[1])
	if err != nil {
		return nil, fmt.Errorf("tpm: certification: key: %w", err)
	}
	k, err := attest.PublicKey(keyPub)
	if err != nil {
		return nil, fmt.Errorf("tpm: certification: key: %w", err)
	}
	if !k.Equal(pub) {
		return nil, fmt.Errorf("tpm: certification: it certifies another key than the rotation's new key")
	}
	return raw[0], nil
}
