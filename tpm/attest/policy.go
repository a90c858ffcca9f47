package attest

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"strings"

	"github.com/google/go-tpm/tpm2"

	"github.com/attesta/attesta/internal/strictjson"
)

// The signed image policy: see the package doc of package tpm ("Authorized policy") for how the TPM uses it.

// PolicyFormat is the format member of a signed image policy file.
const PolicyFormat = "attesta.tpm.policy/v1"

// PolicyRef qualifies every approval the image key signs (TPM2_PolicyAuthorize's policyRef), so that a signature
// the image key makes for another purpose can never pass for an approved policy.
const PolicyRef = "attesta image policy v1"

// NV indices in the owner range (TCG handle registry 0x01000000–0x013FFFFF). Their public areas are fixed
// ([CounterNVPublic], [TamperNVPublic]), so their Names, and every policy that names them, are the same on every box.
const (
	// CounterNVIndex holds the lowest policy version the box accepts (TPM_NT_COUNTER: it only goes up).
	CounterNVIndex tpm2.TPMHandle = 0x0100a770
	// TamperNVIndex holds the tamper state (TPM_NT_BITS: bits are only set; zero means not tampered).
	TamperNVIndex tpm2.TPMHandle = 0x0100a771
)

var (
	// ErrBadPolicy is wrapped by every error about a signed policy file that does not decode or verify.
	ErrBadPolicy = errors.New("bad signed policy")
)

// CounterNVPublic is the anti-rollback counter's public area, as written (TPMA_NV_WRITTEN set: the Name a policy
// holds is the written index's). Anyone may read it and increment it (an increment can only lock old policies out).
func CounterNVPublic() tpm2.TPMSNVPublic { return nvPublic(CounterNVIndex, tpm2.TPMNTCounter) }

// TamperNVPublic is the tamper index's public area, as written. Anyone may read it and set bits in it
// (TPM2_NV_SetBits with its empty auth value); no command clears a bit: only deleting the index, which needs the
// owner hierarchy's authorization, and defining it again.
func TamperNVPublic() tpm2.TPMSNVPublic { return nvPublic(TamperNVIndex, tpm2.TPMNTBits) }

// nvPublic is an 8-byte index of type nt, read and written with its empty auth value, as written.
func nvPublic(idx tpm2.TPMHandle, nt tpm2.TPMNT) tpm2.TPMSNVPublic {
	return tpm2.TPMSNVPublic{
		NVIndex:    idx,
		NameAlg:    tpm2.TPMAlgSHA256,
		Attributes: tpm2.TPMANV{NT: nt, AuthWrite: true, AuthRead: true, NoDA: true, Written: true},
		DataSize:   8,
	}
}

// NVName is the Name of an NV index's public area.
func NVName(pub tpm2.TPMSNVPublic) tpm2.TPM2BName {
	n, err := tpm2.NVName(&pub)
	if err != nil {
		panic(fmt.Sprintf("attest: NV name of a fixed public area: %v", err)) // SHA-256 is always available
	}
	return *n
}

// VersionOperand is a policy version as PolicyNV compares it with the counter: 8 bytes big-endian.
func VersionOperand(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

// CounterAssertion is PolicyNV(counter ≤ version): the counter, the lowest version the box accepts, must not exceed
// the policy's version. A policy for version v therefore holds until the counter moves past v.
func CounterAssertion(version uint64) tpm2.PolicyNV {
	return tpm2.PolicyNV{
		AuthHandle: tpm2.NamedHandle{Handle: CounterNVIndex, Name: NVName(CounterNVPublic())},
		NVIndex:    tpm2.NamedHandle{Handle: CounterNVIndex, Name: NVName(CounterNVPublic())},
		OperandB:   tpm2.TPM2BOperand{Buffer: VersionOperand(version)},
		Operation:  tpm2.TPMEOUnsignedLE,
	}
}

// TamperAssertion is PolicyNV(tamper bits == 0).
func TamperAssertion() tpm2.PolicyNV {
	return tpm2.PolicyNV{
		AuthHandle: tpm2.NamedHandle{Handle: TamperNVIndex, Name: NVName(TamperNVPublic())},
		NVIndex:    tpm2.NamedHandle{Handle: TamperNVIndex, Name: NVName(TamperNVPublic())},
		OperandB:   tpm2.TPM2BOperand{Buffer: make([]byte, 8)},
		Operation:  tpm2.TPMEOEq,
	}
}

// ApprovedPolicyDigest is the policy the image key approves for one image: PolicyPCR(sel, values) then
// PolicyNV(counter ≤ version).
func ApprovedPolicyDigest(sel PCRSelection, values [][]byte, version uint64) ([]byte, error) {
	calc, err := tpm2.NewPolicyCalculator(tpm2.TPMAlgSHA256)
	if err != nil {
		return nil, err
	}
	if err := (tpm2.PolicyPCR{PcrDigest: tpm2.TPM2BDigest{Buffer: PCRDigest(values)}, Pcrs: sel.TPML()}).Update(calc); err != nil {
		return nil, err
	}
	if err := CounterAssertion(version).Update(calc); err != nil {
		return nil, err
	}
	return calc.Hash().Digest, nil
}

// AuthorizedKeyPolicy is the authPolicy of a signing key under the image key: PolicyAuthorize(image key, PolicyRef)
// then PolicyNV(tamper == 0).
func AuthorizedKeyPolicy(imageKey *ecdsa.PublicKey) ([]byte, error) {
	name, err := ImageKeyName(imageKey)
	if err != nil {
		return nil, err
	}
	calc, err := tpm2.NewPolicyCalculator(tpm2.TPMAlgSHA256)
	if err != nil {
		return nil, err
	}
	if err := (tpm2.PolicyAuthorize{PolicyRef: tpm2.TPM2BDigest{Buffer: []byte(PolicyRef)}, KeySign: name}).Update(calc); err != nil {
		return nil, err
	}
	if err := TamperAssertion().Update(calc); err != nil {
		return nil, err
	}
	return calc.Hash().Digest, nil
}

// ImageKeyPublic is the image key as the TPM loads it (TPM2_LoadExternal, public part only) to verify an approval.
func ImageKeyPublic(pub *ecdsa.PublicKey) (tpm2.TPMTPublic, error) {
	if pub == nil || pub.Curve != elliptic.P256() {
		return tpm2.TPMTPublic{}, fmt.Errorf("%w: the image key must be ECDSA P-256", ErrBadPolicy)
	}
	b, err := pub.Bytes() // 0x04 || X || Y
	if err != nil {
		return tpm2.TPMTPublic{}, fmt.Errorf("%w: image key: %w", ErrBadPolicy, err)
	}
	return tpm2.TPMTPublic{
		Type:             tpm2.TPMAlgECC,
		NameAlg:          tpm2.TPMAlgSHA256,
		ObjectAttributes: tpm2.TPMAObject{SignEncrypt: true, UserWithAuth: true},
		Parameters: tpm2.NewTPMUPublicParms(tpm2.TPMAlgECC, &tpm2.TPMSECCParms{
			Scheme: tpm2.TPMTECCScheme{
				Scheme:  tpm2.TPMAlgECDSA,
				Details: tpm2.NewTPMUAsymScheme(tpm2.TPMAlgECDSA, &tpm2.TPMSSigSchemeECDSA{HashAlg: tpm2.TPMAlgSHA256}),
			},
			CurveID: tpm2.TPMECCNistP256,
		}),
		Unique: tpm2.NewTPMUPublicID(tpm2.TPMAlgECC, &tpm2.TPMSECCPoint{
			X: tpm2.TPM2BECCParameter{Buffer: b[1:33]},
			Y: tpm2.TPM2BECCParameter{Buffer: b[33:]},
		}),
	}, nil
}

// ImageKeyName is the TPM Name of the image key (what the signing key's authPolicy names).
func ImageKeyName(pub *ecdsa.PublicKey) (tpm2.TPM2BName, error) {
	tpmt, err := ImageKeyPublic(pub)
	if err != nil {
		return tpm2.TPM2BName{}, err
	}
	n, err := tpm2.ObjectName(&tpmt)
	if err != nil {
		return tpm2.TPM2BName{}, err
	}
	return *n, nil
}

// ParseImageKey reads the image key's public half: a PEM "PUBLIC KEY" block (SubjectPublicKeyInfo), ECDSA P-256.
func ParseImageKey(data []byte) (*ecdsa.PublicKey, error) {
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "PUBLIC KEY" {
		return nil, fmt.Errorf("%w: image key: want a PEM \"PUBLIC KEY\" block", ErrBadPolicy)
	}
	k, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%w: image key: %w", ErrBadPolicy, err)
	}
	pub, ok := k.(*ecdsa.PublicKey)
	if !ok || pub.Curve != elliptic.P256() {
		return nil, fmt.Errorf("%w: image key: want ECDSA P-256, got %T", ErrBadPolicy, k)
	}
	return pub, nil
}

// SignedPolicy is one image's approved PCR policy, signed by the image key. On disk it is JSON:
//
//	{"format": "attesta.tpm.policy/v1", "version": 2, "image_version": "…", "pcr_selection": "sha256:4,7,11",
//	 "pcr_values": ["<hex>", …], "approved_policy": "<hex>", "signature": "<hex DER ECDSA>"}
//
// version is the policy version (anti-rollback: the TPM's counter refuses versions below it); pcr_values are the
// SHA-256 PCR values of a genuine boot, in selection order; approved_policy is [ApprovedPolicyDigest] of them (a
// reader recomputes it); signature is the image key's ECDSA P-256 signature over SHA-256(approved_policy ||
// [PolicyRef]), the digest TPM2_VerifySignature checks. A new version of the format is a new format string.
type SignedPolicy struct {
	Version      uint64
	ImageVersion string
	Selection    PCRSelection
	Values       [][]byte
	Approved     []byte
	Signature    []byte // ASN.1 DER
}

type policyFile struct {
	Format       string   `json:"format"`
	Version      uint64   `json:"version"`
	ImageVersion string   `json:"image_version"`
	Selection    string   `json:"pcr_selection"`
	Values       []string `json:"pcr_values"`
	Approved     string   `json:"approved_policy"`
	Signature    string   `json:"signature"`
}

// ApprovalDigest is what the image key signs: SHA-256(approved policy || PolicyRef).
func ApprovalDigest(approved []byte) []byte {
	h := sha256.New()
	h.Write(approved)
	h.Write([]byte(PolicyRef))
	return h.Sum(nil)
}

// SignPolicy approves the PCR values of an image under policy version version with the image key. With an
// *ecdsa.PrivateKey the signature is deterministic (RFC 6979), so that a rebuild of the same image with the same key
// gives the same file, byte for byte (the image build is reproducible); any other signer signs as it does.
func SignPolicy(key crypto.Signer, version uint64, imageVersion string, sel PCRSelection, values [][]byte) (*SignedPolicy, error) {
	sel, err := sel.Normalize()
	if err != nil {
		return nil, err
	}
	if version == 0 {
		return nil, fmt.Errorf("%w: version 0: versions start at 1", ErrBadPolicy)
	}
	if len(values) != len(sel) {
		return nil, fmt.Errorf("%w: %d PCR values for selection %s", ErrBadPolicy, len(values), sel)
	}
	for i, v := range values {
		if len(v) != sha256.Size {
			return nil, fmt.Errorf("%w: PCR %d: %d bytes, want %d", ErrBadPolicy, sel[i], len(v), sha256.Size)
		}
	}
	approved, err := ApprovedPolicyDigest(sel, values, version)
	if err != nil {
		return nil, err
	}
	var random io.Reader = rand.Reader
	if _, ok := key.(*ecdsa.PrivateKey); ok {
		random = nil // RFC 6979
	}
	sig, err := key.Sign(random, ApprovalDigest(approved), crypto.SHA256)
	if err != nil {
		return nil, fmt.Errorf("sign policy: %w", err)
	}
	return &SignedPolicy{Version: version, ImageVersion: imageVersion, Selection: sel, Values: values,
		Approved: approved, Signature: sig}, nil
}

// Marshal encodes p as its JSON file.
func (p *SignedPolicy) Marshal() ([]byte, error) {
	f := policyFile{Format: PolicyFormat, Version: p.Version, ImageVersion: p.ImageVersion, Selection: p.Selection.String(),
		Approved: hex.EncodeToString(p.Approved), Signature: hex.EncodeToString(p.Signature)}
	for _, v := range p.Values {
		f.Values = append(f.Values, hex.EncodeToString(v))
	}
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// ParsePolicy decodes a signed policy file (name is for errors) and checks it against itself: the approved digest
// must be that of its selection, values and version. It does not check the signature: see [SignedPolicy.Verify].
func ParsePolicy(name string, data []byte) (*SignedPolicy, error) {
	var f policyFile
	if err := strictjson.DecodeFormat(name, data, PolicyFormat, &f); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadPolicy, err)
	}
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s: %s", ErrBadPolicy, name, fmt.Sprintf(format, args...))
	}
	if f.Version == 0 {
		return nil, bad("version 0: versions start at 1")
	}
	sel, err := ParsePCRSelection(f.Selection)
	if err != nil {
		return nil, bad("pcr_selection: %v", err)
	}
	if len(f.Values) != len(sel) {
		return nil, bad("%d pcr_values for selection %s", len(f.Values), sel)
	}
	p := &SignedPolicy{Version: f.Version, ImageVersion: f.ImageVersion, Selection: sel}
	for i, s := range f.Values {
		v, err := hex.DecodeString(s)
		if err != nil || len(v) != sha256.Size {
			return nil, bad("pcr_values[%d] (PCR %d): want %d bytes of hex", i, sel[i], sha256.Size)
		}
		p.Values = append(p.Values, v)
	}
	if p.Approved, err = hex.DecodeString(f.Approved); err != nil {
		return nil, bad("approved_policy: %v", err)
	}
	want, err := ApprovedPolicyDigest(sel, p.Values, p.Version)
	if err != nil {
		return nil, bad("%v", err)
	}
	if !bytes.Equal(want, p.Approved) {
		return nil, bad("approved_policy %x is not the policy of its PCR values and version (%x)", p.Approved, want)
	}
	if p.Signature, err = hex.DecodeString(f.Signature); err != nil || len(p.Signature) == 0 {
		return nil, bad("signature: want hex of a DER ECDSA signature")
	}
	return p, nil
}

// Verify checks the image key's signature over the approval.
func (p *SignedPolicy) Verify(imageKey *ecdsa.PublicKey) error {
	if !ecdsa.VerifyASN1(imageKey, ApprovalDigest(p.Approved), p.Signature) {
		return fmt.Errorf("%w: policy version %d: the signature is not the image key's", ErrBadPolicy, p.Version)
	}
	return nil
}

// TPMSignature is the signature as TPM2_VerifySignature takes it.
func (p *SignedPolicy) TPMSignature() (tpm2.TPMTSignature, error) {
	var rs struct{ R, S *big.Int }
	rest, err := asn1.Unmarshal(p.Signature, &rs)
	if err != nil || len(rest) > 0 || rs.R.Sign() <= 0 || rs.S.Sign() <= 0 || rs.R.BitLen() > 256 || rs.S.BitLen() > 256 {
		return tpm2.TPMTSignature{}, fmt.Errorf("%w: policy version %d: signature is not a DER ECDSA P-256 signature", ErrBadPolicy, p.Version)
	}
	return tpm2.TPMTSignature{
		SigAlg: tpm2.TPMAlgECDSA,
		Signature: tpm2.NewTPMUSignature(tpm2.TPMAlgECDSA, &tpm2.TPMSSignatureECC{
			Hash:       tpm2.TPMAlgSHA256,
			SignatureR: tpm2.TPM2BECCParameter{Buffer: rs.R.FillBytes(make([]byte, 32))},
			SignatureS: tpm2.TPM2BECCParameter{Buffer: rs.S.FillBytes(make([]byte, 32))},
		}),
	}, nil
}

// PCRMismatch is one PCR whose value differs from the signed policy's.
type PCRMismatch struct {
	PCR              uint
	Expected, Actual []byte
}

func (m PCRMismatch) String() string {
	return fmt.Sprintf("PCR %d: expected %x, actual %x", m.PCR, m.Expected, m.Actual)
}

// Diff compares PCR values read over sel with the policy's and returns the PCRs of the policy that differ (a PCR of
// the policy missing from sel counts as differing, with an empty actual value).
func (p *SignedPolicy) Diff(sel PCRSelection, values [][]byte) []PCRMismatch {
	return DiffPCRs(p.Selection, p.Values, sel, values)
}

// DiffPCRs compares the values read over sel with the expected values over wantSel and returns the PCRs of wantSel
// that differ (one missing from sel counts as differing, with an empty actual value).
func DiffPCRs(wantSel PCRSelection, want [][]byte, sel PCRSelection, values [][]byte) []PCRMismatch {
	var out []PCRMismatch
	for i, pcr := range wantSel {
		var expected, actual []byte
		if i < len(want) {
			expected = want[i]
		}
		for j, q := range sel {
			if q == pcr && j < len(values) {
				actual = values[j]
			}
		}
		if !bytes.Equal(actual, expected) {
			out = append(out, PCRMismatch{PCR: pcr, Expected: expected, Actual: actual})
		}
	}
	return out
}

// DescribeMismatches joins mismatches for an error message.
func DescribeMismatches(ms []PCRMismatch) string {
	parts := make([]string, len(ms))
	for i, m := range ms {
		parts[i] = m.String()
	}
	return strings.Join(parts, "; ")
}
