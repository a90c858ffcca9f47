package pades

import (
	"bytes"
	"fmt"
	"strconv"
	"time"
)

// Appearance makes the signature visible as a box on the last page.
type Appearance struct {
	// Rect is the box in the page's default user space (points from the
	// bottom-left corner): lower-left x, y, upper-right x, y.
	Rect [4]float64
	// Lines are printed in the box, top to bottom, in Helvetica; characters
	// outside Windows-1252 print as '?', text beyond the box is clipped.
	// Empty means "Firmato digitalmente da <Name>", the time in /M (UTC)
	// and the reason.
	Lines []string
}

func (a *Appearance) size() (w, h float64, err error) {
	w, h = a.Rect[2]-a.Rect[0], a.Rect[3]-a.Rect[1]
	if !(w >= 10 && h >= 10) || a.Rect[0] < 0 || a.Rect[1] < 0 {
		return 0, 0, fmt.Errorf("signature box %v is not a rectangle of at least 10×10 points", a.Rect)
	}
	return w, h, nil
}

func defaultLines(opts Options, t time.Time) []string {
	lines := []string{"Firmato digitalmente da " + opts.Name, "Data: " + t.UTC().Format("2006-01-02 15:04:05") + " UTC"}
	if opts.Name == "" {
		lines[0] = "Firmato digitalmente"
	}
	if opts.Reason != "" {
		lines = append(lines, "Motivo: "+opts.Reason)
	}
	return lines
}

// appearanceObjects returns the font and the form XObject (the widget's
// normal appearance) as object bodies.
func appearanceObjects(a *Appearance, lines []string, fontNum int) (font, form []byte, err error) {
	w, h, err := a.size()
	if err != nil {
		return nil, nil, err
	}
	font = []byte("<</Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding>>")
	fs := min(10, (h-6)/(1.25*float64(max(len(lines), 1))))
	var c bytes.Buffer
	fmt.Fprintf(&c, "q 0.96 g 0 0 %s %s re f Q\n", num(w), num(h))
	fmt.Fprintf(&c, "q 0.25 G 0.8 w 0.4 0.4 %s %s re S Q\n", num(w-0.8), num(h-0.8))
	fmt.Fprintf(&c, "q 2 2 %s %s re W n BT /Helv %s Tf 0 g %s TL 4 %s Td\n", num(w-4), num(h-4), num(fs), num(fs*1.25), num(h-3-fs))
	for i, l := range lines {
		if i > 0 {
			c.WriteString("T* ")
		}
		writeString(&c, winAnsi(l))
		c.WriteString(" Tj\n")
	}
	c.WriteString("ET Q\n")
	var f bytes.Buffer
	fmt.Fprintf(&f, "<</Type /XObject /Subtype /Form /BBox [0 0 %s %s] /Resources <</Font <</Helv %d 0 R>>>> /Length %d>>\nstream\n",
		num(w), num(h), fontNum, c.Len())
	f.Write(c.Bytes())
	f.WriteString("\nendstream")
	return font, f.Bytes(), nil
}

func num(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// winAnsi encodes s in Windows-1252 (Latin-1 plus the 0x80–0x9F extras
// that matter in Italian text).
func winAnsi(s string) []byte {
	extra := map[rune]byte{'€': 0x80, '‚': 0x82, '„': 0x84, '…': 0x85, '‘': 0x91, '’': 0x92, '“': 0x93, '”': 0x94, '–': 0x96, '—': 0x97}
	out := make([]byte, 0, len(s))
	for _, r := range s {
		switch b, ok := extra[r]; {
		case ok:
			out = append(out, b)
		case r >= 0x20 && r < 0x7f, r >= 0xa0 && r <= 0xff:
			out = append(out, byte(r))
		default:
			out = append(out, '?')
		}
	}
	return out
}
