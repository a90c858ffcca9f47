package pades_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os/exec"
	"strings"
	"testing"

	"github.com/attesta/attesta/report/pades"
)

// archived signs the sample with a signature time-stamp (B-T) and extends it with the DSS and a document
// time-stamp (B-LT, B-LTA), asking the same local TSA.
func archived(t *testing.T) (p *pki, ts *timestamper, signed, out []byte) {
	t.Helper()
	ctx := t.Context()
	p, ts = newPKI(t), newTSA(t)
	opts := p.options()
	opts.Timestamp = ts.stamp
	signed, err := pades.Sign(ctx, samplePDF(t), opts)
	if err != nil {
		t.Fatal(err)
	}
	out, err = pades.Archive(ctx, signed, pades.ArchiveOptions{Timestamp: ts.stampDigest})
	if err != nil {
		t.Fatal(err)
	}
	return p, ts, signed, out
}

func TestArchiveVerify(t *testing.T) {
	p, _, signed, out := archived(t)
	if !bytes.HasPrefix(out, signed) {
		t.Fatal("Archive changed the signed revision instead of appending to it")
	}
	infos := mustVerify(t, out)
	if len(infos) != 2 {
		t.Fatalf("Verify found %d signatures, want the signature and the document time-stamp", len(infos))
	}
	sig, dts := infos[0], infos[1]
	if sig.SubFilter != "ETSI.CAdES.detached" || sig.WholeDocument || sig.Timestamp == nil {
		t.Errorf("first signature: SubFilter %q, whole document %v, time-stamp %v; want a B-T signature over its own revision",
			sig.SubFilter, sig.WholeDocument, sig.Timestamp != nil)
	}
	if dts.SubFilter != "ETSI.RFC3161" || !dts.WholeDocument || dts.Timestamp == nil || dts.Time.IsZero() {
		t.Fatalf("document time-stamp: %+v", dts)
	}
	// The DSS holds the signer's chain and the TSA's certificates, each once.
	tail := string(out[len(signed):])
	if !strings.Contains(tail, "/DSS ") || !strings.Contains(tail, "/Type /DSS") {
		t.Fatalf("the update has no DSS dictionary:\n%.2000s", tail)
	}
	for _, c := range append(append(sig.Certificates, p.ca), sig.Timestamp.Certs...) {
		if n := bytes.Count(out[len(signed):], c.Raw); n != 1 {
			t.Errorf("certificate %q appears %d times in the DSS, want 1", c.Subject.CommonName, n)
		}
	}
}

func TestArchiveInterop(t *testing.T) {
	ctx := t.Context()
	p, ts, _, out := archived(t)
	// poppler 22.12 validates the signature over its revision and lists the document time-stamp (its TSA, the
	// whole file covered) but does not validate ETSI.RFC3161 ("Unable to validate this type of signature");
	// openssl ts does, below.
	got := pdfsig(ctx, t, nssDB(ctx, t, p.caPEM, caTrust), out)
	sig1, sig2, _ := strings.Cut(got, "Signature #2:")
	assertContains(t, sig1, "Signature #1:", "ETSI.CAdES.detached", "Not total document signed",
		"Signature Validation: Signature is Valid.", "Certificate Validation: Certificate is Trusted.")
	assertContains(t, sig2, "Signer Certificate Common Name: Attesta Test TSA", "Total document signed")
	if strings.Contains(got, "Invalid") || strings.Contains(got, "Mismatch") {
		t.Errorf("pdfsig finds a signature invalid:\n%s", got)
	}

	// openssl ts checks the document time-stamp token over the signed ranges' digest.
	infos := mustVerify(t, out)
	dts := infos[1]
	r := dts.ByteRange
	h := sha256.New()
	h.Write(out[r[0] : r[0]+r[1]])
	h.Write(out[r[2] : r[2]+r[3]])
	dir := t.TempDir()
	writeFile(t, dir, "dts.der", dts.CMS)
	writeFile(t, dir, "tsaca.pem", ts.caPEM)
	assertContains(t, mustRun(ctx, t, dir, "openssl", "ts", "-verify", "-token_in", "-in", "dts.der",
		"-digest", hex.EncodeToString(h.Sum(nil)), "-CAfile", "tsaca.pem"), "Verification: OK")
	// and the earlier signature still verifies with openssl cms.
	assertContains(t, opensslCMSVerify(ctx, t, out, p.caPEM, false), "CMS Verification successful")

	if _, err := exec.LookPath("qpdf"); err == nil {
		assertContains(t, mustRun(ctx, t, dir, "qpdf", "--check", writeFile(t, dir, "archived.pdf", out)),
			"No syntax or stream encoding errors found")
	}
}

func TestArchiveRejects(t *testing.T) {
	ctx := t.Context()
	p, ts, signed, out := archived(t)

	// A byte changed in the DSS breaks the document time-stamp but not the signature before it.
	at := bytes.Index(out[len(signed):], p.leaf.Raw) + len(signed) + 40
	bad := bytes.Clone(out)
	bad[at] ^= 0xff
	infos, err := pades.Verify(bad)
	if !errors.Is(err, pades.ErrDigestMismatch) || !strings.Contains(err.Error(), "Signature2") {
		t.Errorf("altered DSS: err = %v, want a digest mismatch naming Signature2", err)
	}
	if len(infos) != 1 || infos[0].SubFilter != "ETSI.CAdES.detached" {
		t.Errorf("altered DSS: the earlier signature should still verify, got %d", len(infos))
	}

	// Archive refuses what does not verify, and works only with a time-stamp.
	if _, err := pades.Archive(ctx, samplePDF(t), pades.ArchiveOptions{Timestamp: ts.stampDigest}); !errors.Is(err, pades.ErrNoSignature) {
		t.Errorf("unsigned PDF: err = %v, want ErrNoSignature", err)
	}
	if _, err := pades.Archive(ctx, signed, pades.ArchiveOptions{}); err == nil {
		t.Error("Archive without a time-stamp function succeeded")
	}
	// A token over something else is refused before it goes into the file.
	other := func(ctx context.Context, _ []byte) ([]byte, error) {
		d := sha256.Sum256([]byte("another document"))
		return ts.stampDigest(ctx, d[:])
	}
	if _, err := pades.Archive(ctx, signed, pades.ArchiveOptions{Timestamp: other}); !errors.Is(err, pades.ErrDigestMismatch) {
		t.Errorf("token over another digest: err = %v, want ErrDigestMismatch", err)
	}
	// A TSA that does not answer leaves no half-archived file.
	fail := func(context.Context, []byte) ([]byte, error) { return nil, errors.New("tsa unreachable") }
	if got, err := pades.Archive(ctx, signed, pades.ArchiveOptions{Timestamp: fail}); err == nil || got != nil {
		t.Errorf("unreachable TSA: %d bytes, err = %v", len(got), err)
	}
	// Archiving twice (the B-LTA renewal) keeps every earlier signature valid.
	again, err := pades.Archive(ctx, out, pades.ArchiveOptions{Timestamp: ts.stampDigest})
	if err != nil {
		t.Fatal(err)
	}
	if infos := mustVerify(t, again); len(infos) != 3 || infos[2].SubFilter != "ETSI.RFC3161" {
		t.Errorf("renewed: %d signatures", len(infos))
	}
}

// TestSignDocumentTimestamp: with both hooks, Sign goes on to B-LTA; a TSA that stops answering after the
// signature time-stamp leaves the file at B-T, and without a signature time-stamp there is no document one.
func TestSignDocumentTimestamp(t *testing.T) {
	ctx := t.Context()
	p, ts := newPKI(t), newTSA(t)
	opts := p.options()
	opts.Timestamp, opts.DocumentTimestamp = ts.stamp, ts.stampDigest
	out, err := pades.Sign(ctx, samplePDF(t), opts)
	if err != nil {
		t.Fatal(err)
	}
	if infos := mustVerify(t, out); len(infos) != 2 || infos[0].Timestamp == nil || infos[1].SubFilter != "ETSI.RFC3161" {
		t.Fatalf("want a B-T signature and a document time-stamp, got %d signatures", len(infos))
	}

	opts.DocumentTimestamp = func(context.Context, []byte) ([]byte, error) { return nil, nil }
	out, err = pades.Sign(ctx, samplePDF(t), opts)
	if err != nil {
		t.Fatal(err)
	}
	if infos := mustVerify(t, out); len(infos) != 1 || infos[0].Timestamp == nil {
		t.Errorf("TSA gone after the signature time-stamp: want one B-T signature, got %d", len(infos))
	}

	called := false
	opts.Timestamp = func(context.Context, []byte) ([]byte, error) { return nil, nil }
	opts.DocumentTimestamp = func(context.Context, []byte) ([]byte, error) { called = true; return nil, nil }
	if _, err := pades.Sign(ctx, samplePDF(t), opts); err != nil || called {
		t.Errorf("no signature time-stamp: err = %v, document time-stamp asked: %v", err, called)
	}

	opts.Timestamp = ts.stamp
	opts.DocumentTimestamp = func(context.Context, []byte) ([]byte, error) { return nil, errors.New("tsa refused") }
	if _, err := pades.Sign(ctx, samplePDF(t), opts); err == nil || !strings.Contains(err.Error(), "tsa refused") {
		t.Errorf("document time-stamp error: err = %v", err)
	}
}
