package report

import (
	"bytes"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unicode"
	"unicode/utf8"

	"github.com/go-pdf/fpdf"
)

// Text is wrapped and written here (multiCell, cell, lines) into the very bytes fpdf's MultiCell, CellFormat and
// SplitText give for the report's one way of printing text: left aligned, no border, no fill, no link, a UTF-8 font,
// no underline or strike-out. fpdf, for every line, turns the text into runes and back, formats it with fmt, converts
// it to UTF-16 and records each rune in the font's map of used characters (the subset embedded), which was most of
// the time of laying out a long chat. Here a line whose characters the current font has already recorded (through
// fpdf, as the first line that uses a character still goes) is measured with a table of widths read from fpdf once
// per process and written with RawWriteStr; anything else (a font or a character the tables do not cover, an fpdf
// error) goes to fpdf itself. fpdf's "height of the last cell" is the one state not kept: it only serves Ln with a
// negative height, which the report never uses. TestFastTextAsFpdf checks the bytes against fpdf's.

// fastFonts are the fonts addFonts registers, in the order of fontMetrics' tables.
var fastFonts = [...]struct{ family, style string }{{fontSans, ""}, {fontSans, "B"}, {fontSans, "I"}, {fontMono, ""}}

// fontMetrics are fpdf's view of the fonts of fastFonts.
type fontMetrics struct {
	desc [len(fastFonts)]fpdf.FontDescType // to tell which font is current
	// width[f][r] is fpdf's width of r in font f in thousandths of the font size (65535 for a glyph of no width),
	// or 0 for a rune left to fpdf: one the font has no glyph for, or that fpdf treats apart (CJK). A line feed has
	// width 1, which nothing adds (it ends a line).
	width [len(fastFonts)][]uint16
}

// metrics are the fonts' metrics, or nil when they cannot be trusted (then all text goes to fpdf).
var metrics = sync.OnceValue(func() *fontMetrics {
	cov, err := fontCoverage()
	if err != nil || len(cov.fonts) != len(fastFonts) {
		return nil
	}
	pdf := fpdf.New("P", "mm", "A4", "")
	addFonts(pdf)
	m := &fontMetrics{}
	for f, ff := range fastFonts {
		m.desc[f] = pdf.GetFontDesc(ff.family, ff.style)
		for g := range f {
			if m.desc[g] == m.desc[f] {
				return nil // two fonts alike: the current one cannot be told
			}
		}
		pdf.SetFont(ff.family, ff.style, 10)
		w := make([]uint16, 1<<16)
		w['\n'] = 1
		for r := rune(0x20); r < 1<<16; r++ {
			if r >= 0x4e00 && r <= 0x9fa5 || r >= 0xd800 && r <= 0xdfff {
				continue
			}
			if cov.glyphs[f][r>>6]&(1<<(r&63)) == 0 {
				continue
			}
			// A rune with a glyph has its own width in fpdf's table, which GetStringSymbolWidth returns, or 0 for
			// fpdf's mark of no width, 65535.
			switch v := pdf.GetStringSymbolWidth(string(r)); {
			case v == 0:
				w[r] = 65535
			case v > 0 && v < 65535:
				w[r] = uint16(v)
			}
		}
		m.width[f] = w
		if !m.agrees(pdf, f) {
			return nil
		}
	}
	if pdf.Err() {
		return nil
	}
	return m
})

// agrees checks font f's table against fpdf: a text of every rune the table covers, wrapped by SplitText and by
// splitLines at several widths, gives the same lines.
func (m *fontMetrics) agrees(pdf *fpdf.Fpdf, f int) bool {
	var b strings.Builder
	n := 0
	for r, w := range m.width[f] {
		if w != 0 && r != '\n' {
			b.WriteRune(rune(r))
			if n++; n%7 == 0 {
				b.WriteByte(' ')
			}
		}
	}
	text := b.String()
	_, size := pdf.GetFontSize()
	for _, w := range []float64{23.3, 58, 97.1, 180} {
		var got []string
		m.splitLines(f, text, int(math.Ceil((w-2*pdf.GetCellMargin())*1000/size)), func(s string) { got = append(got, s) })
		want := pdf.SplitText(text, w)
		if len(got) != len(want) {
			return false
		}
		for i := range got {
			if got[i] != want[i] {
				return false
			}
		}
	}
	return true
}

// covers reports whether every rune of s is in font f's table (and s is valid UTF-8: fpdf reads each invalid byte
// as U+FFFD).
func (m *fontMetrics) covers(f int, s string) bool {
	w := m.width[f]
	for i := 0; i < len(s); {
		if s[i] < utf8.RuneSelf {
			if w[s[i]] == 0 {
				return false
			}
			i++
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		if c == utf8.RuneError && size == 1 || c >= 1<<16 || w[c] == 0 {
			return false
		}
		i += size
	}
	return true
}

// splitLines calls line with each line SplitText makes of s at wmax thousandths of the font size, in font f (whose
// table covers s). It follows SplitText step by step, on bytes instead of runes.
func (m *fontMetrics) splitLines(f int, s string, wmax int, line func(string)) {
	cw := m.width[f]
	nb := len(s)
	for nb > 0 && s[nb-1] == '\n' {
		nb--
	}
	sep, sepEnd, i, j, l := -1, 0, 0, 0, 0
	for i < nb {
		c, size := decodeRune(s[i:nb])
		l += int(cw[c])
		if isSpace(c) {
			sep, sepEnd = i, i+size
		}
		if c == '\n' || l > wmax {
			if sep == -1 {
				if i == j {
					i += size
				}
				sep = i
			} else {
				i = sepEnd
			}
			line(s[j:sep])
			sep, j, l = -1, i, 0
		} else {
			i += size
		}
	}
	if i != j {
		line(s[j:i])
	}
}

// decodeRune is utf8.DecodeRuneInString, quicker on ASCII.
func decodeRune(s string) (rune, int) {
	if s[0] < utf8.RuneSelf {
		return rune(s[0]), 1
	}
	return utf8.DecodeRuneInString(s)
}

// isSpace is unicode.IsSpace, quicker on ASCII.
func isSpace(c rune) bool {
	if c < utf8.RuneSelf {
		return c == ' ' || c >= '\t' && c <= '\r'
	}
	return unicode.IsSpace(c)
}

// textState is what a renderer knows of the text it has written.
type textState struct {
	m *fontMetrics
	// recorded[f] has a bit for each rune fpdf has recorded as used in font f: the report passed it to fpdf.
	recorded runeSets
	buf      []byte
	rd       bytes.Reader
	// lastF, lastS and lastOK are the last text covers was asked about, and its answer (a message's text is
	// measured by estimate, then laid out).
	lastF  int
	lastS  string
	lastOK bool
}

// covered is r.text.m.covers(f, s), remembering the last answer.
func (r *renderer) covered(f int, s string) bool {
	t := &r.text
	if f != t.lastF || s != t.lastS || s == "" {
		t.lastF, t.lastS, t.lastOK = f, s, t.m.covers(f, s)
	}
	return t.lastOK
}

// fpdfTextOnly turns the tables off: every text goes to fpdf (for tests).
var fpdfTextOnly atomic.Bool

func newTextState() textState {
	if fpdfTextOnly.Load() {
		return textState{}
	}
	t := textState{m: metrics()}
	if t.m != nil {
		for f := range t.recorded {
			t.recorded[f] = make([]uint64, (1<<16)/64)
		}
	}
	return t
}

// current is the index of the current font in fastFonts, or -1.
func (r *renderer) current() int {
	if r.text.m == nil || r.pdf.Err() {
		return -1
	}
	d := r.pdf.GetFontDesc("", "")
	for f := range r.text.m.desc {
		if r.text.m.desc[f] == d {
			return f
		}
	}
	return -1
}

// wmax is fpdf's width limit, in thousandths of the font size, of a cell w wide.
func (r *renderer) wmax(w float64) int {
	_, size := r.pdf.GetFontSize()
	return int(math.Ceil((w - 2*r.pdf.GetCellMargin()) * 1000 / size))
}

// lines is len(r.pdf.SplitText(s, w)).
func (r *renderer) lines(s string, w float64) int {
	f := r.current()
	if f < 0 || !r.covered(f, s) {
		return len(r.pdf.SplitText(s, w))
	}
	n := 0
	r.text.m.splitLines(f, s, r.wmax(w), func(string) { n++ })
	return n
}

// multiCell is r.pdf.MultiCell(w, h, s, "", "L", false).
func (r *renderer) multiCell(w, h float64, s string) {
	f := r.current()
	if f < 0 || w == 0 || !r.covered(f, s) {
		r.pdf.MultiCell(w, h, s, "", "L", false)
		return
	}
	// As MultiCell does with a left-aligned text: lines break at spaces, or anywhere in a word longer than a line.
	if strings.Contains(s, "\r") {
		s = strings.ReplaceAll(s, "\r", "")
	}
	cw := r.text.m.width[f]
	wmax := r.wmax(w)
	nb := len(s)
	for nb > 0 && s[nb-1] == '\n' {
		nb--
	}
	sep, i, j, l := -1, 0, 0, 0
	for i < nb {
		c, size := decodeRune(s[i:nb])
		if c == '\n' {
			r.cell(f, w, h, s[j:i], 2)
			i++
			sep, j, l = -1, i, 0
			continue
		}
		if c == ' ' {
			sep = i
		}
		if cw[c] != 65535 {
			l += int(cw[c])
		}
		if l > wmax {
			if sep == -1 {
				if i == j {
					i += size
				}
				r.cell(f, w, h, s[j:i], 2)
			} else {
				r.cell(f, w, h, s[j:sep], 2)
				i = sep + 1
			}
			sep, j, l = -1, i, 0
		} else {
			i += size
		}
	}
	r.cell(f, w, h, s[j:i], 2)
	left, _, _, _ := r.pdf.GetMargins()
	r.pdf.SetX(left)
}

// cellLeft is r.pdf.CellFormat(w, h, s, "", 0, "L", false, 0, ""): a cell the position moves right of.
func (r *renderer) cellLeft(w, h float64, s string) {
	if f := r.current(); f >= 0 && w != 0 && r.covered(f, s) {
		r.cell(f, w, h, s, 0)
		return
	}
	r.pdf.CellFormat(w, h, s, "", 0, "L", false, 0, "")
}

// cell is r.pdf.CellFormat(w, h, s, "", ln, "L", false, 0, "") for ln 0 or 2, with f the current font (whose
// table covers s) and w not 0, outside the page's header and footer.
func (r *renderer) cell(f int, w, h float64, s string, ln int) {
	if r.pdf.Err() {
		return
	}
	if s != "" && !r.text.recorded.has(f, s) {
		// The first use of a character in this font: fpdf records it.
		r.pdf.CellFormat(w, h, s, "", ln, "L", false, 0, "")
		r.text.recorded.add(f, s)
		return
	}
	x, y := r.pdf.GetXY()
	_, pageH := r.pdf.GetPageSize()
	if auto, bottom := r.pdf.GetAutoPageBreak(); auto && y+h > pageH-bottom {
		r.pdf.AddPage()
		if r.pdf.Err() {
			return
		}
		r.pdf.SetX(x)
		y = r.pdf.GetY()
		_, pageH = r.pdf.GetPageSize()
	}
	if s != "" {
		k := r.pdf.GetConversionRatio()
		_, size := r.pdf.GetFontSize()
		dx, dy := r.pdf.GetCellMargin(), 0.0
		b := r.text.buf[:0]
		tr, tg, tb := r.pdf.GetTextColor()
		fr, fg, fb := r.pdf.GetFillColor()
		colored := tr != fr || tg != fg || tb != fb
		if colored {
			b = append(b, "q "...)
			b = appendColor(b, tr, tg, tb)
			b = append(b, ' ')
		}
		b = append(b, "BT "...)
		b = strconv.AppendFloat(b, (x+dx)*k, 'f', 2, 64)
		b = append(b, ' ')
		b = strconv.AppendFloat(b, (pageH-(y+dy+.5*h+.3*size))*k, 'f', 2, 64)
		b = append(b, " Td ("...)
		b = appendUTF16(b, s)
		b = append(b, ")Tj ET"...)
		if colored {
			b = append(b, " Q"...)
		}
		r.text.buf = b
		r.text.rd.Reset(b)
		r.pdf.RawWriteBuf(&r.text.rd) // as RawWriteStr(string(b)), without the copy
	}
	if ln > 0 {
		r.pdf.SetXY(x, y+h)
	} else {
		r.pdf.SetX(x + w)
	}
}

type runeSets [len(fastFonts)][]uint64

func (rs *runeSets) has(f int, s string) bool {
	set := rs[f]
	for _, c := range s {
		if set[c>>6]&(1<<(c&63)) == 0 {
			return false
		}
	}
	return true
}

func (rs *runeSets) add(f int, s string) {
	set := rs[f]
	for _, c := range s {
		set[c>>6] |= 1 << (c & 63)
	}
}

// appendColor appends a fill color operator as fpdf writes the text color, gray when its components are equal.
func appendColor(b []byte, r, g, bl int) []byte {
	comp := func(b []byte, v int) []byte { return strconv.AppendFloat(b, float64(v)/255.0, 'f', 3, 64) }
	if r == g && r == bl {
		return append(comp(b, r), " g"...)
	}
	b = append(comp(b, r), ' ')
	b = append(comp(b, g), ' ')
	return append(comp(b, bl), " rg"...)
}

// appendUTF16 appends s (runes of the Basic Multilingual Plane) in UTF-16BE, escaped for a PDF string as fpdf
// escapes it: a backslash before '\\', '(' and ')', and a carriage return byte as "\r".
func appendUTF16(b []byte, s string) []byte {
	b = slices.Grow(b, 2*len(s))
	for _, c := range s {
		if hi := byte(c >> 8); hi != 0 {
			b = appendEscaped(b, hi)
		} else {
			b = append(b, 0)
		}
		b = appendEscaped(b, byte(c))
	}
	return b
}

func appendEscaped(b []byte, x byte) []byte {
	switch x {
	case '\\', '(', ')':
		return append(b, '\\', x)
	case '\r':
		return append(b, '\\', 'r')
	}
	return append(b, x)
}
