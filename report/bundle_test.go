package report_test

import (
	"bytes"
	"errors"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/attesta/attesta/bundle"
	"github.com/attesta/attesta/bundle/verifycmd"
	"github.com/attesta/attesta/journal"
	"github.com/attesta/attesta/report"
	"github.com/attesta/attesta/report/pades"
)

// TestHookInDelivery plugs the report into a real delivery as the appliance does: the report of the unsealed
// manifest is rendered and signed with the checkpoint key, the manifest records its digest, a journal on disk
// seals the manifest, bundle.Write writes the same bytes, and the recipient's verifier checks that the report is
// the recorded one and is signed by the checkpoint key. Such a report cannot show the leaf or embed
// manifest.json (which records the report): it points to them.
func TestHookInDelivery(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	in, files := sample(t)
	m := *in.Manifest
	m.Journal = nil
	s := newSigner(t)
	j, err := journal.Open(ctx, filepath.Join(dir, "journal.db"), journal.Options{Origin: "attesta/A1-0042", Signer: s.key})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	in.Appliance.VKey = j.VerifierKey()
	sign := s.options()
	sign.Chain = sign.Chain[:1] // the appliance's own certificate, as the appliance signs
	var pdf bytes.Buffer
	hook := report.Hook(in, report.Options{Kind: report.Personalizzata, Now: now, BeforeSeal: true}, &sign)
	if err := hook(ctx, &m, &pdf); err != nil {
		t.Fatal(err)
	}
	if err := report.Hook(in, report.Options{Kind: report.Personalizzata, Now: now}, &sign)(ctx, &m, io.Discard); !errors.Is(err, report.ErrInput) {
		t.Errorf("unsealed manifest without BeforeSeal: %v, want ErrInput", err)
	}
	bundle.AttachReport(&m, pdf.Bytes())
	sealed, err := bundle.Seal(ctx, j, &m, "case-1")
	if err != nil {
		t.Fatal(err)
	}
	err = bundle.Write(ctx, dir, bundle.Delivery{Manifest: &m, Sealed: sealed, Artifacts: files, Report: pdf.Bytes()},
		bundle.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	folder := filepath.Join(dir, m.FolderName())
	r, err := bundle.Verify(ctx, folder, bundle.VerifyOptions{Key: j.VerifierKey(), VerifyPDF: verifycmd.VerifyReportPDF})
	if err != nil {
		t.Fatalf("verify delivery: %v\n%s", err, r.Text())
	}
	for _, name := range []string{bundle.CheckReport, bundle.CheckPDF} {
		if c := r.Find(name); len(c) != 1 || c[0].Outcome != bundle.Pass {
			t.Errorf("%s check: %+v", name, c)
		}
	}
	rel := filepath.Join(folder, "relazione.pdf")
	if out, err := tool(t, "pdfdetach", "-list", rel); err != nil || strings.Contains(out, "manifest.json") {
		t.Errorf("pdfdetach -list: %v\n%s", err, out)
	}
	text := pdfText(t, rel)
	if !strings.Contains(text, "manifesto della consegna") {
		t.Errorf("report does not say where its digest is recorded:\n%s", text)
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
