package webtest

import (
	"crypto/rand"
	"embed"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"time"
)

//go:embed assets
var assetsFS embed.FS

var indexTmpl = template.Must(template.ParseFS(assetsFS, "assets/index.html"))

// Receipt is a receipt that the client side of the session sent to the other
// party: a read receipt when a chat with unread incoming messages was opened
// in the UI, a played receipt when an incoming voice note was played.
type Receipt struct {
	// Kind is "read" or "played".
	Kind  string    `json:"kind"`
	Chat  string    `json:"chat"`
	MsgID string    `json:"msgId"`
	At    time.Time `json:"at"`
}

// Action is something the page saw the client do.
type Action struct {
	// Kind is open-chat, scroll, load-earlier, history-request or
	// media-download.
	Kind   string    `json:"kind"`
	Chat   string    `json:"chat,omitempty"`
	Detail string    `json:"detail,omitempty"`
	At     time.Time `json:"at"`
}

// Option configures a Server.
type Option func(*config)

type config struct {
	missing   []string
	rotation  time.Duration
	idleAfter int
}

// WithMissingModule makes the build lack the named module: window.require
// throws for it as for any unknown module.
func WithMissingModule(name string) Option {
	return func(c *config) { c.missing = append(c.missing, name) }
}

// WithQRRotation sets how often Conn.ref changes before linking (default
// 20s, as on the real site).
func WithQRRotation(d time.Duration) Option {
	return func(c *config) {
		if d > 0 {
			c.rotation = d
		}
	}
}

// WithQRIdleAfter sets after how many QR codes the unscanned page stops
// refreshing it and goes UNPAIRED_IDLE until someone clicks "reload"
// (default 6; 0 never goes idle).
func WithQRIdleAfter(n int) Option {
	return func(c *config) { c.idleAfter = max(n, 0) }
}

// Server serves a WhatsApp Web replica of one scenario on loopback.
type Server struct {
	sc    *Scenario
	cfg   config
	ts    *httptest.Server
	media map[string]*encryptedMedia // by chat/msg
	blobs map[string]*blob           // by directPath without query

	mu       sync.Mutex
	linked   bool
	linkedAs string // the own id of the account that scanned, when not the scenario's (ScanAs)
	refSlot  int64
	ref      string
	start    time.Time
	unread   map[string]int
	receipts []Receipt
	actions  []Action
}

type blob struct {
	chat, msg string
	state     string
	enc       []byte
}

// NewServer starts a replica of sc on 127.0.0.1 with a random port. It panics
// if sc is not valid, like httptest.NewServer on a listen failure: a test
// scenario that does not validate is a bug in the test.
func NewServer(sc *Scenario, opts ...Option) *Server {
	s, err := StartServer(sc, opts...)
	if err != nil {
		panic(err.Error())
	}
	return s
}

// StartServer is [NewServer] returning an invalid scenario as an error instead of panicking.
func StartServer(sc *Scenario, opts ...Option) (*Server, error) {
	s, err := newServer(sc, opts...)
	if err != nil {
		return nil, fmt.Errorf("webtest: %w", err)
	}
	s.ts = httptest.NewServer(s.handler())
	return s, nil
}

func newServer(sc *Scenario, opts ...Option) (*Server, error) {
	if err := sc.Validate(); err != nil {
		return nil, fmt.Errorf("scenario %q: %w", sc.Name, err)
	}
	s := &Server{
		sc:      sc,
		cfg:     config{rotation: 20 * time.Second, idleAfter: 6},
		media:   make(map[string]*encryptedMedia),
		blobs:   make(map[string]*blob),
		unread:  make(map[string]int),
		start:   time.Now(),
		refSlot: -1,
	}
	for _, o := range opts {
		o(&s.cfg)
	}
	for _, c := range sc.Chats {
		for _, m := range c.Messages {
			if m.Media == nil {
				continue
			}
			em, err := encryptMedia(m.Media.Plaintext(c.ID, m.ID), m.Type)
			if err != nil {
				return nil, fmt.Errorf("media of %s in %s: %w", m.ID, c.ID, err)
			}
			s.media[mediaKey(c.ID, m.ID)] = em
			path, _, _ := strings.Cut(em.directPath, "?")
			s.blobs[path] = &blob{chat: c.ID, msg: m.ID, state: stateOf(m.Media), enc: em.enc}
		}
	}
	return s, nil
}

func stateOf(md *Media) string {
	if md.State == "" {
		return MediaOK
	}
	return md.State
}

// Handler returns the replica's HTTP handler, for serving it on an address
// of one's choice (the standalone command does).
func (s *Server) Handler() http.Handler { return s.handler() }

// NewHandlerServer builds a Server without starting a listener; serve its
// Handler yourself.
func NewHandlerServer(sc *Scenario, opts ...Option) (*Server, error) {
	return newServer(sc, opts...)
}

// URL is the base URL of the replica, e.g. http://127.0.0.1:41234.
func (s *Server) URL() string {
	if s.ts == nil {
		return ""
	}
	return s.ts.URL
}

// Close shuts the server down.
func (s *Server) Close() {
	if s.ts != nil {
		s.ts.Close()
	}
}

// Scenario is the scenario the server serves.
func (s *Server) Scenario() *Scenario { return s.sc }

// Scan links the session, as the phone does when it scans the QR code.
func (s *Server) Scan() { s.ScanAs("") }

// ScanAs links the session as the phone of another account would (digits of its number, e.g. "393331234567"):
// the page then reports that account as its own (Conn.wid) while showing the scenario's chats. Empty means the
// scenario's account.
func (s *Server) ScanAs(phone string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.linked = true
	s.linkedAs = ""
	if phone != "" {
		s.linkedAs = phone + "@c.us"
	}
}

// Unlink drops the link, as when the phone logs the device out mid-capture.
func (s *Server) Unlink() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.linked = false
	s.refSlot = -1
}

// Linked reports whether the session is linked.
func (s *Server) Linked() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.linked
}

// Ref is the current Conn.ref (the QR payload prefix).
func (s *Server) Ref() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.currentRef()
}

// currentRef rotates the ref once per rotation period; s.mu is held.
func (s *Server) currentRef() string {
	slot := int64(time.Since(s.start) / s.cfg.rotation)
	if slot != s.refSlot {
		b := make([]byte, 36)
		rand.Read(b)
		s.ref = "2@" + base64.StdEncoding.EncodeToString(b)
		s.refSlot = slot
	}
	return s.ref
}

// Receipts lists the receipts the client side caused, oldest first.
func (s *Server) Receipts() []Receipt {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.receipts)
}

// Actions lists what the page saw the client do, oldest first.
func (s *Server) Actions() []Action {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.actions)
}

func (s *Server) handler() http.Handler {
	mux := http.NewServeMux()
	static, _ := fs.Sub(assetsFS, "assets")
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	mux.HandleFunc("GET /{$}", s.serveIndex)
	mux.HandleFunc("GET /__app/state", s.serveState)
	mux.HandleFunc("GET /__app/data", s.serveData)
	mux.HandleFunc("POST /__app/receipt", s.postReceipt)
	mux.HandleFunc("POST /__app/action", s.postAction)
	mux.HandleFunc("GET /v/", s.serveMedia)
	mux.HandleFunc("POST /__test/scan", func(w http.ResponseWriter, r *http.Request) {
		s.ScanAs(r.URL.Query().Get("as"))
		writeJSON(w, map[string]bool{"linked": true})
	})
	mux.HandleFunc("POST /__test/unlink", func(w http.ResponseWriter, r *http.Request) {
		s.Unlink()
		writeJSON(w, map[string]bool{"linked": false})
	})
	mux.HandleFunc("GET /__test/receipts", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, nonNil(s.Receipts())) })
	mux.HandleFunc("GET /__test/actions", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, nonNil(s.Actions())) })
	return noCache(mux)
}

// boot is what the page knows before linking, rendered into index.html.
type boot struct {
	Version  string   `json:"version"`
	Language string   `json:"language"`
	Linked   bool     `json:"linked"`
	Ref      string   `json:"ref"`
	Missing  []string `json:"missing"`
	// IdleAfter is how many QR codes the page shows before UNPAIRED_IDLE.
	IdleAfter int `json:"idleAfter"`
}

func (s *Server) serveIndex(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	b := boot{Version: s.sc.Account.BuildVersion(), Language: s.sc.Account.Language, Linked: s.linked,
		Ref: s.currentRef(), Missing: nonNil(s.cfg.missing), IdleAfter: s.cfg.idleAfter}
	s.mu.Unlock()
	js, err := json.Marshal(b)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := indexTmpl.Execute(w, map[string]any{"Boot": template.JS(js), "Lang": b.Language}); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
	}
}

func (s *Server) serveState(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	st := map[string]any{"linked": s.linked, "ref": s.currentRef()}
	s.mu.Unlock()
	writeJSON(w, st)
}

func (s *Server) serveData(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	linked, linkedAs := s.linked, s.linkedAs
	unread := make(map[string]int, len(s.unread))
	for k, v := range s.unread {
		unread[k] = v
	}
	s.mu.Unlock()
	if !linked {
		http.Error(w, "not linked", http.StatusUnauthorized)
		return
	}
	pd, err := s.buildPage(unread)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	if linkedAs != "" {
		pd.Me = linkedAs
	}
	writeJSON(w, pd)
}

// postReceipt records receipts the page sent: {kind, chat, ids}.
func (s *Server) postReceipt(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Kind string   `json:"kind"`
		Chat string   `json:"chat"`
		IDs  []string `json:"ids"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&in); err != nil || (in.Kind != "read" && in.Kind != "played") {
		http.Error(w, "bad receipt", http.StatusBadRequest)
		return
	}
	now := time.Now()
	s.mu.Lock()
	for _, id := range in.IDs {
		s.receipts = append(s.receipts, Receipt{Kind: in.Kind, Chat: in.Chat, MsgID: id, At: now})
	}
	if in.Kind == "read" {
		s.unread[in.Chat] = 0
	}
	s.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) postAction(w http.ResponseWriter, r *http.Request) {
	var a Action
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&a); err != nil || a.Kind == "" {
		http.Error(w, "bad action", http.StatusBadRequest)
		return
	}
	s.record(a)
	if a.Kind == "open-chat" {
		// Opening a chat in the UI marks it read whether or not a read
		// receipt goes out (the own read-receipt setting decides that).
		s.mu.Lock()
		s.unread[a.Chat] = 0
		s.mu.Unlock()
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) record(a Action) {
	a.At = time.Now()
	s.mu.Lock()
	s.actions = append(s.actions, a)
	s.mu.Unlock()
}

// serveMedia is the CDN: encrypted bytes by directPath, 404 for media that is
// gone or waiting for the phone to re-upload it.
func (s *Server) serveMedia(w http.ResponseWriter, r *http.Request) {
	b, ok := s.blobs[r.URL.Path]
	if !ok {
		http.NotFound(w, r)
		return
	}
	s.record(Action{Kind: "media-download", Chat: b.chat, Detail: b.msg})
	if b.state != MediaOK {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Write(b.enc)
}

func noCache(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		h.ServeHTTP(w, r)
	})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func cutAt(wid string) (user, server string, ok bool) { return strings.Cut(wid, "@") }
