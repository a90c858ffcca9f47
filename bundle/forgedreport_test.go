package bundle

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/go-pdf/fpdf"

	"github.com/attesta/attesta/internal/testpki"
	"github.com/attesta/attesta/report/pades"
)

// signedPDF returns a one-page PDF saying text, signed (PAdES) by s with a self-signed certificate of its key.
func signedPDF(tb testing.TB, s crypto.Signer, text string) []byte {
	tb.Helper()
	doc := fpdf.New("P", "mm", "A4", "")
	doc.AddPage()
	doc.SetFont("Helvetica", "", 12)
	doc.Cell(40, 10, text)
	var buf bytes.Buffer
	if err := doc.Output(&buf); err != nil {
		tb.Fatal(err)
	}
	return resign(tb, buf.Bytes(), s)
}

// TestForgedReportIsInvalid replaces a delivery's relazione.pdf by a PDF validly signed with another key, and by
// the genuine, validly signed report of another delivery of the same appliance: both must make the delivery
// INVALID, for Verify and for VERIFICA.txt.
func TestForgedReportIsInvalid(t *testing.T) {
	f := newFixture(t)
	withReport := func(i int) string {
		m := f.chatManifest(t, 30+i, 10)
		pdf := signedPDF(t, f.key, "relazione "+m.Acquisition.ID)
		AttachReport(m, pdf)
		return f.deliver(t, m, Delivery{Report: pdf}, WriteOptions{})
	}
	a, b := withReport(1), withReport(2)
	opts := VerifyOptions{Key: f.j.VerifierKey(), VerifyPDF: checkReportPDF}
	r, err := Verify(t.Context(), a, opts)
	if err != nil {
		t.Fatalf("genuine delivery: %v\n%s", err, r.Text())
	}
	for _, name := range []string{CheckReport, CheckPDF} {
		if c := r.Find(name); len(c) != 1 || c[0].Outcome != Pass {
			t.Errorf("%s: %v, want pass", name, c)
		}
	}
	requireTools(t, "pdfsig")
	if failed := runVerifica(t, a); len(failed) > 0 {
		for c, out := range failed {
			t.Errorf("VERIFICA step failed on the genuine delivery:\n%s\n%s", c, out)
		}
	}
	other := testpki.Key(t)
	for name, pdf := range map[string][]byte{
		"signed by another key":                signedPDF(t, other, "relazione falsa"),
		"another delivery's report":            mustRead(t, filepath.Join(b, reportFile)),
		"this report re-signed by another key": resign(t, mustRead(t, filepath.Join(a, reportFile)), other),
	} {
		t.Run(name, func(t *testing.T) {
			dir := copyDir(t, a)
			mustWrite(t, filepath.Join(dir, reportFile), pdf)
			r, err := Verify(t.Context(), dir, opts)
			failedCheck(t, r, err, CheckReport, reportFile)
			if failed := runVerifica(t, dir); len(failed) == 0 {
				t.Error("every VERIFICA.txt step passed on a forged report")
			}
		})
	}
}

// A delivery made before the manifest recorded its report stays valid, its report noted as bound to nothing; a
// report signed by another key still fails it.
func TestUnrecordedReportOfAnEarlierVersion(t *testing.T) {
	f := newFixture(t)
	m := f.chatManifest(t, 41, 10)
	folder := f.deliver(t, m, Delivery{}, WriteOptions{})
	mustWrite(t, filepath.Join(folder, reportFile), signedPDF(t, f.key, "relazione "+m.Acquisition.ID))
	opts := VerifyOptions{Key: f.j.VerifierKey(), VerifyPDF: checkReportPDF}
	r, err := Verify(t.Context(), folder, opts)
	if err != nil {
		t.Fatalf("earlier delivery with its genuine report: %v\n%s", err, r.Text())
	}
	if c := r.Find(CheckReport); len(c) != 1 || c[0].Outcome != Skip {
		t.Errorf("report check %v, want a note that nothing binds it", c)
	}
	if c := r.Find(CheckPDF); len(c) != 1 || c[0].Outcome != Pass {
		t.Errorf("signer check %v, want pass", c)
	}
	// Revisions appended after the signature (document time-stamps) are bound only by the manifest's record of the
	// report, which this delivery lacks: anyone could have appended them.
	extended := opts
	extended.VerifyPDF = func(ctx context.Context, pdf []byte) (crypto.PublicKey, bool, error) {
		key, _, err := checkReportPDF(ctx, pdf)
		return key, true, err
	}
	r, err = Verify(t.Context(), folder, extended)
	failedCheck(t, r, err, CheckPDF, reportFile)

	mustWrite(t, filepath.Join(folder, reportFile), signedPDF(t, testpki.Key(t), "relazione falsa"))
	r, err = Verify(t.Context(), folder, opts)
	failedCheck(t, r, err, CheckPDF, reportFile)
}

// resign adds a valid signature by s, with a self-signed certificate of its key, to pdf.
func resign(tb testing.TB, pdf []byte, s crypto.Signer) []byte {
	tb.Helper()
	now := time.Now()
	cert, err := pades.SelfSignedCert(s, pkix.Name{CommonName: "forger"}, now.Add(-time.Hour), now.Add(time.Hour))
	if err != nil {
		tb.Fatal(err)
	}
	out, err := pades.Sign(context.Background(), pdf, pades.Options{Signer: s, Chain: []*x509.Certificate{cert}, Name: "forger"})
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

// checkReportPDF is the report check that verifycmd wires in: a valid PAdES signature covering the whole file,
// and its signer's key.
func checkReportPDF(_ context.Context, pdf []byte) (crypto.PublicKey, bool, error) {
	sigs, err := pades.Verify(pdf)
	if err != nil {
		return nil, false, err
	}
	if last := sigs[len(sigs)-1]; last.WholeDocument {
		return last.Signer.PublicKey, false, nil
	}
	return nil, false, errors.New("bytes after the last signature")
}

// A delivery made before reports carried a certificate chain and document time-stamps keeps the first wording of
// VERIFICA.txt's step 8: it stays valid; any other text still fails the instructions check.
func TestEarlierVerificaWordingStaysValid(t *testing.T) {
	f := newFixture(t)
	m := f.chatManifest(t, 51, 10)
	pdf := signedPDF(t, f.key, "relazione "+m.Acquisition.ID)
	AttachReport(m, pdf)
	folder := f.deliver(t, m, Delivery{Report: pdf}, WriteOptions{})
	opts := VerifyOptions{Key: f.j.VerifierKey(), VerifyPDF: checkReportPDF}
	r, err := Verify(t.Context(), folder, opts)
	if err != nil {
		t.Fatalf("delivery: %v\n%s", err, r.Text())
	}
	parts := verificaParts{Report: true, ReportV1: true}
	if c := r.Find(CheckAttestationBinding); len(c) > 0 && c[0].Outcome != Skip {
		parts.Attestation = true
	}
	earlier, err := encodeVerifica(r.Manifest, parts)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(earlier, mustRead(t, filepath.Join(folder, verificaFile))) {
		t.Fatal("the earlier wording is the current one: nothing to test")
	}
	mustWrite(t, filepath.Join(folder, verificaFile), earlier)
	if r, err := Verify(t.Context(), folder, opts); err != nil {
		t.Fatalf("delivery with the earlier VERIFICA.txt: %v\n%s", err, r.Text())
	}
	mustWrite(t, filepath.Join(folder, verificaFile), append(earlier, "\n$ echo ok\n"...))
	r, err = Verify(t.Context(), folder, opts)
	failedCheck(t, r, err, CheckInstructions, verificaFile)
}
