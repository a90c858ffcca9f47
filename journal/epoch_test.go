package journal

import (
	"crypto/ecdsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/attesta/attesta/internal/testpki"
	"github.com/attesta/attesta/journal/format"
)

// testAuthority is a root and an issuing CA made at run time, as `attesta authority init` makes them.
type testAuthority struct {
	root, ca *x509.Certificate
	caKey    *ecdsa.PrivateKey
	roots    *x509.CertPool
}

func newTestAuthority(t testing.TB, name string) *testAuthority {
	t.Helper()
	rootKey, caKey := testpki.Key(t), testpki.Key(t)
	now := time.Now()
	root := testpki.Issue(t, &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name + " Root CA"},
		NotBefore: now.AddDate(-1, 0, 0), NotAfter: now.AddDate(30, 0, 0), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign}, nil, rootKey, rootKey)
	ca := testpki.Issue(t, &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: name + " Appliance CA"},
		NotBefore: now.AddDate(-1, 0, 0), NotAfter: now.AddDate(15, 0, 0), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}, root, caKey, rootKey)
	roots := x509.NewCertPool()
	roots.AddCert(root)
	return &testAuthority{root: root, ca: ca, caKey: caKey, roots: roots}
}

func (a *testAuthority) judge(e *format.Epoch, inForce string) error {
	return e.Check(inForce, a.roots)
}

// TestEpochAfterTheKeyIsLost: the journal's key is lost (its TPM replaced); a new key continues the journal under
// the same origin through an epoch record countersigned by the authority; the history stays verifiable under the
// old key, and the key chain reaches the new key only for a verifier that trusts the authority.
func TestEpochAfterTheKeyIsLost(t *testing.T) {
	tj := openTest(t, 1000)
	appendN(t, tj.Journal, 6)
	before := mustCheckpoint(t, tj)
	oldKey := tj.key
	tj.closeNow(t)

	// The old key is gone: the journal opens read-only, the new key signs the request.
	ro, err := Open(t.Context(), tj.path, Options{Origin: testOrigin})
	if err != nil {
		t.Fatal(err)
	}
	newKey := testpki.Key(t)
	req, err := ro.EpochRequest(t.Context(), newKey)
	ro.Close()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Open(t.Context(), tj.path, Options{Origin: testOrigin, Signer: newKey, Epoch: req}); !errors.Is(err, format.ErrUnanchoredEpoch) {
		t.Fatalf("open with an epoch the authority has not countersigned: %v", err)
	}
	if _, err := Open(t.Context(), tj.path, Options{Origin: testOrigin, Signer: newKey}); !errors.Is(err, ErrKeyMismatch) {
		t.Fatalf("open with another key and no epoch: %v", err)
	}
	auth := newTestAuthority(t, "Studio")
	file, _ := req.Marshal()
	ep, err := format.ParseEpoch(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := ep.Countersign(auth.caKey, []*x509.Certificate{auth.ca}); err != nil {
		t.Fatal(err)
	}
	j, err := Open(t.Context(), tj.path, Options{Origin: testOrigin, Signer: newKey, Epoch: ep, Now: fixedClock()})
	if err != nil {
		t.Fatalf("open with the countersigned epoch: %v", err)
	}
	defer j.Close()
	if j.VerifierKey() != ep.NewKey || j.Size() != 7 {
		t.Fatalf("after the epoch: key %s, size %d", j.VerifierKey(), j.Size())
	}
	appendN(t, j, 2)
	after := mustCheckpoint(t, j)
	// The journal follows its own epoch, from the old key, and the old checkpoint stays valid under it.
	rep, err := j.Verify(t.Context(), VerifyOptions{Verifier: testVerifier(t, oldKey), Latest: before.Note})
	if err != nil {
		t.Fatalf("Verify from the old key: %v", err)
	}
	if len(rep.Keys) != 2 || rep.Keys[1] != ep.NewKey || rep.KeysFrom[1] != 7 {
		t.Fatalf("keys %q from %v", rep.Keys, rep.KeysFrom)
	}
	if err := j.SelfTest(t.Context()); err != nil {
		t.Fatal(err)
	}

	// A recipient pinned on the old key reaches the new one only with the authority's root.
	kc, err := j.KeyChain(t.Context(), after.Size)
	if err != nil || len(kc.Links) != 1 {
		t.Fatalf("KeyChain: %v, %d links", err, len(kc.Links))
	}
	if err := kc.Included(after); err != nil {
		t.Fatal(err)
	}
	if last, err := kc.FollowEpochs(kc.First, auth.judge); err != nil || last != ep.NewKey {
		t.Fatalf("follow with the authority's root: %s, %v", last, err)
	}
	if _, err := kc.Follow(kc.First); !errors.Is(err, format.ErrUnanchoredEpoch) {
		t.Fatalf("follow without a root: %v, want ErrUnanchoredEpoch", err)
	}
	other := newTestAuthority(t, "Forger")
	if _, err := kc.FollowEpochs(kc.First, other.judge); !errors.Is(err, format.ErrUnanchoredEpoch) || !strings.Contains(err.Error(), "does not chain") {
		t.Fatalf("follow with another authority's root: %v", err)
	}
	if _, err := j.Append(t.Context(), ep.Entry()); !errors.Is(err, ErrInvalidLeaf) {
		t.Fatalf("append of an epoch leaf: %v, want it refused", err)
	}
}

func TestForgedEpochIsRefused(t *testing.T) {
	outer := t
	tj := openTest(t, 1000)
	appendN(t, tj.Journal, 3)
	oldVKey := tj.VerifierKey()
	newKey := testpki.Key(t)
	auth := newTestAuthority(t, "Studio")
	fresh := func(t *testing.T) *format.Epoch {
		ep, err := tj.EpochRequest(t.Context(), newKey)
		if err != nil {
			t.Fatal(err)
		}
		return ep
	}
	t.Run("countersigned by an appliance certificate, not a CA", func(t *testing.T) {
		ep := fresh(t)
		leafKey := testpki.Key(t)
		leaf := testpki.Issue(t, &x509.Certificate{SerialNumber: big.NewInt(9), Subject: pkix.Name{CommonName: "Attesta appliance"},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}, auth.ca, leafKey, auth.caKey)
		if err := ep.Countersign(leafKey, []*x509.Certificate{leaf, auth.ca}); err == nil {
			t.Fatal("Countersign accepted an appliance's certificate")
		}
		ep.AuthorityChain = [][]byte{leaf.Raw, auth.ca.Raw}
		ep.AuthoritySig = ep.NewSig // any signature: the certificate is refused first
		if err := ep.Check(oldVKey, auth.roots); !errors.Is(err, format.ErrUnanchoredEpoch) || !strings.Contains(err.Error(), "not a certification authority") {
			t.Fatalf("Check: %v", err)
		}
	})
	t.Run("statement altered after the countersignature", func(t *testing.T) {
		ep := fresh(t)
		if err := ep.Countersign(auth.caKey, []*x509.Certificate{auth.ca}); err != nil {
			t.Fatal(err)
		}
		ep.Seq++
		if err := ep.Check(oldVKey, auth.roots); !errors.Is(err, format.ErrBadSignature) {
			t.Fatalf("Check: %v", err)
		}
	})
	t.Run("from another key than the one in force", func(t *testing.T) {
		ep := fresh(t)
		if err := ep.Countersign(auth.caKey, []*x509.Certificate{auth.ca}); err != nil {
			t.Fatal(err)
		}
		if err := ep.Check(ep.NewKey, auth.roots); !errors.Is(err, format.ErrBadSignature) || !strings.Contains(err.Error(), "key in force") {
			t.Fatalf("Check: %v", err)
		}
	})
	t.Run("stale: the journal grew since the request", func(t *testing.T) {
		ep := fresh(t)
		if err := ep.Countersign(auth.caKey, []*x509.Certificate{auth.ca}); err != nil {
			t.Fatal(err)
		}
		appendN(t, tj.Journal, 1)
		tj.closeNow(t)
		defer func() { // openTest's cleanup checks and closes it
			j, err := Open(outer.Context(), tj.path, Options{Origin: testOrigin, Signer: tj.key, CheckpointEvery: 1000, Now: fixedClock()})
			if err != nil {
				outer.Fatal(err)
			}
			tj.Journal = j
		}()
		if _, err := Open(t.Context(), tj.path, Options{Origin: testOrigin, Signer: newKey, Epoch: ep}); !errors.Is(err, ErrKeyMismatch) || !strings.Contains(err.Error(), "grew") {
			t.Fatalf("Open with a stale epoch: %v", err)
		}
	})
}

func TestEpochLeafFields(t *testing.T) {
	tj := openTest(t, 1000)
	ep, err := tj.EpochRequest(t.Context(), testpki.Key(t))
	if err != nil {
		t.Fatal(err)
	}
	auth := newTestAuthority(t, "Studio")
	if err := ep.Countersign(auth.caKey, []*x509.Certificate{auth.ca, auth.root}); err != nil {
		t.Fatal(err)
	}
	good := ep.Entry()
	for _, tc := range []struct {
		name  string
		field string
		value any
	}{
		{"chain with two spaces", "authority_chain", strings.Replace(good.Fields["authority_chain"].(string), " ", "  ", 1)},
		{"chain without signature", "authority_sig", ""},
		{"non-canonical root", "prev_root", "AAAA"},
		{"number for a key", "new_key", 3},
		{"unknown field", "extra", "x"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := good
			e.Fields = map[string]any{}
			for k, v := range good.Fields {
				e.Fields[k] = v
			}
			e.Fields[tc.field] = tc.value
			if _, err := format.EncodeLeaf(0, e); !errors.Is(err, format.ErrInvalidLeaf) {
				t.Errorf("EncodeLeaf: %v, want ErrInvalidLeaf", err)
			}
		})
	}
	data, err := ep.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	back, err := format.ParseEpoch(data)
	if err != nil || back.Check(tj.VerifierKey(), auth.roots) != nil {
		t.Fatalf("round trip: %v", err)
	}
}
