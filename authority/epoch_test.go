package authority_test

import (
	"crypto/x509"
	"testing"
	"time"

	"github.com/attesta/attesta/authority"
	"github.com/attesta/attesta/internal/testpki"
	"github.com/attesta/attesta/journal/format"
	"github.com/attesta/attesta/tpm/attest"
)

// enroll runs the whole enrollment of b as applianceID and returns the issued certificates.
func enroll(t *testing.T, a *authority.Authority, b *box, applianceID string) ([]*x509.Certificate, error) {
	t.Helper()
	ch, err := a.Challenge(attest.EncodeFile(b.request(t, applianceID)))
	if err != nil {
		return nil, err
	}
	ans, err := b.tp.ActivateCredential(t.Context(), ch)
	if err != nil {
		t.Fatalf("ActivateCredential: %v", err)
	}
	return a.Issue(attest.EncodeFile(ans))
}

// TestEpochAfterATPMReplacement: an appliance enrolled with TPM A gets TPM B (two swtpm, each with its own EK
// certificate). The authority countersigns the new key epoch only after an operator revoked A's enrollment and B
// was enrolled under the same appliance id; each other story is refused with its reason.
func TestEpochAfterATPMReplacement(t *testing.T) {
	boxA, boxB := newBox(t), newBox(t)
	a := newAuthority(t, authority.InitOptions{EKRoots: append(boxA.sw.EKCAs(t), boxB.sw.EKCAs(t)...),
		Policies: []authority.PCRPolicy{boxA.policy(), boxB.policy()}})
	const id = "0123456789abcdef"
	origin := "attesta/" + id
	if _, err := enroll(t, a, boxA, id); err != nil {
		t.Fatalf("enroll A: %v", err)
	}
	oldKey, err := format.VerifierKey(origin, boxA.id.SigningKey)
	if err != nil {
		t.Fatal(err)
	}
	signerB, err := boxB.tp.Signer(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	request := func(t *testing.T, from string) []byte {
		ep, err := format.NewEpoch(origin, 42, [32]byte{1, 2, 3}, time.Now(), from, signerB)
		if err != nil {
			t.Fatal(err)
		}
		b, err := ep.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}

	_, err = a.Epoch(request(t, oldKey))
	wantRefused(t, err, "is not the signing key enrolled for appliance "+id)
	_, err = enroll(t, a, boxB, id)
	wantRefused(t, err, "already enrolled with another signing key: revoke it first")
	if err := a.Revoke(id, "Mario Bianchi", "TPM replaced (motherboard swap)"); err != nil {
		t.Fatal(err)
	}
	_, err = a.Epoch(request(t, oldKey))
	wantRefused(t, err, "is revoked: enroll its new TPM")
	if _, err := enroll(t, a, boxB, id); err != nil {
		t.Fatalf("enroll B after the revocation: %v", err)
	}
	stranger, _ := format.VerifierKey(origin, &testpki.Key(t).PublicKey)
	_, err = a.Epoch(request(t, stranger))
	wantRefused(t, err, "never the enrolled signing key")

	signed, err := a.Epoch(request(t, oldKey))
	if err != nil {
		t.Fatalf("Epoch: %v", err)
	}
	ep, err := format.ParseEpoch(signed)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(a.Root())
	if err := ep.Check(oldKey, roots); err != nil {
		t.Fatalf("the countersigned epoch does not check against the root: %v", err)
	}
	_, err = a.Epoch(signed)
	wantRefused(t, err, "already countersigned")
}
