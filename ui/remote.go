package ui

import (
	"bytes"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"
)

// remoteLink is a one-time link for the client of a case. Opening it shows a button; the first browser to press
// it claims the link with a cookie; any other browser is refused. The claimant then reads the studio's information
// notice and the mandate, and accepts them (journaled by the backend); only then does the page wait for the remote
// session, and show its QR code once the technician starts it. The link dies when its session ends or expires.
type remoteLink struct {
	caseID    string
	feed      string // the session's feed; empty until the technician starts the session
	expires   time.Time
	claim     string         // hash of the claiming browser's cookie; empty until claimed
	accepted  bool           // the claimant accepted the notice through this link
	backup    *backupRequest // the backup the link asks the client for; nil when none, or once it arrived
	cloud     string         // the cloud restore whose verification code the link asks for; "" once relayed
	codeSent  bool           // the client relayed the code through this link
	uploading bool           // a backup is being received through this link
	uploaded  bool           // the link's feed is the job certifying the backup it received
}

const remoteCookie = "attesta_remote"

// RemoteLinkTTL bounds how long a remote link lives when its session never ends.
const RemoteLinkTTL = 2 * time.Hour

// NewRemoteLink returns the path of a new one-time remote page for the client of caseID ("/r/<token>"), for the
// session of feed id, or, with feedID empty, for the session the technician will start for the case once the
// client has accepted the notice. Any older link of the case dies with it (410): the technician makes a new one
// when the client lost it or it went to the wrong person, and then only the newest may show the code.
func (s *Server) NewRemoteLink(caseID, feedID string) (string, error) {
	if caseID == "" {
		return "", errors.New("ui: new remote link: no case")
	}
	if feedID != "" && s.Feed(feedID).Ended() {
		return "", fmt.Errorf("ui: new remote link for session %q: the session has ended", feedID)
	}
	token, hash, err := newToken()
	if err != nil {
		return "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	for _, l := range s.remotes {
		if l.caseID == caseID && now.Before(l.expires) {
			l.expires = now // kept, so that it answers "gone"
		}
	}
	s.remotes[hash] = &remoteLink{caseID: caseID, feed: feedID, expires: now.Add(RemoteLinkTTL)}
	return "/r/" + token, nil
}

// attachSession gives the live links of a case that wait for a session the session of feed id.
func (s *Server) attachSession(caseID, feedID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	for _, l := range s.remotes {
		if l.caseID == caseID && l.feed == "" && now.Before(l.expires) {
			l.feed = feedID
		}
	}
}

// remoteView is what a resolved link allows, copied under the lock.
type remoteView struct {
	caseID    string
	feed      *Feed // nil while no session is attached
	unclaimed bool
	accepted  bool
	backup    *backupRequest
	cloud     string
	codeSent  bool
	uploaded  bool
}

// remoteFor resolves a remote token and checks the claim: unknown → 404; ended, expired or claimed by another
// browser → 410. With claim set, an unclaimed link is claimed for this browser: the cookie is set on w.
func (s *Server) remoteFor(w http.ResponseWriter, r *http.Request, claim bool) (remoteView, bool) {
	token := r.PathValue("token")
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.remotes[tokenHash(token)]
	if l == nil {
		httpError(w, r, "core.unknown-link", http.StatusNotFound)
		return remoteView{}, false
	}
	var f *Feed
	if l.feed != "" {
		f = s.feeds[l.feed]
		if f == nil || f.Ended() {
			l.expires = s.now()
		}
	}
	if !s.now().Before(l.expires) {
		// Kept, so that it keeps answering "gone" rather than "unknown".
		httpError(w, r, "core.session-ended", http.StatusGone)
		return remoteView{}, false
	}
	v := remoteView{caseID: l.caseID, feed: f, accepted: l.accepted, backup: l.backup, cloud: l.cloud, codeSent: l.codeSent, uploaded: l.uploaded}
	if l.claim == "" && claim {
		id, h, err := newToken()
		if err != nil {
			s.fail(w, r, err)
			return remoteView{}, false
		}
		l.claim = h
		// Lax, not Strict: the client opens the link from a message, a cross-site navigation.
		http.SetCookie(w, &http.Cookie{Name: remoteCookie, Value: id, Path: "/r/" + token, HttpOnly: true,
			Secure: s.secureCookie(r), SameSite: http.SameSiteLaxMode})
		return v, true
	}
	if l.claim == "" {
		v.unclaimed = true
		return v, true
	}
	c, _ := r.Cookie(remoteCookie)
	if c == nil || subtle.ConstantTimeCompare([]byte(tokenHash(c.Value)), []byte(l.claim)) != 1 {
		s.log.WarnContext(r.Context(), "remote link: refused to another browser", slog.String("remote", clientAddr(r)))
		httpError(w, r, "core.link-already-used", http.StatusGone)
		return remoteView{}, false
	}
	return v, true
}

// remoteNoticeData is the client's page before the QR code: the notice and the mandate to accept.
type remoteNoticeData struct {
	Base   string
	Notice Notice
	Lang   Lang
	Error  string
}

// remotePage shows an unclaimed link's button (a link preview's GET or HEAD uses nothing up); to the browser
// that claimed it, the notice to accept, then the wait for the session, then the session's QR code and progress.
func (s *Server) remotePage(w http.ResponseWriter, r *http.Request) {
	v, ok := s.remoteFor(w, r, false)
	switch {
	case !ok:
	case v.unclaimed:
		s.render(w, r, http.StatusOK, "remoteclaim", progressData{Base: r.URL.Path})
	case !v.accepted:
		s.renderNotice(w, r, http.StatusOK, v.caseID, "")
	case v.backup != nil:
		s.renderBackupForm(w, r, http.StatusOK, "")
	case v.cloud != "" || v.codeSent:
		s.render(w, r, http.StatusOK, "remotecode", remoteCodeData{Base: r.URL.Path, Sent: v.codeSent})
	case v.feed == nil:
		s.render(w, r, http.StatusOK, "remotewait", progressData{Base: r.URL.Path, Drive: s.remoteDriveCode(r, v.caseID)})
	case v.uploaded:
		s.render(w, r, http.StatusOK, "remotebackupjob", progressData{Base: r.URL.Path})
	default:
		s.render(w, r, http.StatusOK, "remote", progressData{Base: r.URL.Path, Drive: s.remoteDriveCode(r, v.caseID)})
	}
}

func (s *Server) renderNotice(w http.ResponseWriter, r *http.Request, code int, caseID, problem string) {
	if s.cfg.Privacy == nil {
		httpError(w, r, "privacy.information-notice-not-configured", http.StatusServiceUnavailable)
		return
	}
	n, err := s.cfg.Privacy.Notice(r.Context(), caseID, langOf(r))
	if err != nil {
		httpError(w, r, "core.session-ended", http.StatusGone)
		return
	}
	s.render(w, r, code, "remotenotice", remoteNoticeData{Base: "/r/" + r.PathValue("token"), Notice: n,
		Lang: langOf(r), Error: problem})
}

// remoteClaim is the button's POST (behind the cross-origin protection): the first browser to send it gets the
// link, with a cookie scoped to it, and goes to its page.
func (s *Server) remoteClaim(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.remoteFor(w, r, true); ok {
		http.Redirect(w, r, "/r/"+r.PathValue("token"), http.StatusSeeOther)
	}
}

// maxAcceptForm bounds the acceptance's form: a digest and a language.
const maxAcceptForm = 1 << 10

// remoteAccept is the claimant's acceptance of the notice: the digest of the text the page showed goes to the
// backend, which journals it only when it is the digest of this link's case's notice; the case comes from the
// link, never from the form.
func (s *Server) remoteAccept(w http.ResponseWriter, r *http.Request) {
	v, ok := s.remoteFor(w, r, false)
	if !ok {
		return
	}
	if v.unclaimed {
		httpError(w, r, "core.link-already-used", http.StatusGone)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxAcceptForm)
	if err := r.ParseForm(); err != nil {
		httpError(w, r, "case.invalid-or-too-large-form", http.StatusRequestEntityTooLarge)
		return
	}
	if s.cfg.Privacy == nil {
		httpError(w, r, "privacy.information-notice-not-configured", http.StatusServiceUnavailable)
		return
	}
	lang := Italian
	if r.PostFormValue("lang") == string(English) {
		lang = English
	}
	err := s.cfg.Privacy.AcceptNotice(r.Context(), v.caseID, Acceptance{Lang: lang, SHA256: r.PostFormValue("sha256"),
		Channel: "remote-link", Link: tokenHash(r.PathValue("token"))})
	switch {
	case errors.Is(err, ErrInvalid):
		s.renderNotice(w, r, http.StatusConflict, v.caseID, tr(r, "privacy.the-notice-has-changed"))
		return
	case err != nil:
		s.fail(w, r, err)
		return
	}
	s.mu.Lock()
	if l := s.remotes[tokenHash(r.PathValue("token"))]; l != nil {
		l.accepted = true
	}
	s.mu.Unlock()
	http.Redirect(w, r, "/r/"+r.PathValue("token"), http.StatusSeeOther)
}

// remoteAccepted resolves a link for what only its claimant may do once the notice is accepted: before the claim
// 410, before the acceptance 403.
func (s *Server) remoteAccepted(w http.ResponseWriter, r *http.Request) (remoteView, bool) {
	v, ok := s.remoteFor(w, r, false)
	switch {
	case !ok:
		return v, false
	case v.unclaimed:
		httpError(w, r, "core.link-already-used", http.StatusGone)
		return v, false
	case !v.accepted:
		httpError(w, r, "privacy.accept-the-information-notice", http.StatusForbidden)
		return v, false
	}
	return v, true
}

// remoteClaimed resolves a link for what only its claimant may get once the notice is accepted and a session
// is attached: the QR code and the progress stream. Before that, 403.
func (s *Server) remoteClaimed(w http.ResponseWriter, r *http.Request) (*Feed, bool) {
	v, ok := s.remoteAccepted(w, r)
	switch {
	case !ok:
		return nil, false
	case v.feed == nil:
		httpError(w, r, "core.no-qr-code", http.StatusNotFound)
		return nil, false
	}
	return v.feed, true
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
		httpError(w, r, "core.no-qr-code", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	http.ServeContent(w, r, "qr.png", time.Time{}, bytes.NewReader(png))
}
