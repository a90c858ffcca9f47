package report_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/attesta/attesta/evidence"
	"github.com/attesta/attesta/report"
)

// hostileTexts are message texts that try every branch of the layout of text: characters whose UTF-16 holds the
// bytes of '(', ')', '\\' or a carriage return (Ĩ ĩ Ŝ č Ш), escapes, line breaks of every kind, trailing ones,
// words longer than a line, spaces other than U+0020, marks of no width, characters with no glyph, CJK (a break
// point for fpdf), invalid UTF-8, and texts long enough to cross pages.
var hostileTexts = []string{
	"parentesi (tonde) e \\barre\\ rovesciate: C:\\temp\\(1).txt",
	"Ĩĩ ŜŝČč ШшЩщ ĨĨĨĨ ((( ))) \\\\\\ čččč",
	"riga uno\r\nriga due\rriga tre\n\n\nriga sei\n\n\n",
	"\tcon\ttabulazioni\t",
	strings.Repeat("x", 700),
	strings.Repeat("0123456789abcdef", 40) + " fine",
	"spazio\u00a0non\u00a0separabile e spazio\u2003largo e\u202fstretto " + strings.Repeat("parola\u00a0", 40),
	"accenti combinati: e\u0301 a\u0300 o\u0308 n\u0303 e spazi di larghezza zero\u200b\u200d",
	"emoji 👍🏽 e simboli ✓ ✗ ★ ☎ € £ ¥ ‰ † ‡ • … — –",
	"中文字符 测试 一二三四五六七八九十 " + strings.Repeat("中", 200),
	"Ελληνικά και кириллица и עברית",
	"invalid \xff\xfe bytes \xc3 here",
	"",
	"     ",
	"\n",
	strings.Repeat("Una frase abbastanza lunga da andare a capo più volte nella pagina. ", 120),
	strings.Repeat("riga\n", 150),
}

// hostileChat is the sample chat with a message for each of hostileTexts, from both sides, quoted and replied to.
func hostileChat(tb testing.TB) report.Input {
	in, _ := sample(tb)
	chat := in.Manifest.Chat
	start := time.Date(2026, 1, 14, 8, 0, 0, 0, evidence.Location())
	var history []evidence.Message
	for i, text := range hostileTexts {
		sent := start.Add(time.Duration(i) * time.Minute)
		m := evidence.Message{ID: fmt.Sprintf("H%02d", i), SentAt: evidence.At(sent), Type: evidence.TypeText,
			Text: &text, FromMe: i%2 == 0, Author: "Nome (con) \\ parentesi Ĩ"}
		if m.FromMe {
			m.Author, m.Ack = "", evidence.AckRead
			m.DeliveredAt, m.ReadAt = evidence.At(sent.Add(time.Second)), evidence.At(sent.Add(2*time.Second))
			m.Receipts = []evidence.Receipt{{Recipient: "(" + text + ")", Kind: evidence.ReceiptRead, At: m.ReadAt}}
		} else if i > 2 {
			q := fmt.Sprintf("H%02d", i-1)
			m.QuotedID = &q
		}
		history = append(history, m)
	}
	evidence.Apply(chat, history)
	m := *in.Manifest
	m.Messages = append(history, m.Messages...)
	in.Manifest = &m
	in.Request.Purpose = strings.Join(hostileTexts[:5], " ")
	return in
}

// TestFastTextAsFpdf: the report's own layout of text (text.go) gives the bytes fpdf's MultiCell, CellFormat and
// SplitText give, on the sample chat, a chat as extract android prints it, a long chat and a chat of
// hostile texts; both kinds of report, both languages.
func TestFastTextAsFpdf(t *testing.T) {
	sampleIn, _ := sample(t)
	long, _ := bigInput(t, 300, 0) // one picture at most: fpdf orders pictures of the same width as its map gives them
	for _, c := range []struct {
		name string
		in   report.Input
	}{{"sample", sampleIn}, {"extract", extractChat(t, 400)}, {"300 messages", long}, {"hostile", hostileChat(t)}} {
		for _, kind := range []report.Kind{report.Personalizzata, report.Semplice} {
			for _, lang := range []string{"it", "en"} {
				opts := report.Options{Lang: lang, Kind: kind, Now: time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)}
				var want, got bytes.Buffer
				if err := report.RenderFpdfText(t.Context(), &want, c.in, opts); err != nil {
					t.Fatalf("%s %s %s: fpdf: %v", c.name, kind, lang, err)
				}
				if err := report.Render(t.Context(), &got, c.in, opts); err != nil {
					t.Fatalf("%s %s %s: %v", c.name, kind, lang, err)
				}
				if !bytes.Equal(got.Bytes(), want.Bytes()) {
					t.Errorf("%s %s %s: %d bytes differ from fpdf's own %d bytes", c.name, kind, lang, got.Len(), want.Len())
				}
			}
		}
	}
}
