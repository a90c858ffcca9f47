package attest

import (
	"crypto/sha256"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/google/go-tpm/tpm2"
)

// AppPCR is the application PCR: the appliance extends it on tamper events,
// and every signing-key policy includes it. PCR 23 is all zeros after a TPM
// reset (reboot) and is not touched by firmware or the boot chain.
const AppPCR = 23

// MaxPCR is the highest PCR index a PC Client TPM must have.
const MaxPCR = 23

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
	return sel.Normalize()
}

// Normalize returns the selection sorted; it rejects an empty selection,
// duplicates and indices above MaxPCR.
func (s PCRSelection) Normalize() (PCRSelection, error) {
	if len(s) == 0 {
		return nil, fmt.Errorf("tpm: empty PCR selection")
	}
	out := slices.Clone(s)
	slices.Sort(out)
	for i, p := range out {
		if p > MaxPCR {
			return nil, fmt.Errorf("tpm: PCR selection %v: index %d above %d", []uint(s), p, MaxPCR)
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

// TPML returns the selection as a TPML_PCR_SELECTION of the SHA-256 bank.
func (s PCRSelection) TPML() tpm2.TPMLPCRSelection {
	return tpm2.TPMLPCRSelection{PCRSelections: []tpm2.TPMSPCRSelection{{
		Hash:      tpm2.TPMAlgSHA256,
		PCRSelect: tpm2.PCClientCompatible.PCRs(s...),
	}}}
}

// FromTPML converts a TPML_PCR_SELECTION to a PCRSelection; it fails if any
// bank other than SHA-256 is selected.
func FromTPML(l tpm2.TPMLPCRSelection) (PCRSelection, error) {
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

// PCRDigest is the digest a quote or a PolicyPCR covers: SHA-256 of the
// concatenated PCR values in selection order.
func PCRDigest(values [][]byte) []byte {
	h := sha256.New()
	for _, v := range values {
		h.Write(v)
	}
	return h.Sum(nil)
}
