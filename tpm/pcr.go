package tpm

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/google/go-tpm/tpm2"
	"github.com/google/go-tpm/tpm2/transport"
)

// AppPCR is the application PCR: the appliance extends it on tamper events,
// and every signing-key policy includes it. PCR 23 is all zeros after a TPM
// reset (reboot) and is not touched by firmware or the boot chain.
const AppPCR = 23

// maxPCR is the highest PCR index a PC Client TPM must have.
const maxPCR = 23

// PCRSelection is a set of SHA-256 bank PCR indices, kept sorted and unique.
// Its text form is the tpm2-tools one: "sha256:0,1,2,3,4,5,6,7,23".
type PCRSelection []uint

// DefaultPCRSelection returns the boot measurements PCR 0-7 and AppPCR.
func DefaultPCRSelection() PCRSelection {
	return PCRSelection{0, 1, 2, 3, 4, 5, 6, 7, AppPCR}
}

// ParsePCRSelection parses the tpm2-tools form "sha256:0,1,23". Only the
// sha256 bank is supported.
func ParsePCRSelection(s string) (PCRSelection, error) {
	bank, list, ok := strings.Cut(s, ":")
	if !ok || bank != "sha256" {
		return nil, fmt.Errorf("tpm: parse PCR selection %q: want \"sha256:N,N,...\"", s)
	}
	var sel PCRSelection
	for f := range strings.SplitSeq(list, ",") {
		n, err := strconv.ParseUint(strings.TrimSpace(f), 10, 8)
		if err != nil {
			return nil, fmt.Errorf("tpm: parse PCR selection %q: bad index %q", s, f)
		}
		sel = append(sel, uint(n))
	}
	return sel.normalize()
}

// normalize sorts, rejects duplicates and out-of-range indices.
func (s PCRSelection) normalize() (PCRSelection, error) {
	if len(s) == 0 {
		return nil, fmt.Errorf("tpm: empty PCR selection")
	}
	out := slices.Clone(s)
	slices.Sort(out)
	for i, p := range out {
		if p > maxPCR {
			return nil, fmt.Errorf("tpm: PCR selection %v: index %d above %d", []uint(s), p, maxPCR)
		}
		if i > 0 && out[i-1] == p {
			return nil, fmt.Errorf("tpm: PCR selection %v: PCR %d twice", []uint(s), p)
		}
	}
	return out, nil
}

// String returns the tpm2-tools form, e.g. "sha256:0,7,23".
func (s PCRSelection) String() string {
	parts := make([]string, len(s))
	for i, p := range s {
		parts[i] = strconv.FormatUint(uint64(p), 10)
	}
	return "sha256:" + strings.Join(parts, ",")
}

// Contains reports whether PCR p is selected.
func (s PCRSelection) Contains(p uint) bool { return slices.Contains(s, p) }

func (s PCRSelection) tpml() tpm2.TPMLPCRSelection {
	return tpm2.TPMLPCRSelection{PCRSelections: []tpm2.TPMSPCRSelection{{
		Hash:      tpm2.TPMAlgSHA256,
		PCRSelect: tpm2.PCClientCompatible.PCRs(s...),
	}}}
}

// fromTPML converts a TPML_PCR_SELECTION to a PCRSelection; it fails if any
// bank other than SHA-256 is selected.
func fromTPML(l tpm2.TPMLPCRSelection) (PCRSelection, error) {
	var sel PCRSelection
	for _, ps := range l.PCRSelections {
		if ps.Hash != tpm2.TPMAlgSHA256 {
			if slices.ContainsFunc(ps.PCRSelect, func(b byte) bool { return b != 0 }) {
				return nil, fmt.Errorf("unsupported PCR bank %#x", uint16(ps.Hash))
			}
			continue
		}
		for i, b := range ps.PCRSelect {
			for bit := range 8 {
				if b&(1<<bit) != 0 {
					sel = append(sel, uint(i*8+bit))
				}
			}
		}
	}
	return sel, nil
}

// pcrDigest is the digest a quote or a PolicyPCR covers: SHA-256 of the
// concatenated PCR values in selection order.
func pcrDigest(values [][]byte) []byte {
	h := sha256.New()
	for _, v := range values {
		h.Write(v)
	}
	return h.Sum(nil)
}

// pcrPolicyDigest is the authPolicy of a key usable while the PCRs in sel
// hold values.
func pcrPolicyDigest(sel PCRSelection, values [][]byte) ([]byte, error) {
	calc, err := tpm2.NewPolicyCalculator(tpm2.TPMAlgSHA256)
	if err != nil {
		return nil, err
	}
	pol := tpm2.PolicyPCR{PcrDigest: tpm2.TPM2BDigest{Buffer: pcrDigest(values)}, Pcrs: sel.tpml()}
	if err := pol.Update(calc); err != nil {
		return nil, err
	}
	return calc.Hash().Digest, nil
}

// ReadPCRs returns the SHA-256 values of the selected PCRs, in selection order.
func (t *TPM) ReadPCRs(ctx context.Context, sel PCRSelection) ([][]byte, error) {
	sel, err := sel.normalize()
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
		rsp, err := tpm2.PCRRead{PCRSelectionIn: todo.tpml()}.Execute(tr)
		if err != nil {
			return nil, err
		}
		outSel, err := fromTPML(rsp.PCRSelectionOut)
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
	sum := sha256.Sum256(event)
	_, err := tpm2.PCRExtend{
		PCRHandle: tpm2.AuthHandle{Handle: tpm2.TPMHandle(AppPCR), Auth: tpm2.PasswordAuth(nil)},
		Digests: tpm2.TPMLDigestValues{Digests: []tpm2.TPMTHA{{
			HashAlg: tpm2.TPMAlgSHA256, Digest: sum[:],
		}}},
	}.Execute(t.tr)
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
