package report

import (
	"bytes"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/attesta/attesta/bundle"
)

// TestMetricsTrusted: the fonts' tables agree with fpdf, so that text is laid out by text.go (otherwise it is all
// left to fpdf: the same bytes, several times slower).
func TestMetricsTrusted(t *testing.T) {
	m := metrics()
	if m == nil {
		t.Fatal("font tables disagree with fpdf: every text goes through fpdf")
	}
	for f, ff := range fastFonts {
		for c := rune(0x20); c < 0x7f; c++ {
			if m.width[f][c] == 0 {
				t.Errorf("%s %q: %q not covered", ff.family, ff.style, c)
			}
		}
		if !m.covers(f, "è à ò ù € — …") || m.covers(f, "👍") || m.covers(f, "中") || m.covers(f, "\xff") {
			t.Errorf("%s %q: coverage of accents, emoji, CJK or invalid UTF-8 is wrong", ff.family, ff.style)
		}
	}
}

// FuzzFastText lays a text out twice on a fresh page, with text.go and with fpdf alone, in every font, as a
// paragraph, as a label beside it and measured: the PDFs must be the same bytes and the line counts equal.
func FuzzFastText(f *testing.F) {
	for _, s := range []string{
		"", " ", "\n", "a\n\n", "parentesi (tonde) e \\barre\\ C:\\temp\\(1).txt", "Ĩĩ ŜŝČč ШшЩщ",
		"riga uno\r\nriga due\rriga tre\n\n\nriga sei\n\n\n", "\tcon\ttabulazioni\t", strings.Repeat("x", 300),
		"spazio\u00a0non\u00a0separabile e\u2003largo", "e\u0301 a\u0300 zero\u200bwidth", "emoji 👍🏽 € — …",
		"中文字符 测试", "invalid \xff\xfe bytes \xc3", strings.Repeat("Una frase che va a capo. ", 90),
	} {
		f.Add(s, 9.0, 40.0)
	}
	f.Fuzz(func(t *testing.T, s string, size, w float64) {
		if !(size >= 4 && size <= 30) || !(w >= 5 && w <= bodyW) {
			return
		}
		fast, slow := fuzzRenderer(t), fuzzRenderer(t)
		slow.text = textState{}
		s = fast.s(s) // as the report prints every text (fpdf's SplitText panics beyond the BMP)
		var counts [2][]int
		for i, r := range []*renderer{fast, slow} {
			for _, ff := range fastFonts {
				r.pdf.SetFont(ff.family, ff.style, size)
				counts[i] = append(counts[i], r.lines(s, w))
				r.multiCell(w, size*0.45, s)
				r.cellLeft(w/3, lineH, s)
				r.multiCell(bodyW-w/3, lineH, s)
				r.pdf.SetTextColor(170, 20, 20)
				r.multiCell(w, lineH, s)
				r.pdf.SetTextColor(0, 0, 0)
			}
		}
		if !slices.Equal(counts[0], counts[1]) {
			t.Errorf("%q: lines %v, fpdf's %v", s, counts[0], counts[1])
		}
		var a, b bytes.Buffer
		if err := fast.pdf.Output(&a); err != nil {
			t.Fatal(err)
		}
		if err := slow.pdf.Output(&b); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(withoutFontFiles(t, a.Bytes()), withoutFontFiles(t, b.Bytes())) {
			t.Errorf("%q at %.2f pt, %.2f mm: the PDF differs from fpdf's", s, size, w)
		}
	})
}

func fuzzRenderer(t *testing.T) *renderer {
	cov, err := fontCoverage()
	if err != nil {
		t.Fatal(err)
	}
	in := Input{Manifest: &bundle.Manifest{}}
	r := newRenderer(t.Context(), in, Options{Lang: "it", Now: time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)}, cov)
	r.pdf.AddPage()
	return r
}

// fontFile is the head of an embedded font program's stream, as fpdf writes it, and its length.
var fontFile = regexp.MustCompile(`<</Length (\d+)\n/Filter /FlateDecode\n/Length1 \d+\n>>\nstream\n`)

// withoutFontFiles is pdf, uncompressed fpdf output, without its embedded font programs (nor their lengths): fpdf does
// not subset a font into the same bytes from one run to the next when few of its characters are used. The glyphs
// used are still compared, through each font's widths, CID map and ToUnicode map.
func withoutFontFiles(t *testing.T, pdf []byte) []byte {
	var out []byte
	for {
		m := fontFile.FindSubmatchIndex(pdf)
		if m == nil {
			// and without the cross-references, which give the objects' offsets.
			out = append(out, pdf...)
			if x := bytes.LastIndex(out, []byte("\nxref\n")); x >= 0 {
				out = out[:x]
			}
			return out
		}
		n, err := strconv.Atoi(string(pdf[m[2]:m[3]]))
		if err != nil || m[1]+n > len(pdf) {
			t.Fatalf("font file stream at %d: length %q", m[0], pdf[m[2]:m[3]])
		}
		out = append(append(out, pdf[:m[0]]...), "<<font file>>\nstream\n"...)
		pdf = pdf[m[1]+n:]
	}
}
