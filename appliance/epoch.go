package appliance

// Key epochs: after its TPM was replaced (a motherboard swap) or cleared, the appliance's signing key is gone and
// cannot sign a rotation. The box provisions the new TPM and asks for a new epoch (StartEpoch); the authority, once
// an operator revoked the old enrollment and the new TPM is enrolled, countersigns it (authority.Epoch); the box
// appends it to its journal (InstallEpoch), whose checkpoints continue under the same origin with the new key.

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/attesta/attesta/internal/durable"
	"github.com/attesta/attesta/journal"
	"github.com/attesta/attesta/journal/format"
	"github.com/attesta/attesta/tpm"
)

// ErrTPMHoldsKey is returned by StartEpoch when the TPM still holds the journal's key: a new epoch is only for a
// key that was lost (rotate a key that is not: RotateKey).
var ErrTPMHoldsKey = errors.New("the TPM holds the journal's key")

// retiredTPMDir holds, under DataDir, the TPM state of replaced TPMs, one folder per replacement: kept, never
// deleted (the old key's provisioning record documents the old epoch).
const retiredTPMDir = "tpm-retired"

// OpenTPM opens and provisions the appliance's TPM alone, without the journal: what enrollment needs, also while
// the journal waits for a new key epoch. It returns the TPM and the appliance id.
func OpenTPM(ctx context.Context, cfg Config) (*tpm.TPM, string, error) {
	cfg = cfg.withDefaults()
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, "", fmt.Errorf("appliance: data dir: %w", err)
	}
	id, err := loadOrCreateIdentity(cfg.DataDir, time.Now())
	if err != nil {
		return nil, "", err
	}
	sel, err := tpm.ParsePCRSelection(cfg.PCRs)
	if err != nil {
		return nil, "", fmt.Errorf("appliance: pcrs %q: %w", cfg.PCRs, err)
	}
	t, err := tpm.Open(ctx, cfg.TPM, filepath.Join(cfg.DataDir, "tpm"))
	if err != nil {
		return nil, "", fmt.Errorf("appliance: %w", err)
	}
	opts, err := provisionOptions(cfg, sel)
	if err == nil {
		_, err = t.Provision(ctx, opts)
	}
	if err != nil {
		t.Close()
		return nil, "", fmt.Errorf("appliance: provision: %w", err)
	}
	return t, id.ID, nil
}

// StartEpoch is the box's first step after its TPM was replaced or cleared: when the TPM's state no longer loads
// (the key it records belongs to the old TPM), that state is moved to DataDir/tpm-retired/<time>/ and the new TPM
// is provisioned; then it returns the epoch request, signed by the new key, that hands the journal at its current
// size from its key in force to the new key (journal.Journal.EpochRequest). Run again (the request was lost), it
// signs a new request with the same new key. It refuses when the TPM still holds the journal's key.
func StartEpoch(ctx context.Context, cfg Config) (*format.Epoch, error) {
	cfg = cfg.withDefaults()
	id, err := loadIdentity(cfg.DataDir)
	if err != nil {
		return nil, err
	}
	origin := "attesta/" + id.ID
	ro, err := journal.Open(ctx, filepath.Join(cfg.DataDir, "journal.db"), journal.Options{Origin: origin})
	if err != nil {
		return nil, fmt.Errorf("appliance: new epoch: %w", err)
	}
	defer ro.Close()
	t, _, err := OpenTPM(ctx, cfg)
	if err != nil {
		if moved, rerr := retireTPMState(cfg.DataDir); rerr != nil {
			return nil, errors.Join(err, rerr)
		} else if moved == "" {
			return nil, err
		}
		if t, _, err = OpenTPM(ctx, cfg); err != nil {
			return nil, fmt.Errorf("appliance: new epoch: provision the new TPM: %w", err)
		}
	}
	defer t.Close()
	signer, err := t.Signer(ctx)
	if err != nil {
		return nil, fmt.Errorf("appliance: new epoch: %w", err)
	}
	pub, _ := signer.Public().(*ecdsa.PublicKey)
	if vk, _ := journal.VerifierKey(origin, pub); vk == ro.VerifierKey() {
		return nil, fmt.Errorf("appliance: new epoch: %w %s: rotate it instead (a new epoch is for a key lost with its TPM)", ErrTPMHoldsKey, vk)
	}
	return ro.EpochRequest(ctx, signer)
}

// retireTPMState moves the TPM state files of DataDir/tpm (not the simulator's seed, which is the simulated chip
// itself) to a new folder under DataDir/tpm-retired; it returns that folder, or "" when there was no state.
func retireTPMState(dataDir string) (string, error) {
	src := filepath.Join(dataDir, "tpm")
	entries, err := os.ReadDir(src)
	if err != nil {
		return "", fmt.Errorf("appliance: retire TPM state: %w", err)
	}
	dst := filepath.Join(dataDir, retiredTPMDir, time.Now().UTC().Format("20060102T150405.000000000Z"))
	moved := false
	for _, e := range entries {
		if e.Name() == "sim-seed" || !e.Type().IsRegular() {
			continue
		}
		if !moved {
			if err := durable.MkdirAll(dst, 0o700); err != nil {
				return "", fmt.Errorf("appliance: retire TPM state: %w", err)
			}
			moved = true
		}
		if err := os.Rename(filepath.Join(src, e.Name()), filepath.Join(dst, e.Name())); err != nil {
			return "", fmt.Errorf("appliance: retire TPM state: %w", err)
		}
	}
	if !moved {
		return "", nil
	}
	if err := errors.Join(durable.SyncDir(dst), durable.SyncDir(src)); err != nil {
		return "", fmt.Errorf("appliance: retire TPM state: %w", err)
	}
	return dst, nil
}

// InstallEpoch appends the epoch record the authority countersigned (format.ParseEpoch of file) to the journal,
// opened with the new TPM's key (journal.Options.Epoch), which then signs its checkpoints. The appliance opens
// normally afterwards.
func InstallEpoch(ctx context.Context, cfg Config, file []byte) (*format.Epoch, error) {
	ep, err := format.ParseEpoch(file)
	if err != nil {
		return nil, fmt.Errorf("appliance: install epoch: %w", err)
	}
	cfg = cfg.withDefaults()
	t, id, err := OpenTPM(ctx, cfg)
	if err != nil {
		return nil, err
	}
	defer t.Close()
	signer, err := t.Signer(ctx)
	if err != nil {
		return nil, fmt.Errorf("appliance: install epoch: %w", err)
	}
	j, err := journal.Open(ctx, filepath.Join(cfg.DataDir, "journal.db"), journal.Options{Origin: "attesta/" + id, Signer: signer, Epoch: ep})
	if err != nil {
		return nil, fmt.Errorf("appliance: install epoch: %w", err)
	}
	if err := j.Close(); err != nil {
		return nil, fmt.Errorf("appliance: install epoch: %w", err)
	}
	return ep, nil
}
