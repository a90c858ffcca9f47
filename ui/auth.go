package ui

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"

	"golang.org/x/crypto/argon2"
)

// Role is what a user may do. Technicians and administrators hold sessions; remote clients and recipients hold
// only a link.
type Role int

// The roles, weakest first. An administrator may do everything a technician may.
const (
	RoleNone Role = iota
	RoleRecipient
	RoleRemote
	RoleTechnician
	RoleAdmin
)

func (r Role) String() string {
	switch r {
	case RoleRecipient:
		return "recipient"
	case RoleRemote:
		return "remote"
	case RoleTechnician:
		return "technician"
	case RoleAdmin:
		return "administrator"
	}
	return "none"
}

// Errors callers branch on.
var (
	ErrWrongPIN  = errors.New("wrong PIN")
	ErrLockedOut = errors.New("too many wrong PINs: locked out")
)

// Argon2id parameters for PINs: a PIN has little entropy, so the hash must be slow; the lockout does the rest.
const (
	pinTime    = 2
	pinMemory  = 32 * 1024 // KiB
	pinThreads = 2
	pinKeyLen  = 32
	saltLen    = 16
)

// NewSalt returns a fresh per-appliance salt for [HashPIN].
func NewSalt() ([]byte, error) {
	s := make([]byte, saltLen)
	if _, err := rand.Read(s); err != nil {
		return nil, fmt.Errorf("ui: new salt: %w", err)
	}
	return s, nil
}

// HashPIN returns the Argon2id hash of pin under the appliance's salt. Only this hash is configured or stored.
func HashPIN(salt []byte, pin string) []byte {
	return argon2.IDKey([]byte(pin), salt, pinTime, pinMemory, pinThreads, pinKeyLen)
}

// Credentials are the PIN hashes the appliance accepts, and the salt they were made with.
type Credentials struct {
	Salt       []byte
	Technician []byte // HashPIN of the technician PIN
	Admin      []byte // HashPIN of the administrator PIN; nil disables administrator login
}

// check returns the role the PIN grants, comparing in constant time against every configured hash.
func (c Credentials) check(pin string) Role {
	h := HashPIN(c.Salt, pin)
	admin := len(c.Admin) == pinKeyLen && subtle.ConstantTimeCompare(h, c.Admin) == 1
	tech := len(c.Technician) == pinKeyLen && subtle.ConstantTimeCompare(h, c.Technician) == 1
	switch {
	case admin:
		return RoleAdmin
	case tech:
		return RoleTechnician
	}
	return RoleNone
}

// Session store.

const sessionCookie = "attesta_session"

type session struct {
	role     Role
	seen     time.Time
	operator string // the name the technician gave for this session; empty until given
}

// sessions keeps logged-in sessions server-side, keyed by the SHA-256 of their id.
type sessions struct {
	mu   sync.Mutex
	m    map[string]*session
	idle time.Duration
}

func newSessions(idle time.Duration) *sessions {
	return &sessions{m: map[string]*session{}, idle: idle}
}

// newToken returns a random 256-bit token in base64url and its SHA-256 in hex.
func newToken() (token, hash string, err error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", "", fmt.Errorf("ui: new token: %w", err)
	}
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, tokenHash(token), nil
}

// tokenHash is how a token is stored and reported.
func tokenHash(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

func (s *sessions) create(role Role, now time.Time) (string, error) {
	id, h, err := newToken()
	if err != nil {
		return "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[h] = &session{role: role, seen: now}
	return id, nil
}

// role returns the role of session id, RoleNone when it is unknown or idle too long; touch extends it (a
// person's action; a page's background requests do not).
func (s *sessions) role(id string, now time.Time, touch bool) Role {
	h := tokenHash(id)
	s.mu.Lock()
	defer s.mu.Unlock()
	ss := s.m[h]
	if ss == nil {
		return RoleNone
	}
	if now.Sub(ss.seen) > s.idle {
		delete(s.m, h)
		return RoleNone
	}
	if touch {
		ss.seen = now
	}
	return ss.role
}

// setOperator names who works under session id; false when there is no such session.
func (s *sessions) setOperator(id, name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	ss := s.m[tokenHash(id)]
	if ss == nil {
		return false
	}
	ss.operator = name
	return true
}

// operator returns the name given for session id.
func (s *sessions) operator(id string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ss := s.m[tokenHash(id)]; ss != nil {
		return ss.operator
	}
	return ""
}

func (s *sessions) remove(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, tokenHash(id))
}

// count returns how many sessions are open at now, forgetting those idle too long.
func (s *sessions) count(now time.Time) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	for h, ss := range s.m {
		if now.Sub(ss.seen) > s.idle {
			delete(s.m, h)
		}
	}
	return len(s.m)
}

// end closes every session of role but the one with id keep, and returns how many it closed.
func (s *sessions) end(role Role, keep string) int {
	kh := ""
	if keep != "" {
		kh = tokenHash(keep)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for h, ss := range s.m {
		if ss.role == role && h != kh {
			delete(s.m, h)
			n++
		}
	}
	return n
}
