package report

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"io/fs"

	// Formats WhatsApp media and screenshots come in.
	_ "image/gif"
	_ "image/png"

	"golang.org/x/image/draw"
	_ "golang.org/x/image/webp"
)

// Limits on what the report decodes: a file larger than this is not read into memory, and an image with more
// pixels than this is not decoded (a small file can claim a huge size).
const (
	maxPictureBytes  = 64 << 20
	maxPicturePixels = 50_000_000
)

// Why a picture is not shown; the report prints the reason in its language.
var (
	errPicMissing  = errors.New("picture not found")
	errPicDigest   = errors.New("picture does not match its digest")
	errPicTooLarge = errors.New("picture too large")
	errPicDecode   = errors.New("picture not decodable")
	errPicRead     = errors.New("picture not readable")
)

// picture is an image ready for the PDF: a JPEG no larger than asked, and its size in pixels.
type picture struct {
	JPEG []byte
	W, H int
}

// loadPicture opens the file with the given digest, checks the digest, decodes it and scales it to fit maxSide
// pixels. Only one original is held at a time: the caller places the small JPEG and lets the rest go.
func loadPicture(ctx context.Context, files Opener, sha string, maxSide int) (*picture, error) {
	return loadMarked(ctx, files, sha, maxSide, nil)
}

// loadMarked is loadPicture with frames drawn around marks (rectangles in the original's pixels) on the scaled
// copy: the original is only read.
func loadMarked(ctx context.Context, files Opener, sha string, maxSide int, marks []image.Rectangle) (*picture, error) {
	data, err := readChecked(ctx, files, sha)
	if err != nil {
		return nil, err
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", errPicDecode, sha, err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || int64(cfg.Width)*int64(cfg.Height) > maxPicturePixels {
		return nil, fmt.Errorf("%w: %s: %dx%d pixels", errPicTooLarge, sha, cfg.Width, cfg.Height)
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", errPicDecode, sha, err)
	}
	small := scale(img, maxSide)
	frame(small, img.Bounds(), marks)
	var out bytes.Buffer
	if err := jpeg.Encode(&out, small, &jpeg.Options{Quality: 80}); err != nil {
		return nil, fmt.Errorf("%w: %s: encode: %w", errPicDecode, sha, err)
	}
	b := small.Bounds()
	return &picture{JPEG: out.Bytes(), W: b.Dx(), H: b.Dy()}, nil
}

func readChecked(ctx context.Context, files Opener, sha string) ([]byte, error) {
	var buf bytes.Buffer
	if err := copyChecked(ctx, files, sha, &buf, maxPictureBytes); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// copyChecked copies the file with the given digest to w, at most limit bytes, and checks the digest: w holds
// the file only when it returns nil.
func copyChecked(ctx context.Context, files Opener, sha string, w io.Writer, limit int64) error {
	rc, err := files.Open(ctx, sha)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("%w: %s: %w", errPicMissing, sha, err)
		}
		return fmt.Errorf("%w: %s: %w", errPicRead, sha, err)
	}
	defer rc.Close()
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(w, h), io.LimitReader(rc, limit+1))
	if err != nil {
		return fmt.Errorf("%w: %s: %w", errPicRead, sha, err)
	}
	if n > limit {
		return fmt.Errorf("%w: %s: more than %d bytes", errPicTooLarge, sha, limit)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != sha {
		return fmt.Errorf("%w: %s: content has SHA-256 %s", errPicDigest, sha, got)
	}
	return nil
}

// Frames drawn on copies: their colour and their width in pixels of the copy.
var frameColor = color.RGBA{220, 20, 60, 255}

const frameWidth = 3

// frame draws on dst, a scaled copy of an image whose bounds were orig, a frame around each of marks (in orig's
// pixels), clipped to the picture.
func frame(dst *image.RGBA, orig image.Rectangle, marks []image.Rectangle) {
	if len(marks) == 0 || orig.Dx() == 0 || orig.Dy() == 0 {
		return
	}
	b := dst.Bounds()
	sx, sy := float64(b.Dx())/float64(orig.Dx()), float64(b.Dy())/float64(orig.Dy())
	for _, m := range marks {
		m = m.Sub(orig.Min)
		r := image.Rect(int(float64(m.Min.X)*sx)-frameWidth, int(float64(m.Min.Y)*sy)-frameWidth,
			int(float64(m.Max.X)*sx)+frameWidth, int(float64(m.Max.Y)*sy)+frameWidth).Intersect(b)
		if r.Empty() {
			continue
		}
		src := image.NewUniform(frameColor)
		for _, edge := range []image.Rectangle{
			image.Rect(r.Min.X, r.Min.Y, r.Max.X, r.Min.Y+frameWidth), image.Rect(r.Min.X, r.Max.Y-frameWidth, r.Max.X, r.Max.Y),
			image.Rect(r.Min.X, r.Min.Y, r.Min.X+frameWidth, r.Max.Y), image.Rect(r.Max.X-frameWidth, r.Min.Y, r.Max.X, r.Max.Y),
		} {
			draw.Draw(dst, edge.Intersect(b), src, image.Point{}, draw.Src)
		}
	}
}

// scale returns img on a white background (JPEG has no transparency), no side longer than maxSide.
func scale(img image.Image, maxSide int) *image.RGBA {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if w > maxSide || h > maxSide {
		if w >= h {
			w, h = maxSide, max(1, h*maxSide/w)
		} else {
			w, h = max(1, w*maxSide/h), maxSide
		}
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(dst, dst.Bounds(), image.White, image.Point{}, draw.Src)
	draw.ApproxBiLinear.Scale(dst, dst.Bounds(), img, b, draw.Over, nil)
	return dst
}

// pictureReason maps a loadPicture error to the key (PictureWhy.<key>) of the reason the report prints.
func pictureReason(err error) string {
	for key, e := range map[string]error{"missing": errPicMissing, "digest": errPicDigest, "too-large": errPicTooLarge,
		"decode": errPicDecode} {
		if errors.Is(err, e) {
			return key
		}
	}
	return "read"
}
