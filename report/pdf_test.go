package report_test

import (
	"bytes"
	"flag"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/attesta/attesta/report"
)

// dump, when set, is a directory where TestPagesRender leaves the sample reports and their pages to look at:
// go test ./report -run TestPagesRender -args -dump /tmp/relazioni
var dump = flag.String("dump", "", "directory to leave the sample reports and page images in")

// TestPagesRender rasterizes the sample reports the way a reader's viewer would and checks that every page
// renders, is an A4 page, and has ink on it; the expected page counts guard against layout runaways.
func TestPagesRender(t *testing.T) {
	in, _ := sample(t)
	tests := []struct {
		name  string
		opts  report.Options
		pages int
	}{
		{"semplice", report.Options{Kind: report.Semplice}, 2},
		{"personalizzata", report.Options{Kind: report.Personalizzata}, 6},
		{"personalizzata en", report.Options{Lang: "en", Kind: report.Personalizzata}, 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path, _ := render(t, in, tt.opts)
			dir := t.TempDir()
			if *dump != "" {
				dir = filepath.Join(*dump, strings.ReplaceAll(tt.name, " ", "-"))
				if err := os.MkdirAll(dir, 0o755); err != nil {
					t.Fatal(err)
				}
				data, _ := os.ReadFile(path)
				if err := os.WriteFile(filepath.Join(dir, "relazione.pdf"), data, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if out, err := tool(t, "pdftoppm", "-png", "-r", "50", path, filepath.Join(dir, "p")); err != nil {
				t.Fatalf("pdftoppm: %v\n%s", err, out)
			}
			names, _ := filepath.Glob(filepath.Join(dir, "p-*.png"))
			if len(names) != tt.pages {
				t.Errorf("%d pages, want %d", len(names), tt.pages)
			}
			for _, n := range names {
				checkPage(t, n)
			}
		})
	}
}

func checkPage(t *testing.T, name string) {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	b := img.Bounds()
	if b.Dx() < 412 || b.Dx() > 414 || b.Dy() < 584 || b.Dy() > 586 { // A4 at 50 dpi, give or take rounding
		t.Errorf("%s: %dx%d pixels, want A4 at 50 dpi (413x585)", name, b.Dx(), b.Dy())
	}
	dark := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if r, _, _, _ := img.At(x, y).RGBA(); r < 0x8000 {
				dark++
			}
		}
	}
	if dark < 500 {
		t.Errorf("%s: only %d dark pixels: the page looks blank", name, dark)
	}
}

// TestManifestAttached checks that the manifest travels inside the PDF, byte for byte.
func TestManifestAttached(t *testing.T) {
	in, _ := sample(t)
	path, _ := render(t, in, report.Options{})
	out, err := tool(t, "pdfdetach", "-list", path)
	if err != nil || !strings.Contains(out, "1: manifest.json") {
		t.Fatalf("pdfdetach -list: %v\n%s", err, out)
	}
	saved := filepath.Join(t.TempDir(), "manifest.json")
	if out, err := tool(t, "pdfdetach", "-save", "1", "-o", saved, path); err != nil {
		t.Fatalf("pdfdetach -save: %v\n%s", err, out)
	}
	got, err := os.ReadFile(saved)
	if err != nil {
		t.Fatal(err)
	}
	want, err := report.ManifestJSON(in.Manifest)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("attached manifest.json differs from the manifest:\n%s", got)
	}

	// Bytes given by the caller are embedded as given.
	in.ManifestJSON = append(want[:len(want):len(want)], ' ')
	path, _ = render(t, in, report.Options{})
	if _, err := tool(t, "pdfdetach", "-save", "1", "-o", saved, path); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(saved); !bytes.Equal(got, in.ManifestJSON) {
		t.Error("Input.ManifestJSON not embedded as given")
	}
}

// TestDeterministic checks that the same input and time give the same bytes, so that a report can be
// regenerated and compared.
func TestDeterministic(t *testing.T) {
	in, _ := sample(t)
	opts := report.Options{Kind: report.Personalizzata, Now: now}
	_, a := render(t, in, opts)
	_, b := render(t, in, opts)
	if !bytes.Equal(a, b) {
		i := 0
		for i < min(len(a), len(b)) && a[i] == b[i] {
			i++
		}
		t.Errorf("two renderings of the same input differ from byte %d: %q vs %q", i,
			a[max(0, i-80):min(len(a), i+40)], b[max(0, i-80):min(len(b), i+40)])
	}
}

// TestPDFA checks what PDF/A-3B asks of the report that poppler can see: the pdfaid metadata, every font
// embedded, and manifest.json and custody.jsonl as associated files with their relationship and media type.
func TestPDFA(t *testing.T) {
	in, _ := sample(t)
	path, data := render(t, in, report.Options{})
	for _, want := range []string{
		"<pdfaid:part>3</pdfaid:part>", "<pdfaid:conformance>B</pdfaid:conformance>", "/S /GTS_PDFA1", "/AF [",
		"/UF (manifest.json)", "/AFRelationship /Source", "/Subtype /application#2Fjson",
	} {
		if !bytes.Contains(data, []byte(want)) {
			t.Errorf("the report lacks %q", want)
		}
	}
	if bytes.Contains(data, []byte("(custody.jsonl)")) &&
		(!bytes.Contains(data, []byte("/AFRelationship /Data")) || !bytes.Contains(data, []byte("/Subtype /application#2Fjsonl"))) {
		t.Error("custody.jsonl is embedded but not as an associated file of relationship Data")
	}
	fonts, err := tool(t, "pdffonts", path)
	if err != nil {
		t.Fatalf("pdffonts: %v\n%s", err, fonts)
	}
	lines := strings.Split(strings.TrimSpace(fonts), "\n")
	if len(lines) < 3 {
		t.Fatalf("pdffonts lists no font:\n%s", fonts)
	}
	for _, l := range lines[2:] {
		if f := strings.Fields(l); len(f) < 6 || f[len(f)-5] != "yes" {
			t.Errorf("font not embedded: %s", l)
		}
	}
}
