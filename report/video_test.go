package report_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/attesta/attesta/bundle"
	"github.com/attesta/attesta/evidence"
	"github.com/attesta/attesta/internal/ffmpeg"
	"github.com/attesta/attesta/internal/i18n"
	"github.com/attesta/attesta/report"
)

// needFFmpeg skips a test that reads videos where ffmpeg is not installed (scripts/setup installs it).
func needFFmpeg(tb testing.TB) {
	tb.Helper()
	if err := (ffmpeg.Tools{}).Check(); err != nil {
		tb.Skipf("%v (scripts/setup installs it)", err)
	}
}

// makeMP4 makes a video as phones send them: H.264 in MP4, its index at the end (the MP4 default, which a reader
// must seek for), of the given length, from an ffmpeg test source ("testsrc=size=320x240:rate=10") through a
// filter ("" for none).
func makeMP4(tb testing.TB, seconds int, source, filter string) []byte {
	tb.Helper()
	needFFmpeg(tb)
	out := filepath.Join(tb.TempDir(), "video.mp4")
	args := []string{"-nostdin", "-v", "error", "-f", "lavfi", "-i", source, "-t", strconv.Itoa(seconds)}
	if filter != "" {
		args = append(args, "-vf", filter)
	}
	args = append(args, "-c:v", "libx264", "-preset", "ultrafast", "-threads", "1", "-pix_fmt", "yuv420p", "-y", out)
	if b, err := exec.CommandContext(tb.Context(), "ffmpeg", args...).CombinedOutput(); err != nil {
		tb.Fatalf("ffmpeg: %v\n%s", err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// oneLanguage checks that the report at path reads in lang only (see checkOneLanguage).
func oneLanguage(t *testing.T, lang, path string, in report.Input) {
	t.Helper()
	out, err := tool(t, "pdftotext", "-enc", "UTF-8", path, "-")
	if err != nil {
		t.Fatal(err)
	}
	checkOneLanguage(t, i18n.Lang(lang), out, dataOf(in))
}

// withVideo puts data as the video attachment of a received message of the sample.
func withVideo(tb testing.TB, data []byte, mime string) report.Input {
	tb.Helper()
	in, files := sample(tb)
	m := *in.Manifest
	m.Messages = append([]evidence.Message(nil), m.Messages...)
	sha, size := files.put(data)
	for i := range m.Messages {
		if m.Messages[i].ID == "M2" {
			m.Messages[i].Type = evidence.TypeVideo
			m.Messages[i].Attachments = evidence.Attachments{{Path: "artifacts/media/VID-20260114-WA0001.mp4",
				SHA256: sha, Size: size, MIME: mime}}
		}
	}
	in.Manifest = &m
	return in
}

// TestVideoPoster prints a video attachment's duration and a poster frame, and says why, in the report's
// language, when the file cannot be read.
func TestVideoPoster(t *testing.T) {
	needFFmpeg(t)
	good := makeMP4(t, 3, "testsrc=size=320x240:rate=10", "")
	tests := []struct {
		name   string
		data   []byte
		lang   string
		tools  ffmpeg.Tools
		want   []string
		images int
	}{
		{"mp4", good, "it", ffmpeg.Tools{}, []string{"Durata: 0:03 (320×240 pixel, codifica h264)", "Fotogramma di anteprima"}, 3},
		{"mp4 en", good, "en", ffmpeg.Tools{}, []string{"Duration: 0:03 (320×240 pixels, h264 encoding)", "Poster frame taken with ffmpeg"}, 3},
		{"truncated", good[:len(good)/3], "it", ffmpeg.Tools{},
			[]string{"[anteprima del video non disponibile: il file non è un video decodificabile (formato non riconosciuto, danneggiato o troncato)]"}, 2},
		{"not a video", []byte("una lettera, non un video"), "en", ffmpeg.Tools{},
			[]string{"[video preview not available: the file is not a decodable video (unknown format, damaged or truncated)]"}, 2},
		{"no ffmpeg", good, "it", ffmpeg.Tools{FFmpeg: "/nonexistent/ffmpeg", FFprobe: "/nonexistent/ffprobe"},
			[]string{"[anteprima del video non disponibile: il programma ffmpeg non è installato sul sistema che ha generato la relazione]"}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := withVideo(t, tt.data, "video/mp4")
			path, _ := render(t, in, report.Options{Kind: report.Personalizzata, Lang: tt.lang, FFmpeg: tt.tools})
			text := pdfText(t, path)
			oneLanguage(t, tt.lang, path, in)
			for _, w := range tt.want {
				if !strings.Contains(text, w) {
					t.Errorf("the report does not say %q", w)
				}
			}
			out, err := tool(t, "pdfimages", "-list", path)
			if err != nil {
				t.Fatalf("pdfimages: %v\n%s", err, out)
			}
			// Header (2 lines), the photo's thumbnail, the screenshot and the poster when there is one.
			if n := len(strings.Split(strings.TrimSpace(out), "\n")) - 2; n != tt.images {
				t.Errorf("%d images in the report, want %d:\n%s", n, tt.images, out)
			}
		})
	}
}

// TestVideoPosterDigest: a video whose bytes are not those the manifest names is not read.
func TestVideoPosterDigest(t *testing.T) {
	needFFmpeg(t)
	in := withVideo(t, makeMP4(t, 1, "testsrc=size=320x240:rate=10", ""), "video/mp4")
	files := in.Files.(memFiles)
	for sha, b := range files {
		if strings.HasPrefix(string(b[4:8]), "ftyp") {
			files[sha] = append([]byte(nil), b...)
			files[sha][len(b)/2] ^= 1
		}
	}
	path, _ := render(t, in, report.Options{Kind: report.Personalizzata})
	if text := pdfText(t, path); !strings.Contains(text, "[anteprima del video non disponibile: il contenuto non corrisponde all'impronta]") {
		t.Errorf("an altered video is not refused:\n%s", text)
	}
}

// TestSessionVideoSection prints the session's recording: file, digest, period, the moment the chat was opened
// as a time and a position in the video, its duration and a poster frame.
func TestSessionVideoSection(t *testing.T) {
	needFFmpeg(t)
	in, files := sample(t)
	data := makeMP4(t, 12, "testsrc2=size=320x240:rate=10", "")
	sha, size := files.put(data)
	m := *in.Manifest
	m.Artifacts = append(append([]evidence.Artifact(nil), m.Artifacts...),
		evidence.Artifact{Path: "artifacts/video.webm", SHA256: sha, Size: size, Kind: evidence.ArtifactVideo})
	in.Manifest = &m
	var opened time.Time
	for _, a := range in.Custody {
		if a.Fields["step"] == "open-chat" {
			opened = a.At
		}
	}
	started := opened.Add(-7 * time.Second)
	in.Custody = append(append([]report.Action(nil), in.Custody...), report.Action{At: started.Add(12 * time.Second),
		Action: bundle.CustodyCapture, Chat: m.Chat.Phone, Fields: map[string]string{"event": "action", "step": "video",
			"sha256": sha, "fps": "4", "frames": "48", "started": started.UTC().Format(time.RFC3339Nano),
			"ended": started.Add(12 * time.Second).UTC().Format(time.RFC3339Nano), "name": "chats/393771151946/video.webm",
			"resolution": "320x240", "bytes": "1234", "duration_ms": "12000"}})
	for _, lang := range []string{"it", "en"} {
		path, _ := render(t, in, report.Options{Kind: report.Personalizzata, Lang: lang})
		text := pdfText(t, path)
		oneLanguage(t, lang, path, in)
		want := []string{"Video della sessione", "artifacts/video.webm", "SHA-256 " + sha, "al minuto 0:07 del video",
			"Durata: 0:12", "4 fotogrammi al secondo", "Registrazione video della chat avviata il"}
		if lang == "en" {
			want = []string{"Session video", "artifacts/video.webm", "SHA-256 " + sha, "at 0:07 into the video",
				"Duration: 0:12", "4 frames per second", "Video recording of the chat started on"}
		}
		for _, w := range want {
			if !strings.Contains(text, w) {
				t.Errorf("%s: the report does not say %q", lang, w)
			}
		}
	}
}

// TestNoSessionVideo: when the session could not be recorded, both kinds of report say so and why.
func TestNoSessionVideo(t *testing.T) {
	in, _ := sample(t)
	in.Custody = append(append([]report.Action(nil), in.Custody...), report.Action{At: now.Add(-25 * time.Minute),
		Action: bundle.CustodyCapture, Fields: map[string]string{"event": "action", "step": "video-unavailable",
			"reason": "ffmpeg-missing", "detail": "ffmpeg not installed: exec: \"ffmpeg\": executable file not found in $PATH"}})
	for _, tt := range []struct {
		lang string
		kind report.Kind
		want string
	}{
		{"it", report.Semplice, "Il video della sessione non è stato registrato: il programma ffmpeg non era installato sull'apparecchio."},
		{"it", report.Personalizzata, "Il video della sessione non è stato registrato: il programma ffmpeg non era installato sull'apparecchio."},
		{"en", report.Personalizzata, "The session video was not recorded: the ffmpeg program was not installed on the appliance."},
	} {
		path, _ := render(t, in, report.Options{Kind: tt.kind, Lang: tt.lang})
		text := pdfText(t, path)
		oneLanguage(t, tt.lang, path, in)
		if !strings.Contains(text, tt.want) {
			t.Errorf("%s %v: the report does not say %q", tt.lang, tt.kind, tt.want)
		}
		if strings.Contains(text, "executable file not found") {
			t.Errorf("%s %v: ffmpeg's English error reached the report", tt.lang, tt.kind)
		}
	}
}
