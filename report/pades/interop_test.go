package pades_test

import (
	"bytes"
	"context"
	"crypto/x509"
	"regexp"
	"strings"
	"testing"

	"github.com/attesta/attesta/report/pades"
)

// The interoperability tests check our signatures with poppler's pdfsig
// (through NSS) and openssl, the tools a recipient of the report has.
//
// pdfsig runs without -no-ocsp: poppler 22.12 reports "Unknown issue with
// Certificate" for any chain when -no-ocsp is given, and the test
// certificates carry no OCSP or CA-issuers URL, so nothing goes online.

// caTrust trusts a CA for S/MIME, the usage pdfsig asks NSS to check.
const caTrust = "C,C,C"

func TestPdfsigAcceptsSignature(t *testing.T) {
	ctx := t.Context()
	p := newPKI(t)
	nss := nssDB(ctx, t, p.caPEM, caTrust)
	signed := signSample(t, p)
	infos := mustVerify(t, signed)
	br := infos[0].ByteRange

	t.Run("valid", func(t *testing.T) {
		assertContains(t, pdfsig(ctx, t, nss, signed),
			"Signature Type: ETSI.CAdES.detached",
			"Total document signed",
			"Signature Validation: Signature is Valid.",
			"Certificate Validation: Certificate is Trusted.",
			"Signer Certificate Common Name: Attesta appliance test",
		)
	})
	t.Run("flipped byte", func(t *testing.T) {
		out := bytes.Clone(signed)
		out[br[1]-100] ^= 0x01
		assertContains(t, pdfsig(ctx, t, nss, out), "Signature Validation: Digest Mismatch.")
	})
	t.Run("bytes appended", func(t *testing.T) {
		out := append(bytes.Clone(signed), "\n% appended after signing\n"...)
		got := pdfsig(ctx, t, nss, out)
		assertContains(t, got, "Not total document signed", "Signature Validation: Signature is Valid.")
	})
	t.Run("untrusted store", func(t *testing.T) {
		other := newPKI(t)
		got := pdfsig(ctx, t, nssDB(ctx, t, other.caPEM, caTrust), signed)
		assertContains(t, got, "Signature Validation: Signature is Valid.")
		if bytes.Contains([]byte(got), []byte("Certificate is Trusted")) {
			t.Errorf("pdfsig trusts a certificate its store does not hold:\n%s", got)
		}
	})
}

func TestPdfsigSignedTwice(t *testing.T) {
	ctx := t.Context()
	p := newPKI(t)
	twice, err := pades.Sign(ctx, signSample(t, p), p.options())
	if err != nil {
		t.Fatal(err)
	}
	got := pdfsig(ctx, t, nssDB(ctx, t, p.caPEM, caTrust), twice)
	assertContains(t, got, "Signature #1:", "Signature #2:", "Not total document signed", "Total document signed")
	if n := bytes.Count([]byte(got), []byte("Signature is Valid.")); n != 2 {
		t.Errorf("%d valid signatures, want 2:\n%s", n, got)
	}
}

func TestOpensslCMSVerify(t *testing.T) {
	ctx := t.Context()
	p := newPKI(t)
	signed := signSample(t, p)
	assertContains(t, opensslCMSVerify(ctx, t, signed, p.caPEM, false), "CMS Verification successful")
	if out := opensslCMSVerify(ctx, t, signed, p.caPEM, true); !strings.Contains(out, "failure") {
		t.Errorf("openssl accepted altered content:\n%s", out)
	}
}

// opensslCMSVerify extracts the CMS and the signed bytes of pdf's first
// signature and runs openssl cms -verify on them, trusting caPEM; alter
// flips a signed byte first.
func opensslCMSVerify(ctx context.Context, t testing.TB, pdf, caPEM []byte, alter bool) string {
	t.Helper()
	requireTool(t, "openssl")
	infos := mustVerify(t, pdf)
	br := infos[0].ByteRange
	content := append(bytes.Clone(pdf[:br[1]]), pdf[br[2]:br[2]+br[3]]...)
	if alter {
		content[10] ^= 1
	}
	dir := t.TempDir()
	writeFile(t, dir, "sig.der", infos[0].CMS)
	writeFile(t, dir, "ca.pem", caPEM)
	writeFile(t, dir, "signedbytes", content)
	out, _ := run(ctx, t, dir, "openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", "sig.der",
		"-content", "signedbytes", "-CAfile", "ca.pem", "-out", "/dev/null")
	return out
}

func TestTimestampInterop(t *testing.T) {
	ctx := t.Context()
	p := newPKI(t)
	ts := newTSA(t)
	opts := p.options()
	opts.Timestamp = ts.stamp
	signed, err := pades.Sign(ctx, samplePDF(t), opts)
	if err != nil {
		t.Fatal(err)
	}
	infos := mustVerify(t, signed)
	dir := t.TempDir()
	writeFile(t, dir, "token.der", infos[0].Timestamp.Token)
	writeFile(t, dir, "sigvalue", ts.lastSignature)
	writeFile(t, dir, "tsaca.pem", ts.caPEM)
	out := mustRun(ctx, t, dir, "openssl", "ts", "-verify", "-token_in", "-in", "token.der", "-data", "sigvalue", "-CAfile", "tsaca.pem")
	assertContains(t, out, "Verification: OK")

	writeFile(t, dir, "other", []byte("not the signature value"))
	if out, err := run(ctx, t, dir, "openssl", "ts", "-verify", "-token_in", "-in", "token.der", "-data", "other", "-CAfile", "tsaca.pem"); err == nil {
		t.Errorf("openssl ts accepted the token over other data:\n%s", out)
	}

	assertContains(t, pdfsig(ctx, t, nssDB(ctx, t, p.caPEM, caTrust), signed),
		"Signature Validation: Signature is Valid.", "Total document signed")
}

// TestTPMSigner signs with the TPM-resident key (reference simulator) and
// a certificate the key made for itself, as the appliance does.
func TestTPMSigner(t *testing.T) {
	ctx := t.Context()
	signer, cert := tpmSigner(ctx, t)
	signed, err := pades.Sign(ctx, samplePDF(t), pades.Options{
		Signer: signer, Chain: []*x509.Certificate{cert},
		Reason: "Certificazione forense", Location: "Roma", Name: cert.Subject.CommonName, Time: claimed,
	})
	if err != nil {
		t.Fatalf("Sign with the TPM key: %v", err)
	}
	infos := mustVerify(t, signed)
	if !infos[0].Signer.Equal(cert) {
		t.Error("Verify names another signer")
	}
	// NSS (under pdfsig) takes a self-signed certificate as a trust anchor
	// only when it is a CA certificate, which the appliance's is not; the
	// signature itself must be valid. openssl trusts it as given.
	assertContains(t, pdfsig(ctx, t, nssDB(ctx, t, pemCert(cert), "P,P,P"), signed),
		"Signature Validation: Signature is Valid.", "Total document signed", "Signer Certificate Common Name: "+cert.Subject.CommonName)
	assertContains(t, opensslCMSVerify(ctx, t, signed, pemCert(cert), false), "CMS Verification successful")
}

// TestSignedKeepsDocument checks with poppler that the rewritten catalog
// and page keep what they held: the attachment, both pages, the form.
func TestSignedKeepsDocument(t *testing.T) {
	ctx := t.Context()
	requireTool(t, "pdfdetach")
	requireTool(t, "pdfinfo")
	dir := t.TempDir()
	writeFile(t, dir, "signed.pdf", signSample(t, newPKI(t)))
	assertContains(t, mustRun(ctx, t, dir, "pdfdetach", "-list", "signed.pdf"), "1: manifest.json")
	info := mustRun(ctx, t, dir, "pdfinfo", "signed.pdf")
	for _, re := range []string{`Pages:\s+2\n`, `Form:\s+AcroForm\n`} {
		if !regexp.MustCompile(re).MatchString(info) {
			t.Errorf("pdfinfo output does not match %s:\n%s", re, info)
		}
	}
}
