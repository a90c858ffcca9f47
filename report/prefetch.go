package report

import (
	"runtime"
	"sync"

	"github.com/attesta/attesta/internal/ffmpeg"
)

// prefetchWorkers is how many pictures and videos are read at once ahead of the layout: one per core (decoding
// and ffmpeg's start-up are CPU work), at least two; each worker holds one original, or runs one ffmpeg of about
// 70 MB.
func prefetchWorkers() int { return max(2, runtime.GOMAXPROCS(0)) }

// loaded is a picture or a video read ahead of the layout, with the error that stopped it.
type loaded struct {
	pic  *picture
	info ffmpeg.Info
	err  error
}

// prefetchKey names an attachment read ahead: its path and its digest (a path is unique within a delivery, so a
// photo forwarded twice is read twice, as the layout would).
func prefetchKey(path, sha string) string { return path + "\x00" + sha }

// prefetch reads the thumbnails of the image attachments and the duration and poster frame of the video
// attachments of the detailed report, a few at a time, before the layout (which is sequential: fpdf builds one
// page at a time) takes them in order. What it reads it keeps in r.pre; errors are kept there too, for the layout
// to print in its order. Ending ctx stops it; what is missing is then read in line.
func (r *renderer) prefetch() {
	if r.in.Files == nil || r.opts.Kind != Personalizzata {
		return
	}
	type job struct {
		key, sha string
		video    bool
	}
	var jobs []job
	seen := map[string]bool{}
	for i := range r.in.Manifest.Messages {
		msg := &r.in.Manifest.Messages[i]
		for _, a := range msg.Attachments {
			switch {
			case a.Unavailable != "":
			case isVideo(msg, a) && !seen[a.SHA256]:
				seen[a.SHA256] = true
				jobs = append(jobs, job{key: a.SHA256, sha: a.SHA256, video: true})
			case isPicture(msg, a):
				jobs = append(jobs, job{key: prefetchKey(a.Path, a.SHA256), sha: a.SHA256})
			}
		}
	}
	if len(jobs) == 0 {
		return
	}
	r.pre = make(map[string]loaded, len(jobs))
	var mu sync.Mutex
	var wg sync.WaitGroup
	next := make(chan job)
	for range min(prefetchWorkers(), len(jobs)) {
		wg.Go(func() {
			for j := range next {
				var l loaded
				if j.video {
					l.info, l.pic, l.err = loadVideo(r.ctx, r.opts.FFmpeg, r.in.Files, j.sha, -1)
				} else {
					l.pic, l.err = loadMarked(r.ctx, r.in.Files, j.sha, thumbSide, nil)
				}
				if r.ctx.Err() != nil {
					continue // read in line, or the render stops
				}
				mu.Lock()
				r.pre[j.key] = l
				mu.Unlock()
			}
		})
	}
	for _, j := range jobs {
		select {
		case next <- j:
		case <-r.ctx.Done():
		}
	}
	close(next)
	wg.Wait()
}

// take returns what prefetch read under key, and forgets it (the layout uses each once).
func (r *renderer) take(key string) (loaded, bool) {
	l, ok := r.pre[key]
	if ok {
		delete(r.pre, key)
	}
	return l, ok
}
