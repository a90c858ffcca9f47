package tpm

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"slices"

	"github.com/google/go-tpm/tpm2"
	"github.com/google/go-tpm/tpm2/transport"

	"github.com/attesta/attesta/tpm/attest"
)

// pcrPolicyDigest is the authPolicy of a key usable while the PCRs in sel
// hold values.
func pcrPolicyDigest(sel PCRSelection, values [][]byte) ([]byte, error) {
	return attest.PolicyPCRDigest(sel, values)
}

// ReadPCRs returns the SHA-256 values of the selected PCRs, in selection order.
func (t *TPM) ReadPCRs(ctx context.Context, sel PCRSelection) ([][]byte, error) {
	sel, err := sel.Normalize()
	if err != nil {
		return nil, err
	}
	if err := t.lock(ctx); err != nil {
		return nil, err
	}
	defer t.mu.Unlock()
	vals, err := readPCRs(t.tr, sel)
	if err != nil {
		return nil, fmt.Errorf("tpm: read PCRs %s: %w", sel, err)
	}
	return vals, nil
}

// readPCRs reads sel, asking again for what a TPM leaves out: TPM2_PCR_Read
// returns at most eight digests per call.
func readPCRs(tr transport.TPM, sel PCRSelection) ([][]byte, error) {
	got := make(map[uint][]byte, len(sel))
	for range len(sel) + 1 {
		var todo PCRSelection
		for _, p := range sel {
			if _, ok := got[p]; !ok {
				todo = append(todo, p)
			}
		}
		if len(todo) == 0 {
			break
		}
		rsp, err := tpm2.PCRRead{PCRSelectionIn: todo.TPML()}.Execute(tr)
		if err != nil {
			return nil, err
		}
		outSel, err := attest.FromTPML(rsp.PCRSelectionOut)
		if err != nil {
			return nil, err
		}
		if len(outSel) != len(rsp.PCRValues.Digests) || len(outSel) == 0 {
			return nil, fmt.Errorf("TPM returned %d digests for %d PCRs", len(rsp.PCRValues.Digests), len(outSel))
		}
		for i, p := range outSel {
			got[p] = slices.Clone(rsp.PCRValues.Digests[i].Buffer)
		}
	}
	vals := make([][]byte, len(sel))
	for i, p := range sel {
		v, ok := got[p]
		if !ok || len(v) != sha256.Size {
			return nil, fmt.Errorf("TPM did not return PCR %d", p)
		}
		vals[i] = v
	}
	return vals, nil
}

// ExtendAppPCR extends AppPCR (SHA-256 bank) with SHA-256(event). After it,
// the signing key is unusable until the TPM is reset.
func (t *TPM) ExtendAppPCR(ctx context.Context, event []byte) error {
	if err := t.lock(ctx); err != nil {
		return err
	}
	defer t.mu.Unlock()
	return extendAppPCR(t.tr, event)
}

func extendAppPCR(tr transport.TPM, event []byte) error {
	sum := sha256.Sum256(event)
	_, err := tpm2.PCRExtend{
		PCRHandle: tpm2.AuthHandle{Handle: tpm2.TPMHandle(AppPCR), Auth: tpm2.PasswordAuth(nil)},
		Digests: tpm2.TPMLDigestValues{Digests: []tpm2.TPMTHA{{
			HashAlg: tpm2.TPMAlgSHA256, Digest: sum[:],
		}}},
	}.Execute(tr)
	if err != nil {
		return fmt.Errorf("tpm: extend PCR %d: %w", AppPCR, err)
	}
	return nil
}

// PCRDrift returns the PCRs of the provisioned selection whose current value
// differs from the value at provisioning; while any does, the signing key
// is unusable. It is the start-up and periodic self-check.
func (t *TPM) PCRDrift(ctx context.Context) ([]uint, error) {
	if err := t.lock(ctx); err != nil {
		return nil, err
	}
	defer t.mu.Unlock()
	if t.id == nil {
		return nil, fmt.Errorf("tpm: PCR drift: %w", ErrNotProvisioned)
	}
	vals, err := readPCRs(t.tr, t.id.PCRSelection)
	if err != nil {
		return nil, fmt.Errorf("tpm: PCR drift: read PCRs %s: %w", t.id.PCRSelection, err)
	}
	var drift []uint
	for i, p := range t.id.PCRSelection {
		if !bytes.Equal(vals[i], t.id.PCRValues[i]) {
			drift = append(drift, p)
		}
	}
	return drift, nil
}
