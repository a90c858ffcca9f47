package appliance

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/attesta/attesta/appliance/internal/appliancetest"
	"github.com/attesta/attesta/bundle"
	"github.com/attesta/attesta/capture/web"
	"github.com/attesta/attesta/certify"
	"github.com/attesta/attesta/evidence"
	"github.com/attesta/attesta/internal/ffmpeg"
)

// captureOne certifies the first chat of the replica's list that the capture opens (Emanuel Celano's) over
// WhatsApp Web with the given video options, and returns its delivery folder.
func captureOne(t *testing.T, video web.VideoOptions) (string, *Appliance) {
	t.Helper()
	ctx := t.Context()
	sc, srv, a := onReplica(t)
	list := scenarioList(t, sc)
	for _, e := range list.Entries {
		if e.Name == "Emanuel Celano" {
			list.Entries = []evidence.ListEntry{e}
		}
	}
	if len(list.Entries) != 1 {
		t.Fatalf("no line for Emanuel Celano in %d lines", len(list.Entries))
	}
	outcomes, err := a.Certify().CaptureWeb(ctx, certify.WebJob{URL: srv.URL(), List: list, MaxMessages: 20, Case: "case-web",
		Operator: "tecnico", OutDir: t.TempDir(), LinkTimeout: time.Minute, Sender: "+" + sc.Account.Phone,
		OnQR: func(web.QR) { srv.Scan() }, Video: video})
	if err != nil {
		t.Fatalf("CaptureWeb: %v", err)
	}
	if len(outcomes) != 1 || outcomes[0].Folder == "" {
		t.Fatalf("outcomes %+v", outcomes)
	}
	folder := outcomes[0].Folder
	if _, err := bundle.Verify(ctx, folder, certify.VerifyOptions(a.Journal().VerifierKey())); err != nil {
		t.Fatalf("delivery %s does not verify: %v", folder, err)
	}
	return folder, a
}

// TestCaptureWebVideo: the chat's video is in its delivery, listed in the manifest, checked by verify (an altered
// byte is caught), in the chain of custody, and readable by ffmpeg.
func TestCaptureWebVideo(t *testing.T) {
	var tools ffmpeg.Tools
	if err := tools.Check(); err != nil {
		t.Skipf("%v (scripts/setup installs it)", err)
	}
	folder, a := captureOne(t, web.VideoOptions{})
	m := readManifest(t, folder)
	var video *evidence.Artifact
	for i, art := range m.Artifacts {
		if art.Kind == evidence.ArtifactVideo {
			video = &m.Artifacts[i]
		}
	}
	if video == nil || video.Path != "artifacts/video.webm" {
		t.Fatalf("no video in the manifest's artifacts: %+v", m.Artifacts)
	}
	f, err := os.Open(filepath.Join(folder, filepath.FromSlash(video.Path)))
	if err != nil {
		t.Fatal(err)
	}
	info, err := tools.Probe(t.Context(), f)
	f.Close()
	if err != nil || info.Codec != "vp9" || info.Duration <= 0 {
		t.Fatalf("video %+v, %v", info, err)
	}
	custody, _ := appliancetest.Custody(t, folder)
	if !strings.Contains(string(custody), video.SHA256) || !strings.Contains(string(custody), `"video"`) {
		t.Errorf("custody.jsonl does not record the video %s", video.SHA256)
	}
	checkReportSays(t, folder, "Video della sessione", video.SHA256[:16])

	path := filepath.Join(folder, filepath.FromSlash(video.Path))
	b, _ := os.ReadFile(path)
	b[len(b)/2] ^= 1
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := bundle.Verify(t.Context(), folder, certify.VerifyOptions(a.Journal().VerifierKey())); !errors.Is(err, bundle.ErrInvalid) {
		t.Fatalf("altered video: Verify = %v, want ErrInvalid", err)
	}
}

// TestCaptureWebWithoutFFmpeg: without ffmpeg the session still certifies, and the chain of custody and the
// report say that the video was not recorded and why.
func TestCaptureWebWithoutFFmpeg(t *testing.T) {
	folder, _ := captureOne(t, web.VideoOptions{Tools: ffmpeg.Tools{FFmpeg: "/nonexistent/ffmpeg"}})
	for _, art := range readManifest(t, folder).Artifacts {
		if art.Kind == evidence.ArtifactVideo {
			t.Errorf("a video without ffmpeg: %+v", art)
		}
	}
	custody, _ := appliancetest.Custody(t, folder)
	if !strings.Contains(string(custody), "video-unavailable") || !strings.Contains(string(custody), web.VideoMissingFFmpeg) {
		t.Errorf("custody.jsonl does not say why there is no video:\n%s", custody)
	}
	checkReportSays(t, folder, "Il video della sessione non è stato registrato: il programma ffmpeg non era installato")
}

// checkReportSays checks that the delivery's report (pdftotext, lines joined) holds every one of words.
func checkReportSays(t *testing.T, folder string, words ...string) {
	t.Helper()
	text := appliancetest.ReportText(t, folder)
	for _, w := range words {
		if !strings.Contains(text, w) {
			t.Errorf("the report does not say %q", w)
		}
	}
}
