package bundle

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/attesta/attesta/internal/testpki"
)

// testCA is an issuing CA made at run time, with the certificates it issued.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

func newTestCA(t testing.TB, name string) *testCA {
	key := testpki.Key(t)
	now := time.Now()
	cert := testpki.Issue(t, &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign}, nil, key, key)
	return &testCA{cert: cert, key: key}
}

// chainFor returns the PEM chain of a certificate for pub issued by ca: the certificate, then ca's.
func (ca *testCA) chainFor(t testing.TB, pub *ecdsa.PublicKey, name string) []byte {
	now := time.Now()
	leaf := testpki.Issue(t, &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: name},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour), KeyUsage: x509.KeyUsageDigitalSignature},
		ca.cert, signerOf{pub}, ca.key)
	return append(pemOf(leaf), pemOf(ca.cert)...)
}

// signerOf lets testpki.Issue certify a public key whose private half the test does not hold.
type signerOf struct{ pub *ecdsa.PublicKey }

func (s signerOf) Public() crypto.PublicKey { return s.pub }
func (s signerOf) Sign(io.Reader, []byte, crypto.SignerOpts) ([]byte, error) {
	return nil, errors.New("not a signer")
}

func pemOf(c *x509.Certificate) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
}

// rootJudge is a ChainTrust that accepts chains ending in one CA's certificate, as verify --root does with the
// authority's root; it records what it was asked.
type rootJudge struct {
	ca    *x509.Certificate
	roles []string
}

func (j *rootJudge) judge(_ context.Context, role string, chain []*x509.Certificate, id string, _ time.Time) (string, string, error) {
	j.roles = append(j.roles, role)
	if !chain[len(chain)-1].Equal(j.ca) {
		return "", "", errors.New("does not chain to the authority's root")
	}
	return "ok " + id, "ok " + id, nil
}

func TestDeliveryCarriesTheCertificateChain(t *testing.T) {
	f := newFixture(t)
	ca := newTestCA(t, "Studio Appliance CA")
	chain := ca.chainFor(t, &f.key.PublicKey, "Attesta appliance test")
	dir := f.deliver(t, f.chatManifest(t, 1, 8), Delivery{}, WriteOptions{Chain: chain})
	if got, _ := os.ReadFile(filepath.Join(dir, chainFile)); string(got) != string(chain) {
		t.Fatalf("proofs/chain.pem is not the chain given")
	}
	if _, err := os.Stat(filepath.Join(dir, akChainFile)); err == nil {
		t.Error("an AK chain was written for a delivery without attestation")
	}
	r, err := Verify(t.Context(), dir, VerifyOptions{})
	if err != nil {
		t.Fatalf("Verify: %v\n%s", err, r.Text())
	}
	if !hasCheck(r, CheckCertChain, chainFile, Pass) {
		t.Errorf("no passed %s check on %s:\n%s", CheckCertChain, chainFile, r.Text())
	}
	// The standard tools' steps of VERIFICA.txt, step 9 included, pass on the folder as written.
	if failed := runVerifica(t, dir); len(failed) > 0 {
		t.Errorf("VERIFICA.txt commands failed: %v", failed)
	}
	if text, _ := os.ReadFile(filepath.Join(dir, verificaFile)); !strings.Contains(string(text), "openssl verify -CAfile AUTORITA.pem -untrusted proofs/chain.pem") {
		t.Error("VERIFICA.txt has no step for the chain")
	}

	// With an authority, the chain alone (no report in this delivery) judges the checkpoint key.
	j := &rootJudge{ca: ca.cert}
	if r, err := Verify(t.Context(), dir, VerifyOptions{ChainTrust: j.judge}); err != nil || !hasCheck(r, CheckTrust, chainFile, Pass) {
		t.Errorf("Verify with the authority: %v\n%s", err, r.Text())
	}
	if len(j.roles) != 1 || j.roles[0] != RoleSigner {
		t.Errorf("judged roles %v, want [%s]", j.roles, RoleSigner)
	}
	other := &rootJudge{ca: newTestCA(t, "Another authority").cert}
	r, err = Verify(t.Context(), dir, VerifyOptions{ChainTrust: other.judge})
	failedCheck(t, r, err, CheckTrust, chainFile)

	// A delivery made before enrollment has no chain: judged as before, refused by an authority only for that.
	before := f.deliver(t, f.chatManifest(t, 2, 8), Delivery{}, WriteOptions{})
	if r, err := Verify(t.Context(), before, VerifyOptions{}); err != nil || hasCheck(r, CheckCertChain, chainFile, Pass) {
		t.Errorf("Verify of a delivery without a chain: %v\n%s", err, r.Text())
	}
	r, err = Verify(t.Context(), before, VerifyOptions{ChainTrust: j.judge})
	failedCheck(t, r, err, CheckTrust, "")
}

func TestForgedCertificateChainIsRejected(t *testing.T) {
	f := newFixture(t)
	ca := newTestCA(t, "Studio Appliance CA")
	dir := f.deliver(t, f.chatManifest(t, 1, 6), Delivery{}, WriteOptions{Chain: ca.chainFor(t, &f.key.PublicKey, "Attesta appliance test")})
	stranger := testpki.Key(t)
	otherCA := newTestCA(t, "Forger CA")
	for _, tc := range []struct {
		name, file string
		data       []byte
		want       string
	}{
		{"certificate of another key", chainFile, ca.chainFor(t, &stranger.PublicKey, "Attesta appliance test"), "not for the key that signs the checkpoint"},
		{"not PEM", chainFile, []byte("garbage\n"), "not a PEM block"},
		{"empty", chainFile, nil, "no certificate"},
		{"issuer swapped", chainFile, swapIssuer(t, ca, otherCA, &f.key.PublicKey), "is not signed by certificate 2"},
		{"private key block", chainFile, append(ca.chainFor(t, &f.key.PublicKey, "x"), []byte("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")...), "want CERTIFICATE"},
		{"AK chain without attestation", akChainFile, ca.chainFor(t, &stranger.PublicKey, "AK"), "without a valid TPM certification"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := copyDir(t, dir)
			if err := os.WriteFile(filepath.Join(d, tc.file), tc.data, 0o644); err != nil {
				t.Fatal(err)
			}
			r, err := Verify(t.Context(), d, VerifyOptions{})
			failedCheck(t, r, err, CheckCertChain, tc.file)
			for _, c := range r.Failed() {
				if c.Name == CheckCertChain && !strings.Contains(c.EN, tc.want) {
					t.Errorf("detail %q, want %q", c.EN, tc.want)
				}
			}
		})
	}
}

func TestParseChain(t *testing.T) {
	ca := newTestCA(t, "CA")
	other := newTestCA(t, "Other CA")
	k := testpki.Key(t)
	good := ca.chainFor(t, &k.PublicKey, "leaf")
	if c, err := ParseChain(good); err != nil || len(c) != 2 {
		t.Fatalf("ParseChain(good) = %d certificates, %v", len(c), err)
	}
	many := []byte{}
	for range MaxChainCerts + 1 {
		many = append(many, pemOf(ca.cert)...)
	}
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"wrong issuer", swapIssuer(t, ca, other, &k.PublicKey), "is not signed by certificate 2"},
		{"trailing text", append(good, "trailing"...), "offset"},
		{"too many", many, "more than"},
		{"too large", make([]byte, MaxChainSize+1), "bytes, at most"},
		{"bad DER", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte{0x30, 0x03, 1, 2, 3}}), "certificate 1"},
		{"headers", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Headers: map[string]string{"A": "b"}, Bytes: ca.cert.Raw}), "without headers"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseChain(tc.data)
			if !errors.Is(err, ErrChain) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("ParseChain = %v, want ErrChain and %q", err, tc.want)
			}
		})
	}
}

// swapIssuer returns a chain of a certificate issued by ca followed by other's certificate.
func swapIssuer(t testing.TB, ca, other *testCA, pub *ecdsa.PublicKey) []byte {
	chain := ca.chainFor(t, pub, "leaf")
	return append(chain[:len(chain)-len(pemOf(ca.cert)):len(chain)-len(pemOf(ca.cert))], pemOf(other.cert)...)
}

func hasCheck(r *Report, name, file string, o Outcome) bool {
	for _, c := range r.Checks {
		if c.Name == name && c.File == file && c.Outcome == o {
			return true
		}
	}
	return false
}
