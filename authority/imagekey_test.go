package authority_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"path/filepath"
	"strings"
	"testing"

	"github.com/attesta/attesta/authority"
	"github.com/attesta/attesta/tpm"
	"github.com/attesta/attesta/tpm/attest"
	"github.com/attesta/attesta/tpm/tpmtest"
)

// imageKeyBox is swtpm provisioned under a throw-away image key, with the image's signed policy in force.
func imageKeyBox(t *testing.T) (*box, *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	sw := tpmtest.Start(t)
	tp, err := tpm.Open(t.Context(), sw.Spec, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tp.Close() })
	sel := tpm.PCRSelection{0, 7}
	vals, err := tp.ReadPCRs(t.Context(), sel)
	if err != nil {
		t.Fatal(err)
	}
	pol, err := attest.SignPolicy(key, 1, "test image", sel, vals)
	if err != nil {
		t.Fatal(err)
	}
	id, err := tp.Provision(t.Context(), tpm.ProvisionOptions{ImageKey: &key.PublicKey, Policies: []*tpm.SignedPolicy{pol}})
	if err != nil {
		t.Fatal(err)
	}
	return &box{sw: sw, tp: tp, id: id}, key
}

// TestEnrollUnderImageKey: a signing key under the authorized policy enrolls with an authority that registered its
// image key, and is refused, naming the key, by one that did not (at init or later); registering the key later lets
// it enroll.
func TestEnrollUnderImageKey(t *testing.T) {
	b, key := imageKeyBox(t)
	const id = "00000000000000a1"
	req := b.request(t, id)
	if len(req.ImagePolicyKey) == 0 {
		t.Fatal("the request of a key under an image key carries no image_policy_key")
	}
	reg, err := authority.NewImageKey("release", &key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	otherKey, err := authority.NewImageKey("other", &other.PublicKey)
	if err != nil {
		t.Fatal(err)
	}

	// Only another image key (and the box's PCRs as a literal policy): refused as unknown.
	dir := filepath.Join(t.TempDir(), "authority")
	if err := authority.Init(dir, authority.InitOptions{Name: "Studio Rossi", Passphrase: []byte(passphrase),
		EKRoots: b.sw.EKCAs(t), Policies: []authority.PCRPolicy{b.policy()}, ImageKeys: []authority.ImageKey{otherKey}}); err != nil {
		t.Fatal(err)
	}
	a, err := authority.Open(dir, []byte(passphrase))
	if err != nil {
		t.Fatal(err)
	}
	_, err = a.Challenge(attest.EncodeFile(req))
	wantRefused(t, err, "unknown image key")

	// Registered later (and still there after a reopen): the challenge, activation and issue go through.
	if err := a.RegisterImageKey(reg); err != nil {
		t.Fatalf("RegisterImageKey: %v", err)
	}
	if err := a.RegisterImageKey(authority.ImageKey{Name: "again", PublicKey: reg.PublicKey}); err == nil || !strings.Contains(err.Error(), `already registered as "release"`) {
		t.Fatalf("the same key under another name: got %v", err)
	}
	if a, err = authority.Open(dir, []byte(passphrase)); err != nil {
		t.Fatal(err)
	}
	if got := a.ImageKeys(); len(got) != 2 || got[1].Name != "release" {
		t.Fatalf("image keys after reopen: %+v", got)
	}
	ch, err := a.Challenge(attest.EncodeFile(req))
	if err != nil {
		t.Fatalf("Challenge under a registered image key: %v", err)
	}
	ans, err := b.tp.ActivateCredential(t.Context(), ch)
	if err != nil {
		t.Fatal(err)
	}
	chain, err := a.Issue(attest.EncodeFile(ans))
	if err != nil {
		t.Fatalf("Issue under a registered image key: %v", err)
	}
	if !b.id.SigningKey.Equal(chain[0].PublicKey) {
		t.Fatal("the certificate is not for the TPM's signing key")
	}
}

// TestImageKeyPolicyMismatch: a request that declares a registered image key for a signing key whose authPolicy is
// not that key's authorized policy (here: a key under the literal PCR policy) is refused; so is a malformed key.
func TestImageKeyPolicyMismatch(t *testing.T) {
	b := newBox(t)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	reg, err := authority.NewImageKey("release", &key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	a := newAuthority(t, authority.InitOptions{EKRoots: b.sw.EKCAs(t), ImageKeys: []authority.ImageKey{reg}})
	req := b.request(t, "00000000000000a2")
	req.ImagePolicyKey = reg.PublicKey
	_, err = a.Challenge(attest.EncodeFile(req))
	wantRefused(t, err, `is not the authorized policy of image key "release"`)
	req.ImagePolicyKey = []byte{0x30, 0x03, 0x02, 0x01, 0x01}
	_, err = a.Challenge(attest.EncodeFile(req))
	wantRefused(t, err, "image_policy_key")

	if err := authority.Init(filepath.Join(t.TempDir(), "a"), authority.InitOptions{Name: "x", Passphrase: []byte(passphrase),
		AcceptUncertifiedEK: true, ImageKeys: []authority.ImageKey{{Name: "bad", PublicKey: []byte("not a key")}}}); err == nil {
		t.Fatal("Init accepted an image key that is not a key")
	}
}
