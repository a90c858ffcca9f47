// Package ffmpeg runs Debian's ffmpeg and ffprobe as subprocesses, with bounded time and output, on files held in
// memory (Linux memfd: the video never touches the disk in clear, and ffmpeg can seek in it as in a file).
//
// The capture encodes its session video with it ([Encoder]); the report reads durations ([Probe]) and poster frames
// ([Poster]) with it. A missing ffmpeg is [ErrMissing]; a file ffmpeg cannot read is [ErrDecode]; a call that runs
// out of its time is [ErrTimeout].
package ffmpeg

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// Conditions callers branch on.
var (
	ErrMissing = errors.New("ffmpeg not installed")
	ErrDecode  = errors.New("not a video ffmpeg can decode")
	ErrTimeout = errors.New("ffmpeg took too long")
	ErrNoVideo = errors.New("no video stream")
	ErrEncode  = errors.New("ffmpeg failed to encode")
)

// Tools names the programs; the zero value means ffmpeg and ffprobe on PATH.
type Tools struct {
	FFmpeg, FFprobe string
}

func (t Tools) ffmpeg() string  { return orDefault(t.FFmpeg, "ffmpeg") }
func (t Tools) ffprobe() string { return orDefault(t.FFprobe, "ffprobe") }

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// Check says whether both programs can be found, and if not which one is missing (wrapping [ErrMissing]).
func (t Tools) Check() error {
	for _, p := range []string{t.ffmpeg(), t.ffprobe()} {
		if _, err := exec.LookPath(p); err != nil {
			return fmt.Errorf("%w: %s: %w", ErrMissing, p, err)
		}
	}
	return nil
}

// maxStderr bounds what is kept of a program's error output; maxOutput what is read of its standard output.
const (
	maxStderr = 4 << 10
	maxOutput = 16 << 20
)

// run runs prog with args and file as its descriptor 3 (/dev/fd/3), and returns its standard output (at most
// maxOutput bytes). It ends the program when ctx ends.
func run(ctx context.Context, prog string, file *os.File, args ...string) ([]byte, error) {
	if _, err := exec.LookPath(prog); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrMissing, prog, err)
	}
	cmd := exec.CommandContext(ctx, prog, args...)
	if file != nil {
		cmd.ExtraFiles = []*os.File{file}
	}
	var out bytes.Buffer
	stderr := &capped{max: maxStderr}
	cmd.Stdout, cmd.Stderr = &limited{w: &out, n: maxOutput}, stderr
	cmd.WaitDelay = time.Second
	err := cmd.Run()
	if ctx.Err() != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrTimeout, prog, ctx.Err())
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w: %s", ErrDecode, prog, err, stderr.text())
	}
	return out.Bytes(), nil
}

// Info is what ffprobe says of a video.
type Info struct {
	Duration      time.Duration
	Width, Height int
	Codec         string
}

// Probe reads the duration and the first video stream's size and codec of file (held open by the caller): from an
// MP4's boxes when it is one ProbeMP4 reads, else with ffprobe through /dev/fd/3. When the container does not record its duration (a stream written to a pipe), it is taken
// from the last packet's end.
func (t Tools) Probe(ctx context.Context, file *os.File) (Info, error) {
	if st, err := file.Stat(); err == nil {
		if info, err := ProbeMP4(file, st.Size()); err == nil && info.Duration > 0 {
			return info, nil
		}
	}
	out, err := run(ctx, t.ffprobe(), file, "-v", "error", "-show_entries",
		"format=duration:stream=codec_type,codec_name,width,height,duration", "-of", "json", "/dev/fd/3")
	if err != nil {
		return Info{}, err
	}
	info, err := ParseProbe(out)
	if err != nil || info.Duration > 0 {
		return info, err
	}
	if _, err := file.Seek(0, io.SeekStart); err != nil {
		return Info{}, fmt.Errorf("ffprobe: rewind: %w", err)
	}
	if out, err = run(ctx, t.ffprobe(), file, "-v", "error", "-select_streams", "v:0", "-show_entries",
		"packet=pts_time,duration_time", "-of", "csv=p=0", "/dev/fd/3"); err != nil {
		return Info{}, err
	}
	info.Duration = PacketsEnd(out)
	return info, nil
}

// ParseProbe reads ffprobe's JSON answer (-show_entries format=duration:stream=codec_type,codec_name,width,height,
// duration -of json): the first video stream's size and codec, and the container's duration, else the stream's
// (zero when neither is known). An answer with no video stream is [ErrNoVideo].
func ParseProbe(out []byte) (Info, error) {
	var p struct {
		Streams []struct {
			Type     string `json:"codec_type"`
			Codec    string `json:"codec_name"`
			Width    int    `json:"width"`
			Height   int    `json:"height"`
			Duration string `json:"duration"`
		} `json:"streams"`
		Format struct {
			Duration string `json:"duration"`
		} `json:"format"`
	}
	if err := json.Unmarshal(out, &p); err != nil {
		return Info{}, fmt.Errorf("%w: ffprobe's answer: %w", ErrDecode, err)
	}
	for _, s := range p.Streams {
		if s.Type != "video" || s.Width <= 0 || s.Height <= 0 || s.Width > 1<<16 || s.Height > 1<<16 {
			continue
		}
		info := Info{Width: s.Width, Height: s.Height, Codec: s.Codec}
		if len(info.Codec) > 32 || strings.Trim(info.Codec, "abcdefghijklmnopqrstuvwxyz0123456789_-.") != "" {
			info.Codec = "?"
		}
		if d, ok := seconds(s.Duration); ok {
			info.Duration = d
		}
		if d, ok := seconds(p.Format.Duration); ok {
			info.Duration = d
		}
		return info, nil
	}
	return Info{}, ErrNoVideo
}

// PacketsEnd reads ffprobe's packet list (-show_entries packet=pts_time,duration_time -of csv=p=0) and returns
// the end of the last packet: its time plus its duration.
func PacketsEnd(out []byte) time.Duration {
	var end time.Duration
	for line := range strings.Lines(string(out)) {
		pts, dur, _ := strings.Cut(strings.TrimSpace(line), ",")
		p, ok := seconds(pts)
		if !ok {
			continue
		}
		d, _ := seconds(dur)
		end = max(end, p+d)
	}
	return end
}

func seconds(s string) (time.Duration, bool) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 0 || f > 1e7 {
		return 0, false
	}
	return time.Duration(f * float64(time.Second)), true
}

// Poster returns a JPEG of the frame at `at` (or the first frame when the video is shorter), no side longer than
// maxSide pixels.
func (t Tools) Poster(ctx context.Context, file *os.File, at time.Duration, maxSide int) ([]byte, error) {
	scale := fmt.Sprintf("scale='min(%d,iw)':'min(%d,ih)':force_original_aspect_ratio=decrease", maxSide, maxSide)
	for _, ss := range []time.Duration{at, 0} {
		if _, err := file.Seek(0, io.SeekStart); err != nil {
			return nil, fmt.Errorf("ffmpeg: rewind: %w", err)
		}
		out, err := run(ctx, t.ffmpeg(), file, "-nostdin", "-v", "error", "-threads", "1",
			"-ss", strconv.FormatFloat(ss.Seconds(), 'f', 3, 64),
			"-i", "/dev/fd/3", "-frames:v", "1", "-vf", scale, "-f", "image2pipe", "-c:v", "mjpeg", "-q:v", "4", "pipe:1")
		if err != nil {
			return nil, err
		}
		if len(out) > 0 {
			return out, nil
		}
		if ss == 0 {
			break
		}
	}
	return nil, fmt.Errorf("%w: no frame", ErrDecode)
}

// capped keeps the last max bytes written to it.
type capped struct {
	max int
	buf []byte
}

func (c *capped) Write(p []byte) (int, error) {
	c.buf = append(c.buf, p...)
	if len(c.buf) > c.max {
		c.buf = c.buf[len(c.buf)-c.max:]
	}
	return len(p), nil
}

func (c *capped) text() string { return strings.TrimSpace(string(c.buf)) }

// limited writes at most n bytes to w and fails after.
type limited struct {
	w io.Writer
	n int
}

func (l *limited) Write(p []byte) (int, error) {
	if len(p) > l.n {
		return 0, fmt.Errorf("ffmpeg: more than %d bytes of output", maxOutput)
	}
	l.n -= len(p)
	return l.w.Write(p)
}
