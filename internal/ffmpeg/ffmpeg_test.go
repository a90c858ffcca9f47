package ffmpeg_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"testing"
	"time"

	"github.com/attesta/attesta/internal/ffmpeg"
)

func need(t testing.TB) ffmpeg.Tools {
	t.Helper()
	var tools ffmpeg.Tools
	if err := tools.Check(); err != nil {
		t.Skipf("%v (scripts/setup installs it)", err)
	}
	return tools
}

// encode makes a video of n frames of w×h at fps, each frame a different grey.
func encode(t testing.TB, tools ffmpeg.Tools, w, h, n int, fps float64) *os.File {
	t.Helper()
	enc, err := tools.NewEncoder(t.Context(), w, h, fps)
	if err != nil {
		t.Fatal(err)
	}
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := range n {
		for p := range img.Pix {
			img.Pix[p] = byte(i * 16)
		}
		img.Set(i, i, color.RGBA{255, 0, 0, 255})
		if err := enc.Write(img.Pix); err != nil {
			t.Fatal(err)
		}
	}
	f, err := enc.Close()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func TestEncodeProbePoster(t *testing.T) {
	tools := need(t)
	f := encode(t, tools, 64, 48, 10, 4)
	info, err := tools.Probe(t.Context(), f)
	if err != nil {
		t.Fatal(err)
	}
	if info.Width != 64 || info.Height != 48 || info.Codec != "vp9" || info.Duration != 2500*time.Millisecond {
		t.Errorf("probe %+v, want 64x48 vp9 of 2.5 s", info)
	}
	poster, err := tools.Poster(t.Context(), f, time.Second, 32)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(poster))
	if err != nil || cfg.Width != 32 || cfg.Height != 24 {
		t.Errorf("poster %dx%d, %v; want a 32x24 JPEG", cfg.Width, cfg.Height, err)
	}
	// Past the end: the first frame instead.
	if _, err := tools.Poster(t.Context(), f, time.Hour, 32); err != nil {
		t.Errorf("poster past the end: %v", err)
	}
}

func TestEncoderRefusesOddSizeAndWrongFrame(t *testing.T) {
	tools := need(t)
	if _, err := tools.NewEncoder(t.Context(), 63, 48, 4); err == nil {
		t.Error("odd width accepted")
	}
	enc, err := tools.NewEncoder(t.Context(), 64, 48, 4)
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Abort()
	if err := enc.Write(make([]byte, 10)); err == nil {
		t.Error("a frame of 10 bytes accepted")
	}
}

func memfile(t *testing.T, data []byte) *os.File {
	t.Helper()
	f, err := ffmpeg.Memfd("test")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	if _, err := f.Write(data); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Seek(0, 0); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestUndecodable(t *testing.T) {
	tools := need(t)
	good := encode(t, tools, 64, 48, 8, 4)
	var whole bytes.Buffer
	if _, err := whole.ReadFrom(good); err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{
		"text":      []byte("not a video at all, just words"),
		"empty":     nil,
		"truncated": whole.Bytes()[:40],
	} {
		t.Run(name, func(t *testing.T) {
			_, err := tools.Probe(t.Context(), memfile(t, data))
			if !errors.Is(err, ffmpeg.ErrDecode) && !errors.Is(err, ffmpeg.ErrNoVideo) {
				t.Errorf("probe: %v, want ErrDecode or ErrNoVideo", err)
			}
			if _, err := tools.Poster(t.Context(), memfile(t, data), 0, 32); !errors.Is(err, ffmpeg.ErrDecode) {
				t.Errorf("poster: %v, want ErrDecode", err)
			}
		})
	}
}

func TestMissingAndTimeout(t *testing.T) {
	missing := ffmpeg.Tools{FFmpeg: "/nonexistent/ffmpeg", FFprobe: "/nonexistent/ffprobe"}
	if err := missing.Check(); !errors.Is(err, ffmpeg.ErrMissing) {
		t.Errorf("check: %v, want ErrMissing", err)
	}
	f := memfile(t, []byte("x"))
	if _, err := missing.Probe(t.Context(), f); !errors.Is(err, ffmpeg.ErrMissing) {
		t.Errorf("probe: %v, want ErrMissing", err)
	}
	if _, err := missing.NewEncoder(t.Context(), 64, 48, 4); !errors.Is(err, ffmpeg.ErrMissing) {
		t.Errorf("encoder: %v, want ErrMissing", err)
	}
	tools := need(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := tools.Probe(ctx, f); !errors.Is(err, ffmpeg.ErrTimeout) {
		t.Errorf("probe with an ended context: %v, want ErrTimeout", err)
	}
}

// FuzzParseProbe: ffprobe's answers carry what a hostile file says of itself (codec names, sizes, durations).
func FuzzParseProbe(f *testing.F) {
	f.Add([]byte(`{"streams":[{"codec_name":"h264","codec_type":"video","width":848,"height":480,"duration":"5.000000"}],"format":{"duration":"5.000000"}}`),
		[]byte("0.000000,0.033333\n4.966667,0.033333\n"))
	f.Add([]byte(`{"programs":[],"streams":[{"codec_name":"vp9","codec_type":"video","width":1200,"height":656}],"format":{}}`),
		[]byte("0.000000,\n0.250000,\n"))
	f.Add([]byte(`{"streams":[{"codec_type":"audio"}]}`), []byte("N/A,N/A\n"))
	f.Fuzz(func(t *testing.T, probe, packets []byte) {
		info, err := ffmpeg.ParseProbe(probe)
		if err == nil && (info.Width <= 0 || info.Height <= 0 || info.Duration < 0 || len(info.Codec) > 32) {
			t.Fatalf("ParseProbe accepted %+v", info)
		}
		if d := ffmpeg.PacketsEnd(packets); d < 0 {
			t.Fatalf("PacketsEnd = %v", d)
		}
	})
}
