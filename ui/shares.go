package ui

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/attesta/attesta/internal/durable"
	"github.com/attesta/attesta/internal/strictjson"
)

// Share is one share link of a delivery folder. The token itself is never stored: Hash is its SHA-256 in hex.
type Share struct {
	Hash     string    `json:"hash"`
	Delivery string    `json:"delivery"` // the delivery folder's name
	Created  time.Time `json:"created"`
	Expires  time.Time `json:"expires"`
	Revoked  time.Time `json:"revoked,omitzero"`
}

// Active reports whether the link still works at now.
func (s Share) Active(now time.Time) bool { return s.Revoked.IsZero() && now.Before(s.Expires) }

// ErrShareNotFound means no link has that hash.
var ErrShareNotFound = errors.New("share link not found")

// ShareStore keeps share links. Put adds a new link (an existing hash is an error); Revoke marks one revoked and
// keeps it, so that its later use is answered "gone" and not "unknown"; Get returns [ErrShareNotFound] for an
// unknown hash. A method that returns nil has made the change durable.
type ShareStore interface {
	Put(ctx context.Context, s Share) error
	Get(ctx context.Context, hash string) (Share, error)
	List(ctx context.Context) ([]Share, error)
	Revoke(ctx context.Context, hash string, at time.Time) error
}

// AccessLog records the accesses through share links; the appliance journals them. The first request for a file
// of a link from an address in a while is recorded before it is served (a refusal to record refuses the access);
// the Range and repeated requests of the same download, and requests past the limits per link and per address,
// are served and recorded later as counts (see accesslog.go), so that one link cannot grow the journal at will.
type AccessLog interface {
	ShareAccess(ctx context.Context, rec AccessRecord) error
}

// AccessRecord is one record of access through a share link.
type AccessRecord struct {
	Token  string // the link's hash, never the token
	Path   string // the file, slash-separated and relative to the delivery folder; empty for the link's index
	Remote string // the client's address; empty in a count of requests from several
	// Coalesced marks a count of requests that were served without a record of their own: Requests of them,
	// Ranges of which asked for byte ranges. A record that is not coalesced stands for one request.
	Coalesced bool
	Requests  int
	Ranges    int
}

var (
	_ ShareStore = (*MemShareStore)(nil)
	_ ShareStore = (*FileShareStore)(nil)
)

// MemShareStore is a ShareStore in memory, for tests and the demo.
type MemShareStore struct {
	mu sync.Mutex
	m  map[string]Share
}

// NewMemShareStore returns an empty store.
func NewMemShareStore() *MemShareStore { return &MemShareStore{m: map[string]Share{}} }

// Put adds s.
func (m *MemShareStore) Put(_ context.Context, s Share) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.m[s.Hash]; ok {
		return fmt.Errorf("ui: add share link %.12s: already exists", s.Hash)
	}
	m.m[s.Hash] = s
	return nil
}

// Get returns the link with hash.
func (m *MemShareStore) Get(_ context.Context, hash string) (Share, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.m[hash]
	if !ok {
		return Share{}, ErrShareNotFound
	}
	return s, nil
}

// List returns every link, newest first.
func (m *MemShareStore) List(context.Context) ([]Share, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return sortShares(m.all()), nil
}

func (m *MemShareStore) all() []Share {
	out := make([]Share, 0, len(m.m))
	for _, s := range m.m {
		out = append(out, s)
	}
	return out
}

// Revoke marks the link with hash revoked at at.
func (m *MemShareStore) Revoke(_ context.Context, hash string, at time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return revokeIn(m.m, hash, at)
}

func revokeIn(m map[string]Share, hash string, at time.Time) error {
	s, ok := m[hash]
	if !ok {
		return ErrShareNotFound
	}
	if s.Revoked.IsZero() {
		s.Revoked = at.UTC()
		m[hash] = s
	}
	return nil
}

func sortShares(s []Share) []Share {
	slices.SortFunc(s, func(a, b Share) int {
		if c := b.Created.Compare(a.Created); c != 0 {
			return c
		}
		return strings.Compare(a.Hash, b.Hash)
	})
	return s
}

// shareFileFormat is the format string of the share store file; see the package documentation.
const shareFileFormat = "attesta.ui.shares/v1"

type shareFile struct {
	Format string  `json:"format"`
	Shares []Share `json:"shares"`
}

// FileShareStore is a ShareStore in one JSON file, rewritten durably on every change.
type FileShareStore struct {
	path string
	mem  *MemShareStore
}

// OpenFileShareStore opens the store at path, creating it empty when the file does not exist.
func OpenFileShareStore(path string) (*FileShareStore, error) {
	st := &FileShareStore{path: path, mem: NewMemShareStore()}
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return st, nil
	}
	if err != nil {
		return nil, fmt.Errorf("ui: open share store: %w", err)
	}
	shares, err := parseShareFile(data)
	if err != nil {
		return nil, fmt.Errorf("ui: open share store %s: %w", path, err)
	}
	for _, s := range shares {
		st.mem.m[s.Hash] = s
	}
	return st, nil
}

// parseShareFile decodes a share store file and checks every entry.
func parseShareFile(data []byte) ([]Share, error) {
	var f shareFile
	if err := strictjson.DecodeFormat("shares", data, shareFileFormat, &f); err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for i, s := range f.Shares {
		if len(s.Hash) != 64 || !isLowerHex(s.Hash) {
			return nil, fmt.Errorf("share %d: hash %q is not 64 lower-case hex digits", i, s.Hash)
		}
		if seen[s.Hash] {
			return nil, fmt.Errorf("share %d: hash %.12s repeated", i, s.Hash)
		}
		seen[s.Hash] = true
		if !validDeliveryName(s.Delivery) {
			return nil, fmt.Errorf("share %d: delivery %q is not a folder name", i, s.Delivery)
		}
	}
	return f.Shares, nil
}

func isLowerHex(s string) bool {
	for _, c := range []byte(s) {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// validDeliveryName reports whether name is a single folder name, not a path.
func validDeliveryName(name string) bool {
	return name != "" && name != "." && name != ".." && filepath.Base(name) == name && !strings.ContainsAny(name, `/\`)
}

// save writes the whole store; the caller holds mem.mu.
func (f *FileShareStore) save() error {
	if err := durable.ReplaceJSON(f.path, shareFile{Format: shareFileFormat, Shares: sortShares(f.mem.all())}, 0o600); err != nil {
		return fmt.Errorf("ui: save share store %s: %w", f.path, err)
	}
	return nil
}

// Put adds s and saves the store; on failure the store is unchanged.
func (f *FileShareStore) Put(_ context.Context, s Share) error {
	f.mem.mu.Lock()
	defer f.mem.mu.Unlock()
	if _, ok := f.mem.m[s.Hash]; ok {
		return fmt.Errorf("ui: add share link %.12s: already exists", s.Hash)
	}
	f.mem.m[s.Hash] = s
	if err := f.save(); err != nil {
		delete(f.mem.m, s.Hash)
		return err
	}
	return nil
}

// Get returns the link with hash.
func (f *FileShareStore) Get(ctx context.Context, hash string) (Share, error) {
	return f.mem.Get(ctx, hash)
}

// List returns every link, newest first.
func (f *FileShareStore) List(ctx context.Context) ([]Share, error) { return f.mem.List(ctx) }

// Revoke marks the link revoked and saves the store; on failure the store is unchanged.
func (f *FileShareStore) Revoke(_ context.Context, hash string, at time.Time) error {
	f.mem.mu.Lock()
	defer f.mem.mu.Unlock()
	old, ok := f.mem.m[hash]
	if err := revokeIn(f.mem.m, hash, at); err != nil {
		return err
	}
	if err := f.save(); err != nil {
		if ok {
			f.mem.m[hash] = old
		}
		return err
	}
	return nil
}

// ErasedDelivery is the delivery name that [FileShareStore.ForgetDelivery] gives the links of an erased delivery:
// no folder can have it (the UI opens no folder whose name starts with a dot), and it holds no number.
const ErasedDelivery = ".erased"

// ForgetDelivery revokes at at every link of the delivery folder name that is not revoked yet, and renames the
// delivery of each of its links [ErasedDelivery], so that the store keeps no trace of the folder's name (which
// holds the chat's number) while the links still answer "gone". It returns the links it revoked now; links
// revoked earlier are renamed but not returned. On failure the store is unchanged.
func (f *FileShareStore) ForgetDelivery(_ context.Context, name string, at time.Time) ([]Share, error) {
	f.mem.mu.Lock()
	defer f.mem.mu.Unlock()
	old := maps.Clone(f.mem.m)
	var revoked []Share
	changed := false
	for h, s := range f.mem.m {
		if s.Delivery != name {
			continue
		}
		changed = true
		if s.Revoked.IsZero() {
			s.Revoked = at.UTC()
			revoked = append(revoked, s)
		}
		s.Delivery = ErasedDelivery
		f.mem.m[h] = s
	}
	if changed {
		if err := f.save(); err != nil {
			f.mem.m = old
			return nil, err
		}
	}
	return sortShares(revoked), nil
}
