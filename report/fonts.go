package report

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"unicode"

	"github.com/go-pdf/fpdf"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goitalic"
	"golang.org/x/image/font/gofont/gomono"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/sfnt"
)

// Font families registered in every report.
const (
	fontSans = "GoSans" // regular, bold (B) and italic (I)
	fontMono = "GoMono" // digests, keys, commands
)

func addFonts(pdf *fpdf.Fpdf) {
	pdf.AddUTF8FontFromBytes(fontSans, "", goregular.TTF)
	pdf.AddUTF8FontFromBytes(fontSans, "B", gobold.TTF)
	pdf.AddUTF8FontFromBytes(fontSans, "I", goitalic.TTF)
	pdf.AddUTF8FontFromBytes(fontMono, "", gomono.TTF)
}

// coverage answers whether every font the report uses has a glyph for a rune. The Go fonts share one character
// set, but a rune counts as drawable only when all of them have it, so that no style loses a character.
type coverage struct {
	fonts []*sfnt.Font
	// glyphs[i] has a bit for each rune of the Basic Multilingual Plane fonts[i] has a glyph for; all, for each
	// one every font has.
	glyphs [][]uint64
	all    []uint64
	mu     sync.Mutex
	buf    sfnt.Buffer
	known  map[rune]bool // beyond the Basic Multilingual Plane
}

// bmpGlyphs has a bit for each rune of the Basic Multilingual Plane f has a glyph for.
func bmpGlyphs(f *sfnt.Font) []uint64 {
	var buf sfnt.Buffer
	set := make([]uint64, (1<<16)/64)
	for r := range rune(1 << 16) {
		if g, err := f.GlyphIndex(&buf, r); err == nil && g != 0 {
			set[r>>6] |= 1 << (r & 63)
		}
	}
	return set
}

var fontCoverage = sync.OnceValues(func() (*coverage, error) {
	c := &coverage{known: map[rune]bool{}}
	for _, ttf := range [][]byte{goregular.TTF, gobold.TTF, goitalic.TTF, gomono.TTF} {
		f, err := sfnt.Parse(ttf)
		if err != nil {
			return nil, fmt.Errorf("report: parse embedded font: %w", err)
		}
		c.fonts = append(c.fonts, f)
		c.glyphs = append(c.glyphs, bmpGlyphs(f))
	}
	c.all = slices.Clone(c.glyphs[0])
	for _, g := range c.glyphs[1:] {
		for i := range c.all {
			c.all[i] &= g[i]
		}
	}
	return c, nil
})

func (c *coverage) has(r rune) bool {
	if r < 0x7f && r >= 0x20 {
		return true
	}
	if r >= 0 && r < 1<<16 {
		return c.all[r>>6]&(1<<(r&63)) != 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if v, ok := c.known[r]; ok {
		return v
	}
	v := true
	for _, f := range c.fonts {
		if g, err := f.GlyphIndex(&c.buf, r); err != nil || g == 0 {
			v = false
			break
		}
	}
	c.known[r] = v
	return v
}

// printable returns s as the fonts can draw it: line breaks kept, tabs as spaces, and every run of characters
// with no glyph (emoji, joiners, variation selectors, control characters) as one visible "[U+XXXX U+YYYY]".
func (c *coverage) printable(s string) string {
	var b strings.Builder
	if c.unchanged(s) {
		return s // nothing to replace: the common case, without a copy
	}
	var missing []string
	flush := func() {
		if len(missing) > 0 {
			b.WriteString("[" + strings.Join(missing, " ") + "]")
			missing = missing[:0]
		}
	}
	for _, r := range strings.ReplaceAll(s, "\r\n", "\n") {
		switch {
		case r == '\n' || r == '\r':
			flush()
			b.WriteByte('\n')
		case r == '\t':
			flush()
			b.WriteString("    ")
		case r == unicode.ReplacementChar || unicode.IsControl(r) || !c.has(r):
			missing = append(missing, fmt.Sprintf("U+%04X", r))
		default:
			flush()
			b.WriteRune(r)
		}
	}
	flush()
	return b.String()
}

// unchanged reports whether printable keeps s as it is: every rune a line feed, printable ASCII, or a character
// every font draws (no carriage return, tab, control character, invalid byte or missing glyph).
func (c *coverage) unchanged(s string) bool {
	for _, r := range s {
		switch {
		case r == '\n' || r >= 0x20 && r < 0x7f:
		case r == unicode.ReplacementChar || unicode.IsControl(r) || !c.has(r):
			return false
		}
	}
	return true
}
