package appliance

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/attesta/attesta/journal"
	"github.com/attesta/attesta/tpm"
	"github.com/attesta/attesta/tpm/attest"
)

// Leaf types of the TPM's policy: LeafTamperClear records an administrator's clearing of the TPM's tamper index,
// written before the TPM clears it; LeafPolicyAdvance the anti-rollback counter moved up (AdvancePolicy).
const (
	LeafTamperClear   = "tamper-clear"
	LeafPolicyAdvance = "tpm-policy-advance"
	// LeafTamperClearRefused records an unlock whose secret the TPM refused: the tamper index stays set.
	LeafTamperClearRefused = "tamper-clear-refused"
	// LeafOwnerLock records that the TPM's owner hierarchy was handed to the administrator's unlock secret
	// (LockOwner), or the secret changed.
	LeafOwnerLock = "tpm-owner-lock"
)

// provisionOptions are the TPM's provisioning options under cfg: the PCR selection and, with an image key, the key
// and the running image's signed policy (see tpm's package doc, "Authorized policy").
func provisionOptions(cfg Config, sel tpm.PCRSelection) (tpm.ProvisionOptions, error) {
	opts := tpm.ProvisionOptions{PCRs: sel}
	if cfg.ImageKey == "" {
		if cfg.TPMPolicy != "" {
			return opts, fmt.Errorf("appliance: tpm_policy %s without image_key: the signed policy cannot be checked", cfg.TPMPolicy)
		}
		return opts, nil
	}
	data, err := os.ReadFile(cfg.ImageKey)
	if err == nil {
		opts.ImageKey, err = attest.ParseImageKey(data)
	}
	if err != nil {
		return opts, fmt.Errorf("appliance: image_key %s: %w", cfg.ImageKey, err)
	}
	if cfg.TPMPolicy == "" {
		return opts, nil
	}
	files := []string{cfg.TPMPolicy}
	if fi, err := os.Stat(cfg.TPMPolicy); err == nil && fi.IsDir() {
		files, _ = filepath.Glob(filepath.Join(cfg.TPMPolicy, "*.json")) // sorted; the pattern is valid
		if len(files) == 0 {
			return opts, fmt.Errorf("appliance: tpm_policy %s: no signed policy (*.json) in the folder", cfg.TPMPolicy)
		}
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		var p *tpm.SignedPolicy
		if err == nil {
			p, err = attest.ParsePolicy(f, data)
		}
		if err != nil {
			return opts, fmt.Errorf("appliance: tpm_policy: %w", err)
		}
		opts.Policies = append(opts.Policies, p)
	}
	return opts, nil
}

// clearTamper clears the TPM's tamper index for an administrator's unlock. The TPM first checks the owner
// authorization derived from the administrator's unlock secret (tpm.OwnerAuth; none on a box whose owner is not
// locked): a refusal is journaled (LeafTamperClearRefused) and nothing is cleared. Otherwise the clear is journaled
// (a leaf that the unusable key cannot yet cover with a checkpoint still counts: see record), then done. Nothing
// happens while the index is clear.
func clearTamper(ctx context.Context, a *Appliance, admin, why string, secret []byte) error {
	on, err := a.tpm.Tampered(ctx)
	if err != nil || !on {
		return err
	}
	var auth []byte
	if len(secret) > 0 {
		auth = tpm.OwnerAuth(secret)
	}
	fields := map[string]any{"admin": admin, "reason": why, "nv_index": fmt.Sprintf("%#x", uint32(attest.TamperNVIndex))}
	if err := a.tpm.CheckOwnerAuth(ctx, auth); err != nil {
		if errors.Is(err, tpm.ErrOwnerAuth) {
			if _, jerr := a.record(ctx, journal.Entry{Type: LeafTamperClearRefused, Fields: fields}); jerr != nil {
				err = errors.Join(err, fmt.Errorf("journal the refusal: %w", jerr))
			}
		}
		return fmt.Errorf("appliance: clear the tamper index: %w", err)
	}
	if _, err := a.record(ctx, journal.Entry{Type: LeafTamperClear, Fields: fields}); err != nil {
		return fmt.Errorf("appliance: journal the tamper clear: %w", err)
	}
	if err := a.tpm.ClearTamper(ctx, auth); err != nil {
		return fmt.Errorf("appliance: clear the tamper index: %w", err)
	}
	return nil
}

// LockOwner hands the TPM's owner hierarchy to the administrator's unlock secret (see tpm's package doc, "Owner
// lock"): from then on only an unlock with that secret clears the tamper index. current is the secret in force
// (nil on a box never locked); next the new one, which the box does not keep. Journaled (LeafOwnerLock) after the
// TPM accepted it; nothing secret is journaled.
func LockOwner(ctx context.Context, a *Appliance, admin string, current, next []byte) error {
	if admin == "" {
		return fmt.Errorf("appliance: lock the TPM owner: the administrator's name is required (journaled)")
	}
	if len(next) < minUnlockSecret {
		return fmt.Errorf("appliance: lock the TPM owner: the unlock secret has %d bytes, want at least %d (the TPM does not slow guesses at the owner authorization)", len(next), minUnlockSecret)
	}
	var cur []byte
	if len(current) > 0 {
		cur = tpm.OwnerAuth(current)
	}
	if err := a.tpm.LockOwner(ctx, cur, tpm.OwnerAuth(next)); err != nil {
		return fmt.Errorf("appliance: lock the TPM owner: %w", err)
	}
	if _, err := a.record(ctx, journal.Entry{Type: LeafOwnerLock, Fields: map[string]any{
		"admin": admin, "changed": len(current) > 0, "srk_handle": fmt.Sprintf("%#x", uint32(tpm.SRKHandle)),
	}}); err != nil {
		return fmt.Errorf("appliance: journal the TPM owner lock: %w", err)
	}
	return nil
}

// minUnlockSecret is the shortest unlock secret LockOwner accepts: hierarchy authorizations have no
// dictionary-attack protection, so the secret must be long and random (attesta keys owner-lock makes 32 bytes).
const minUnlockSecret = 16

// quoteTarget is what the attestation self-check quotes and compares the quote with: the signed policy's PCRs and
// values when one is in force, else the provisioned selection and values.
func quoteTarget(a *Appliance) (tpm.PCRSelection, [][]byte, *tpm.SignedPolicy) {
	if p := a.tpm.Policy(); p != nil {
		return p.Selection, p.Values, p
	}
	return a.sel, a.ident.PCRValues, nil
}

// AdvancePolicy moves the TPM's anti-rollback counter up to version (0: the version of the signed policy in force),
// so that every signed policy below it is refused from then on: the last step of an update, once the new image
// booted well. The move is journaled. Refused while certification is locked.
func AdvancePolicy(ctx context.Context, a *Appliance, version uint64) (uint64, error) {
	if err := a.CheckCertify(); err != nil {
		return 0, fmt.Errorf("appliance: advance the policy counter: %w", err)
	}
	p := a.tpm.Policy()
	if version == 0 && p != nil {
		version = p.Version
	}
	from, err := a.tpm.PolicyCounter(ctx)
	if err != nil {
		return 0, fmt.Errorf("appliance: advance the policy counter: %w", err)
	}
	to, err := a.tpm.AdvancePolicyCounter(ctx, version)
	if err != nil {
		return to, fmt.Errorf("appliance: advance the policy counter: %w", err)
	}
	if to != from {
		if _, err := a.record(ctx, journal.Entry{Type: LeafPolicyAdvance, Fields: map[string]any{
			"from": int64(from), "to": int64(to), "image_version": p.ImageVersion,
		}}); err != nil {
			return to, fmt.Errorf("appliance: journal the policy counter's advance: %w", err)
		}
	}
	return to, nil
}

// policyFields are the boot leaf's record of the signed policy in force.
func policyFields(a *Appliance, f map[string]any) {
	if p := a.tpm.Policy(); p != nil {
		f["tpm_policy_version"] = int64(p.Version)
		f["image_version"] = p.ImageVersion
	}
}
