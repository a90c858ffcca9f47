package web

import (
	"bytes"
	"cmp"
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
	out    *image.RGBA // the canvas with the time, as sent to ffmpeg
	ref    image.Point // the size of the page's frames
	seg    *segment

	// Finished chats' videos are closed and stored on goroutines of their own, so that the capture does not
	// wait for ffmpeg; Stop waits for them. recErr is the first record that could not be kept.
	finishing sync.WaitGroup
	errMu     sync.Mutex
	recErr    error
}

type segment struct {
	name    string
	phone   string
	started time.Time

	mu     sync.Mutex // held while frames are written, and to close
	enc    *ffmpeg.Encoder
	err    error // the first failure to write a frame
	closed bool
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
		Quality: &quality, MaxWidth: int64(opts.Width), MaxHeight: int64(opts.Height), EveryNthFrame: 1,
		MaxFramesInFlight: 1}); err != nil {
		cancel()
		return nil, s.unavailableErr(ctx, VideoNoScreencast, err)
	}
	v.done.Add(1)
	// The browser sends the next frame once the last is acknowledged: acknowledging no faster than the video's
	// rate keeps it from encoding frames nobody draws (and from slowing the capture down).
	go func() {
		defer v.done.Done()
		interval := time.Duration(float64(time.Second) / opts.FPS)
		var acked time.Time
		for ev, err := range frames {
			if err != nil {
				return
			}
			latest(v.frame, ev.Data)
			if err := sleep(c, time.Until(acked.Add(interval))); err != nil {
				return
			}
			acked = time.Now()
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
	v.out = image.NewRGBA(v.canvas.Bounds())
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
		seg := v.seg
		if seg != nil {
			copy(v.out.Pix, v.canvas.Pix)
		}
		v.mu.Unlock()
		// ffmpeg may take its time to read: the capture can switch chats meanwhile.
		if seg != nil {
			seg.write(v.out, v.s.opts.Now(), v.opts.FPS)
		}
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

// write stamps out with now and sends it to the segment's encoder: as many frames as the time since the segment
// started calls for (at most five seconds' worth at once). out is the pump's own.
func (seg *segment) write(out *image.RGBA, now time.Time, fps float64) {
	seg.mu.Lock()
	defer seg.mu.Unlock()
	if seg.closed || seg.err != nil {
		return
	}
	due := int(now.Sub(seg.started).Seconds()*fps) + 1 - seg.enc.Frames()
	if due <= 0 {
		return
	}
	stamp(out, now)
	for range min(due, int(5*fps)+1) {
		if err := seg.enc.Write(out.Pix); err != nil {
			seg.err = err
			return
		}
	}
}

// Chat ends the current chat's video, if any (it is stored in the background), and starts the video of the chat
// with this phone number (E.164). A video that cannot be encoded or kept is recorded as a "video-unavailable"
// action; the error is returned when the recorder could not keep a record (the capture then stops, as it does for
// any record lost). The Recorder is called from other goroutines than the capture's.
func (v *Video) Chat(ctx context.Context, phone string) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.end(ctx)
	if err := v.firstErr(); err != nil {
		return err
	}
	// The encoder outlives a cancelled capture: Stop ends it and keeps the video of what was done.
	enc, err := v.opts.Tools.NewEncoder(context.WithoutCancel(ctx), v.opts.Width, v.opts.Height, v.opts.FPS)
	if err != nil {
		return v.s.videoUnavailable(ctx, phone, VideoEncodeFailed, err)
	}
	name := v.s.artifactName(fmt.Sprintf("chats/%s/video.webm", strings.TrimPrefix(phone, "+")))
	// The pump writes the frames from now on, while the capture goes on.
	v.seg = &segment{enc: enc, name: name, phone: phone, started: v.s.opts.Now()}
	return nil
}

// Stop ends the last chat's video, stores it (also when ctx has ended: the video of an interrupted capture is
// kept), and stops the screencast.
func (v *Video) Stop(ctx context.Context) error {
	v.mu.Lock()
	v.end(ctx)
	v.mu.Unlock()
	v.stop()
	v.done.Wait()
	v.finishing.Wait()
	c, cancel := v.s.runFor(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	_, _ = chromedp.Call(c, page.StopScreencast, cdp.Empty{})
	return v.firstErr()
}

func (v *Video) firstErr() error {
	v.errMu.Lock()
	defer v.errMu.Unlock()
	return v.recErr
}

// end detaches the current segment and closes and stores it on a goroutine of its own (with v.mu held).
func (v *Video) end(ctx context.Context) {
	seg := v.seg
	if seg == nil {
		return
	}
	v.seg = nil
	ended := v.s.opts.Now()
	// A chat captured within one frame's time (a quick chat on a fast replica) has no frame yet, and an encoder
	// without frames makes no video: it gets the page as it is now.
	var still *image.RGBA
	seg.mu.Lock()
	if seg.enc.Frames() == 0 && seg.err == nil {
		still = image.NewRGBA(v.canvas.Bounds())
		copy(still.Pix, v.canvas.Pix)
	}
	seg.mu.Unlock()
	ctx = context.WithoutCancel(ctx)
	v.finishing.Go(func() {
		if still != nil {
			seg.write(still, ended, v.opts.FPS)
		}
		if err := v.finish(ctx, seg, ended); err != nil {
			v.errMu.Lock()
			v.recErr = cmp.Or(v.recErr, err)
			v.errMu.Unlock()
		}
	})
}

// finish closes a chat's video and stores it, or records why it cannot.
func (v *Video) finish(ctx context.Context, seg *segment, ended time.Time) error {
	seg.mu.Lock()
	seg.closed = true
	frames := seg.enc.Frames()
	if seg.err != nil {
		seg.enc.Abort()
		seg.mu.Unlock()
		return v.s.videoUnavailable(ctx, seg.phone, VideoEncodeFailed, seg.err)
	}
	f, err := seg.enc.Close()
	seg.mu.Unlock()
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
