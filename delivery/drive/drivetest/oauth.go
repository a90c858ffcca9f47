package drivetest

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"
)

// The OAuth 2.0 endpoints, as Google's "OAuth 2.0 for TV and Limited-Input Device Applications" describes them:
// the device code request, the token endpoint (device-code grant and refresh) and token revocation.
const (
	DevicePath = "/device/code"
	TokenPath  = "/token"
	RevokePath = "/revoke"
	VerifyPath = "/device" // where the user types the code
)

type grant struct {
	userCode string
	approved bool
	denied   bool
	expires  time.Time
	scope    string
	clientID string
}

type oauthState struct {
	mu        sync.Mutex
	ttl       time.Duration
	devices   map[string]*grant // device code →
	access    map[string]accessToken
	refresh   map[string]string // refresh token → scope
	refreshes int
}

type accessToken struct {
	refresh string
	expires time.Time
	scope   string
}

func (o *oauthState) init() {
	o.ttl = time.Hour
	o.devices, o.access, o.refresh = map[string]*grant{}, map[string]accessToken{}, map[string]string{}
}

func randomToken(prefix string, n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// valid reports whether an access token may call the Drive API: issued here, not expired, not revoked, with a
// Drive scope.
func (o *oauthState) valid(tok string) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	a, ok := o.access[tok]
	return ok && time.Now().Before(a.expires) && strings.Contains(a.scope, "https://www.googleapis.com/auth/drive")
}

// DeviceAuthURL, TokenURL and RevokeURL are the OAuth endpoints of this server.
func (s *Server) DeviceAuthURL() string { return s.url + DevicePath }

// TokenURL is the token endpoint.
func (s *Server) TokenURL() string { return s.url + TokenPath }

// RevokeURL is the revocation endpoint.
func (s *Server) RevokeURL() string { return s.url + RevokePath }

// SetTokenLifetime sets the lifetime of the access tokens issued from now on (an hour by default, as Google's).
func (s *Server) SetTokenLifetime(d time.Duration) {
	s.oauth.mu.Lock()
	defer s.oauth.mu.Unlock()
	s.oauth.ttl = d
}

// ExpireTokens ends every access token issued so far, before the expiry the client was told: the next Drive
// request with one of them answers 401, and the client must refresh.
func (s *Server) ExpireTokens() {
	s.oauth.mu.Lock()
	defer s.oauth.mu.Unlock()
	for k, a := range s.oauth.access {
		a.expires = time.Now().Add(-time.Second)
		s.oauth.access[k] = a
	}
}

// Refreshes counts the refresh-token grants served.
func (s *Server) Refreshes() int {
	s.oauth.mu.Lock()
	defer s.oauth.mu.Unlock()
	return s.oauth.refreshes
}

// Approve is the user typing userCode at the verification URL and allowing access; it reports whether the code
// was pending.
func (s *Server) Approve(userCode string) bool { return s.decide(userCode, true) }

// Deny is the user refusing access.
func (s *Server) Deny(userCode string) bool { return s.decide(userCode, false) }

func (s *Server) decide(userCode string, allow bool) bool {
	s.oauth.mu.Lock()
	defer s.oauth.mu.Unlock()
	for _, g := range s.oauth.devices {
		if g.userCode == userCode && !g.approved && !g.denied && time.Now().Before(g.expires) {
			g.approved, g.denied = allow, !allow
			return true
		}
	}
	return false
}

// Revoked reports whether a refresh token no longer works.
func (s *Server) Revoked(refreshToken string) bool {
	s.oauth.mu.Lock()
	defer s.oauth.mu.Unlock()
	_, ok := s.oauth.refresh[refreshToken]
	return !ok
}

func (s *Server) oauthRoutes(mux *http.ServeMux) {
	mux.HandleFunc("POST "+DevicePath, s.deviceCode)
	mux.HandleFunc("POST "+TokenPath, s.token)
	mux.HandleFunc("POST "+RevokePath, s.revoke)
	mux.HandleFunc("GET "+VerifyPath, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "Enter the code shown on your device.")
	})
}

func oauthError(w http.ResponseWriter, code int, e, desc string) {
	writeJSON(w, code, map[string]string{"error": e, "error_description": desc})
}

// deviceCode answers the device authorization request (RFC 8628 §3.1, Google's field names).
func (s *Server) deviceCode(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil || r.PostForm.Get("client_id") == "" {
		oauthError(w, 401, "invalid_client", "The OAuth client was not found.")
		return
	}
	scope := r.PostForm.Get("scope")
	if !strings.Contains(scope, "https://www.googleapis.com/auth/drive") {
		oauthError(w, 400, "invalid_scope", "Some requested scopes were invalid.")
		return
	}
	b := make([]byte, 4)
	rand.Read(b)
	const letters = "BCDFGHJKLMNPQRSTVWXZ"
	var code strings.Builder
	for i, c := range b {
		if i == 2 {
			code.WriteByte('-')
		}
		code.WriteByte(letters[int(c)%len(letters)])
		code.WriteByte(letters[int(c>>4)%len(letters)])
	}
	dev := randomToken("AH-", 24)
	s.oauth.mu.Lock()
	s.oauth.devices[dev] = &grant{userCode: code.String(), expires: time.Now().Add(30 * time.Minute), scope: scope,
		clientID: r.PostForm.Get("client_id")}
	s.oauth.mu.Unlock()
	writeJSON(w, 200, map[string]any{"device_code": dev, "user_code": code.String(), "expires_in": 1800, "interval": 1,
		"verification_url": s.url + VerifyPath})
}

// token serves the device-code grant and the refresh-token grant.
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		oauthError(w, 400, "invalid_request", "Malformed form.")
		return
	}
	s.oauth.mu.Lock()
	defer s.oauth.mu.Unlock()
	switch r.PostForm.Get("grant_type") {
	case "urn:ietf:params:oauth:grant-type:device_code":
		g, ok := s.oauth.devices[r.PostForm.Get("device_code")]
		switch {
		case !ok:
			oauthError(w, 400, "invalid_grant", "Malformed auth code.")
		case time.Now().After(g.expires):
			oauthError(w, 400, "expired_token", "The device code has expired.")
		case g.denied:
			oauthError(w, 403, "access_denied", "The user denied access.")
		case !g.approved:
			oauthError(w, 428, "authorization_pending", "Precondition Required")
		default:
			delete(s.oauth.devices, r.PostForm.Get("device_code"))
			rt := randomToken("1//", 32)
			s.oauth.refresh[rt] = g.scope
			s.issue(w, rt, g.scope, true)
		}
	case "refresh_token":
		rt := r.PostForm.Get("refresh_token")
		scope, ok := s.oauth.refresh[rt]
		if !ok {
			oauthError(w, 400, "invalid_grant", "Token has been expired or revoked.")
			return
		}
		s.oauth.refreshes++
		s.issue(w, rt, scope, false)
	default:
		oauthError(w, 400, "unsupported_grant_type", "Invalid grant_type.")
	}
}

// issue answers a new access token. s.oauth.mu must be held.
func (s *Server) issue(w http.ResponseWriter, rt, scope string, withRefresh bool) {
	at := randomToken("ya29.", 32)
	s.oauth.access[at] = accessToken{refresh: rt, expires: time.Now().Add(s.oauth.ttl), scope: scope}
	out := map[string]any{"access_token": at, "expires_in": int(s.oauth.ttl.Seconds()), "scope": scope, "token_type": "Bearer"}
	if withRefresh {
		out["refresh_token"] = rt
	}
	writeJSON(w, 200, out)
}

// revoke serves Google's revocation endpoint: a refresh token (and every access token it issued) or one access
// token.
func (s *Server) revoke(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		oauthError(w, 400, "invalid_request", "Malformed form.")
		return
	}
	tok := r.Form.Get("token")
	s.oauth.mu.Lock()
	defer s.oauth.mu.Unlock()
	if a, ok := s.oauth.access[tok]; ok {
		tok = a.refresh
	}
	if _, ok := s.oauth.refresh[tok]; !ok {
		oauthError(w, 400, "invalid_token", "Token expired or revoked")
		return
	}
	delete(s.oauth.refresh, tok)
	for k, a := range s.oauth.access {
		if a.refresh == tok {
			delete(s.oauth.access, k)
		}
	}
	w.WriteHeader(200)
}
