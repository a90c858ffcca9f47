package report

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
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
	var out bytes.Buffer
	if err := jpeg.Encode(&out, small, &jpeg.Options{Quality: 80}); err != nil {
		return nil, fmt.Errorf("%w: %s: encode: %w", errPicDecode, sha, err)
	}
	b := small.Bounds()
	return &picture{JPEG: out.Bytes(), W: b.Dx(), H: b.Dy()}, nil
}

func readChecked(ctx context.Context, files Opener, sha string) ([]byte, error) {
	rc, err := files.Open(ctx, sha)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%w: %s: %w", errPicMissing, sha, err)
		}
		return nil, fmt.Errorf("%w: %s: %w", errPicRead, sha, err)
	}
	defer rc.Close()
	h := sha256.New()
	data, err := io.ReadAll(io.TeeReader(io.LimitReader(rc, maxPictureBytes+1), h))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", errPicRead, sha, err)
	}
	if len(data) > maxPictureBytes {
		return nil, fmt.Errorf("%w: %s: more than %d bytes", errPicTooLarge, sha, maxPictureBytes)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != sha {
		return nil, fmt.Errorf("%w: %s: content has SHA-256 %s", errPicDigest, sha, got)
	}
	return data, nil
}

// scale returns img on a white background (JPEG has no transparency), no side longer than maxSide.
func scale(img image.Image, maxSide int) image.Image {
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
