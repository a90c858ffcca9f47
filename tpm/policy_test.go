package tpm

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-tpm/tpm2"

	"github.com/attesta/attesta/tpm/attest"
)

// policyFixture is a simulator TPM provisioned under a throw-away image key.
type policyFixture struct {
	tp  *TPM
	key *ecdsa.PrivateKey
	sel PCRSelection
}

func newPolicyFixture(t *testing.T, sel PCRSelection) *policyFixture {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tp := openT(t, simBackend(), t.TempDir())
	id, err := tp.Provision(t.Context(), ProvisionOptions{ImageKey: &key.PublicKey})
	if err != nil {
		t.Fatalf("Provision under an image key: %v", err)
	}
	if id.ImagePolicyKey == nil || !id.ImagePolicyKey.Equal(&key.PublicKey) {
		t.Fatalf("identity does not record the image key")
	}
	return &policyFixture{tp: tp, key: key, sel: sel}
}

// approve signs, as the image build does, policy version v for the PCR values the TPM holds now.
func (f *policyFixture) approve(t *testing.T, v uint64) *SignedPolicy {
	t.Helper()
	vals, err := f.tp.ReadPCRs(t.Context(), f.sel)
	if err != nil {
		t.Fatal(err)
	}
	p, err := attest.SignPolicy(f.key, v, "test", f.sel, vals)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func (f *policyFixture) sign(t *testing.T) error {
	t.Helper()
	s, err := f.tp.Signer(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	digest := sha256.Sum256([]byte("checkpoint"))
	sig, err := s.SignDigest(t.Context(), digest[:])
	if err == nil && !ecdsa.VerifyASN1(s.Public().(*ecdsa.PublicKey), digest[:], sig) {
		t.Fatal("signature under the authorized policy does not verify")
	}
	return err
}

func (f *policyFixture) setPolicy(t *testing.T, p *SignedPolicy) {
	t.Helper()
	if err := f.tp.SetPolicy(t.Context(), p); err != nil {
		t.Fatalf("SetPolicy v%d: %v", p.Version, err)
	}
}

// TestAuthorizedPolicyUpdate: the key signs under signed policy v1 while the PCRs are as approved; a changed PCR is
// refused with an error naming it; a signed v2 for the new PCRs re-enables the key without re-provisioning; once the
// counter moved to 2, a v1 policy (even one for the current PCRs) is refused as a rollback.
func TestAuthorizedPolicyUpdate(t *testing.T) {
	f := newPolicyFixture(t, PCRSelection{0, 7, 16})
	if err := f.sign(t); !errors.Is(err, ErrNoPolicy) || !errors.Is(err, ErrKeyUnusable) {
		t.Fatalf("sign with no signed policy: %v, want ErrNoPolicy", err)
	}
	v1 := f.approve(t, 1)
	f.setPolicy(t, v1)
	if err := f.sign(t); err != nil {
		t.Fatalf("sign under v1, PCRs as approved: %v", err)
	}

	before, _ := f.tp.ReadPCRs(t.Context(), PCRSelection{16})
	extendPCR(t, f.tp, 16, "a new boot loader")
	after, _ := f.tp.ReadPCRs(t.Context(), PCRSelection{16})
	err := f.sign(t)
	var pe *PolicyError
	if !errors.As(err, &pe) || !errors.Is(err, ErrKeyUnusable) || !errors.Is(err, ErrPCRMismatch) {
		t.Fatalf("sign after PCR 16 changed: %v, want a PolicyError with ErrPCRMismatch", err)
	}
	if len(pe.PCRs) != 1 || pe.PCRs[0].PCR != 16 {
		t.Fatalf("mismatches %v, want PCR 16 only", pe.PCRs)
	}
	for _, want := range []string{"PCR 16 differs from the signed policy version 1", "%x", "%y"} {
		want = strings.NewReplacer("%x", hexOf(before[0]), "%y", hexOf(after[0])).Replace(want)
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}

	v2 := f.approve(t, 2)
	f.setPolicy(t, v2)
	if err := f.sign(t); err != nil {
		t.Fatalf("sign under v2 without re-provisioning: %v", err)
	}
	if _, err := f.tp.AdvancePolicyCounter(t.Context(), 3); err == nil {
		t.Fatal("the counter moved past the policy in force (the key would be locked out)")
	}
	if got, err := f.tp.AdvancePolicyCounter(t.Context(), 2); err != nil || got != 2 {
		t.Fatalf("AdvancePolicyCounter(2) = %d, %v", got, err)
	}
	if err := f.sign(t); err != nil {
		t.Fatalf("sign under v2 after the counter moved to 2: %v", err)
	}

	old := f.approve(t, 1) // a genuinely signed v1, even for the PCRs of now
	f.setPolicy(t, old)
	err = f.sign(t)
	if !errors.Is(err, ErrPolicyRolledBack) || !errors.Is(err, ErrKeyUnusable) || !strings.Contains(err.Error(), "rollback refused") {
		t.Fatalf("sign under v1 after the counter moved to 2: %v, want a rollback refusal", err)
	}
	f.setPolicy(t, v2)
	if err := f.sign(t); err != nil {
		t.Fatalf("sign under v2 again: %v", err)
	}
	f.setPolicy(t, f.approve(t, 1000))
	if got, err := f.tp.AdvancePolicyCounter(t.Context(), 1000); err == nil || !strings.Contains(err.Error(), "more than 64 increments") || got != 2 {
		t.Fatalf("AdvancePolicyCounter(1000) from 2 = %d, %v; want a refusal", got, err)
	}
}

// TestImageKeySelectionWithoutAppPCR: under an image key the quoted selection need not hold the application PCR
// (the tamper index replaces it), as the image's own selection (PCRs 4, 7, 11) does not.
func TestImageKeySelectionWithoutAppPCR(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tp := openT(t, simBackend(), t.TempDir())
	id, err := tp.Provision(t.Context(), ProvisionOptions{PCRs: PCRSelection{4, 7, 11}, ImageKey: &key.PublicKey})
	if err != nil || id.PCRSelection.String() != "sha256:4,7,11" {
		t.Fatalf("Provision over sha256:4,7,11 under an image key = %v, %v", id, err)
	}
}

func hexOf(b []byte) string { return hex.EncodeToString(b) }

// extendPCR extends a PCR, as a boot component measured differently would.
func extendPCR(t *testing.T, tp *TPM, pcr uint, event string) {
	t.Helper()
	sum := sha256.Sum256([]byte(event))
	tp.mu.Lock()
	defer tp.mu.Unlock()
	_, err := tpm2.PCRExtend{
		PCRHandle: tpm2.AuthHandle{Handle: tpm2.TPMHandle(pcr), Auth: tpm2.PasswordAuth(nil)},
		Digests:   tpm2.TPMLDigestValues{Digests: []tpm2.TPMTHA{{HashAlg: tpm2.TPMAlgSHA256, Digest: sum[:]}}},
	}.Execute(tp.tr)
	if err != nil {
		t.Fatal(err)
	}
}

// TestAuthorizedPolicyRefusesForeignSignature: a policy signed by another key than the image key is refused before
// it reaches the TPM, and a tampered approved digest does not parse.
func TestAuthorizedPolicyRefusesForeignSignature(t *testing.T) {
	f := newPolicyFixture(t, PCRSelection{0, 7})
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	vals, _ := f.tp.ReadPCRs(t.Context(), f.sel)
	p, err := attest.SignPolicy(other, 1, "forged", f.sel, vals)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.tp.SetPolicy(t.Context(), p); !errors.Is(err, attest.ErrBadPolicy) {
		t.Fatalf("SetPolicy of a policy signed by another key: %v, want ErrBadPolicy", err)
	}
	// Even forced in, the TPM itself refuses it.
	f.tp.policy = p
	if err := f.sign(t); !errors.Is(err, ErrKeyUnusable) {
		t.Fatalf("sign under a forged policy: %v, want ErrKeyUnusable", err)
	}
}

// TestTamperIndex: a trip of the tamper index stops the key with a clear error, only ClearTamper (owner
// authorization) clears it, and it survives a TPM restart, which resets PCR 23. (The simulator's restart also
// changes its primary seeds, so the key itself is not used after it: swtpm's test does that.)
func TestTamperIndex(t *testing.T) {
	f := newPolicyFixture(t, PCRSelection{0, 7})
	f.setPolicy(t, f.approve(t, 1))
	if err := f.sign(t); err != nil {
		t.Fatal(err)
	}
	if err := f.tp.Tamper(t.Context(), []byte("case opened")); err != nil {
		t.Fatalf("Tamper: %v", err)
	}
	err := f.sign(t)
	if !errors.Is(err, ErrTampered) || !errors.Is(err, ErrKeyUnusable) || !strings.Contains(err.Error(), "tamper index is set") {
		t.Fatalf("sign after the trip: %v, want ErrTampered", err)
	}
	if err := f.tp.ClearTamper(t.Context(), []byte("wrong owner password")); err == nil {
		t.Fatal("ClearTamper with a wrong owner authorization succeeded")
	}
	if err := f.sign(t); !errors.Is(err, ErrTampered) {
		t.Fatalf("sign after a refused clear: %v", err)
	}
	if err := f.tp.ClearTamper(t.Context(), nil); err != nil {
		t.Fatalf("ClearTamper: %v", err)
	}
	if err := f.sign(t); err != nil {
		t.Fatalf("sign after the administrator's clear: %v", err)
	}

	if err := f.tp.Tamper(t.Context(), []byte("case opened again")); err != nil {
		t.Fatal(err)
	}
	if err := f.tp.ExtendAppPCR(t.Context(), []byte("the old way")); err != nil {
		t.Fatal(err)
	}
	r, ok := f.tp.tr.(interface{ Reset() error })
	if !ok {
		t.Fatalf("transport %T cannot restart", f.tp.tr)
	}
	if err := r.Reset(); err != nil {
		t.Fatal(err)
	}
	if on, err := f.tp.Tampered(t.Context()); err != nil || !on {
		t.Fatalf("Tampered after a TPM restart = %v, %v: the NV index must survive it", on, err)
	}
	app, err := f.tp.ReadPCRs(t.Context(), PCRSelection{AppPCR})
	if err != nil || !bytes.Equal(app[0], make([]byte, 32)) {
		t.Fatalf("PCR 23 after the restart = %x, %v: it resets, which is why tamper moved to NV", app, err)
	}
}

// TestMigrateToImageKey: a box provisioned under the literal PCR policy keeps its key when an image key is
// configured, and moves to the authorized policy by rotating it; the rotated key reloads from its v2 record.
func TestMigrateToImageKey(t *testing.T) {
	dir := t.TempDir()
	tp := openT(t, simBackend(), dir)
	old := provisionT(t, tp)
	signAndVerify(t, tp, "under the literal policy")
	tp.Close()

	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tp = openT(t, simBackend(), dir)
	vals, err := tp.ReadPCRs(t.Context(), PCRSelection{0, 7})
	if err != nil {
		t.Fatal(err)
	}
	pol, err := attest.SignPolicy(key, 1, "v1", PCRSelection{0, 7}, vals)
	if err != nil {
		t.Fatal(err)
	}
	id, err := tp.Provision(t.Context(), ProvisionOptions{ImageKey: &key.PublicKey, Policies: []*SignedPolicy{pol}})
	if err != nil {
		t.Fatal(err)
	}
	if id.ImagePolicyKey != nil || !id.SigningKey.Equal(old.SigningKey) {
		t.Fatal("configuring an image key replaced the provisioned key")
	}
	signAndVerify(t, tp, "still under the literal policy")
	p, err := tp.NewSigningKey(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	digest := sha256.Sum256([]byte("rotation leaf"))
	if _, err := p.Sign(rand.Reader, digest[:], cryptoSHA256); err != nil {
		t.Fatalf("the new key signs the rotation leaf: %v", err)
	}
	if err := tp.CommitKey(t.Context(), p); err != nil {
		t.Fatal(err)
	}
	signAndVerify(t, tp, "under the authorized policy")
	tp.Close()

	// A rotation without the image key configured keeps the successor under the key in force's image key.
	tp = openT(t, simBackend(), dir)
	if _, err := tp.Provision(t.Context(), ProvisionOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := tp.SetPolicy(t.Context(), pol); err != nil {
		t.Fatal(err)
	}
	p, err = tp.NewSigningKey(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if p.Identity().ImagePolicyKey == nil {
		t.Fatal("a rotation without the image key configured fell back to the literal PCR policy")
	}
	if err := tp.DiscardKey(p); err != nil {
		t.Fatal(err)
	}
	tp.Close()

	tp = openT(t, simBackend(), dir)
	id, err = tp.Provision(t.Context(), ProvisionOptions{ImageKey: &key.PublicKey, Policies: []*SignedPolicy{pol}})
	if err != nil {
		t.Fatalf("reopen the migrated key: %v", err)
	}
	if id.ImagePolicyKey == nil || id.SigningKey.Equal(old.SigningKey) {
		t.Fatal("the rotated key is not the one under the image key")
	}
	signAndVerify(t, tp, "after a restart")
	req, err := tp.Enroll(t.Context(), "0123456789abcdef", pkix.Name{CommonName: "attesta"})
	if err != nil {
		t.Fatal(err)
	}
	keyPolicy, _ := attest.KeyPolicy(req.SigningKeyPublic)
	want, _ := attest.AuthorizedKeyPolicy(&key.PublicKey)
	imageKey, err := x509.ParsePKIXPublicKey(req.ImagePolicyKey)
	if err != nil || !key.PublicKey.Equal(imageKey) || !bytes.Equal(keyPolicy, want) {
		t.Fatalf("enrollment request: image key %v (%v), key policy %x, want %x", imageKey, err, keyPolicy, want)
	}
}

// TestChoosePolicy: of the policies at hand (an A/B box's two slots), the one in force is the newest whose PCRs the
// TPM holds; when none matches, the newest, and signing then names the PCRs that differ.
func TestChoosePolicy(t *testing.T) {
	f := newPolicyFixture(t, PCRSelection{0, 16})
	v1 := f.approve(t, 1)
	extendPCR(t, f.tp, 16, "the image of slot B")
	v2 := f.approve(t, 2)
	for _, ps := range [][]*SignedPolicy{{v1, v2}, {v2, v1}} {
		got, err := f.tp.ChoosePolicy(t.Context(), ps)
		if err != nil || got != v2 {
			t.Fatalf("ChoosePolicy = v%d, %v; want v2, whose PCRs hold", got.Version, err)
		}
	}
	v3, err := attest.SignPolicy(f.key, 3, "not booted", f.sel, [][]byte{make([]byte, 32), make([]byte, 32)})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := f.tp.ChoosePolicy(t.Context(), []*SignedPolicy{v3, v1}); err != nil || got != v3 {
		t.Fatalf("ChoosePolicy with no match = %v, %v; want the newest", got, err)
	}
	if err := f.sign(t); !errors.Is(err, ErrPCRMismatch) || !strings.Contains(err.Error(), "PCR 16 differs from the signed policy version 3") {
		t.Fatalf("sign under a policy of another image: %v", err)
	}
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	forged, _ := attest.SignPolicy(other, 9, "forged", f.sel, [][]byte{make([]byte, 32), make([]byte, 32)})
	if _, err := f.tp.ChoosePolicy(t.Context(), []*SignedPolicy{v2, forged}); !errors.Is(err, attest.ErrBadPolicy) {
		t.Fatalf("ChoosePolicy with a forged policy: %v, want ErrBadPolicy", err)
	}
}

// TestTamperIndexDeleted: an opening is recorded even after someone deleted the tamper index (owner authorization):
// Tamper defines it again, set; until then the key refuses to sign, the index being missing.
func TestTamperIndexDeleted(t *testing.T) {
	f := newPolicyFixture(t, PCRSelection{0, 7})
	f.setPolicy(t, f.approve(t, 1))
	f.tp.mu.Lock()
	_, name, err := readNVPublic(f.tp.tr, attest.TamperNVIndex)
	if err == nil {
		_, err = tpm2.NVUndefineSpace{
			AuthHandle: tpm2.AuthHandle{Handle: tpm2.TPMRHOwner, Auth: tpm2.PasswordAuth(nil)},
			NVIndex:    tpm2.NamedHandle{Handle: attest.TamperNVIndex, Name: name},
		}.Execute(f.tp.tr)
	}
	f.tp.mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	if err := f.sign(t); !errors.Is(err, ErrKeyUnusable) || !strings.Contains(err.Error(), "tamper index (NV 0x100a771) is missing") {
		t.Fatalf("sign with the tamper index deleted: %v, want ErrKeyUnusable naming the index", err)
	}
	if err := f.tp.Tamper(t.Context(), []byte("case opened")); err != nil {
		t.Fatalf("Tamper with the index deleted: %v", err)
	}
	if on, err := f.tp.Tampered(t.Context()); err != nil || !on {
		t.Fatalf("Tampered = %v, %v", on, err)
	}
	if err := f.sign(t); !errors.Is(err, ErrTampered) {
		t.Fatalf("sign after the opening: %v, want ErrTampered", err)
	}
}
