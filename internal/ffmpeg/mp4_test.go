package ffmpeg_test

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/attesta/attesta/internal/ffmpeg"
)

// mp4 makes an MP4 with ffmpeg from a test source, with the given extra output options.
func mp4(t *testing.T, source string, opts ...string) []byte {
	t.Helper()
	need(t)
	out := filepath.Join(t.TempDir(), "v.mp4")
	args := append([]string{"-nostdin", "-v", "error", "-f", "lavfi", "-i", source}, opts...)
	if b, err := exec.CommandContext(t.Context(), "ffmpeg", append(args, "-y", out)...).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestProbeMP4MatchesFFprobe reads MP4s as phones write them (H.264, HEVC; the index at the end or at the start;
// with sound) and compares with ffprobe's answer.
func TestProbeMP4MatchesFFprobe(t *testing.T) {
	tools := need(t)
	for name, opts := range map[string][]string{
		"h264":       {"-t", "3", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"},
		"faststart":  {"-t", "2", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-movflags", "+faststart"},
		"hevc":       {"-t", "1", "-c:v", "libx265", "-preset", "ultrafast", "-x265-params", "log-level=error", "-tag:v", "hvc1"},
		"with-sound": {"-f", "lavfi", "-i", "sine=frequency=440:duration=2", "-t", "2", "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac"},
	} {
		t.Run(name, func(t *testing.T) {
			data := mp4(t, "testsrc=size=320x240:rate=10", opts...)
			got, err := ffmpeg.ProbeMP4(bytes.NewReader(data), int64(len(data)))
			if err != nil {
				t.Fatal(err)
			}
			f := memfile(t, data)
			path := filepath.Join(t.TempDir(), "v.mp4")
			if err := os.WriteFile(path, data, 0o600); err != nil {
				t.Fatal(err)
			}
			out, err := exec.CommandContext(t.Context(), "ffprobe", "-v", "error", "-show_entries",
				"format=duration:stream=codec_type,codec_name,width,height,duration", "-of", "json", path).Output()
			if err != nil {
				t.Fatal(err)
			}
			want, err := ffmpeg.ParseProbe(out)
			if err != nil {
				t.Fatal(err)
			}
			if got.Width != want.Width || got.Height != want.Height || got.Codec != want.Codec ||
				(got.Duration-want.Duration).Abs() > 50*time.Millisecond {
				t.Errorf("ProbeMP4 %+v, ffprobe %+v", got, want)
			}
			if info, err := tools.Probe(t.Context(), f); err != nil || info != got {
				t.Errorf("Probe %+v, %v; want %+v", info, err, got)
			}
		})
	}
}

// TestProbeMP4Damaged: a truncated or altered MP4 is refused with the place of the damage, never read wrong.
func TestProbeMP4Damaged(t *testing.T) {
	data := mp4(t, "testsrc=size=320x240:rate=10", "-t", "1", "-c:v", "libx264", "-preset", "ultrafast")
	for name, b := range map[string][]byte{
		"truncated":  data[:len(data)-100],
		"not mp4":    []byte("RIFF....WEBPVP8 "),
		"empty":      nil,
		"huge box":   append(append([]byte(nil), data[:8]...), append([]byte{0xff, 0xff, 0xff, 0xff, 'm', 'o', 'o', 'v'}, data[8:]...)...),
		"sound only": mp4(t, "sine=frequency=440:duration=1", "-c:a", "aac"),
		"zero moov":  bytes.Replace(data, []byte("mvhd"), []byte("xxxx"), 1),
	} {
		t.Run(name, func(t *testing.T) {
			if info, err := ffmpeg.ProbeMP4(bytes.NewReader(b), int64(len(b))); err == nil {
				t.Errorf("ProbeMP4 read %+v", info)
			} else if name == "sound only" && !errors.Is(err, ffmpeg.ErrNoVideo) {
				t.Errorf("sound only: %v, want ErrNoVideo", err)
			}
		})
	}
}

// FuzzProbeMP4: the boxes of an MP4 are what a phone, or whoever sent the file, wrote.
func FuzzProbeMP4(f *testing.F) {
	for _, name := range []string{"h264-64x48.mp4"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		info, err := ffmpeg.ProbeMP4(bytes.NewReader(b), int64(len(b)))
		if err == nil && (info.Width <= 0 || info.Height <= 0 || info.Duration < 0) {
			t.Fatalf("ProbeMP4 accepted %+v", info)
		}
	})
}
