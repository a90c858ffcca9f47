package report_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/attesta/attesta/bundle"
	"github.com/attesta/attesta/journal"
	"github.com/attesta/attesta/report"
	"github.com/attesta/attesta/report/pades"
)

// TestHookInDelivery plugs the report into a real delivery: a journal on disk seals the manifest, bundle.Write
// calls the hook, and bundle.Verify checks the report's signature; the manifest attached to the PDF is the
// folder's manifest.json byte for byte.
func TestHookInDelivery(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	in, files := sample(t)
	m := *in.Manifest
	m.Journal = nil
	key := newKey(t)
	j, err := journal.Open(ctx, filepath.Join(dir, "journal.db"), journal.Options{Origin: "attesta/A1-0042", Signer: key})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	sealed, err := bundle.Seal(ctx, j, &m, "case-1")
	if err != nil {
		t.Fatal(err)
	}
	in.Appliance.VKey = sealed.VKey
	s := newSigner(t)
	sign := s.options()
	hook := report.Hook(in, report.Options{Kind: report.Personalizzata, Now: now}, &sign)
	err = bundle.Write(ctx, dir, bundle.Delivery{Manifest: &m, Sealed: sealed, Artifacts: files},
		bundle.WriteOptions{Report: hook})
	if err != nil {
		t.Fatal(err)
	}
	folder := filepath.Join(dir, m.FolderName())
	r, err := bundle.Verify(ctx, folder, bundle.VerifyOptions{Key: j.VerifierKey(),
		VerifyPDF: func(_ context.Context, pdf []byte) error { _, err := pades.Verify(pdf); return err }})
	if err != nil {
		t.Fatalf("verify delivery: %v\n%s", err, r.Text())
	}
	if c := r.Find(bundle.CheckPDF); len(c) != 1 || c[0].Outcome != bundle.Pass {
		t.Errorf("pdf-signature check: %+v", c)
	}

	pdf := filepath.Join(folder, "relazione.pdf")
	saved := filepath.Join(t.TempDir(), "manifest.json")
	if out, err := tool(t, "pdfdetach", "-save", "1", "-o", saved, pdf); err != nil {
		t.Fatalf("pdfdetach: %v\n%s", err, out)
	}
	got, _ := os.ReadFile(saved)
	want, err := os.ReadFile(filepath.Join(folder, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Error("manifest.json attached to relazione.pdf differs from the delivery's manifest.json")
	}
	text := pdfText(t, pdf)
	if !bytes.Contains([]byte(text), []byte(m.Journal.RootHash)) {
		t.Errorf("report lacks the sealed root %s", m.Journal.RootHash)
	}
}

func TestHookUnsigned(t *testing.T) {
	in, _ := sample(t)
	var out bytes.Buffer
	if err := report.Hook(in, report.Options{Now: now}, nil)(t.Context(), in.Manifest, &out); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(out.Bytes(), []byte("%PDF-")) {
		t.Fatal("hook wrote no PDF")
	}
	if _, err := pades.Verify(out.Bytes()); !errors.Is(err, pades.ErrNoSignature) {
		t.Errorf("unsigned hook output: pades.Verify = %v, want ErrNoSignature", err)
	}
}
