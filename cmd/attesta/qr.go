package main

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
	"strings"
)

// printQR renders a QR code from a screenshot of it as text a phone can scan from the terminal. It finds the
// code's dark bounding box, measures one module from the top-left finder pattern (seven modules wide), samples
// the centre of every module, and prints two characters per module with a quiet zone.
func printQR(w io.Writer, pngData []byte) error {
	img, err := png.Decode(bytes.NewReader(pngData))
	if err != nil {
		return fmt.Errorf("QR image: %w", err)
	}
	dark := func(x, y int) bool {
		r, g, b, _ := img.At(x, y).RGBA()
		return (r+g+b)/3 < 0x8000
	}
	box, ok := darkBounds(img.Bounds(), dark)
	if !ok {
		return errors.New("QR image: no code in it")
	}
	run := 0
	for x := box.Min.X; x < box.Max.X && dark(x, box.Min.Y); x++ {
		run++
	}
	module := float64(run) / 7
	n := int(float64(box.Dx())/module + 0.5)
	if module < 1 || n < 21 || n > 177 {
		return fmt.Errorf("QR image: cannot find its modules (%d px finder, %d modules)", run, n)
	}
	var b strings.Builder
	quiet := strings.Repeat("██", n+4) + "\n"
	b.WriteString(quiet + quiet)
	for row := range n {
		b.WriteString("████")
		for col := range n {
			x := box.Min.X + int((float64(col)+0.5)*module)
			y := box.Min.Y + int((float64(row)+0.5)*module)
			if dark(x, y) {
				b.WriteString("  ") // dark modules print as background, light ones as blocks: a light-on-dark code
			} else {
				b.WriteString("██")
			}
		}
		b.WriteString("████\n")
	}
	b.WriteString(quiet + quiet)
	_, err = io.WriteString(w, b.String())
	return err
}

func darkBounds(r image.Rectangle, dark func(x, y int) bool) (image.Rectangle, bool) {
	box := image.Rectangle{Min: r.Max, Max: r.Min}
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if dark(x, y) {
				box = box.Union(image.Rect(x, y, x+1, y+1))
			}
		}
	}
	return box, !box.Empty()
}
