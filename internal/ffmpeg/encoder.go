package ffmpeg

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"time"
)

// Encoder turns raw RGBA frames of a fixed size into a WebM (VP9) video held in memory. Write one frame at a
// time, at the frame rate given; Close ends the stream and returns the file, rewound.
type Encoder struct {
	W, H int
	cmd  *exec.Cmd
	in   io.WriteCloser
	out  *os.File
	errb *capped
	n    int
}

// NewEncoder starts ffmpeg to encode w×h frames at fps frames per second: VP9 in real-time mode on one thread (the
// encoder keeps up on a busy core and takes no more than one), constant quality, a key frame every ten seconds, into WebM in memory (seekable, so the
// file records its duration and its cues). ctx ends the encoder (the video is then lost).
func (t Tools) NewEncoder(ctx context.Context, w, h int, fps float64) (*Encoder, error) {
	if w <= 0 || h <= 0 || w%2 != 0 || h%2 != 0 || fps <= 0 {
		return nil, fmt.Errorf("ffmpeg: encoder of %dx%d at %g fps: even sizes and a positive rate needed", w, h, fps)
	}
	prog := t.ffmpeg()
	if _, err := exec.LookPath(prog); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrMissing, prog, err)
	}
	out, err := Memfd("video")
	if err != nil {
		return nil, err
	}
	rate := strconv.FormatFloat(fps, 'f', -1, 64)
	cmd := exec.CommandContext(ctx, prog, "-nostdin", "-v", "error", "-f", "rawvideo", "-pix_fmt", "rgba",
		"-s", fmt.Sprintf("%dx%d", w, h), "-framerate", rate, "-i", "pipe:0",
		"-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8", "-threads", "1",
		"-crf", "40", "-b:v", "0", "-g", strconv.Itoa(max(1, int(fps*10))), "-pix_fmt", "yuv420p",
		"-f", "webm", "-y", "/dev/fd/3")
	cmd.ExtraFiles = []*os.File{out}
	e := &Encoder{W: w, H: h, cmd: cmd, out: out, errb: &capped{max: maxStderr}}
	cmd.Stderr = e.errb
	cmd.WaitDelay = 5 * time.Second
	if e.in, err = cmd.StdinPipe(); err != nil {
		out.Close()
		return nil, fmt.Errorf("ffmpeg: encoder: %w", err)
	}
	if err := cmd.Start(); err != nil {
		out.Close()
		return nil, fmt.Errorf("ffmpeg: start encoder: %w", err)
	}
	return e, nil
}

// Write sends one frame: w×h RGBA pixels, row after row (image.RGBA's Pix with a stride of 4·w).
func (e *Encoder) Write(rgba []byte) error {
	if len(rgba) != 4*e.W*e.H {
		return fmt.Errorf("ffmpeg: frame of %d bytes, want %d", len(rgba), 4*e.W*e.H)
	}
	if _, err := e.in.Write(rgba); err != nil {
		return fmt.Errorf("ffmpeg: frame %d: %w (%s)", e.n, err, e.errb.text())
	}
	e.n++
	return nil
}

// Frames is how many frames were written.
func (e *Encoder) Frames() int { return e.n }

// Close ends the stream, waits for ffmpeg and returns the video, rewound; the caller closes it.
func (e *Encoder) Close() (*os.File, error) {
	cerr := e.in.Close()
	werr := e.cmd.Wait()
	if err := errors.Join(cerr, werr); err != nil {
		e.out.Close()
		return nil, fmt.Errorf("%w: %w: %s", ErrEncode, err, e.errb.text())
	}
	if e.n == 0 {
		e.out.Close()
		return nil, errors.New("ffmpeg: encoder: no frame was written")
	}
	if _, err := e.out.Seek(0, io.SeekStart); err != nil {
		e.out.Close()
		return nil, fmt.Errorf("ffmpeg: encoder: rewind: %w", err)
	}
	return e.out, nil
}

// Abort stops ffmpeg and drops the video.
func (e *Encoder) Abort() {
	_ = e.in.Close()
	if e.cmd.Process != nil {
		_ = e.cmd.Process.Kill()
	}
	_ = e.cmd.Wait()
	e.out.Close()
}
