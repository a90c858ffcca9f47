package report

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image/jpeg"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/attesta/attesta/bundle"
	"github.com/attesta/attesta/evidence"
	"github.com/attesta/attesta/internal/ffmpeg"
)

// Limits on the videos the report reads: the bytes it copies into memory for ffmpeg, and the time each ffmpeg or
// ffprobe run may take (a hostile file must not stall the report).
const (
	maxVideoBytes = 1 << 30
	videoTimeout  = 30 * time.Second
)

// posterSide is the longest side, in pixels, of a video's poster frame; posterW its width on the page (mm).
const (
	posterSide = 480
	posterW    = 60.0
)

// video is what the report shows of a video: its duration and size, and a poster frame; why says, in the report's
// language, what could not be read.
type video struct {
	info   ffmpeg.Info
	poster *picture
	why    string
}

// loadVideo copies the file with the given digest into memory (checking the digest), probes it and takes the frame
// at `at` as its poster; when at is negative or past the end, the frame a second in (or in the middle of a shorter
// video).
func loadVideo(ctx context.Context, tools ffmpeg.Tools, files Opener, sha string, at time.Duration) (ffmpeg.Info, *picture, error) {
	f, err := openVideo(ctx, files, sha)
	if err != nil {
		return ffmpeg.Info{}, nil, err
	}
	defer f.Close()
	pctx, cancel := context.WithTimeout(ctx, videoTimeout)
	defer cancel()
	info, err := tools.Probe(pctx, f)
	if err != nil {
		return ffmpeg.Info{}, nil, err
	}
	if at < 0 || at >= info.Duration {
		at = min(time.Second, info.Duration/2)
	}
	jpg, err := tools.Poster(pctx, f, at, posterSide)
	if err != nil {
		return info, nil, err
	}
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(jpg))
	if err != nil || cfg.Width <= 0 || cfg.Height <= 0 {
		return info, nil, fmt.Errorf("%w: poster frame: %v", ffmpeg.ErrDecode, err)
	}
	return info, &picture{JPEG: jpg, W: cfg.Width, H: cfg.Height}, nil
}

// openVideo copies the file with the given digest into an in-memory file and checks the digest.
func openVideo(ctx context.Context, files Opener, sha string) (*os.File, error) {
	f, err := ffmpeg.Memfd("report-video")
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", errPicRead, sha, err)
	}
	err = copyChecked(ctx, files, sha, f, maxVideoBytes)
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// videoReason maps a loadVideo error to the catalog key of its reason.
func videoReason(err error) string {
	switch {
	case errors.Is(err, ffmpeg.ErrMissing):
		return "VideoWhy.ffmpeg-missing"
	case errors.Is(err, ffmpeg.ErrTimeout), errors.Is(err, context.DeadlineExceeded):
		return "VideoWhy.timeout"
	case errors.Is(err, ffmpeg.ErrNoVideo):
		return "VideoWhy.no-video"
	case errors.Is(err, ffmpeg.ErrDecode):
		return "VideoWhy.decode"
	}
	return "PictureWhy." + pictureReason(err)
}

// video reads a video for printing, its poster frame taken at `at` (see loadVideo); without files to open it
// returns nil. What cannot be read is listed with the anomalies.
func (r *renderer) video(path, sha string, at time.Duration) *video {
	if r.in.Files == nil {
		return nil
	}
	if v, ok := r.videos[sha]; ok {
		return v
	}
	var info ffmpeg.Info
	var poster *picture
	var err error
	if l, ok := r.take(sha); ok && at < 0 {
		info, poster, err = l.info, l.pic, l.err
	} else {
		info, poster, err = loadVideo(r.ctx, r.opts.FFmpeg, r.in.Files, sha, at)
	}
	v := &video{info: info, poster: poster}
	if err != nil {
		v.why = r.t(videoReason(err))
		r.problems = append(r.problems, path+": "+v.why)
	}
	r.videos[sha] = v
	return v
}

// isVideo says whether an attachment is a video the report shows a poster frame of.
func isVideo(msg *evidence.Message, a evidence.Attachment) bool {
	return strings.HasPrefix(a.MIME, "video/") || (a.MIME == "" && msg.Type == evidence.TypeVideo)
}

// videoAttachment prints a video attachment's duration and poster frame, or why they cannot be shown.
func (r *renderer) videoAttachment(a evidence.Attachment) {
	v := r.video(a.Path, a.SHA256, -1)
	if v == nil {
		return
	}
	r.videoBody(v, 4, thumbW)
}

// videoBody prints a video's duration, size and poster frame, indented, or why it cannot.
func (r *renderer) videoBody(v *video, indent, width float64) {
	if v.info.Duration > 0 {
		r.labelled(r.t("Duration"), r.t("VideoInfo", clock(v.info.Duration), v.info.Width, v.info.Height, v.info.Codec))
	}
	if v.poster != nil {
		r.need(width*float64(v.poster.H)/float64(v.poster.W) + 10)
		r.font("I", 8)
		r.pdf.SetX(margin + indent)
		r.multiCell(bodyW-indent, 3.8, r.s(r.t("PosterNote")))
		r.image(v.poster, indent, width, 80)
		return
	}
	if v.why != "" {
		r.font("I", 8.5)
		r.pdf.SetX(margin + indent)
		r.multiCell(bodyW-indent, lineH, r.s(r.t("NoPoster", v.why)))
	}
}

// sessionVideo is one recording of the session, with the custody's record of it.
type sessionVideo struct {
	art            evidence.Artifact
	v              *video
	started, ended time.Time
	fps            string
}

// sessionVideos reads the recordings of the session the manifest lists, and the reasons the chain of custody
// gives for a recording that was not made (loaded before the caveats, which list what could not be read).
func (r *renderer) sessionVideos(load bool) (vids []*sessionVideo, missing []string) {
	custody := r.chatCustody()
	for _, a := range r.in.Manifest.Artifacts {
		if a.Kind != evidence.ArtifactVideo || !load {
			continue
		}
		sv := &sessionVideo{art: a}
		for _, c := range custody {
			if c.Action == bundle.CustodyCapture && c.Fields["step"] == "video" && c.Fields["sha256"] == a.SHA256 {
				sv.started, _ = time.Parse(time.RFC3339Nano, c.Fields["started"])
				sv.ended, _ = time.Parse(time.RFC3339Nano, c.Fields["ended"])
				sv.fps = c.Fields["fps"]
			}
		}
		// The poster shows the chat open on screen: two seconds after it was opened, when that is known.
		at := time.Duration(-1)
		if opens := sv.opens(r.openMoments()); len(opens) > 0 {
			at = opens[0].Sub(sv.started) + 2*time.Second
		}
		sv.v = r.video(a.Path, a.SHA256, at)
		vids = append(vids, sv)
	}
	for _, c := range custody {
		if c.Action == bundle.CustodyCapture && c.Fields["step"] == "video-unavailable" {
			why := r.lookup("VideoNot", c.Fields["reason"])
			if !slices.Contains(missing, why) {
				missing = append(missing, why)
			}
		}
	}
	if len(vids) == 0 && len(missing) > 0 {
		r.problems = append(r.problems, r.t("VideoNone", r.joinList(missing)))
	}
	return vids, missing
}

// sessionVideoSection prints the recordings of the session: file, digest, duration, the appliance times it
// covers, the moments the chat was opened (time of day and position in the video), and a poster frame; or why
// there is no recording.
func (r *renderer) sessionVideoSection(vids []*sessionVideo, missing []string) {
	if len(vids) == 0 && len(missing) == 0 {
		return
	}
	r.heading(r.t("SecVideo"), 60)
	if len(vids) == 0 {
		r.para("", r.t("VideoNone", r.joinList(missing)))
		return
	}
	r.para("", r.t("VideoIntro"))
	opens := r.openMoments()
	for _, sv := range vids {
		r.need(40)
		r.font("B", 9)
		r.multiCell(bodyW, lineH, r.s(fmt.Sprintf("%s — %s %s", sv.art.Path,
			groupDigits(sv.art.Size, r.t("Thousands")), r.t("Bytes"))))
		r.mono(0, 7.5, "SHA-256 "+sv.art.SHA256)
		if !sv.started.IsZero() && !sv.ended.IsZero() {
			r.labelled(r.t("VideoSpan"), r.t("VideoSpanText", r.when(sv.started), r.when(sv.ended), orUnknown(sv.fps, "?")))
		}
		for _, at := range sv.opens(opens) {
			r.labelled(r.t("VideoOpened"), r.t("VideoOpenedAt", r.when(at), clock(at.Sub(sv.started))))
		}
		if sv.v != nil {
			r.videoBody(sv.v, 0, posterW*1.5)
		}
		r.pdf.Ln(2)
	}
}

// opens are the moments among ats that the video covers.
func (sv *sessionVideo) opens(ats []time.Time) []time.Time {
	var out []time.Time
	for _, at := range ats {
		if !sv.started.IsZero() && !at.Before(sv.started) && (sv.ended.IsZero() || !at.After(sv.ended)) {
			out = append(out, at)
		}
	}
	return out
}

// openMoments are the times the chain of custody records the chat being opened on screen.
func (r *renderer) openMoments() []time.Time {
	var out []time.Time
	for _, c := range r.chatCustody() {
		if c.Action == bundle.CustodyCapture && c.Fields["step"] == "open-chat" {
			out = append(out, c.At)
		}
	}
	return out
}
