package report_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/attesta/attesta/bundle/tsa"
	"github.com/attesta/attesta/bundle/tsa/tsatest"
	"github.com/attesta/attesta/internal/testpki"
	"github.com/attesta/attesta/report"
	"github.com/attesta/attesta/report/pades"
)

// signer is a key and its certificate chain, made at run time: a CA standing for the studio's and a leaf for the
// appliance's key.
type signer struct {
	key   *ecdsa.PrivateKey
	chain []*x509.Certificate
	caPEM []byte
}

func newSigner(tb testing.TB) *signer {
	tb.Helper()
	caKey, key := testpki.Key(tb), testpki.Key(tb)
	now := time.Now()
	ca := testpki.Issue(tb, &x509.Certificate{SerialNumber: big.NewInt(1),
		Subject:   pkix.Name{CommonName: "Studio test CA", Organization: []string{"Attesta"}},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageCertSign, BasicConstraintsValid: true, IsCA: true}, nil, caKey, caKey)
	leaf := testpki.Issue(tb, &x509.Certificate{SerialNumber: big.NewInt(2),
		Subject:   pkix.Name{CommonName: "Attesta A1-0042", Organization: []string{"Attesta"}},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment}, ca, key, caKey)
	return &signer{key: key, chain: []*x509.Certificate{leaf, ca},
		caPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.Raw})}
}

func (s *signer) options() pades.Options {
	return pades.Options{Signer: s.key, Chain: s.chain, Location: "Roma"}
}

// pdfsig runs poppler's pdfsig with an NSS store that trusts the signer's CA.
func pdfsig(tb testing.TB, s *signer, pdf []byte) string {
	tb.Helper()
	dir := tb.TempDir()
	ca := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(ca, s.caPEM, 0o600); err != nil {
		tb.Fatal(err)
	}
	for _, args := range [][]string{{"-N", "-d", "sql:" + dir, "--empty-password"},
		{"-A", "-d", "sql:" + dir, "-n", "ca", "-t", "C,C,C", "-i", ca}} {
		if out, err := tool(tb, "certutil", args...); err != nil {
			tb.Fatalf("certutil %v: %v\n%s", args, err, out)
		}
	}
	out, _ := tool(tb, "pdfsig", "-nssdir", "sql:"+dir, writeTemp(tb, "relazione.pdf", pdf))
	return out
}

func TestRenderSigned(t *testing.T) {
	in, _ := sample(t)
	s := newSigner(t)
	signed, err := report.RenderSigned(t.Context(), in, report.Options{Now: now}, s.options())
	if err != nil {
		t.Fatal(err)
	}
	sigs, err := pades.Verify(signed)
	if err != nil {
		t.Fatalf("pades.Verify: %v", err)
	}
	if len(sigs) != 1 || !sigs[0].WholeDocument || sigs[0].Name != "Attesta A1-0042" ||
		!strings.Contains(sigs[0].Reason, "Relazione tecnica") || !sigs[0].Time.Equal(now) {
		t.Errorf("signature = %+v", sigs[0])
	}
	out := pdfsig(t, s, signed)
	for _, w := range []string{"Signature Validation: Signature is Valid.", "Total document signed",
		"Signer Certificate Common Name: Attesta A1-0042"} {
		if !strings.Contains(out, w) {
			t.Errorf("pdfsig output lacks %q:\n%s", w, out)
		}
	}

	// One byte changed in the signed text: the digest no longer matches.
	tampered := append([]byte(nil), signed...)
	i := sigs[0].ByteRange[1] / 2
	tampered[i] ^= 0x01
	if out := pdfsig(t, s, tampered); !strings.Contains(out, "Digest Mismatch") {
		t.Errorf("pdfsig on a tampered report:\n%s", out)
	}
	if _, err := pades.Verify(tampered); err == nil {
		t.Error("pades.Verify accepted a tampered report")
	}
}

func TestRenderSignedTimestampHook(t *testing.T) {
	in, _ := sample(t)
	s := newSigner(t)
	opts := s.options()
	calls := 0
	tsaDown := errors.New("tsa unreachable")
	opts.Timestamp = func(ctx context.Context, sig []byte) ([]byte, error) {
		calls++
		if len(sig) == 0 {
			t.Error("timestamp hook called with no signature value")
		}
		return nil, tsaDown
	}
	_, err := report.RenderSigned(t.Context(), in, report.Options{Now: now}, opts)
	if !errors.Is(err, tsaDown) || calls != 1 {
		t.Fatalf("RenderSigned with a failing time-stamp = %v after %d calls, want %v after 1", err, calls, tsaDown)
	}
}

// TestRenderSignedArchived: with a TSA that answers both hooks, the signed report is PAdES B-LTA (the B-T signature,
// the DSS and a document time-stamp), stays PDF/A-3 and well formed, and pdfsig validates the report's signature.
func TestRenderSignedArchived(t *testing.T) {
	in, _ := sample(t)
	s := newSigner(t)
	tsaURL, roots, _ := tsatest.Start(t)
	client := &tsa.Client{URL: tsaURL, Roots: roots}
	stamp := func(ctx context.Context, digest []byte) ([]byte, error) {
		tok, err := client.Timestamp(ctx, digest)
		if err != nil {
			return nil, err
		}
		return tok.DER, nil
	}
	opts := s.options()
	opts.Timestamp = func(ctx context.Context, sig []byte) ([]byte, error) {
		d := sha256.Sum256(sig)
		return stamp(ctx, d[:])
	}
	opts.DocumentTimestamp = stamp
	signed, err := report.RenderSigned(t.Context(), in, report.Options{Now: now}, opts)
	if err != nil {
		t.Fatal(err)
	}
	infos, err := pades.Verify(signed)
	if err != nil || len(infos) != 2 || infos[0].Timestamp == nil || infos[1].SubFilter != "ETSI.RFC3161" {
		t.Fatalf("Verify: %v, %d signatures; want the B-T signature and a document time-stamp", err, len(infos))
	}
	path := writeTemp(t, "relazione.pdf", signed)
	if out, err := tool(t, "qpdf", "--check", path); err != nil || !strings.Contains(out, "No syntax or stream encoding errors found") {
		t.Errorf("qpdf --check: %v\n%s", err, out)
	}
	out := pdfsig(t, s, signed)
	sig1, _, _ := strings.Cut(out, "Signature #2:")
	if !strings.Contains(sig1, "Signature Validation: Signature is Valid.") || !strings.Contains(out, "Total document signed") {
		t.Errorf("pdfsig:\n%s", out)
	}
}
