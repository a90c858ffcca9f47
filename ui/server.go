package ui

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// State reports the appliance's state for the home screen.
type State interface {
	Status(ctx context.Context) Status
}

// Status is what the home screen shows.
type Status struct {
	ApplianceID   string
	AttestationOK bool
	AttestedAt    time.Time // the last attestation; zero when none ran yet
	Attestation   string    // what failed, or a short note
	Tamper        bool      // the intrusion switch fired: certification is locked
	DiskFree      uint64    // bytes
	DiskTotal     uint64    // bytes
	Clock         time.Time
	// Mirror is the object-store mirror's progress; nil when no mirror is configured.
	Mirror *MirrorStatus
}

// MirrorStatus is how far the mirror of the journal and blobs is behind the box.
type MirrorStatus struct {
	Target    string // s3://BUCKET/PREFIX
	Behind    uint64 // leaves the mirror lacks
	LastOK    time.Time
	LastError string // the last failure, cleared by the next success
}

// Config configures a Server. Every field but the documented defaults is required.
type Config struct {
	Credentials Credentials     // the PINs at start; an administrator may change them while the server runs
	CredStore   CredentialStore // where a changed PIN is kept
	State       State
	Deliveries  Deliveries
	Shares      ShareStore
	Access      AccessLog
	Cases       Cases
	Jobs        Jobs
	Phones      Phones
	Journal     JournalView
	// Privacy, when set, serves the client's information notice and the data-subject requests; without it a
	// remote page never gets past the notice, so no QR code is shown.
	Privacy Privacy
	// Backups, when set, receives the backups clients upload through their remote page (see [ClientBackups]);
	// without it the technician cannot ask for one.
	Backups ClientBackups
	// Cloud, when set, runs the cloud-backup path's guided workflow (see [CloudRestores]).
	Cloud CloudRestores
	// MaxBackupUpload is the largest backup file a client may upload, in bytes; default [DefaultMaxBackupUpload].
	MaxBackupUpload int64
	// Audit, when set, records the security events of the screens: each login (its role) and each wrong PIN. The
	// appliance journals them; the client's address stays in the log, out of the journal.
	Audit Audit
	// PublicURL is the address, as clients and recipients reach the appliance (e.g. "https://attesta.studio.it"),
	// that remote and share links are built on. Default: the address the technician's screen was reached at.
	PublicURL string
	// Hosts are further names the local listener answers to (e.g. "attesta.local"). Loopback names and addresses
	// and the address a connection came in on are always accepted; any other Host is refused (DNS rebinding).
	Hosts []string
	// LockoutFile, when set, keeps the wrong-PIN counts and waits across restarts (the appliance's data folder);
	// default: in memory only.
	LockoutFile string
	Logger      *slog.Logger     // default: discard
	IdleTimeout time.Duration    // session idle expiry; default 15 minutes
	ShareTTL    time.Duration    // default lifetime of a share link; default 30 days
	Now         func() time.Time // default time.Now
}

// Server is the appliance's web interface. Use Handler to serve it.
type Server struct {
	cfg      Config
	log      *slog.Logger
	now      func() time.Time
	lock     *lockout
	sessions *sessions
	tmpl     templates
	static   fs.FS
	handler  http.Handler
	public   http.Handler
	loginMu  sync.Mutex // one PIN check or change at a time
	// sessionCheck is how often an open progress stream checks that its session is still open.
	sessionCheck time.Duration
	revokeMu     sync.Mutex // one share revocation at a time: each is journaled once

	credMu sync.RWMutex
	creds  Credentials // the PINs accepted now; an administrator may change them

	access *accessLimiter // which share-link requests are journaled one by one

	mu      sync.Mutex
	feeds   map[string]*Feed
	remotes map[string]*remoteLink // by token hash
	codes   map[string]relayedCode // verification codes the clients relayed, by cloud restore
}

// New returns a Server for cfg.
func New(cfg Config) (*Server, error) {
	if cfg.State == nil || cfg.Deliveries == nil || cfg.Shares == nil || cfg.Access == nil || cfg.Cases == nil ||
		cfg.Jobs == nil || cfg.Phones == nil || cfg.Journal == nil || cfg.CredStore == nil {
		return nil, errors.New("ui: new server: State, Deliveries, Shares, Access, Cases, Jobs, Phones, Journal " +
			"and CredStore are required")
	}
	if len(cfg.Credentials.Salt) < 8 || len(cfg.Credentials.Technician) != pinKeyLen {
		return nil, errors.New("ui: new server: credentials need a salt and a technician PIN hash")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = 15 * time.Minute
	}
	if cfg.ShareTTL <= 0 {
		cfg.ShareTTL = 30 * 24 * time.Hour
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	tmpl, err := parseTemplates()
	if err != nil {
		return nil, err
	}
	static, err := fs.Sub(assets, "assets/static")
	if err != nil {
		return nil, fmt.Errorf("ui: static assets: %w", err)
	}
	lock := newLockout()
	if cfg.LockoutFile != "" {
		if lock, err = openLockout(cfg.LockoutFile); err != nil {
			return nil, err
		}
	}
	s := &Server{
		cfg: cfg, log: cfg.Logger, now: cfg.Now, creds: cfg.Credentials,
		lock: lock, sessions: newSessions(cfg.IdleTimeout), access: newAccessLimiter(), sessionCheck: 5 * time.Second,
		tmpl: tmpl, static: static,
		feeds: map[string]*Feed{}, remotes: map[string]*remoteLink{}, codes: map[string]relayedCode{},
	}
	s.handler = s.routes()
	s.public = s.publicMux()
	return s, nil
}

// Audit records the screens' security events.
type Audit interface {
	UIEvent(ctx context.Context, kind string, fields map[string]any) error
}

// UI security events.
const (
	EventLogin = "login" // fields: role
	// EventWrongPIN has no fields at the lock screen; on the PIN-change screen, role and screen ("pin-change").
	// The lockout bounds how many there can be.
	EventWrongPIN = "wrong-pin"
)

// audit records a security event; a failure is logged, not shown to the person at the lock screen.
func (s *Server) audit(ctx context.Context, kind string, fields map[string]any) {
	if s.cfg.Audit == nil {
		return
	}
	if err := s.cfg.Audit.UIEvent(ctx, kind, fields); err != nil {
		s.log.ErrorContext(ctx, "security event not recorded", slog.String("event", kind), slog.Any("error", err))
	}
}

// Handler returns the server's HTTP handler: every screen and link.
func (s *Server) Handler() http.Handler { return s.handler }

// PublicHandler serves only what clients and recipients open from outside: remote pages, share links and the
// static files they use. Every technician route answers 404 there, whatever the session: the technician's screens
// stay on the local interface while the links are reachable from the network.
func (s *Server) PublicHandler() http.Handler { return s.public }

// publicRoutes are the routes PublicHandler serves.
var publicRoutes = []string{"GET /static/{file}", "GET /r/{token}", "POST /r/{token}", "POST /r/{token}/accept", "POST /r/{token}/backup", "POST /r/{token}/code", "GET /r/{token}/qr.png",
	"GET /r/{token}/events", "GET /s/{token}/{$}", "GET /s/{token}/{path...}"}

type publicKey struct{}

func (s *Server) publicMux() http.Handler {
	mux := http.NewServeMux()
	for _, rt := range s.routeTable() {
		if slices.Contains(publicRoutes, rt.pattern) {
			h := rt.h
			mux.HandleFunc(rt.pattern, func(w http.ResponseWriter, r *http.Request) {
				h(w, r.WithContext(context.WithValue(r.Context(), publicKey{}, true)))
			})
		}
	}
	return securityHeaders(s.crossOrigin().Handler(mux))
}

// secureCookie reports whether a cookie set in answer to r must be Secure: r came over TLS, or through the public
// listener whose address (PublicURL) is https, as behind a proxy that terminates TLS.
func (s *Server) secureCookie(r *http.Request) bool {
	public, _ := r.Context().Value(publicKey{}).(bool)
	return r.TLS != nil || public && strings.HasPrefix(strings.ToLower(s.cfg.PublicURL), "https://")
}

// linkBase is the scheme and host that links for clients and recipients start with.
func (s *Server) linkBase(r *http.Request) string {
	if s.cfg.PublicURL != "" {
		return strings.TrimSuffix(s.cfg.PublicURL, "/")
	}
	if r.TLS != nil {
		return "https://" + r.Host
	}
	return "http://" + r.Host
}

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	for _, rt := range s.routeTable() {
		h := http.Handler(rt.h)
		if rt.role > RoleNone {
			h = s.require(rt.role, h, slices.Contains(backgroundRoutes, rt.pattern))
		}
		mux.Handle(rt.pattern, h)
	}
	return securityHeaders(s.checkHost(s.crossOrigin().Handler(mux)))
}

// crossOrigin refuses state-changing requests from other origins, on both listeners.
func (s *Server) crossOrigin() *http.CrossOriginProtection {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.log.WarnContext(r.Context(), "cross-origin request refused", slog.String("path", r.URL.Path),
			slog.String("origin", r.Header.Get("Origin")), slog.String("remote", r.RemoteAddr))
		httpError(w, r, "core.request-from-another-origin", http.StatusForbidden)
	}))
	return cop
}

// csp allows only the appliance's own resources and no inline script or style.
const csp = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
	"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Frame-Options", "DENY")
		h.Set("X-Content-Type-Options", "nosniff")
		// Links carry bearer tokens in their path: never send them on.
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-store")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		next.ServeHTTP(w, r)
	})
}

type ctxKey struct{}

// backgroundRoutes are asked for by the pages' scripts on their own (polling, progress streams, the QR image a
// stream leads to), not by a person: they never extend a session, so the idle lock fires on a screen left alone.
var backgroundRoutes = []string{"GET /api/phones", "GET /progress/{feed}/events", "GET /progress/{feed}/qr.png"}

// autoReload is the query parameter of a page that reloads itself (refresh.js): like a background route, it does
// not extend the session.
const autoReload = "auto"

// personal reports whether r comes from a person's action, the only kind that extends a session: not a
// background route, a progress stream or a page's own reload.
func personal(r *http.Request, background bool) bool {
	return !background && r.Header.Get("Accept") != "text/event-stream" && !r.URL.Query().Has(autoReload)
}

// require lets a request through only with a session of at least role. Pages send the browser to the lock
// screen; everything else gets 401 or 403. background marks a route that does not extend the session.
func (s *Server) require(role Role, next http.Handler, background bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got := s.session(r, personal(r, background))
		switch {
		case got >= role:
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, got)))
		case got == RoleNone && r.Method == http.MethodGet && !background && r.Header.Get("Accept") != "text/event-stream":
			http.Redirect(w, r, "/lock", http.StatusSeeOther)
		case got == RoleNone:
			httpError(w, r, "core.sign-in-required", http.StatusUnauthorized)
		default:
			httpError(w, r, "core.not-allowed-for-this", http.StatusForbidden)
		}
	})
}

// sessionRole returns the role of the request's session and extends the session: for a person's requests.
func (s *Server) sessionRole(r *http.Request) Role { return s.session(r, true) }

// session returns the role of the request's session, extending it only when touch is set.
func (s *Server) session(r *http.Request, touch bool) Role {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return RoleNone
	}
	return s.sessions.role(c.Value, s.now(), touch)
}

func roleOf(r *http.Request) Role {
	role, _ := r.Context().Value(ctxKey{}).(Role)
	return role
}

// clientAddr is the address lockouts count against: the peer's IP, without its port.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func (s *Server) root(w http.ResponseWriter, r *http.Request) {
	if s.sessionRole(r) >= RoleTechnician {
		http.Redirect(w, r, "/home", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/lock", http.StatusSeeOther)
}

func (s *Server) lockScreen(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "lock", lockData{Error: r.URL.Query().Get("e")})
}

type lockData struct {
	Error string
	Until string
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 1024)
	pin := r.PostFormValue("pin")
	// One PIN check at a time: parallel guesses cannot slip past the lockout while a hash is being computed.
	s.loginMu.Lock()
	defer s.loginMu.Unlock()
	client, now := clientAddr(r), s.now()
	if ok, until := s.lock.allowed(client, now); !ok {
		s.log.WarnContext(r.Context(), "login refused: locked out", slog.String("remote", client))
		w.Header().Set("Retry-After", fmt.Sprint(int(until.Sub(now).Seconds())+1))
		s.render(w, r, http.StatusTooManyRequests, "lock", lockData{Error: "bloccato", Until: until.In(rome).Format("15:04:05")})
		return
	}
	role := s.credentials().check(pin)
	if role == RoleNone {
		s.lockFail(r, client, now)
		s.log.WarnContext(r.Context(), "wrong PIN", slog.String("remote", client))
		s.audit(r.Context(), EventWrongPIN, nil)
		s.render(w, r, http.StatusUnauthorized, "lock", lockData{Error: "errato"})
		return
	}
	s.lockSucceed(r, client)
	if c, err := r.Cookie(sessionCookie); err == nil {
		s.sessions.remove(c.Value) // a new session on every login: no fixation
	}
	id, err := s.sessions.create(role, now)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: id, Path: "/", HttpOnly: true, Secure: r.TLS != nil,
		SameSite: http.SameSiteStrictMode,
	})
	s.log.InfoContext(r.Context(), "login", slog.String("role", role.String()), slog.String("remote", client))
	s.audit(r.Context(), EventLogin, map[string]any{"role": role.String()})
	http.Redirect(w, r, "/home", http.StatusSeeOther)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(sessionCookie); err == nil {
		s.sessions.remove(c.Value)
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, "/lock", http.StatusSeeOther)
}

// lockFail counts a wrong PIN; a count that cannot be kept on disk still holds until the next restart.
func (s *Server) lockFail(r *http.Request, client string, now time.Time) {
	if err := s.lock.fail(client, now); err != nil {
		s.log.ErrorContext(r.Context(), "wrong PIN not kept across restarts", slog.Any("error", err))
	}
}

// lockSucceed clears the counts after a right PIN.
func (s *Server) lockSucceed(r *http.Request, client string) {
	if err := s.lock.succeed(client); err != nil {
		s.log.ErrorContext(r.Context(), "cleared PIN count not kept across restarts", slog.Any("error", err))
	}
}

// credentials returns the PIN hashes accepted now.
func (s *Server) credentials() Credentials {
	s.credMu.RLock()
	defer s.credMu.RUnlock()
	return s.creds
}

// fail logs an internal error and answers without its details.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	s.log.ErrorContext(r.Context(), "request failed", slog.String("path", r.URL.Path), slog.Any("error", err))
	httpError(w, r, "core.internal-error", http.StatusInternalServerError)
}

// found says whether err, the backend's answer about the case or job named in the request, is nil; otherwise it
// has answered: a 404 with the text of unknown when the backend does not know it, a 500 for any other error.
func (s *Server) found(w http.ResponseWriter, r *http.Request, err error, unknown string) bool {
	switch {
	case err == nil:
		return true
	case errors.Is(err, ErrNotFound):
		httpError(w, r, unknown, http.StatusNotFound)
	default:
		s.fail(w, r, err)
	}
	return false
}

// done answers a form posted on the case or job named in the request, after the backend's err: what found answers
// for an unknown one or a failure, invalid(err) for ErrInvalid, and on success back to the page at back.
func (s *Server) done(w http.ResponseWriter, r *http.Request, err error, unknown string, invalid func(error), back string) {
	if errors.Is(err, ErrInvalid) && !errors.Is(err, ErrNotFound) {
		invalid(err)
		return
	}
	if s.found(w, r, err, unknown) {
		http.Redirect(w, r, back, http.StatusSeeOther)
	}
}
