package bundle

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"io"
	"path/filepath"
	"testing"
	"time"
)

// TestHooks runs the optional parts through their seams: a report renderer, and a time-stamp made and checked
// with a real ECDSA signature over the checkpoint (standing in for the RFC 3161 authority, which is another
// package's job).
func TestHooks(t *testing.T) {
	tsaKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	stamp := func(_ context.Context, data []byte) ([]byte, error) {
		d := sha256.Sum256(data)
		return ecdsa.SignASN1(rand.Reader, tsaKey, d[:])
	}
	checkStamp := func(_ context.Context, tok, data []byte) (time.Time, error) {
		d := sha256.Sum256(data)
		if !ecdsa.VerifyASN1(&tsaKey.PublicKey, d[:], tok) {
			return time.Time{}, errors.New("token signature invalid")
		}
		return time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC), nil
	}
	pdfOf := func(m *Manifest) []byte { return []byte("%PDF-1.7\n% " + m.Acquisition.ID + "\n%%EOF\n") }
	report := func(_ context.Context, m *Manifest, w io.Writer) error {
		if m.Journal == nil {
			return errors.New("report rendered before sealing")
		}
		_, err := w.Write(pdfOf(m))
		return err
	}
	f := newFixture(t)
	m := f.chatManifest(t, 10, 10)
	folder := f.deliver(t, m, Delivery{}, WriteOptions{Report: report, Timestamp: stamp})
	checkPDF := func(_ context.Context, pdf []byte) error {
		if string(pdf) != string(pdfOf(m)) {
			return errors.New("signature does not cover the document")
		}
		return nil
	}

	r, err := Verify(t.Context(), folder, VerifyOptions{})
	if err != nil {
		t.Fatalf("Verify without hooks: %v", err)
	}
	for _, name := range []string{CheckTimestamp, CheckPDF} {
		if c := r.Find(name); len(c) != 1 || c[0].Outcome != Skip {
			t.Errorf("%s without a verifier: %v, want skip", name, c)
		}
	}
	opts := VerifyOptions{VerifyTimestamp: checkStamp, VerifyPDF: checkPDF}
	r, err = Verify(t.Context(), folder, opts)
	if err != nil {
		t.Fatalf("Verify with hooks: %v\n%s", err, r.Text())
	}
	for _, name := range []string{CheckTimestamp, CheckPDF} {
		if c := r.Find(name); len(c) != 1 || c[0].Outcome != Pass {
			t.Errorf("%s: %v, want pass", name, c)
		}
	}
	t.Run("pdf altered", func(t *testing.T) {
		dir := copyDir(t, folder)
		mustWrite(t, filepath.Join(dir, reportFile), []byte("%PDF-1.7\n%%EOF\n"))
		r, err := Verify(t.Context(), dir, opts)
		failedCheck(t, r, err, CheckPDF, reportFile)
	})
	t.Run("token of another checkpoint", func(t *testing.T) {
		dir := copyDir(t, folder)
		tok, _ := stamp(t.Context(), []byte("another checkpoint\n"))
		mustWrite(t, filepath.Join(dir, tsrFile), tok)
		r, err := Verify(t.Context(), dir, opts)
		failedCheck(t, r, err, CheckTimestamp, tsrFile)
	})
	t.Run("report hook fails", func(t *testing.T) {
		m := f.chatManifest(t, 11, 10)
		s, err := Seal(t.Context(), f.j, m, f.caseID)
		if err != nil {
			t.Fatal(err)
		}
		out := t.TempDir()
		bad := func(context.Context, *Manifest, io.Writer) error { return errors.New("font missing") }
		err = Write(t.Context(), out, Delivery{Manifest: m, Sealed: s, Artifacts: source{f.store, f.caseID}}, WriteOptions{Report: bad})
		if err == nil {
			t.Fatal("Write succeeded with a failing report")
		}
		assertEmpty(t, out)
	})
}
