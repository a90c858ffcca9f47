package bundle

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/attesta/attesta/internal/testpki"
)

// TestHooks runs the optional parts through their seams: a report rendered before sealing (so that the manifest
// records it) and checked by a stand-in signature check, and a time-stamp made and checked
// with a real ECDSA signature over the checkpoint (standing in for the RFC 3161 authority, which is another
// package's job).
func TestHooks(t *testing.T) {
	tsaKey := testpki.Key(t)
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
	f := newFixture(t)
	m := f.chatManifest(t, 10, 10)
	AttachReport(m, pdfOf(m))
	folder := f.deliver(t, m, Delivery{Report: pdfOf(m)}, WriteOptions{Timestamp: stamp})
	checkPDF := func(_ context.Context, pdf []byte) (crypto.PublicKey, bool, error) {
		if string(pdf) != string(pdfOf(m)) {
			return nil, false, errors.New("signature does not cover the document")
		}
		return f.key.Public(), false, nil
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
	t.Run("report not the recorded one", func(t *testing.T) {
		m := f.chatManifest(t, 11, 10)
		AttachReport(m, pdfOf(m))
		s, err := Seal(t.Context(), f.j, m, f.caseID)
		if err != nil {
			t.Fatal(err)
		}
		for name, pdf := range map[string][]byte{"other bytes": []byte("%PDF-1.7\n%%EOF\n"), "none": nil} {
			out := t.TempDir()
			err = Write(t.Context(), out, Delivery{Manifest: m, Sealed: s, Artifacts: source{f.store, f.caseID}, Report: pdf}, WriteOptions{})
			if !errors.Is(err, ErrSealMismatch) {
				t.Fatalf("%s: Write: %v, want ErrSealMismatch", name, err)
			}
			assertEmpty(t, out)
		}
	})
	t.Run("report not recorded", func(t *testing.T) {
		m := f.chatManifest(t, 12, 10)
		s, err := Seal(t.Context(), f.j, m, f.caseID)
		if err != nil {
			t.Fatal(err)
		}
		out := t.TempDir()
		err = Write(t.Context(), out, Delivery{Manifest: m, Sealed: s, Artifacts: source{f.store, f.caseID}, Report: pdfOf(m)}, WriteOptions{})
		if !errors.Is(err, ErrSealMismatch) {
			t.Fatalf("Write: %v, want ErrSealMismatch", err)
		}
		assertEmpty(t, out)
	})
}
