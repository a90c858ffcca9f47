package pades_test

import (
	"image"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/attesta/attesta/report/pades"
)

// TestVisibleSignature signs with a box on the last page, checks it with
// pdfsig and our Verify, renders the page with pdftoppm and looks for the
// box (its grey fill and dark text) where it was asked to be.
func TestVisibleSignature(t *testing.T) {
	ctx := t.Context()
	requireTool(t, "pdftoppm")
	p := newPKI(t)
	opts := p.options()
	box := [4]float64{330, 40, 565, 100}
	opts.Appearance = &pades.Appearance{Rect: box}
	signed, err := pades.Sign(ctx, samplePDF(t), opts)
	if err != nil {
		t.Fatal(err)
	}
	mustVerify(t, signed)
	assertContains(t, pdfsig(ctx, t, nssDB(ctx, t, p.caPEM, caTrust), signed),
		"Signature Validation: Signature is Valid.", "Total document signed")

	dir := t.TempDir()
	writeFile(t, dir, "signed.pdf", signed)
	mustRun(ctx, t, dir, "pdftoppm", "-png", "-r", "60", "-f", "2", "-l", "2", "-singlefile", "signed.pdf", "page")
	if out := os.Getenv("PADES_RENDER_OUT"); out != "" { // to look at the rendering by eye
		data, _ := os.ReadFile(filepath.Join(dir, "page.png"))
		os.WriteFile(out, data, 0o644)
	}
	img := readPNG(t, filepath.Join(dir, "page.png"))
	const scale, pageHeight = 60.0 / 72, 841.89
	in := image.Rect(int(box[0]*scale)+3, int((pageHeight-box[3])*scale)+3, int(box[2]*scale)-3, int((pageHeight-box[1])*scale)-3)
	grey, dark := 0, 0
	for y := in.Min.Y; y < in.Max.Y; y++ {
		for x := in.Min.X; x < in.Max.X; x++ {
			r, _, _, _ := img.At(x, y).RGBA()
			switch v := r >> 8; {
			case v >= 235 && v <= 250:
				grey++
			case v < 128:
				dark++
			}
		}
	}
	if area := in.Dx() * in.Dy(); grey < area/2 || dark < 50 {
		t.Errorf("signature box not rendered at %v: %d grey and %d dark pixels of %d", in, grey, dark, area)
	}
	r, _, _, _ := img.At(in.Min.X-30, in.Min.Y-30).RGBA()
	if r>>8 < 250 {
		t.Errorf("page outside the box is not white (%d)", r>>8)
	}

	opts.Appearance = &pades.Appearance{Rect: [4]float64{10, 10, 5, 5}}
	if _, err := pades.Sign(ctx, samplePDF(t), opts); err == nil {
		t.Error("Sign accepted an empty signature box")
	}
}

func readPNG(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("decode %s: %v", path, err)
	}
	return img
}
