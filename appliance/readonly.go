package appliance

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/attesta/attesta/journal"
	"github.com/attesta/attesta/journal/blob"
	"github.com/attesta/attesta/tpm"
)

// ErrNoData is returned when a data directory holds no journal: nothing is created by commands that only read.
var ErrNoData = errors.New("no journal in data directory")

// JournalPath returns the journal file of a data directory, checking that it exists.
func JournalPath(dataDir string) (string, error) {
	p := filepath.Join(dataDir, "journal.db")
	if _, err := os.Stat(p); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("%s: %w", dataDir, ErrNoData)
		}
		return "", err
	}
	return p, nil
}

// OpenJournalReadOnly opens the journal of a data directory for reading: show, export, offline verification.
func OpenJournalReadOnly(ctx context.Context, dataDir string) (*journal.Journal, error) {
	p, err := JournalPath(dataDir)
	if err != nil {
		return nil, err
	}
	return journal.Open(ctx, p, journal.Options{})
}

// VerifyData verifies a data directory on the appliance itself, writing nothing: the journal against the key in
// the TPM, and every blob, whose case key the TPM unwraps. The TPM must already be provisioned.
func VerifyData(ctx context.Context, cfg Config, latest []byte) (*journal.VerifyReport, error) {
	cfg = cfg.withDefaults()
	j, err := OpenJournalReadOnly(ctx, cfg.DataDir)
	if err != nil {
		return nil, err
	}
	defer j.Close()
	id, err := loadIdentity(cfg.DataDir)
	if err != nil {
		return nil, err
	}
	// Provision only loads when the TPM state exists; without it, it would create keys, which a check must not.
	tpmDir := filepath.Join(cfg.DataDir, "tpm")
	if _, err := os.Stat(filepath.Join(tpmDir, "provision.json")); err != nil {
		return nil, fmt.Errorf("appliance: %s: TPM not provisioned: %w", tpmDir, err)
	}
	t, err := tpm.Open(ctx, cfg.TPM, tpmDir)
	if err != nil {
		return nil, err
	}
	defer t.Close()
	ident, err := t.Provision(ctx, tpm.ProvisionOptions{})
	if err != nil {
		return nil, err
	}
	vkey, err := journal.VerifierKey("attesta/"+id.ID, ident.SigningKey)
	if err != nil {
		return nil, err
	}
	v, err := journal.NewNoteVerifier(vkey)
	if err != nil {
		return nil, err
	}
	blobs, err := blob.Open(filepath.Join(cfg.DataDir, "blobs"), t.KeyWrapper())
	if err != nil {
		return nil, err
	}
	defer blobs.Close()
	first, err := firstKeyVerifier(ctx, j, v)
	if err != nil {
		return nil, err
	}
	rep, err := j.Verify(ctx, journal.VerifyOptions{Verifier: first, Latest: latest, Blobs: blobs})
	if err == nil {
		err = chainEndsAt(rep, v)
	}
	if err == nil {
		err = checkRotationCertifications(ctx, j, rep, ident)
	}
	return rep, err
}
