package report

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"strings"
	"testing"
	"unicode/utf8"
)

type oneFile []byte

func (f oneFile) Open(context.Context, string) (io.ReadCloser, error) {
	return io.NopCloser(bytes.NewReader(f)), nil
}

// FuzzPicture feeds the picture pipeline files that match their digest, as a blob store serves them, whatever
// they hold: it must return a small picture or an error, never panic or allocate without bound.
func FuzzPicture(f *testing.F) {
	img := image.NewRGBA(image.Rect(0, 0, 7, 5))
	for i := range img.Pix {
		img.Pix[i] = byte(i * 37)
	}
	var b bytes.Buffer
	png.Encode(&b, img)
	f.Add(bytes.Clone(b.Bytes()))
	b.Reset()
	jpeg.Encode(&b, img, nil)
	f.Add(bytes.Clone(b.Bytes()))
	b.Reset()
	gif.Encode(&b, image.NewPaletted(image.Rect(0, 0, 3, 9), []color.Color{color.Black, color.White}), nil)
	f.Add(bytes.Clone(b.Bytes()))
	f.Add([]byte("RIFF\x00\x00\x00\x00WEBPVP8 "))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		sum := sha256.Sum256(data)
		p, err := loadPicture(t.Context(), oneFile(data), hex.EncodeToString(sum[:]), 64)
		if err != nil {
			if pictureReason(err) == "read" {
				t.Errorf("unexpected reason for %v", err)
			}
			return
		}
		if p.W < 1 || p.H < 1 || p.W > 64 || p.H > 64 {
			t.Errorf("picture of %dx%d, want within 64x64", p.W, p.H)
		}
		if _, err := jpeg.DecodeConfig(bytes.NewReader(p.JPEG)); err != nil {
			t.Errorf("output is not a JPEG: %v", err)
		}
	})
}

// FuzzPrintable checks that chat text of any kind comes out drawable: valid UTF-8, only characters the fonts
// have, and every character that was not drawable named by its code point.
func FuzzPrintable(f *testing.F) {
	for _, s := range []string{"è à ù €", "Ricevuto 👍🏽 grazie", "a\r\nb\tc", "\xff\xfe", "❤️‍🔥", "[U+1F600]"} {
		f.Add(s)
	}
	cov, err := fontCoverage()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := cov.printable(s)
		if !utf8.ValidString(out) {
			t.Fatalf("printable(%q) is not UTF-8", s)
		}
		for _, r := range out {
			if r != '\n' && !cov.has(r) {
				t.Fatalf("printable(%q) keeps %U, which the fonts lack", s, r)
			}
		}
		for _, r := range strings.ReplaceAll(s, "\r\n", "\n") {
			if r != '\n' && r != '\r' && r != '\t' && r < 0x7f && r >= 0x20 && !strings.ContainsRune(out, r) {
				t.Fatalf("printable(%q) dropped %q", s, r)
			}
		}
	})
}
