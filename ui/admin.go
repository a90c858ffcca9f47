package ui

import "net/http"

// The administrator's screens.

func (s *Server) adminRoutes() []route {
	return []route{
		{"GET /admin", RoleAdmin, s.admin},
	}
}

type adminData struct {
	Sessions int
	Shares   int
}

func (s *Server) admin(w http.ResponseWriter, r *http.Request) {
	shares, err := s.cfg.Shares.List(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.sessions.mu.Lock()
	n := len(s.sessions.m)
	s.sessions.mu.Unlock()
	s.render(w, r, http.StatusOK, "admin", adminData{Sessions: n, Shares: len(shares)})
}

// adminEnglish holds the administrator screens' strings.
var adminEnglish = map[string]string{}
