package web

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/jpeg"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/attesta/attesta/capture/web/webtest"
	"github.com/attesta/attesta/internal/ffmpeg"
)

// TestSessionVideo records the capture of one chat of the replica and checks the video ffmpeg reads back: its
// size, its codec, a duration that matches the times the action records, the time printed on its frames, and the
// action's digest of the stored file.
func TestSessionVideo(t *testing.T) {
	var tools ffmpeg.Tools
	sc, f, ctx, video := recording(t, 4)
	tg := basicTargets(sc)[0]
	if err := video.Chat(ctx, tg.Phone); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Capture(ctx, []Target{tg}); err != nil {
		t.Fatal(err)
	}
	if err := video.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	events := checkEvents(t, f.rec, "action")
	var rec map[string]any
	for _, e := range events {
		if e.Kind == "action" && e.Fields["action"] == "video" {
			rec = e.Fields
		}
	}
	if rec == nil {
		t.Fatal("no video action recorded")
	}
	name, _ := rec["name"].(string)
	if want := "chats/" + tg.Phone[1:] + "/video.webm"; name != want {
		t.Fatalf("video named %q, want %q", name, want)
	}
	file, err := os.Open(filepath.Join(f.rec.Dir, name))
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	info, err := tools.Probe(ctx, file)
	if err != nil {
		t.Fatal(err)
	}
	started, _ := time.Parse(time.RFC3339Nano, rec["started"].(string))
	ended, _ := time.Parse(time.RFC3339Nano, rec["ended"].(string))
	wall := ended.Sub(started)
	size, _ := rec["resolution"].(string)
	if info.Codec != "vp9" || info.Width < 640 || info.Height < 480 {
		t.Errorf("video %+v, want vp9 at the page's size", info)
	}
	if d := info.Duration - wall; d < -time.Second || d > time.Second {
		t.Errorf("video of %v for a chat captured in %v", info.Duration, wall)
	}
	poster, err := tools.Poster(ctx, file, info.Duration*3/4, info.Width)
	if err != nil {
		t.Fatal(err)
	}
	img, err := jpeg.Decode(bytes.NewReader(poster))
	if err != nil {
		t.Fatal(err)
	}
	// The page is there: most of the frame is not black.
	b := img.Bounds()
	lit := 0
	for y := b.Min.Y; y < b.Max.Y; y += 4 {
		for x := b.Min.X; x < b.Max.X; x += 4 {
			if r, g, bl, _ := img.At(x, y).RGBA(); r+g+bl > 0x3000 {
				lit++
			}
		}
	}
	if lit < b.Dx()*b.Dy()/16/2 {
		t.Errorf("frame at %v is mostly black: %d of %d samples lit", info.Duration*3/4, lit, b.Dx()*b.Dy()/16)
	}
	// The time is printed in the top right corner: light and dark pixels there, not a flat area.
	corner := b.Intersect(image.Rect(b.Max.X-200, 8, b.Max.X-8, 8+30))
	light, dark := 0, 0
	for y := corner.Min.Y; y < corner.Max.Y; y++ {
		for x := corner.Min.X; x < corner.Max.X; x++ {
			r, _, _, _ := img.At(x, y).RGBA()
			switch {
			case r > 0xc000:
				light++
			case r < 0x4000:
				dark++
			}
		}
	}
	if light < 50 || dark < 500 {
		t.Errorf("no time printed in the corner: %d light, %d dark pixels", light, dark)
	}
	t.Logf("video %s of %v (%d frames, %v of capture), %v bytes", size, info.Duration, int(rec["frames"].(float64)), wall, rec["bytes"])
}

// TestSessionVideoShortChat checks that a chat over before the video's first frame (the capture of a short chat
// on a fast machine) still gets its video, of one frame, rather than a "video-unavailable" for want of frames.
func TestSessionVideoShortChat(t *testing.T) {
	// At one frame every 10 s, neither chat lasts long enough for the pump to draw one.
	sc, f, ctx, video := recording(t, 0.1)
	targets := basicTargets(sc)
	for _, tg := range targets[:2] {
		if err := video.Chat(ctx, tg.Phone); err != nil {
			t.Fatal(err)
		}
	}
	if err := video.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	videos := map[string]float64{}
	for _, e := range checkEvents(t, f.rec, "action") {
		switch e.Fields["action"] {
		case "video":
			videos[e.Fields["phone"].(string)] = e.Fields["frames"].(float64)
		case "video-unavailable":
			t.Errorf("video unavailable: %v", e.Fields)
		}
	}
	for _, tg := range targets[:2] {
		if frames, ok := videos[tg.Phone]; !ok || frames < 1 {
			t.Errorf("chat %s: video of %v frames (recorded: %v), want one at least", tg.Phone, frames, ok)
		}
	}
}

// recording links a session on the basic scenario and starts its video at fps; it skips without ffmpeg.
func recording(t *testing.T, fps float64) (*webtest.Scenario, *fixture, context.Context, *Video) {
	t.Helper()
	if err := (ffmpeg.Tools{}).Check(); err != nil {
		t.Skipf("%v (scripts/setup installs it)", err)
	}
	sc := webtest.MustDefaultScenario("basic")
	f, ctx := newLinked(t, sc, Options{})
	video, err := f.s.RecordVideo(ctx, VideoOptions{FPS: fps})
	if err != nil {
		t.Fatal(err)
	}
	return sc, f, ctx, video
}

// TestSessionVideoWithoutFFmpeg checks that a missing ffmpeg leaves the session usable and says why.
func TestSessionVideoWithoutFFmpeg(t *testing.T) {
	sc := webtest.MustDefaultScenario("basic")
	f, ctx := newLinked(t, sc, Options{})
	_, err := f.s.RecordVideo(ctx, VideoOptions{Tools: ffmpeg.Tools{FFmpeg: "/nonexistent/ffmpeg"}})
	if !errors.Is(err, ErrVideoUnavailable) || !errors.Is(err, ffmpeg.ErrMissing) {
		t.Fatalf("record video without ffmpeg: %v", err)
	}
	found := false
	for _, e := range checkEvents(t, f.rec, "action") {
		if e.Fields["action"] == "video-unavailable" && e.Fields["reason"] == VideoMissingFFmpeg {
			found = true
		}
	}
	if !found {
		t.Error("no video-unavailable action recorded")
	}
	if _, err := f.s.Capture(ctx, basicTargets(sc)[:1]); err != nil {
		t.Errorf("capture after the video failed: %v", err)
	}
}
