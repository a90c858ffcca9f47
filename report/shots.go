package report

import (
	"fmt"
	"image"
	"path"
	"strings"

	"github.com/attesta/attesta/bundle"
	"github.com/attesta/attesta/evidence"
)

// refs names messages by number: "N. 1, N. 2".
func (r *renderer) refs(messages []int) string {
	out := make([]string, len(messages))
	for i, m := range messages {
		out[i] = r.t("MsgRef", m+1)
	}
	return strings.Join(out, ", ")
}

// shot is one distinct screenshot: its digest, the files that hold it, and the messages they show.
type shot struct {
	sha, path string
	files     []string
	messages  []int    // indexes into the manifest's messages
	marked    []int    // those framed on the copy (their place on the screen is recorded)
	pic       *picture // nil when it cannot be shown
	why       string   // why it cannot be shown
}

// distinctShots groups the delivery's screenshots by content: a capture names each screenshot after the message
// it was taken for (artifacts/screenshots/<id>.png), and one screen often shows several messages.
func (r *renderer) distinctShots() []*shot {
	byID := r.byID()
	bubbles := r.bubbles()
	var shots []*shot
	bySHA := map[string]*shot{}
	marks := map[*shot][]image.Rectangle{}
	for _, a := range r.in.Manifest.Artifacts {
		if a.Kind != evidence.ArtifactScreenshot {
			continue
		}
		s := bySHA[a.SHA256]
		if s == nil {
			s = &shot{sha: a.SHA256, path: a.Path}
			bySHA[a.SHA256] = s
			shots = append(shots, s)
		}
		s.files = append(s.files, a.Path)
		id := strings.TrimSuffix(path.Base(a.Path), path.Ext(a.Path))
		if i, ok := byID[id]; ok {
			s.messages = append(s.messages, i)
			if b, ok := bubbles[id]; ok {
				s.marked = append(s.marked, i)
				marks[s] = append(marks[s], b)
			}
		}
	}
	for _, s := range shots {
		s.pic, s.why = r.picture(s.path, s.sha, shotSide, marks[s])
	}
	return shots
}

// bubbles returns where each message was on its screenshot, from the chain of custody: the capture records the
// message's box, in the screenshot's pixels, when it brings the message into view ("scroll-to", field "bubble":
// "x,y,width,height").
func (r *renderer) bubbles() map[string]image.Rectangle {
	out := map[string]image.Rectangle{}
	for _, a := range r.chatCustody() {
		if a.Action != bundle.CustodyCapture || a.Fields["step"] != "scroll-to" || a.Fields["bubble"] == "" {
			continue
		}
		var x, y, w, h int
		if n, err := fmt.Sscanf(a.Fields["bubble"], "%d,%d,%d,%d", &x, &y, &w, &h); n != 4 || err != nil || w <= 0 || h <= 0 {
			continue
		}
		out[a.Fields["id"]] = image.Rect(x, y, x+w, y+h)
	}
	return out
}

// screenshots prints each distinct screenshot once, with the messages it shows (shots is distinctShots, loaded
// before the caveats so that the pictures that cannot be shown are listed there).
func (r *renderer) screenshots(shots []*shot) error {
	r.heading(r.t("SecScreenshots"), 110)
	if len(shots) == 0 {
		r.para("", r.t("NoScreenshots"))
		return nil
	}
	r.para("I", r.t("ShotsNote"))
	for _, s := range shots {
		if err := r.ctx.Err(); err != nil {
			return err
		}
		p := s.pic
		h := 26.0
		if p != nil {
			h += shotW * float64(p.H) / float64(p.W)
		}
		// A tall screenshot shrinks into the rest of the page rather than leave most of it blank.
		maxH := shotMaxH
		if room := bottomEdge - r.pdf.GetY() - 26; h > room+26 && room >= 90 {
			maxH, h = room, room+26
		}
		r.need(min(h, shotMaxH+26))
		r.font("B", 9)
		r.multiCell(bodyW, lineH, r.s(s.path))
		r.mono(0, 7.5, "SHA-256 "+s.sha)
		if len(s.messages) > 0 {
			r.font("", 9)
			r.multiCell(bodyW, lineH, r.s(r.t("ShotShows", r.refs(s.messages))))
		}
		if p != nil && len(s.marked) > 0 {
			r.font("I", 8)
			r.multiCell(bodyW, 3.8, r.s(r.t("ShotIllustration", r.refs(s.marked))))
		}
		if len(s.files) > 1 {
			r.font("", 8)
			r.multiCell(bodyW, 3.8, r.s(r.t("ShotFiles", strings.Join(s.files, ", "))))
		}
		r.pdf.Ln(1)
		if p != nil {
			r.image(p, 0, shotW, maxH)
		} else if s.why != "" {
			r.noPicture(0, s.why)
		}
	}
	return nil
}

// Screenshots: the longest side in pixels, the width and the highest height on the page in millimetres.
const (
	shotSide = 1400
	shotW    = 85.0
	shotMaxH = 190.0
)

// loadPicture loads the image with the given digest for printing; when it cannot, it prints why, indented. It
// returns nil when there are no files to open or no picture.
func (r *renderer) loadPicture(path, sha string, indent float64, maxSide int) *picture {
	p, why := r.picture(path, sha, maxSide, nil)
	if why != "" {
		r.noPicture(indent, why)
	}
	return p
}

// picture loads the image with the given digest, with frames around frames (see loadMarked), or says why it cannot, in the report's language, and lists the
// reason with the anomalies. Without files to open it returns neither.
func (r *renderer) picture(path, sha string, maxSide int, frames []image.Rectangle) (*picture, string) {
	if r.in.Files == nil {
		return nil, ""
	}
	var p *picture
	var err error
	if l, ok := r.take(prefetchKey(path, sha)); ok && maxSide == thumbSide && len(frames) == 0 {
		p, err = l.pic, l.err
	} else {
		p, err = loadMarked(r.ctx, r.in.Files, sha, maxSide, frames)
	}
	if err != nil {
		why := r.t("PictureWhy." + pictureReason(err))
		r.problems = append(r.problems, path+": "+why)
		return nil, why
	}
	return p, ""
}

func (r *renderer) noPicture(indent float64, why string) {
	r.font("I", 8.5)
	r.pdf.SetX(margin + indent)
	r.multiCell(bodyW-indent, lineH, r.s(r.t("NoPicture", why)))
}
