package report_test

import (
	"os"
	"strings"
	"testing"

	"github.com/attesta/attesta/evidence"
	"github.com/attesta/attesta/report"
)

// TestThumbnails prints an image attachment in each format WhatsApp sends (JPEG, PNG, WebP) as a thumbnail: the
// PDF holds one more image than the screenshots, and no "preview not available" line.
func TestThumbnails(t *testing.T) {
	webp, err := os.ReadFile("testdata/pictures/blue-purple-pink.lossy.webp")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		mime string
		data func(t *testing.T) []byte
	}{
		{"image/jpeg", func(t *testing.T) []byte { return encodeJPEG(t, testImage(640, 480)) }},
		{"image/png", func(t *testing.T) []byte { return encodePNG(t, testImage(300, 500)) }},
		{"image/webp", func(*testing.T) []byte { return webp }},
	}
	for _, tt := range tests {
		t.Run(tt.mime, func(t *testing.T) {
			in, files := sample(t)
			m := *in.Manifest
			m.Messages = append([]evidence.Message(nil), m.Messages...)
			sha, size := files.put(tt.data(t))
			att := m.Messages[3].Attachments[0]
			att.SHA256, att.Size, att.MIME = sha, size, tt.mime
			m.Messages[3].Attachments = evidence.Attachments{att}
			in.Manifest = &m
			path, _ := render(t, in, report.Options{Kind: report.Personalizzata})
			if text := pdfText(t, path); strings.Contains(text, "anteprima non disponibile") {
				t.Errorf("the %s thumbnail is not shown:\n%s", tt.mime, text)
			}
			out, err := tool(t, "pdfimages", "-list", path)
			if err != nil {
				t.Fatalf("pdfimages: %v\n%s", err, out)
			}
			// Header (2 lines), the screenshot and the thumbnail.
			if n := len(strings.Split(strings.TrimSpace(out), "\n")) - 2; n != 2 {
				t.Errorf("%d images in the report, want 2 (screenshot and thumbnail):\n%s", n, out)
			}
		})
	}
}

// TestVoiceNoteDuration prints how long a voice note plays, from its Ogg container, and why when it cannot.
func TestVoiceNoteDuration(t *testing.T) {
	voice, err := os.ReadFile("testdata/audio/voice-7.4s.opus")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		data []byte
		want string
	}{
		{voice, "Durata: 0:07"},
		{[]byte("not an ogg file at all"), "[durata non rilevabile: il file non è un flusso audio Ogg (manca l'intestazione «OggS»)]"},
	} {
		in, files := sample(t)
		m := *in.Manifest
		m.Messages = append([]evidence.Message(nil), m.Messages...)
		sha, size := files.put(tt.data)
		m.Messages[2].Attachments = evidence.Attachments{{Path: "artifacts/media/voice.opus", SHA256: sha, Size: size,
			MIME: "audio/ogg; codecs=opus"}}
		in.Manifest = &m
		path, _ := render(t, in, report.Options{Kind: report.Personalizzata})
		if text := pdfText(t, path); !strings.Contains(text, tt.want) {
			t.Errorf("the report lacks %q", tt.want)
		}
	}
}
