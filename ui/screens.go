package ui

import (
	"net/http"
)

func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	st := s.cfg.State.Status(r.Context())
	if st.Clock.IsZero() {
		st.Clock = s.now()
	}
	s.render(w, r, http.StatusOK, "home", homeData{Status: st, Jobs: s.openJobs(r), Operator: s.sessionOperator(r)})
}

type homeData struct {
	Status
	Jobs     []jobView // running, or interrupted and waiting to be resumed
	Operator string    // the name the technician gave for this session
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
}

func (s *Server) progressPage(w http.ResponseWriter, r *http.Request) {
	f := s.lookupFeed(r.PathValue("feed"))
	if f == nil {
		httpError(w, r, "non trovato", http.StatusNotFound)
		return
	}
	s.render(w, r, http.StatusOK, "progress", progressData{Feed: f.ID, Base: "/progress/" + f.ID, Ended: f.Ended()})
}

func (s *Server) feedEvents(w http.ResponseWriter, r *http.Request) {
	f := s.lookupFeed(r.PathValue("feed"))
	if f == nil {
		httpError(w, r, "non trovato", http.StatusNotFound)
		return
	}
	serveEvents(r.Context(), w, r, f)
}

func (s *Server) feedQR(w http.ResponseWriter, r *http.Request) {
	f := s.lookupFeed(r.PathValue("feed"))
	if f == nil {
		httpError(w, r, "non trovato", http.StatusNotFound)
		return
	}
	serveQR(w, r, f)
}

// createRemote makes the one-time link for the client and shows it on the progress page, once.
func (s *Server) createRemote(w http.ResponseWriter, r *http.Request) {
	f := s.lookupFeed(r.PathValue("feed"))
	if f == nil {
		httpError(w, r, "non trovato", http.StatusNotFound)
		return
	}
	p, err := s.NewRemoteLink(f.ID)
	if err != nil {
		httpError(w, r, "sessione terminata", http.StatusGone)
		return
	}
	s.render(w, r, http.StatusOK, "progress", progressData{Feed: f.ID, Base: "/progress/" + f.ID, RemoteURL: s.linkBase(r) + p})
}
