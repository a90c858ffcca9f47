package pades_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/attesta/attesta/report/pades"
)

var reportFiles = map[string]pades.AssociatedFile{
	"manifest.json": {MIME: "application/json", Relationship: "Source"},
	"custody.jsonl": {MIME: "application/jsonl", Relationship: "Data"},
}

func TestPDFA3(t *testing.T) {
	ctx := t.Context()
	in := samplePDF(t)
	out, err := pades.PDFA3(in, pades.PDFAOptions{Files: reportFiles, Lang: "it-IT"})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(out, []byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")) {
		t.Errorf("header %q, want %%PDF-1.7 and a binary comment", out[:20])
	}
	for _, want := range []string{
		"<pdfaid:part>3</pdfaid:part>", "<pdfaid:conformance>B</pdfaid:conformance>", "/OutputIntents [",
		"/S /GTS_PDFA1", "/AFRelationship /Source", "/Subtype /application#2Fjson", "/AF [", "/ID [", "/Lang (it-IT)",
		"<xmp:CreateDate>2026-01-15T10:30:00</xmp:CreateDate>",
	} {
		if !bytes.Contains(out, []byte(want)) {
			t.Errorf("the PDF/A lacks %q", want)
		}
	}
	dir := t.TempDir()
	path := writeFile(t, dir, "a.pdf", out)
	assertContains(t, mustRun(ctx, t, dir, "qpdf", "--check", path), "No syntax or stream encoding errors found")
	// poppler reads the same pages, and the attachment under its own name, byte for byte.
	assertContains(t, mustRun(ctx, t, dir, "pdfinfo", path), "Pages:           2", "PDF version:     1.7")
	assertContains(t, mustRun(ctx, t, dir, "pdfdetach", "-list", path), "1: manifest.json")
	mustRun(ctx, t, dir, "pdfdetach", "-save", "1", "-o", filepath.Join(dir, "m.json"), path)
	if got, _ := os.ReadFile(filepath.Join(dir, "m.json")); string(got) != `{"format":"attesta.manifest/v1"}` {
		t.Errorf("embedded manifest.json reads back as %q", got)
	}
	if a, b := mustRun(ctx, t, dir, "pdftotext", writeFile(t, dir, "in.pdf", in), "-"), mustRun(ctx, t, dir, "pdftotext", path, "-"); a != b {
		t.Error("the PDF/A's text differs from the original's")
	}

	// The PDF/A signs, archives and stays well formed.
	p, ts := newPKI(t), newTSA(t)
	opts := p.options()
	opts.Timestamp = ts.stamp
	signed, err := pades.Sign(ctx, out, opts)
	if err != nil {
		t.Fatal(err)
	}
	archived, err := pades.Archive(ctx, signed, pades.ArchiveOptions{Timestamp: ts.stampDigest})
	if err != nil {
		t.Fatal(err)
	}
	if infos := mustVerify(t, archived); len(infos) != 2 {
		t.Errorf("%d signatures in the archived PDF/A", len(infos))
	}
	assertContains(t, mustRun(ctx, t, dir, "qpdf", "--check", writeFile(t, dir, "archived.pdf", archived)),
		"No syntax or stream encoding errors found")

	if _, err := pades.PDFA3(signed, pades.PDFAOptions{}); !errors.Is(err, pades.ErrUnsupported) {
		t.Errorf("PDFA3 on an updated file: err = %v, want ErrUnsupported", err)
	}
	if _, err := pades.PDFA3([]byte("%PDF-1.3\n"), pades.PDFAOptions{}); !errors.Is(err, pades.ErrMalformed) {
		t.Errorf("PDFA3 on a truncated file: err = %v, want ErrMalformed", err)
	}
}

// TestSRGBProfile checks the ICC profile's structure: size, signature, class, and that every tag lies inside it.
func TestSRGBProfile(t *testing.T) {
	icc := pades.SRGBProfile()
	if int(binary.BigEndian.Uint32(icc)) != len(icc) || string(icc[36:40]) != "acsp" || string(icc[12:24]) != "mntrRGB XYZ " {
		t.Fatalf("bad ICC header % x", icc[:40])
	}
	n := int(binary.BigEndian.Uint32(icc[128:]))
	var sigs []string
	for i := range n {
		e := icc[132+12*i:]
		off, size := binary.BigEndian.Uint32(e[4:]), binary.BigEndian.Uint32(e[8:])
		if off%4 != 0 || int(off+size) > len(icc) {
			t.Errorf("tag %q at %d+%d outside the %d-byte profile", e[:4], off, size, len(icc))
		}
		sigs = append(sigs, string(e[:4]))
	}
	if got := strings.Join(sigs, " "); got != "desc cprt wtpt rXYZ gXYZ bXYZ rTRC gTRC bTRC" {
		t.Errorf("tags %s", got)
	}
}

// TestSRGBProfileLoads hands the profile to lcms2 through poppler, as an ICCBased colour space: poppler warns about
// a profile lcms2 cannot read (checked here with a broken copy) and says nothing about ours.
func TestSRGBProfileLoads(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	good := iccPDF(pades.SRGBProfile())
	broken := bytes.Replace(good, []byte("acsp"), []byte("xxxx"), 1)
	for _, tc := range []struct {
		name string
		pdf  []byte
		warn bool
	}{{"srgb", good, false}, {"broken", broken, true}} {
		out, err := run(ctx, t, dir, "pdftoppm", "-r", "10", "-png", writeFile(t, dir, tc.name+".pdf", tc.pdf), filepath.Join(dir, tc.name))
		if err != nil {
			t.Fatalf("%s: pdftoppm: %v\n%s", tc.name, err, out)
		}
		if got := strings.Contains(out, "ICC"); got != tc.warn {
			t.Errorf("%s: poppler's ICC warnings: %v, want %v:\n%s", tc.name, got, tc.warn, out)
		}
	}
}

// iccPDF is a one-page PDF that paints in an ICCBased colour space with profile icc.
func iccPDF(icc []byte) []byte {
	var b bytes.Buffer
	var offs []int
	obj := func(s string) {
		offs = append(offs, b.Len())
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", len(offs), s)
	}
	b.WriteString("%PDF-1.7\n")
	obj("<</Type /Catalog /Pages 2 0 R>>")
	obj("<</Type /Pages /Kids [3 0 R] /Count 1>>")
	obj("<</Type /Page /Parent 2 0 R /MediaBox [0 0 100 100] /Contents 4 0 R /Resources <</ColorSpace <</CS0 [/ICCBased 5 0 R]>>>>>>")
	c := "/CS0 cs 1 0 0 sc 0 0 50 100 re f 0 0 1 sc 50 0 50 100 re f"
	obj(fmt.Sprintf("<</Length %d>>\nstream\n%s\nendstream", len(c), c))
	obj(fmt.Sprintf("<</N 3 /Length %d>>\nstream\n%s\nendstream", len(icc), icc))
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f\r\n", len(offs)+1)
	for _, o := range offs {
		fmt.Fprintf(&b, "%010d 00000 n\r\n", o)
	}
	fmt.Fprintf(&b, "trailer\n<</Size %d /Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n", len(offs)+1, xref)
	return b.Bytes()
}
