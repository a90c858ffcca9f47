package ui

import (
	"bytes"
	"crypto/subtle"
	"fmt"
	"log/slog"
	"net/http"
	"time"
)

// remoteLink is a one-time link for the client of a remote session. The first browser to open it claims it with a
// cookie; any other browser is refused. It dies when the session ends or expires.
type remoteLink struct {
	feed    string
	expires time.Time
	claim   string // hash of the claiming browser's cookie; empty until claimed
}

const remoteCookie = "attesta_remote"

// RemoteLinkTTL bounds how long a remote link lives when its session never ends.
const RemoteLinkTTL = 2 * time.Hour

// NewRemoteLink returns the path of a new one-time remote page for the session of feed id ("/r/<token>").
func (s *Server) NewRemoteLink(feedID string) (string, error) {
	f := s.Feed(feedID)
	if f.Ended() {
		return "", fmt.Errorf("ui: new remote link for session %q: the session has ended", feedID)
	}
	token, hash, err := newToken()
	if err != nil {
		return "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.remotes[hash] = &remoteLink{feed: feedID, expires: s.now().Add(RemoteLinkTTL)}
	return "/r/" + token, nil
}

// remoteFor resolves a remote token and checks the claim: unknown → 404; ended, expired or claimed by another
// browser → 410. claim reports whether this request may claim an unclaimed link.
func (s *Server) remoteFor(w http.ResponseWriter, r *http.Request, claim bool) (*Feed, bool) {
	token := r.PathValue("token")
	hash := tokenHash(token)
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.remotes[hash]
	if l == nil {
		httpError(w, r, "link sconosciuto", http.StatusNotFound)
		return nil, false
	}
	f := s.feeds[l.feed]
	if f == nil || f.Ended() || !s.now().Before(l.expires) {
		// Kept, so that it keeps answering "gone" rather than "unknown".
		httpError(w, r, "sessione terminata", http.StatusGone)
		return nil, false
	}
	c, _ := r.Cookie(remoteCookie)
	switch {
	case l.claim == "" && claim:
		id, h, err := newToken()
		if err != nil {
			s.fail(w, r, err)
			return nil, false
		}
		l.claim = h
		// Lax, not Strict: the client opens the link from a message, a cross-site navigation.
		http.SetCookie(w, &http.Cookie{Name: remoteCookie, Value: id, Path: "/r/" + token, HttpOnly: true,
			Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode})
	case l.claim == "" || c == nil || subtle.ConstantTimeCompare([]byte(tokenHash(c.Value)), []byte(l.claim)) != 1:
		s.log.WarnContext(r.Context(), "remote link: refused to another browser", slog.String("remote", clientAddr(r)))
		httpError(w, r, "link già usato", http.StatusGone)
		return nil, false
	}
	return f, true
}

func (s *Server) remotePage(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.remoteFor(w, r, true); !ok {
		return
	}
	s.render(w, r, http.StatusOK, "remote", progressData{Base: r.URL.Path})
}

func (s *Server) remoteQR(w http.ResponseWriter, r *http.Request) {
	if f, ok := s.remoteFor(w, r, false); ok {
		serveQR(w, r, f)
	}
}

func (s *Server) remoteEvents(w http.ResponseWriter, r *http.Request) {
	if f, ok := s.remoteFor(w, r, false); ok {
		serveEvents(r.Context(), w, r, f)
	}
}

func serveQR(w http.ResponseWriter, r *http.Request, f *Feed) {
	png := f.qrPNG()
	if png == nil {
		httpError(w, r, "nessun codice QR", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	http.ServeContent(w, r, "qr.png", time.Time{}, bytes.NewReader(png))
}
