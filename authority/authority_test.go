package authority_test

import (
	"bytes"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/attesta/attesta/authority"
	"github.com/attesta/attesta/internal/testpki"
	"github.com/attesta/attesta/tpm/attest"
)

func TestOpenRefusesWrongPassphrase(t *testing.T) {
	a := newAuthority(t, authority.InitOptions{AcceptUncertifiedEK: true,
		Policies: []authority.PCRPolicy{{Name: "p", Selection: "sha256:23", Values: [][]byte{make([]byte, 32)}}}})
	if _, err := authority.Open(a.Dir(), []byte("not the passphrase")); !errors.Is(err, authority.ErrPassphrase) {
		t.Errorf("Open with a wrong passphrase: %v", err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(a.Root())
	if st, err := os.ReadFile(filepath.Join(a.Dir(), authority.StatusFile)); err != nil {
		t.Errorf("no status list after init: %v", err)
	} else if body, err := authority.ReadStatusList("status.json", st, roots); err != nil || len(body.Appliances) != 0 {
		t.Errorf("status list after init: %v, %v", body, err)
	}
	key, _ := os.ReadFile(filepath.Join(a.Dir(), "ca.key"))
	if bytes.Contains(key, []byte("PRIVATE KEY")) {
		t.Error("the CA key is stored in clear")
	}
	if err := authority.Init(a.Dir(), authority.InitOptions{Name: "again", Passphrase: []byte(passphrase),
		Policies: []authority.PCRPolicy{{Name: "p", Selection: "sha256:23", Values: [][]byte{make([]byte, 32)}}}, AcceptUncertifiedEK: true}); err == nil {
		t.Error("Init overwrote an authority")
	}
}

// TestUncertifiedEKNeedsConsent: a TPM without an EK certificate (the simulator) enrolls only with an authority
// that accepts it, and its certificate says so.
func TestUncertifiedEKNeedsConsent(t *testing.T) {
	tp, id := openProvisioned(t, "sim")
	req, err := tp.Enroll(t.Context(), simID, subjectOf("box"))
	if err != nil {
		t.Fatal(err)
	}
	strict := newAuthority(t, authority.InitOptions{EKRoots: testRootPEM(t),
		Policies: []authority.PCRPolicy{{Name: "p", Selection: id.PCRSelection.String(), Values: id.PCRValues}}})
	_, err = strict.Challenge(attest.EncodeFile(req))
	wantRefused(t, err, "accepts only certified endorsement keys")

	claimed := *req
	claimed.EKCertified = true
	_, err = strict.Challenge(attest.EncodeFile(&claimed))
	wantRefused(t, err, "carries no EK certificate")
}

// TestStatusListTamperAndOtherRoot: a status list altered after signing, or checked against another authority's
// root, is refused.
func TestStatusListTamperAndOtherRoot(t *testing.T) {
	s := newEnrolledSim(t)
	b, err := os.ReadFile(filepath.Join(s.a.Dir(), authority.StatusFile))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	mustUnmarshal(t, b, &doc)
	payload := doc["payload"].(string) // base64 JSON
	for name, tc := range map[string]struct {
		data  []byte
		roots *x509.CertPool
		want  string
	}{
		"payload altered": {bytes.Replace(b, []byte(payload), []byte(flipBase64(payload)), 1), s.roots, "signature does not verify"},
		"other root":      {b, otherRoots(t), "does not chain"},
		"truncated":       {b[:len(b)/2], s.roots, "status"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := authority.ReadStatusList("status.json", tc.data, tc.roots)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want %q", err, tc.want)
			}
		})
	}
	if _, err := authority.CheckSigner(s.chain, otherRoots(t), simID, s.now, nil); !errors.Is(err, authority.ErrUntrusted) {
		t.Errorf("a chain checked against another root: %v", err)
	}
	if _, err := authority.CheckSigner(s.chain, s.roots, "0000000000000000", s.now, nil); err == nil || !strings.Contains(err.Error(), "the delivery names appliance") {
		t.Errorf("a certificate of another appliance: %v", err)
	}
}

func testRootPEM(t *testing.T) []byte {
	t.Helper()
	k := testpki.Key(t)
	c := testpki.Issue(t, &x509.Certificate{Subject: pkix.Name{CommonName: "Some TPM vendor"}, IsCA: true,
		BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}, nil, k, k)
	return authority.PEMChain(c)
}

func otherRoots(t *testing.T) *x509.CertPool {
	t.Helper()
	certs, _ := authority.ParsePEMCertificates(testRootPEM(t))
	p := x509.NewCertPool()
	p.AddCert(certs[0])
	return p
}

// flipBase64 changes one character of a base64 text, keeping it base64.
func flipBase64(s string) string {
	b := []byte(s)
	i := len(b) / 2
	if b[i] == 'A' {
		b[i] = 'B'
	} else {
		b[i] = 'A'
	}
	return string(b)
}

func mustUnmarshal(t *testing.T, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatal(err)
	}
}
