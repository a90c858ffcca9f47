package ui

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Event is one step of a session's progress, as the progress pages receive it over Server-Sent Events.
type Event struct {
	Seq   int       `json:"seq"`  // 1, 2, 3… in publication order; the SSE id
	Kind  string    `json:"kind"` // "progress", "qr" (a new code to scan), "end"
	Text  string    `json:"text"`
	Done  int       `json:"done"`
	Total int       `json:"total"`
	At    time.Time `json:"at"` // when it was published: the screens show it, and stream latency is measured from it
}

// Feed is the progress of one capture session: an ordered list of events, the QR code to scan, and whether it
// ended. Late subscribers receive every event from the start, in order.
type Feed struct {
	ID string

	mu      sync.Mutex
	events  []Event
	qr      []byte
	ended   bool
	changed chan struct{} // closed and replaced on every change
}

func newFeed(id string) *Feed { return &Feed{ID: id, changed: make(chan struct{})} }

// Feed returns the feed with id, creating it on first use.
func (s *Server) Feed(id string) *Feed {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.feeds[id]
	if f == nil {
		f = newFeed(id)
		s.feeds[id] = f
	}
	return f
}

func (s *Server) lookupFeed(id string) *Feed {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.feeds[id]
}

// publish appends an event; the caller holds f.mu.
func (f *Feed) publish(e Event) {
	if f.ended {
		return
	}
	e.Seq = len(f.events) + 1
	e.At = time.Now().UTC()
	f.events = append(f.events, e)
	close(f.changed)
	f.changed = make(chan struct{})
}

// Progress publishes a step: what is happening, and how far along it is.
func (f *Feed) Progress(text string, done, total int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.publish(Event{Kind: "progress", Text: text, Done: done, Total: total})
}

// SetQR shows a new QR code (PNG) to scan; it is served from memory only.
func (f *Feed) SetQR(png []byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.qr = append([]byte(nil), png...)
	f.publish(Event{Kind: "qr", Text: "nuovo codice QR"})
}

// End closes the session: its remote links stop working and its QR code is forgotten.
func (f *Feed) End(text string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.publish(Event{Kind: "end", Text: text})
	f.ended = true
	f.qr = nil
}

// Ended reports whether End was called.
func (f *Feed) Ended() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.ended
}

func (f *Feed) qrPNG() []byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.qr
}

// since returns the events after seq, a channel closed at the next change, and whether the feed ended.
func (f *Feed) since(seq int) ([]Event, <-chan struct{}, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	seq = max(0, min(seq, len(f.events)))
	return append([]Event(nil), f.events[seq:]...), f.changed, f.ended
}

// serveEvents streams the feed as Server-Sent Events until it ends or the client goes, resuming after
// Last-Event-ID when the browser reconnects.
func serveEvents(ctx context.Context, w http.ResponseWriter, r *http.Request, f *Feed) {
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("X-Accel-Buffering", "no")
	last, _ := strconv.Atoi(r.Header.Get("Last-Event-ID"))
	lang := langOf(r)
	keepalive := time.NewTicker(20 * time.Second)
	defer keepalive.Stop()
	for {
		evs, changed, ended := f.since(last)
		for _, e := range evs {
			e.Text = ProgressText(lang, e.Text)
			data, _ := json.Marshal(e)
			if _, err := fmt.Fprintf(w, "id: %d\nevent: %s\ndata: %s\n\n", e.Seq, e.Kind, data); err != nil {
				return
			}
			last = e.Seq
		}
		if err := rc.Flush(); err != nil {
			return
		}
		if ended {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-changed:
		case <-keepalive.C:
			if _, err := fmt.Fprint(w, ": keep-alive\n\n"); err != nil {
				return
			}
		}
	}
}
