package pades

import (
	"bytes"
	"context"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"testing"
	"time"

	"github.com/attesta/attesta/internal/fuzzseed"
	"github.com/attesta/attesta/internal/testpki"
)

func TestParsePDFDate(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Time
	}{
		{"D:20260115103000Z", time.Date(2026, 1, 15, 10, 30, 0, 0, time.UTC)},
		{"D:20260115113000+01'00'", time.Date(2026, 1, 15, 10, 30, 0, 0, time.UTC)},
		{"D:20260115053000-05'00", time.Date(2026, 1, 15, 10, 30, 0, 0, time.UTC)},
		{"D:2026011510", time.Date(2026, 1, 15, 10, 0, 0, 0, time.UTC)},
		{"20260115103000", time.Date(2026, 1, 15, 10, 30, 0, 0, time.UTC)},
		{"D:202", time.Time{}},
		{"yesterday", time.Time{}},
		{"", time.Time{}},
	} {
		if got := parsePDFDate(tc.in); !got.Equal(tc.want) {
			t.Errorf("parsePDFDate(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestTextStringRoundTrip(t *testing.T) {
	for _, s := range []string{"", "Roma", "Società (test) \\ 1", "日本語", "emoji 🙂"} {
		var b bytes.Buffer
		writeObject(&b, textString(s))
		l := &lexer{data: b.Bytes()}
		v, err := l.object(0)
		if err != nil {
			t.Fatalf("%q written as %q does not parse: %v", s, b.Bytes(), err)
		}
		if got := decodeText(v.(*str).b); got != s {
			t.Errorf("round trip of %q via %q gave %q", s, b.Bytes(), got)
		}
	}
}

// TestSignRetriesWithExactSize checks the second pass Sign makes when the
// estimate was too small.
func TestSignRetriesWithExactSize(t *testing.T) {
	key := testpki.Key(t)
	now := time.Now()
	cert, err := SelfSignedCert(key, pkix.Name{CommonName: "retry"}, now, now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	pdf := seedPDF(t, "signed")
	doc, err := parseDocument(pdf)
	if err != nil {
		t.Fatal(err)
	}
	u, err := newUpdate(doc, Options{Signer: key, Chain: []*x509.Certificate{cert}})
	if err != nil {
		t.Fatal(err)
	}
	_, needed, err := u.sign(context.Background(), 64)
	if !errors.Is(err, ErrContentsTooSmall) || needed <= 64 {
		t.Fatalf("sign with 64 bytes: needed %d, %v", needed, err)
	}
	out, _, err := u.sign(context.Background(), needed+64)
	if err != nil {
		t.Fatal(err)
	}
	infos, err := Verify(out)
	if err != nil || len(infos) != 2 {
		t.Fatalf("Verify after the retry: %d signatures, %v", len(infos), err)
	}
}

// seedPDF reads a signed sample from the fuzz corpus.
func seedPDF(t testing.TB, name string) []byte {
	t.Helper()
	return fuzzseed.Read(t, fuzzseed.Dir("FuzzVerify"), name)[0]
}

// TestSeedCorpusVerifies keeps Verify accepting what earlier versions
// signed (the committed samples).
func TestSeedCorpusVerifies(t *testing.T) {
	for _, tc := range []struct {
		name  string
		sigs  int
		stamp bool
	}{{"signed", 1, false}, {"timestamped", 1, true}, {"signed-twice", 2, false}, {"archived", 2, true}} {
		infos, err := Verify(seedPDF(t, tc.name))
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if len(infos) != tc.sigs || (infos[0].Timestamp != nil) != tc.stamp {
			t.Errorf("%s: %d signatures, time-stamp %v", tc.name, len(infos), infos[0].Timestamp != nil)
		}
	}
}

// FuzzParseObject feeds arbitrary bytes to the object parser: no panic,
// and what it parses it writes back in a form that parses to the same.
func FuzzParseObject(f *testing.F) {
	for _, s := range []string{
		"<</Type /Sig /ByteRange [0 10 20 30] /Contents <0a0B> /M (D:2026\\)x) /N#20x 1 0 R>>",
		"[1 2 R 3 -4.5 +.5 true null (a(b)c\\101) <>]",
		"(unterminated", "<</K", "[[[[[[", "<zz>", "/", "1 0", "%comment\n42",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		l := &lexer{data: data}
		v, err := l.object(0)
		if err != nil {
			return
		}
		var b bytes.Buffer
		writeObject(&b, v)
		l2 := &lexer{data: b.Bytes()}
		v2, err := l2.object(0)
		if err != nil {
			t.Fatalf("rewritten %q does not parse: %v", b.Bytes(), err)
		}
		var b2 bytes.Buffer
		writeObject(&b2, v2)
		if !bytes.Equal(b.Bytes(), b2.Bytes()) {
			t.Fatalf("rewrite not stable: %q then %q", b.Bytes(), b2.Bytes())
		}
	})
}
