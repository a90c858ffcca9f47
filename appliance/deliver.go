package appliance

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/attesta/attesta/bundle"
	"github.com/attesta/attesta/journal/blob"
)

// caseBlobs gives a delivery the bytes of one case's artifacts from the blob store.
type caseBlobs struct {
	store  *blob.Store
	caseID string
}

func (c caseBlobs) Open(ctx context.Context, sha256hex string) (io.ReadCloser, error) {
	return c.store.Open(ctx, c.caseID, sha256hex)
}

// Deliver seals a manifest into the journal and writes its delivery folder in outDir: the manifest, its artifacts
// from the case's blobs, the checkpoint and inclusion proof, and a fresh TPM attestation whose nonce is the SHA-256
// of that checkpoint, so the attestation provably postdates it and certifies the key that signed it. It returns the
// folder's path. An existing folder is never overwritten.
func (a *Appliance) Deliver(ctx context.Context, caseID string, m *bundle.Manifest, outDir string) (string, error) {
	if err := a.CheckCertify(); err != nil {
		return "", err
	}
	sealed, err := bundle.Seal(ctx, a.journal, m, caseID)
	if err != nil {
		return "", fmt.Errorf("appliance: seal delivery of %s: %w", m.Chat.Phone, err)
	}
	tmp, err := os.MkdirTemp(a.cfg.DataDir, ".attestation-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	nonce := sha256.Sum256(sealed.Checkpoint)
	attDir := filepath.Join(tmp, "attestation")
	if _, err := a.tpm.WriteAttestation(ctx, attDir, nonce[:]); err != nil {
		return "", fmt.Errorf("appliance: attestation for delivery of %s: %w", m.Chat.Phone, err)
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return "", err
	}
	d := bundle.Delivery{Manifest: m, Sealed: sealed, Artifacts: caseBlobs{a.blobs, caseID}, Attestation: attDir}
	if err := bundle.Write(ctx, outDir, d, bundle.WriteOptions{Logger: a.log}); err != nil {
		return "", fmt.Errorf("appliance: write delivery of %s: %w", m.Chat.Phone, err)
	}
	return filepath.Join(outDir, m.FolderName()), nil
}
