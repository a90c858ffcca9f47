package authority_test

import (
	"bytes"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/attesta/attesta/authority"
	"github.com/attesta/attesta/internal/testpki"
	"github.com/attesta/attesta/tpm"
	"github.com/attesta/attesta/tpm/attest"
	"github.com/attesta/attesta/tpm/tpmtest"
)

const passphrase = "correct horse battery"

// box is an appliance's TPM for the tests: swtpm with EK certificates from its own local CA, provisioned.
type box struct {
	sw *tpmtest.Swtpm
	tp *tpm.TPM
	id *tpm.Identity
}

func newBox(t *testing.T) *box {
	t.Helper()
	sw := tpmtest.Start(t)
	tp, id := openProvisioned(t, sw.Spec)
	return &box{sw: sw, tp: tp, id: id}
}

// openProvisioned opens a TPM by spec (closed when the test ends) and provisions it.
func openProvisioned(t testing.TB, spec string) (*tpm.TPM, *tpm.Identity) {
	t.Helper()
	tp, err := tpm.Open(t.Context(), spec, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tp.Close() })
	id, err := tp.Provision(t.Context(), tpm.ProvisionOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return tp, id
}

func (b *box) policy() authority.PCRPolicy {
	return authority.PCRPolicy{Name: "image-1", Selection: b.id.PCRSelection.String(), Values: b.id.PCRValues}
}

func (b *box) request(t *testing.T, applianceID string) *attest.Request {
	t.Helper()
	r, err := b.tp.Enroll(t.Context(), applianceID, pkix.Name{CommonName: "Attesta " + applianceID})
	if err != nil {
		t.Fatalf("Enroll: %v", err)
	}
	return r
}

func newAuthority(t testing.TB, opts authority.InitOptions) *authority.Authority {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "authority")
	opts.Name, opts.Passphrase = "Studio Rossi", []byte(passphrase)
	if err := authority.Init(dir, opts); err != nil {
		t.Fatalf("Init: %v", err)
	}
	a, err := authority.Open(dir, []byte(passphrase))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return a
}

func wantRefused(t *testing.T, err error, reason string) {
	t.Helper()
	if !errors.Is(err, authority.ErrRefused) || !strings.Contains(err.Error(), reason) {
		t.Fatalf("got %v, want a refusal saying %q", err, reason)
	}
}

// TestEnrollSwtpm is the whole enrollment of a TPM with an EK certificate: request, challenge to the EK bound to
// the AK, activation inside the TPM, certificate; then the refusals, each with its reason.
func TestEnrollSwtpm(t *testing.T) {
	b := newBox(t)
	if len(b.id.EKCerts) == 0 {
		t.Fatal("swtpm has no EK certificate")
	}
	a := newAuthority(t, authority.InitOptions{EKRoots: b.sw.EKCAs(t), Policies: []authority.PCRPolicy{b.policy()}})
	const id = "0123456789abcdef"
	req := b.request(t, id)
	if !req.EKCertified || len(req.EKCert) == 0 {
		t.Fatal("the request carries no EK certificate")
	}
	reqFile := attest.EncodeFile(req)
	ch, err := a.Challenge(reqFile)
	if err != nil {
		t.Fatalf("Challenge: %v", err)
	}
	ans, err := b.tp.ActivateCredential(t.Context(), ch)
	if err != nil {
		t.Fatalf("ActivateCredential: %v", err)
	}
	ansFile := attest.EncodeFile(ans)
	chain, err := a.Issue(ansFile)
	if err != nil {
		t.Fatalf("Issue: %v", err)
	}
	leaf := chain[0]
	if !b.id.SigningKey.Equal(leaf.PublicKey) {
		t.Fatal("the certificate is not for the TPM's signing key")
	}
	roots := x509.NewCertPool()
	roots.AddCert(a.Root())
	tr, err := authority.CheckSigner(chain, roots, id, time.Now(), nil)
	if err != nil {
		t.Fatalf("CheckSigner: %v", err)
	}
	if tr.ApplianceID != id || !tr.EKCertified {
		t.Errorf("trust = %+v", tr)
	}
	if leaf.KeyUsage&x509.KeyUsageContentCommitment == 0 || leaf.Subject.SerialNumber != id {
		t.Errorf("certificate: key usage %b, subject %s", leaf.KeyUsage, leaf.Subject)
	}
	// The attestation key's certificate, third: for the AK, chaining to the root, an AK certificate only.
	if len(chain) != 3 || !b.id.AK.Equal(chain[2].PublicKey) {
		t.Fatalf("Issue returned %d certificates; the third is not the AK's", len(chain))
	}
	akChain := []*x509.Certificate{chain[2], chain[1]}
	if tr, err := authority.CheckAK(akChain, roots, id, time.Now()); err != nil || tr.ApplianceID != id {
		t.Errorf("CheckAK: %+v, %v", tr, err)
	}
	if _, err := authority.CheckAK(akChain, roots, "ffffffffffffffff", time.Now()); err == nil || !strings.Contains(err.Error(), "names appliance ffffffffffffffff") {
		t.Errorf("CheckAK for another appliance: %v", err)
	}
	if _, err := authority.CheckAK(chain[:2], roots, id, time.Now()); err == nil || !strings.Contains(err.Error(), "not an appliance attestation-key certificate") {
		t.Errorf("CheckAK of the signing key's certificate: %v", err)
	}
	if _, err := authority.CheckSigner(akChain, roots, id, time.Now(), nil); err == nil || !strings.Contains(err.Error(), "not an appliance document-signing certificate") {
		t.Errorf("CheckSigner of the AK's certificate: %v", err)
	}

	t.Run("re-enrollment after a key rotation", func(t *testing.T) {
		pk, err := b.tp.NewSigningKey(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if err := b.tp.CommitKey(t.Context(), pk); err != nil {
			t.Fatal(err)
		}
		ch, err := a.Challenge(attest.EncodeFile(b.request(t, id)))
		if err != nil {
			t.Fatalf("Challenge: %v", err)
		}
		ans, err := b.tp.ActivateCredential(t.Context(), ch)
		if err != nil {
			t.Fatalf("ActivateCredential: %v", err)
		}
		chain2, err := a.Issue(attest.EncodeFile(ans))
		if err != nil {
			t.Fatalf("Issue after the rotation: %v", err)
		}
		if !pk.Identity().SigningKey.Equal(chain2[0].PublicKey) {
			t.Fatal("the new certificate is not for the rotated key")
		}
		for _, c := range [][]*x509.Certificate{chain, chain2} {
			if _, err := authority.CheckSigner(c, roots, id, time.Now(), nil); err != nil {
				t.Errorf("CheckSigner of %s: %v", c[0].SerialNumber.Text(16), err)
			}
		}
	})
	t.Run("replayed challenge", func(t *testing.T) {
		_, err := a.Issue(ansFile)
		wantRefused(t, err, "replayed challenge")
	})
	t.Run("wrong PCR policy", func(t *testing.T) {
		p := b.policy()
		p.Values = append([][]byte(nil), p.Values...)
		p.Values[0] = bytes.Repeat([]byte{0x11}, 32)
		other := newAuthority(t, authority.InitOptions{EKRoots: b.sw.EKCAs(t), Policies: []authority.PCRPolicy{p}})
		_, err := other.Challenge(reqFile)
		wantRefused(t, err, "wrong PCR policy")
	})
	t.Run("forged EK certificate", func(t *testing.T) {
		// The same EK key and the same names, signed by a CA the forger made: it must not chain.
		real, _ := x509.ParseCertificate(req.EKCert)
		fakeKey := testpki.Key(t)
		fakeCA := testpki.Issue(t, &x509.Certificate{Subject: real.Issuer, IsCA: true, BasicConstraintsValid: true,
			KeyUsage: x509.KeyUsageCertSign}, nil, fakeKey, fakeKey)
		forged, err := x509.CreateCertificate(rand.Reader, &x509.Certificate{Subject: real.Subject, NotBefore: real.NotBefore,
			NotAfter: real.NotAfter, KeyUsage: x509.KeyUsageKeyEncipherment}, fakeCA, real.PublicKey, fakeKey)
		if err != nil {
			t.Fatal(err)
		}
		r := *req
		r.EKCert = forged
		_, err = a.Challenge(attest.EncodeFile(&r))
		wantRefused(t, err, "does not chain to a TPM manufacturer root")
	})
	t.Run("AK from a different TPM", func(t *testing.T) {
		// Box 2 presents box 1's EK certificate with its own AK: the challenge is encrypted to box 1's EK, bound to
		// box 2's AK. Neither TPM can open it, and a guessed answer is refused.
		b2 := newBox(t)
		p2 := b2.policy()
		a2 := newAuthority(t, authority.InitOptions{EKRoots: append(b.sw.EKCAs(t), b2.sw.EKCAs(t)...), Policies: []authority.PCRPolicy{p2}})
		r := *b2.request(t, "00000000000000a2")
		r.EKPublic, r.EKCert = req.EKPublic, req.EKCert
		ch, err := a2.Challenge(attest.EncodeFile(&r))
		if err != nil {
			t.Fatalf("Challenge: %v", err)
		}
		if _, err := b2.tp.ActivateCredential(t.Context(), ch); err == nil {
			t.Fatal("box 2 activated a credential made for box 1's EK")
		}
		if _, err := b.tp.ActivateCredential(t.Context(), ch); err == nil {
			t.Fatal("box 1 activated a credential bound to box 2's AK")
		}
		guess := &attest.Answer{Format: attest.AnswerFormat, ChallengeID: ch.ID, ApplianceID: r.ApplianceID, Secret: make([]byte, 32)}
		_, err = a2.Issue(attest.EncodeFile(guess))
		wantRefused(t, err, "credential activation failed")
	})
}
