package ui

import (
	"bytes"
	"crypto/subtle"
	"fmt"
	"log/slog"
	"net/http"
	"time"
)

// remoteLink is a one-time link for the client of a remote session. Opening it shows a button; the first browser
// to press it claims the link with a cookie; any other browser is refused. It dies when the session ends or expires.
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
// browser → 410. It returns the session's feed and whether the link is still unclaimed (then only the claim page
// and the claim itself are served). With claim set, an unclaimed link is claimed for this browser: the cookie is
// set on w.
func (s *Server) remoteFor(w http.ResponseWriter, r *http.Request, claim bool) (f *Feed, unclaimed bool, ok bool) {
	token := r.PathValue("token")
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.remotes[tokenHash(token)]
	if l == nil {
		httpError(w, r, "link sconosciuto", http.StatusNotFound)
		return nil, false, false
	}
	f = s.feeds[l.feed]
	if f == nil || f.Ended() || !s.now().Before(l.expires) {
		// Kept, so that it keeps answering "gone" rather than "unknown".
		httpError(w, r, "sessione terminata", http.StatusGone)
		return nil, false, false
	}
	if l.claim == "" && claim {
		id, h, err := newToken()
		if err != nil {
			s.fail(w, r, err)
			return nil, false, false
		}
		l.claim = h
		// Lax, not Strict: the client opens the link from a message, a cross-site navigation.
		http.SetCookie(w, &http.Cookie{Name: remoteCookie, Value: id, Path: "/r/" + token, HttpOnly: true,
			Secure: s.secureCookie(r), SameSite: http.SameSiteLaxMode})
		return f, false, true
	}
	if l.claim == "" {
		return f, true, true
	}
	c, _ := r.Cookie(remoteCookie)
	if c == nil || subtle.ConstantTimeCompare([]byte(tokenHash(c.Value)), []byte(l.claim)) != 1 {
		s.log.WarnContext(r.Context(), "remote link: refused to another browser", slog.String("remote", clientAddr(r)))
		httpError(w, r, "link già usato", http.StatusGone)
		return nil, false, false
	}
	return f, false, true
}

// remotePage shows an unclaimed link's button (a link preview's GET or HEAD uses nothing up), and the session's
// progress to the browser that claimed it.
func (s *Server) remotePage(w http.ResponseWriter, r *http.Request) {
	_, unclaimed, ok := s.remoteFor(w, r, false)
	switch {
	case !ok:
	case unclaimed:
		s.render(w, r, http.StatusOK, "remoteclaim", progressData{Base: r.URL.Path})
	default:
		s.render(w, r, http.StatusOK, "remote", progressData{Base: r.URL.Path})
	}
}

// remoteClaim is the button's POST (behind the cross-origin protection): the first browser to send it gets the
// link, with a cookie scoped to it, and goes to its page.
func (s *Server) remoteClaim(w http.ResponseWriter, r *http.Request) {
	if _, _, ok := s.remoteFor(w, r, true); ok {
		http.Redirect(w, r, "/r/"+r.PathValue("token"), http.StatusSeeOther)
	}
}

// remoteClaimed resolves a link for what only its claimant may get: the QR code and the progress stream.
func (s *Server) remoteClaimed(w http.ResponseWriter, r *http.Request) (*Feed, bool) {
	f, unclaimed, ok := s.remoteFor(w, r, false)
	if ok && unclaimed {
		httpError(w, r, "link già usato", http.StatusGone)
		return nil, false
	}
	return f, ok
}

func (s *Server) remoteQR(w http.ResponseWriter, r *http.Request) {
	if f, ok := s.remoteClaimed(w, r); ok {
		serveQR(w, r, f)
	}
}

func (s *Server) remoteEvents(w http.ResponseWriter, r *http.Request) {
	if f, ok := s.remoteClaimed(w, r); ok {
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
