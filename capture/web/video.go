package web

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"strings"
	"sync"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"golang.org/x/image/draw"
	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"

	"github.com/attesta/attesta/evidence"
	"github.com/attesta/attesta/internal/ffmpeg"
)

// ErrVideoUnavailable is returned by [Session.RecordVideo] when the session cannot be recorded (ffmpeg missing, the
// browser refusing the screencast); the capture goes on without a video, and the "video-unavailable" action says
// why.
var ErrVideoUnavailable = errors.New("session video not recorded")

// Reasons a video is not recorded, as the "video-unavailable" action's "reason" field gives them.
const (
	VideoMissingFFmpeg = "ffmpeg-missing"    // ffmpeg or ffprobe is not installed
	VideoNoScreencast  = "screencast-failed" // the browser did not start its screencast
	VideoEncodeFailed  = "encoder-failed"    // ffmpeg stopped or could not be started
)

// VideoOptions configure the recording of a session. The zero value records at 4 frames per second at the
// browser window's size, with Debian's ffmpeg.
type VideoOptions struct {
	Tools ffmpeg.Tools
	FPS   float64 // frames per second of the video (default 4)
	// Width and Height bound the video's size in pixels (the browser scales its frames down to fit); zero means
	// the page's own size. The video has the size of the first frame the browser sends.
	Width, Height int
}

// Video records a session's tab as it is seen: Chromium's screencast frames (Page.startScreencast, each frame
// acknowledged), drawn at a fixed rate with the appliance's time printed in the corner, encoded by ffmpeg into
// WebM (VP9). The recording is cut into one video per chat ([Video.Chat]), so that each chat's delivery holds its
// own; each video is handed to the Recorder as an artifact of kind video, named chats/<digits>/video.webm, and
// an action "video" records its start and end times on the appliance clock, its frames and its digest.
type Video struct {
	s     *Session
	opts  VideoOptions
	stop  context.CancelFunc
	done  sync.WaitGroup
	frame chan []byte // the latest screencast frame (JPEG), replaced by the next

	mu     sync.Mutex
	canvas *image.RGBA
	ref    image.Point // the size of the page's frames
	seg    *segment
	err    error // the first failure of the current segment
}

type segment struct {
	enc     *ffmpeg.Encoder
	name    string
	phone   string
	started time.Time
}

// RecordVideo starts the screencast of the session's tab. Nothing is encoded until [Video.Chat] names the chat
// being captured. When the recording cannot start, it records a "video-unavailable" action with the reason and
// returns an error wrapping [ErrVideoUnavailable]: the capture goes on without it.
func (s *Session) RecordVideo(ctx context.Context, opts VideoOptions) (*Video, error) {
	if opts.FPS <= 0 {
		opts.FPS = 4
	}
	if err := opts.Tools.Check(); err != nil {
		return nil, s.unavailableErr(ctx, VideoMissingFFmpeg, err)
	}
	c, cancel := s.run(ctx)
	v := &Video{s: s, opts: opts, stop: cancel, frame: make(chan []byte, 1)}
	frames := chromedp.Events(c, page.ScreencastFrame)
	quality := int64(80)
	if _, err := chromedp.Call(c, page.StartScreencast, page.StartScreencastParams{Format: page.StartScreencastFormatJpeg,
		Quality: &quality, MaxWidth: int64(opts.Width), MaxHeight: int64(opts.Height), EveryNthFrame: 1}); err != nil {
		cancel()
		return nil, s.unavailableErr(ctx, VideoNoScreencast, err)
	}
	v.done.Add(1)
	go func() {
		defer v.done.Done()
		for ev, err := range frames {
			if err != nil {
				return
			}
			latest(v.frame, ev.Data)
			if _, err := chromedp.Call(c, page.ScreencastFrameAck, page.ScreencastFrameAckParams{SessionID: ev.SessionID}); err != nil {
				return
			}
		}
	}()
	if err := v.size(ctx); err != nil {
		cancel()
		v.done.Wait()
		return nil, s.unavailableErr(ctx, VideoNoScreencast, err)
	}
	v.canvas = image.NewRGBA(image.Rect(0, 0, v.opts.Width, v.opts.Height))
	v.done.Add(1)
	go func() {
		defer v.done.Done()
		v.pump(c)
	}()
	return v, s.event(ctx, "action", map[string]any{"action": "video-start", "fps": opts.FPS,
		"resolution": fmt.Sprintf("%dx%d", v.opts.Width, v.opts.Height), "codec": "vp9", "container": "webm"})
}

// size waits for the first screencast frame (the browser sends one as soon as the screencast starts) and takes its
// size as the video's, rounded down to even numbers as VP9's 4:2:0 needs.
func (v *Video) size(ctx context.Context) error {
	wait, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	var jpg []byte
	select {
	case jpg = <-v.frame:
	case <-wait.Done():
		return fmt.Errorf("no screencast frame: %w", wait.Err())
	}
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(jpg))
	if err != nil {
		return fmt.Errorf("first screencast frame: %w", err)
	}
	v.ref = image.Pt(cfg.Width, cfg.Height)
	v.opts.Width, v.opts.Height = cfg.Width&^1, cfg.Height&^1
	if v.opts.Width < 2 || v.opts.Height < 2 {
		return fmt.Errorf("screencast frame of %dx%d pixels", cfg.Width, cfg.Height)
	}
	latest(v.frame, jpg)
	return nil
}

// latest puts jpg in ch (of capacity 1) in place of the frame it holds, if any.
func latest(ch chan []byte, jpg []byte) {
	for {
		select {
		case ch <- jpg:
			return
		default:
		}
		select {
		case <-ch:
		default:
		}
	}
}

// videoUnavailable records why there is no video (of one chat, or of the session when phone is "") as a
// "video-unavailable" action; it returns an error only when that record could not be kept.
func (s *Session) videoUnavailable(ctx context.Context, phone, reason string, cause error) error {
	s.log.WarnContext(ctx, "session video not recorded", "reason", reason, "error", cause)
	fields := map[string]any{"action": "video-unavailable", "reason": reason, "detail": cause.Error()}
	if phone != "" {
		fields["phone"] = phone
	}
	if err := s.event(ctx, "action", fields); err != nil {
		return &recordError{err}
	}
	return nil
}

// unavailableErr is the error RecordVideo returns when it cannot record: ErrVideoUnavailable with the reason,
// joined with the record's failure when there is one.
func (s *Session) unavailableErr(ctx context.Context, reason string, cause error) error {
	return errors.Join(fmt.Errorf("%w: %s: %w", ErrVideoUnavailable, reason, cause), s.videoUnavailable(ctx, "", reason, cause))
}

// pump draws the latest frame at the video's rate and hands it to the current segment's encoder. When the
// machine falls behind, the frame is repeated, so that the video's time stays the clock's time.
func (v *Video) pump(ctx context.Context) {
	tick := time.NewTicker(time.Duration(float64(time.Second) / v.opts.FPS))
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		var jpg []byte
		select {
		case jpg = <-v.frame:
		default:
		}
		v.mu.Lock()
		if jpg != nil {
			v.paint(jpg)
		}
		v.write()
		v.mu.Unlock()
	}
}

// paint draws a screencast frame on the canvas. A frame of another size than the page's (the browser sends the
// region of a clipped screenshot as a frame of its own) or one that does not decode leaves the previous one.
func (v *Video) paint(jpg []byte) {
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(jpg))
	if err != nil || image.Pt(cfg.Width, cfg.Height) != v.ref {
		return
	}
	img, err := jpeg.Decode(bytes.NewReader(jpg))
	if err != nil {
		return
	}
	draw.Draw(v.canvas, v.canvas.Bounds(), img, img.Bounds().Min, draw.Src)
}

// write sends the canvas, with the time, to the segment's encoder: as many frames as the time since the segment
// started calls for (at most five seconds' worth at once).
func (v *Video) write() {
	seg := v.seg
	if seg == nil || v.err != nil {
		return
	}
	now := v.s.opts.Now()
	if seg.started.IsZero() {
		seg.started = now
	}
	due := int(now.Sub(seg.started).Seconds()*v.opts.FPS) + 1 - seg.enc.Frames()
	if due <= 0 {
		return
	}
	frame := image.NewRGBA(v.canvas.Bounds())
	copy(frame.Pix, v.canvas.Pix)
	stamp(frame, now)
	for range min(due, int(5*v.opts.FPS)+1) {
		if err := seg.enc.Write(frame.Pix); err != nil {
			v.err = err
			return
		}
	}
}

// Chat ends the current chat's video, if any, and starts the video of the chat with this phone number (E.164).
// A video that cannot be encoded or kept is recorded as a "video-unavailable" action; the error is returned when
// the recorder could not keep that record either (the capture then stops, as it does for any record lost).
func (v *Video) Chat(ctx context.Context, phone string) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if err := v.end(ctx); err != nil {
		return err
	}
	enc, err := v.opts.Tools.NewEncoder(ctx, v.opts.Width, v.opts.Height, v.opts.FPS)
	if err != nil {
		return v.s.videoUnavailable(ctx, phone, VideoEncodeFailed, err)
	}
	name := v.s.artifactName(fmt.Sprintf("chats/%s/video.webm", strings.TrimPrefix(phone, "+")))
	v.seg, v.err = &segment{enc: enc, name: name, phone: phone}, nil
	v.write()
	return nil
}

// Stop ends the last chat's video, stores it, and stops the screencast.
func (v *Video) Stop(ctx context.Context) error {
	v.mu.Lock()
	err := v.end(ctx)
	v.mu.Unlock()
	v.stop()
	v.done.Wait()
	c, cancel := v.s.runFor(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	_, _ = chromedp.Call(c, page.StopScreencast, cdp.Empty{})
	return err
}

// end closes the current segment and stores its video (with v.mu held).
func (v *Video) end(ctx context.Context) error {
	seg := v.seg
	if seg == nil {
		return nil
	}
	v.seg = nil
	if v.err != nil {
		seg.enc.Abort()
		return v.s.videoUnavailable(ctx, seg.phone, VideoEncodeFailed, v.err)
	}
	v.write() // the last frame, at the time the chat ends
	ended := v.s.opts.Now()
	frames := seg.enc.Frames()
	f, err := seg.enc.Close()
	if err != nil {
		return v.s.videoUnavailable(ctx, seg.phone, VideoEncodeFailed, err)
	}
	defer f.Close()
	sum, size, err := v.s.opts.Recorder.Artifact(ctx, string(evidence.ArtifactVideo), seg.name, f)
	if err != nil {
		return &recordError{fmt.Errorf("record %s: %w", seg.name, err)}
	}
	return v.s.event(ctx, "action", map[string]any{"action": "video", "phone": seg.phone, "name": seg.name,
		"sha256": sum, "bytes": size, "frames": frames, "fps": v.opts.FPS,
		"resolution":  fmt.Sprintf("%dx%d", v.opts.Width, v.opts.Height),
		"duration_ms": int64(float64(frames) / v.opts.FPS * 1000),
		"started":     seg.started.UTC().Format(time.RFC3339Nano), "ended": ended.UTC().Format(time.RFC3339Nano)})
}

// stamp prints the time (Europe/Rome, to the millisecond, with the zone) in the top right corner, white on black,
// twice the size of the 7×13 bitmap font, so that no font file is needed.
func stamp(dst *image.RGBA, t time.Time) {
	text := t.In(evidence.Location()).Format("2006-01-02 15:04:05.000 MST")
	const scale, pad = 2, 3
	face := basicfont.Face7x13
	w := font.MeasureString(face, text).Ceil() + 2*pad
	h := face.Height + 2*pad
	small := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(small, small.Bounds(), image.NewUniform(color.RGBA{0, 0, 0, 200}), image.Point{}, draw.Src)
	d := font.Drawer{Dst: small, Src: image.White, Face: face, Dot: fixed.P(pad, pad+face.Ascent)}
	d.DrawString(text)
	b := dst.Bounds()
	at := image.Rect(b.Max.X-w*scale-8, b.Min.Y+8, b.Max.X-8, b.Min.Y+8+h*scale).Intersect(b)
	draw.NearestNeighbor.Scale(dst, at, small, small.Bounds(), draw.Over, nil)
}
