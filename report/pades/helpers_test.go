package pades_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-pdf/fpdf"

	"github.com/attesta/attesta/bundle/tsa"
	"github.com/attesta/attesta/bundle/tsa/tsatest"
	"github.com/attesta/attesta/internal/testpki"
	"github.com/attesta/attesta/report/pades"
)

// claimed is the signing time the tests claim in /M.
var claimed = time.Date(2026, 1, 15, 10, 30, 0, 0, time.UTC)

// samplePDF renders a small report the way the report package does: two
// pages, a link annotation on the first, an attached file.
func samplePDF(t testing.TB) []byte {
	t.Helper()
	p := fpdf.New("P", "mm", "A4", "")
	p.SetCreationDate(claimed)
	p.SetModificationDate(claimed)
	p.SetAttachments([]fpdf.Attachment{{Filename: "manifest.json", Content: []byte(`{"format":"attesta.manifest/v1"}`)}})
	p.AddPage()
	p.SetFont("Helvetica", "", 12)
	p.Cell(0, 10, "Relazione tecnica - acquisizione WhatsApp")
	p.Ln(12)
	p.Link(10, 10, 80, 10, p.AddLink())
	p.MultiCell(0, 6, strings.Repeat("Contenuto della relazione. ", 40), "", "L", false)
	p.AddPage()
	p.Cell(0, 10, "Pagina 2")
	var b bytes.Buffer
	if err := p.Output(&b); err != nil {
		t.Fatalf("render sample PDF: %v", err)
	}
	return b.Bytes()
}

// pki is a test CA and a signer certificate it issued, made at run time.
type pki struct {
	caKey   *ecdsa.PrivateKey
	ca      *x509.Certificate
	key     *ecdsa.PrivateKey
	leaf    *x509.Certificate
	caPEM   []byte
	leafPEM []byte
}

func newPKI(t testing.TB) *pki {
	t.Helper()
	p := &pki{caKey: testpki.Key(t), key: testpki.Key(t)}
	now := time.Now()
	p.ca = testpki.Issue(t, &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Attesta Test CA", Organization: []string{"Attesta"}},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign, BasicConstraintsValid: true, IsCA: true,
	}, nil, p.caKey, p.caKey)
	p.leaf = issueLeaf(t, p, p.key, big.NewInt(2))
	p.caPEM = pemCert(p.ca)
	p.leafPEM = pemCert(p.leaf)
	return p
}

func issueLeaf(t testing.TB, p *pki, key crypto.Signer, serial *big.Int) *x509.Certificate {
	now := time.Now()
	return testpki.Issue(t, &x509.Certificate{
		SerialNumber: serial, Subject: pkix.Name{CommonName: "Attesta appliance test", Organization: []string{"Attesta"}},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
	}, p.ca, key, p.caKey)
}

func pemCert(c *x509.Certificate) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
}

func (p *pki) options() pades.Options {
	return pades.Options{
		Signer: p.key, Chain: []*x509.Certificate{p.leaf, p.ca},
		Reason: "Certificazione forense della relazione", Location: "Società di test, Roma",
		Name: "Attesta appliance test", Time: claimed,
	}
}

func signSample(t testing.TB, p *pki) []byte {
	t.Helper()
	out, err := pades.Sign(context.Background(), samplePDF(t), p.options())
	if err != nil {
		t.Fatalf("sign: %v", err)
	}
	return out
}

// mustVerify verifies pdf's signatures, failing the test when Verify refuses them.
func mustVerify(t testing.TB, pdf []byte) []pades.SignatureInfo {
	t.Helper()
	infos, err := pades.Verify(pdf)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	return infos
}

func writeFile(t testing.TB, dir, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// run runs a tool and returns its combined output; the caller judges the
// exit status (pdfsig exits non-zero for invalid signatures).
func run(ctx context.Context, t testing.TB, dir, tool string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.CommandContext(ctx, tool, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func mustRun(ctx context.Context, t testing.TB, dir, tool string, args ...string) string {
	t.Helper()
	out, err := run(ctx, t, dir, tool, args...)
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", tool, strings.Join(args, " "), err, out)
	}
	return out
}

func requireTool(t testing.TB, tool string) {
	t.Helper()
	if _, err := exec.LookPath(tool); err != nil {
		t.Fatalf("%s is required for this test (scripts/setup installs it): %v", tool, err)
	}
}

// nssDB makes an NSS database for pdfsig -nssdir that trusts cert with the
// given trust flags ("C,," for a CA, "P,," for a trusted peer).
func nssDB(ctx context.Context, t testing.TB, certPEM []byte, trust string) string {
	t.Helper()
	requireTool(t, "certutil")
	dir := t.TempDir()
	ca := writeFile(t, dir, "trusted.pem", certPEM)
	mustRun(ctx, t, dir, "certutil", "-N", "-d", "sql:"+dir, "--empty-password")
	mustRun(ctx, t, dir, "certutil", "-A", "-d", "sql:"+dir, "-n", "trusted", "-t", trust, "-i", ca)
	return "sql:" + dir
}

// pdfsig runs poppler's pdfsig on pdf with the given NSS store (see the
// note in interop_test.go on -no-ocsp).
func pdfsig(ctx context.Context, t testing.TB, nss string, pdf []byte) string {
	t.Helper()
	requireTool(t, "pdfsig")
	dir := t.TempDir()
	path := writeFile(t, dir, "doc.pdf", pdf)
	out, _ := run(ctx, t, dir, "pdfsig", "-nssdir", nss, path)
	return out
}

func assertContains(t testing.TB, out string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q:\n%s", w, out)
		}
	}
}

// timestamper asks a local RFC 3161 time-stamping authority (openssl ts, run by tsatest) for tokens the way the
// appliance does, with tsa.Client.
type timestamper struct {
	client *tsa.Client
	caPEM  []byte
	// lastSignature is the signature value last time-stamped.
	lastSignature []byte
}

func newTSA(t testing.TB) *timestamper {
	t.Helper()
	s := tsatest.New(t, tsatest.Options{})
	caPEM, err := os.ReadFile(s.CAPath)
	if err != nil {
		t.Fatal(err)
	}
	return &timestamper{client: &tsa.Client{URL: s.URL, Roots: s.Roots}, caPEM: caPEM}
}

// stamp is an Options.Timestamp: it asks the TSA for a token over the signature value.
func (s *timestamper) stamp(ctx context.Context, signature []byte) ([]byte, error) {
	s.lastSignature = bytes.Clone(signature)
	digest := sha256.Sum256(signature)
	tok, err := s.client.Timestamp(ctx, digest[:])
	if err != nil {
		return nil, err
	}
	return tok.DER, nil
}

// stampDigest is an ArchiveOptions.Timestamp: it asks the TSA for a token over a SHA-256 digest.
func (s *timestamper) stampDigest(ctx context.Context, digest []byte) ([]byte, error) {
	tok, err := s.client.Timestamp(ctx, digest)
	if err != nil {
		return nil, err
	}
	return tok.DER, nil
}
