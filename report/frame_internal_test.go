package report

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"testing"
)

// TestFrameOnCopy frames a region of a screenshot: the copy shows a red frame where the region is, scaled with
// the picture, the inside keeps its pixels, and the original's bytes are untouched.
func TestFrameOnCopy(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 800, 600))
	for y := range 600 {
		for x := range 800 {
			img.SetRGBA(x, y, color.RGBA{240, 240, 240, 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	orig := bytes.Clone(b.Bytes())
	sum := sha256.Sum256(orig)
	file := oneFile(b.Bytes())
	mark := image.Rect(200, 100, 600, 300)
	p, err := loadMarked(t.Context(), file, hex.EncodeToString(sum[:]), 400, []image.Rectangle{mark})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(file, orig) {
		t.Fatal("the original was changed")
	}
	out, err := jpeg.Decode(bytes.NewReader(p.JPEG))
	if err != nil {
		t.Fatal(err)
	}
	if p.W != 400 || p.H != 300 {
		t.Fatalf("copy of %dx%d, want 400x300", p.W, p.H)
	}
	red := func(x, y int) bool {
		r, g, _, _ := out.At(x, y).RGBA()
		return r>>8 > 180 && g>>8 < 90
	}
	// The region is 100,50–300,150 on the half-size copy: the frame around it is red, its middle and the outside are not.
	for _, pt := range []image.Point{{98, 100}, {301, 100}, {200, 48}, {200, 151}} {
		if !red(pt.X, pt.Y) {
			t.Errorf("no frame at %v", pt)
		}
	}
	for _, pt := range []image.Point{{200, 100}, {20, 20}, {380, 280}} {
		if red(pt.X, pt.Y) {
			t.Errorf("red at %v, away from the frame", pt)
		}
	}
	// A mark outside the picture draws nothing and fails nothing.
	if _, err := loadMarked(t.Context(), file, hex.EncodeToString(sum[:]), 400, []image.Rectangle{image.Rect(5000, 5000, 6000, 6000)}); err != nil {
		t.Errorf("mark outside the picture: %v", err)
	}
}
