package ui

import (
	"net/http"
	"slices"
)

func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	st := s.cfg.State.Status(r.Context())
	if st.Clock.IsZero() {
		st.Clock = s.now()
	}
	s.render(w, r, http.StatusOK, "home", homeData{Status: st, Feeds: s.feedList()})
}

type homeData struct {
	Status
	Feeds []string
}

func (d homeData) DiskLow() bool { return d.DiskTotal > 0 && d.DiskFree < d.DiskTotal/10 }

func (s *Server) feedList() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for id, f := range s.feeds {
		if !f.Ended() {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}

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
	scheme := "http://"
	if r.TLS != nil {
		scheme = "https://"
	}
	s.render(w, r, http.StatusOK, "progress", progressData{Feed: f.ID, Base: "/progress/" + f.ID, RemoteURL: scheme + r.Host + p})
}
