package report

import "testing"

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
