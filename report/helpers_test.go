package report_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/attesta/attesta/bundle"
	"github.com/attesta/attesta/evidence"
	"github.com/attesta/attesta/internal/testpki"
	"github.com/attesta/attesta/report"
)

// day is the sample chat's day; now is the time the sample report claims to be generated.
var (
	day = evidence.Date{Year: 2026, Month: time.January, Day: 14}
	now = time.Date(2026, 1, 15, 9, 30, 0, 0, time.UTC)
)

// Texts of the sample chat the golden checks look for.
const (
	textAccents = "Buongiorno, la fattura è di 1.250 € già pagata: più avanti città e virtù."
	textEmoji   = "Ricevuto 👍🏽 grazie"
	textCaption = "Foto del contratto firmato"
	textReply   = "Ok, vista la foto"
	textNoReply = "Ultimo avviso prima di procedere"
)

// memFiles is a content-addressed store in memory, the shape of the case's blob store.
type memFiles map[string][]byte

func (m memFiles) Open(ctx context.Context, sha string) (io.ReadCloser, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	b, ok := m[sha]
	if !ok {
		return nil, fmt.Errorf("open %s: %w", sha, fs.ErrNotExist)
	}
	return io.NopCloser(bytes.NewReader(b)), nil
}

func (m memFiles) put(b []byte) (string, int64) {
	s := sha256.Sum256(b)
	h := hex.EncodeToString(s[:])
	m[h] = b
	return h, int64(len(b))
}

func str(s string) *string { return &s }

func at(hour, min int) evidence.Time {
	return evidence.At(time.Date(2026, 1, 14, hour, min, 0, 0, evidence.Location()))
}

// testImage draws a w×h picture with a gradient and a frame, so that a thumbnail is visibly not blank.
func testImage(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := color.RGBA{uint8(x * 255 / w), uint8(y * 255 / h), 160, 255}
			if x < w/20 || y < h/20 || x > w-w/20 || y > h-h/20 {
				c = color.RGBA{20, 20, 20, 255}
			}
			img.SetRGBA(x, y, c)
		}
	}
	return img
}

func encodeJPEG(tb testing.TB, img image.Image) []byte {
	tb.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 85}); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

func encodePNG(tb testing.TB, img image.Image) []byte {
	tb.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

// sample is a report input over a chat with every verdict: read, played, reply (quoting), not proven (no reply,
// revoked, failed) and read by ack alone (an anomaly), with a photo and a screenshot.
func sample(tb testing.TB) (report.Input, memFiles) {
	tb.Helper()
	files := memFiles{}
	photoSHA, photoSize := files.put(encodeJPEG(tb, testImage(1200, 900)))
	shotSHA, shotSize := files.put(encodePNG(tb, testImage(400, 700)))
	t := true
	chat := evidence.Chat{Phone: "+393771151946", Name: "Emanuel Celano", JID: "393771151946@c.us"}
	history := []evidence.Message{
		{ID: "M1", FromMe: true, SentAt: at(10, 0), Type: evidence.TypeText, Text: str(textAccents),
			Ack: evidence.AckRead, DeliveredAt: at(10, 1), ReadAt: at(10, 2)},
		{ID: "M2", SentAt: at(10, 5), Type: evidence.TypeText, Text: str(textEmoji)},
		{ID: "M3", FromMe: true, SentAt: at(10, 10), Type: evidence.TypeVoice, Ack: evidence.AckPlayed,
			DeliveredAt: at(10, 10), PlayedAt: at(10, 12),
			Attachments: evidence.Attachments{{Unavailable: "gone"}}},
		{ID: "M4", FromMe: true, SentAt: at(10, 20), Type: evidence.TypeImage, Text: str(textCaption),
			Ack: evidence.AckReceived, DeliveredAt: at(10, 21),
			Attachments: evidence.Attachments{{Path: "artifacts/media/IMG-20260114-WA0001.jpg", SHA256: photoSHA,
				Size: photoSize, MIME: "image/jpeg", WhatsAppHashOK: &t}}},
		{ID: "M5", SentAt: at(10, 30), Type: evidence.TypeText, Text: str(textReply), QuotedID: str("M4")},
		{ID: "M6", FromMe: true, SentAt: at(11, 0), Type: evidence.TypeText, Text: str(textNoReply),
			Ack: evidence.AckReceived, DeliveredAt: at(11, 1)},
		{ID: "M7", FromMe: true, SentAt: at(11, 5), Type: evidence.TypeRevoked, Ack: evidence.AckReceived,
			DeliveredAt: at(11, 6)},
		{ID: "M8", FromMe: true, SentAt: at(11, 10), Type: evidence.TypeText, Text: str("Messaggio non partito"),
			Ack: evidence.AckFailed},
		{ID: "M9", FromMe: true, SentAt: at(11, 15), Type: evidence.TypeText, Text: str("Letto senza orario"),
			Ack: evidence.AckRead},
	}
	rng := evidence.Range{From: day, To: day}
	sel := evidence.Certify(chat, history, rng, 10)
	m := &bundle.Manifest{
		Format: bundle.Format,
		Acquisition: evidence.Acquisition{ID: "acq-20260115-0001", Method: evidence.MethodWhatsAppWeb,
			StartedAt: evidence.At(now.Add(-20 * time.Minute)), FinishedAt: evidence.At(now.Add(-5 * time.Minute)),
			Operator: "tecnico.rossi", ApplianceID: "A1-0042", ToolVersion: "attesta 1.4.2",
			SourceVersion: "2.3000.1019", SenderReadReceipts: evidence.ReadReceiptsOn,
			LinkedAccount: "+393351234567"},
		Chat: chat, Range: rng, Messages: sel.Messages,
		Artifacts: []evidence.Artifact{{Path: "artifacts/screenshots/chat-001.png", SHA256: shotSHA, Size: shotSize,
			Kind: evidence.ArtifactScreenshot}},
		Journal: &bundle.JournalRef{Origin: "attesta/A1-0042", LeafIndex: 41, TreeSize: 42,
			RootHash: strings.Repeat("ab", 32)},
	}
	key := testpki.Key(tb)
	fp, err := report.Fingerprint(key.Public())
	if err != nil {
		tb.Fatal(err)
	}
	in := report.Input{
		Manifest: m,
		Request: report.Request{Client: "Studio Legale Bianchi per Mario Rossi", Case: "R.G. 1234/2026 Tribunale di Roma",
			Purpose: "Provare la consegna e la lettura della diffida inviata via WhatsApp"},
		Appliance: report.Appliance{ID: "A1-0042", SoftwareVersion: "attesta 1.4.2", SigningKey: fp,
			AK: strings.Repeat("cd", 32), VKey: "attesta/A1-0042+1a2b3c4d+AhkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE"},
		Attestation: &report.Attestation{At: now.Add(-2 * time.Hour), OK: true,
			Summary: "quote dei PCR 0-7 valida, chiave certificata dall'AK, orologio TPM monotono"},
		Source:  report.Source{WebBuild: "2.3000.1019", BridgeVersion: "bridge/3"},
		Custody: sampleCustody(chat.Phone),
		Files:   files,
	}
	return in, files
}

// sampleCustody is the chain of custody of a WhatsApp Web capture of the chat phone and of another chat of the same
// acquisition, which the report leaves out.
func sampleCustody(phone string) []report.Action {
	t0 := now.Add(-30 * time.Minute)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	f := func(kv ...string) map[string]string {
		m := map[string]string{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	other := "+393286664444"
	return []report.Action{
		{At: at(0), Action: bundle.CustodyStart, Fields: f("method", "whatsapp-web", "leaf", "37")},
		{At: at(2), Action: bundle.CustodyCapture, Fields: f("event", "action", "step", "open", "chromium", "Chrome/156", "url", "https://web.whatsapp.com/")},
		{At: at(3), Action: bundle.CustodyCapture, Fields: f("event", "action", "step", "qr", "ref_sha256", strings.Repeat("9c", 32))},
		{At: at(20), Action: bundle.CustodyLinked, Fields: f("account", "+393351234567", "build", "2.3000.1019", "bridge", "3", "browser", "Chrome/156", "clock_offset", "-54µs")},
		{At: at(21), Action: bundle.CustodyCapture, Chat: phone, Fields: f("event", "action", "step", "resolve", "found", "true", "title", "Emanuel Celano", "unread", "0", "via", "phone")},
		{At: at(22), Action: bundle.CustodyCapture, Chat: phone, Fields: f("event", "action", "step", "read-messages", "loaded", "9", "edited", "M1 → M1b")},
		{At: at(23), Action: bundle.CustodyCapture, Chat: phone, Fields: f("event", "action", "step", "message-info", "id", "M1", "found", "true", "receipts", "2")},
		{At: at(24), Action: bundle.CustodyCapture, Chat: phone, Fields: f("event", "action", "step", "message-info", "id", "M9", "found", "false", "error", "No message info found for true_393771151946@c.us_M9")},
		{At: at(25), Action: bundle.CustodyArtifact, Chat: phone, Fields: f("kind", "media", "sha256", strings.Repeat("ab", 32), "size", "20480", "leaf", "38")},
		{At: at(26), Action: bundle.CustodyCapture, Chat: phone, Fields: f("event", "action", "step", "download-media", "id", "M4", "ok", "true", "sha256", strings.Repeat("ab", 32), "size", "20480", "whatsapp_hash_ok", "true")},
		{At: at(27), Action: bundle.CustodyCapture, Chat: phone, Fields: f("event", "action", "step", "download-media", "id", "M3", "ok", "false", "state", "gone", "error", "media download failed: HTTP 404")},
		{At: at(28), Action: bundle.CustodyCapture, Chat: phone, Fields: f("event", "action", "step", "open-chat", "consent", "false", "title", "Emanuel Celano", "unread", "0")},
		{At: at(29), Action: bundle.CustodyCapture, Chat: phone, Fields: f("event", "action", "step", "scroll-to", "id", "M1", "found", "true")},
		{At: at(30), Action: bundle.CustodyArtifact, Chat: phone, Fields: f("kind", "screenshot", "sha256", strings.Repeat("cd", 32), "size", "44994", "leaf", "39")},
		{At: at(31), Action: bundle.CustodyArtifact, Chat: phone, Fields: f("kind", "mhtml", "sha256", strings.Repeat("ef", 32), "size", "11126", "leaf", "40")},
		{At: at(32), Action: bundle.CustodyCapture, Chat: other, Fields: f("event", "action", "step", "resolve", "found", "true", "title", "Giulia Neri")},
		{At: at(33), Action: bundle.CustodyArtifact, Chat: other, Fields: f("kind", "screenshot", "sha256", strings.Repeat("12", 32), "size", "31649", "leaf", "41")},
		{At: at(34), Action: bundle.CustodySealed, Chat: other, Fields: f("leaf", "42", "tree_size", "43")},
	}
}

// render renders in with opts into a file in a temporary directory and returns its path and bytes.
func render(tb testing.TB, in report.Input, opts report.Options) (string, []byte) {
	tb.Helper()
	if opts.Now.IsZero() {
		opts.Now = now
	}
	var b bytes.Buffer
	if err := report.Render(tb.Context(), &b, in, opts); err != nil {
		tb.Fatalf("render: %v", err)
	}
	path := writeTemp(tb, "relazione.pdf", b.Bytes())
	// Every report the tests render is checked for well-formedness.
	if out, err := tool(tb, "qpdf", "--check", path); err != nil || !strings.Contains(out, "No syntax or stream encoding errors found") {
		tb.Fatalf("qpdf --check: %v\n%s", err, out)
	}
	return path, b.Bytes()
}

func writeTemp(tb testing.TB, name string, data []byte) string {
	tb.Helper()
	p := filepath.Join(tb.TempDir(), name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		tb.Fatal(err)
	}
	return p
}

// tool runs one of poppler's utilities; they are part of the build environment, so a missing one is a failure.
func tool(tb testing.TB, name string, args ...string) (string, error) {
	tb.Helper()
	if _, err := exec.LookPath(name); err != nil {
		tb.Fatalf("%s not found: install poppler-utils and qpdf (scripts/setup) (%v)", name, err)
	}
	out, err := exec.CommandContext(tb.Context(), name, args...).CombinedOutput()
	return string(out), err
}

var spaces = regexp.MustCompile(`\s+`)

// pdfText is the text of a PDF as pdftotext extracts it, with every run of white space made one space, so that
// sentences wrapped across lines still match.
func pdfText(tb testing.TB, path string) string {
	tb.Helper()
	out, err := tool(tb, "pdftotext", "-enc", "UTF-8", path, "-")
	if err != nil {
		tb.Fatalf("pdftotext %s: %v\n%s", path, err, out)
	}
	return spaces.ReplaceAllString(out, " ")
}

// pngHeader writes a PNG signature and an IHDR chunk for a w×h RGBA image, with nothing after it.
func pngHeader(w io.Writer, width, height uint32) error {
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], width)
	binary.BigEndian.PutUint32(ihdr[4:], height)
	ihdr[8], ihdr[9] = 8, 6 // 8 bits, RGBA
	var chunk bytes.Buffer
	binary.Write(&chunk, binary.BigEndian, uint32(len(ihdr)))
	chunk.WriteString("IHDR")
	chunk.Write(ihdr)
	crc := crc32.ChecksumIEEE(chunk.Bytes()[4:])
	binary.Write(&chunk, binary.BigEndian, crc)
	if _, err := w.Write([]byte("\x89PNG\r\n\x1a\n")); err != nil {
		return err
	}
	_, err := w.Write(chunk.Bytes())
	return err
}
