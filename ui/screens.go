package ui

import (
	"context"
	"fmt"
	"net/http"
	"time"
)

func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	st := s.cfg.State.Status(r.Context())
	if st.Clock.IsZero() {
		st.Clock = s.now()
	}
	s.render(w, r, http.StatusOK, "home", homeData{Status: st, Jobs: s.openJobs(r), Operator: s.sessionOperator(r),
		Requests: s.dueRequests(r), Now: s.now()})
}

type homeData struct {
	Status
	Jobs     []jobView        // running, or interrupted and waiting to be resumed
	Operator string           // the name the technician gave for this session
	Requests []SubjectRequest // data-subject requests waiting for their answer, nearest deadline first
	Now      time.Time
}

// openJobs lists the jobs that need the technician's eye: running or interrupted. The home screen still shows
// the appliance's state when the list cannot be read.
func (s *Server) openJobs(r *http.Request) []jobView {
	jobs, err := s.cfg.Jobs.ListJobs(r.Context())
	if err != nil {
		s.log.WarnContext(r.Context(), "home: list jobs", "error", err)
		return nil
	}
	var out []jobView
	for _, j := range jobs {
		if j.State == JobRunning || j.State == JobInterrupted {
			out = append(out, newJobView(r, j))
		}
	}
	return out
}

func (d homeData) DiskLow() bool { return d.DiskTotal > 0 && d.DiskFree < d.DiskTotal/10 }

type progressData struct {
	Feed      string
	Base      string // the page's path: events and QR live below it
	RemoteURL string
	Ended     bool
	Drive     *DriveCode // on the client's remote page: the client's Drive authorization under way
}

func (s *Server) progressPage(w http.ResponseWriter, r *http.Request) {
	f := s.lookupFeed(r.PathValue("feed"))
	if f == nil {
		httpError(w, r, "core.not-found", http.StatusNotFound)
		return
	}
	s.render(w, r, http.StatusOK, "progress", progressData{Feed: f.ID, Base: "/progress/" + f.ID, Ended: f.Ended()})
}

func (s *Server) feedEvents(w http.ResponseWriter, r *http.Request) {
	f := s.lookupFeed(r.PathValue("feed"))
	if f == nil {
		httpError(w, r, "core.not-found", http.StatusNotFound)
		return
	}
	ctx, stop := context.WithCancel(r.Context())
	defer stop()
	expired := make(chan struct{})
	go s.watchSession(ctx, r, stop, expired)
	serveEvents(ctx, w, r, f)
	select {
	case <-expired:
		// The idle lock: the page goes to the lock screen (job.js).
		fmt.Fprint(w, "event: locked\ndata: {}\n\n")
		http.NewResponseController(w).Flush()
	default:
	}
}

// watchSession ends a technician's progress stream (stop) when its session expires or ends, closing expired
// first; the stream itself never extends the session.
func (s *Server) watchSession(ctx context.Context, r *http.Request, stop context.CancelFunc, expired chan<- struct{}) {
	t := time.NewTicker(s.sessionCheck)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if s.session(r, false) < RoleTechnician {
				close(expired)
				stop()
				return
			}
		}
	}
}

func (s *Server) feedQR(w http.ResponseWriter, r *http.Request) {
	f := s.lookupFeed(r.PathValue("feed"))
	if f == nil {
		httpError(w, r, "core.not-found", http.StatusNotFound)
		return
	}
	serveQR(w, r, f)
}

// createRemote makes the one-time link for the client and shows it on the progress page, once.
func (s *Server) createRemote(w http.ResponseWriter, r *http.Request) {
	f := s.lookupFeed(r.PathValue("feed"))
	if f == nil {
		httpError(w, r, "core.not-found", http.StatusNotFound)
		return
	}
	// A remote page belongs to a case: its client accepts the case's notice before the code shows.
	j, err := s.cfg.Jobs.Job(r.Context(), f.ID)
	if err != nil {
		httpError(w, r, "privacy.no-case-for-this", http.StatusNotFound)
		return
	}
	if link, ok := s.clientLink(w, r, j.Case, f.ID); ok {
		s.render(w, r, http.StatusOK, "progress", progressData{Feed: f.ID, Base: "/progress/" + f.ID, RemoteURL: link})
	}
}

// clientLink makes the client's one-time link to the feed of the case's session, as a full URL; for a session that
// has ended it answers 410 and ok is false.
func (s *Server) clientLink(w http.ResponseWriter, r *http.Request, caseID, feedID string) (link string, ok bool) {
	p, err := s.NewRemoteLink(caseID, feedID)
	if err != nil {
		httpError(w, r, "core.session-ended", http.StatusGone)
		return "", false
	}
	return s.linkBase(r) + p, true
}
