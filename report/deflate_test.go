package report_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/attesta/attesta/report"
)

// TestDeflatePagesAsFpdf: the pages deflated after the layout give the bytes fpdf writes when it deflates them
// itself, on the sample chat (pictures, custody) and on a chat of 300 messages, both kinds of report, both
// languages. (Not on the demo chat: fpdf orders pictures of the same width as its map gives them, so two layouts of
// the demo chat need not give the same bytes.)
func TestDeflatePagesAsFpdf(t *testing.T) {
	sampleIn, _ := sample(t)
	long, _ := bigInput(t, 300, 0)
	for _, c := range []struct {
		name string
		in   report.Input
	}{{"sample", sampleIn}, {"300 messages", long}} {
		for _, kind := range []report.Kind{report.Personalizzata, report.Semplice} {
			for _, lang := range []string{"it", "en"} {
				opts := report.Options{Lang: lang, Kind: kind, Now: time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)}
				want, got, err := report.LayoutBothWays(t.Context(), c.in, opts)
				if err != nil {
					t.Fatalf("%s %s %s: %v", c.name, kind, lang, err)
				}
				if !bytes.Equal(got, want) {
					t.Errorf("%s %s %s: %d bytes, fpdf's own %d bytes differ", c.name, kind, lang, len(got), len(want))
				}
			}
		}
	}
}

// TestDeflatePagesRefusesOtherLayouts: a PDF that is not fpdf's uncompressed output is an error, not a guess.
func TestDeflatePagesRefusesOtherLayouts(t *testing.T) {
	in, _ := sample(t)
	_, ours, err := report.LayoutBothWays(t.Context(), in, report.Options{Lang: "it", Kind: report.Personalizzata,
		Now: time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	// ours is deflated already: its content streams are not fpdf's uncompressed ones.
	for name, pdf := range map[string][]byte{
		"deflated twice": ours,
		"no startxref":   bytes.ReplaceAll(ours, []byte("startxref"), []byte("startxxxx")),
		"truncated":      ours[:len(ours)/2],
		"empty":          nil,
	} {
		if _, err := report.DeflatePages(pdf); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
