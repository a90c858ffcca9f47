package gdpr

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/attesta/attesta/evidence"
	"github.com/attesta/attesta/internal/durable"
	"github.com/attesta/attesta/internal/strictjson"
)

// Kinds of data-subject request.
const (
	KindAccess      = "access"      // art. 15: what the studio holds about the number
	KindErasure     = "erasure"     // art. 17: erase what no hold or obligation keeps
	KindRestriction = "restriction" // art. 18: nothing new acquired or shared for the cases found
)

// ErrKind reports a request kind this package does not define.
var ErrKind = errors.New("unknown request kind (access, erasure or restriction)")

// AnswerWithin is the deadline of an answer: one month from the request (GDPR art. 12(3)).
const AnswerWithin = 1 // months

const requestsFormat = "attesta.gdpr.requests/v1"

// Request is one data-subject request.
type Request struct {
	ID       string    `json:"id"`
	Kind     string    `json:"kind"`
	Subject  string    `json:"subject"` // HMAC-SHA256 of the E.164 number under the appliance's subject key, hex
	Masked   string    `json:"masked"`  // "+39…946": enough for the studio to tell requests apart
	Received time.Time `json:"received"`
	Due      time.Time `json:"due"`
	Answered time.Time `json:"answered,omitzero"`
	Outcome  string    `json:"outcome,omitempty"` // what was done, in the studio's words: no number, no name
	Operator string    `json:"operator,omitempty"`
}

// Open reports whether the request still waits for its answer.
func (r Request) Open() bool { return r.Answered.IsZero() }

type requestsFile struct {
	Format   string    `json:"format"`
	Requests []Request `json:"requests"`
}

// Requests is the register of data-subject requests, kept in dir.
type Requests struct {
	path string
	key  []byte

	mu   sync.Mutex
	reqs []Request
}

// OpenRequests opens the register in dir (gdpr-requests.json and subject.key), creating the key on first use.
func OpenRequests(dir string) (*Requests, error) {
	r := &Requests{path: filepath.Join(dir, "gdpr-requests.json")}
	keyPath := filepath.Join(dir, "subject.key")
	key, err := os.ReadFile(keyPath)
	if errors.Is(err, fs.ErrNotExist) {
		key = make([]byte, 32)
		rand.Read(key)
		err = durable.WriteNew(keyPath, key, 0o600)
	}
	if err != nil {
		return nil, fmt.Errorf("gdpr: subject key %s: %w", keyPath, err)
	}
	if len(key) != 32 {
		return nil, fmt.Errorf("gdpr: subject key %s: %d bytes, want 32", keyPath, len(key))
	}
	r.key = key
	var f requestsFile
	switch err := strictjson.ReadFile(r.path, requestsFormat, &f); {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, fmt.Errorf("gdpr: request register: %w", err)
	default:
		r.reqs = f.Requests
	}
	return r, nil
}

// SubjectID is the keyed digest under which the register knows a number (E.164).
func (r *Requests) SubjectID(phone string) string {
	m := hmac.New(sha256.New, r.key)
	m.Write([]byte(phone))
	return hex.EncodeToString(m.Sum(nil))
}

// Mask shows the country code and the last three digits of an E.164 number.
func Mask(phone string) string {
	if len(phone) < 7 {
		return "…"
	}
	cc := 3
	if phone[1] == '1' || phone[1] == '7' {
		cc = 2
	}
	return phone[:cc] + "…" + phone[len(phone)-3:]
}

// Add registers a new request for phone (E.164) received at now, due one month later, and returns it.
func (r *Requests) Add(kind, phone, operator string, now time.Time) (Request, error) {
	switch kind {
	case KindAccess, KindErasure, KindRestriction:
	default:
		return Request{}, fmt.Errorf("gdpr: request %q: %w", kind, ErrKind)
	}
	var raw [6]byte
	rand.Read(raw[:])
	now = now.UTC()
	rome := now.In(evidence.Location())
	due := time.Date(rome.Year(), rome.Month()+AnswerWithin, rome.Day(), 23, 59, 59, 0, evidence.Location())
	if due.Day() != rome.Day() { // 31 January + 1 month: the last day of February
		due = time.Date(rome.Year(), rome.Month()+AnswerWithin+1, 0, 23, 59, 59, 0, evidence.Location())
	}
	q := Request{ID: "R" + now.Format("20060102") + "-" + hex.EncodeToString(raw[:]), Kind: kind,
		Subject: r.SubjectID(phone), Masked: Mask(phone), Received: now, Due: due.UTC(), Operator: operator}
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.save(append(slices.Clone(r.reqs), q)); err != nil {
		return Request{}, err
	}
	return q, nil
}

// Answer records the answer to request id at now.
func (r *Requests) Answer(id, outcome string, now time.Time) (Request, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	reqs := slices.Clone(r.reqs)
	i := slices.IndexFunc(reqs, func(q Request) bool { return q.ID == id })
	if i < 0 {
		return Request{}, fmt.Errorf("gdpr: request %q: not found", id)
	}
	reqs[i].Answered, reqs[i].Outcome = now.UTC(), outcome
	if err := r.save(reqs); err != nil {
		return Request{}, err
	}
	return reqs[i], nil
}

// List returns every request, newest first.
func (r *Requests) List() []Request {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := slices.Clone(r.reqs)
	slices.Reverse(out)
	return out
}

// save replaces the register with reqs. r.mu must be held.
func (r *Requests) save(reqs []Request) error {
	if err := durable.ReplaceJSON(r.path, requestsFile{Format: requestsFormat, Requests: reqs}, 0o600); err != nil {
		return fmt.Errorf("gdpr: save request register: %w", err)
	}
	r.reqs = reqs
	return nil
}
