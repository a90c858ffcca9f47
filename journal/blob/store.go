package blob

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/attesta/attesta/internal/durable"
)

const (
	keyFileName     = "key"
	tombstoneName   = "erased"
	blobsDirName    = "blobs"
	quarantineInfix = ".corrupt-"
)

// Ref names a stored blob. The journal records it.
type Ref struct {
	Case   string // case id
	SHA256 string // SHA-256 of the plaintext, 64 lower-case hex digits
	Size   int64  // plaintext size in bytes
	KeyID  string // id of the case key the blob is encrypted under (not secret)
}

// Store is a blob store rooted at a directory. It is safe for concurrent use by multiple goroutines; only one
// Store (in one process) may use a directory at a time.
type Store struct {
	dir     string
	wrapper KeyWrapper
	log     *slog.Logger

	mu    sync.Mutex
	cases map[string]*caseState
}

// caseState serialises erasure against reads and writes of one case and caches its unwrapped key.
type caseState struct {
	rw    sync.RWMutex // Put, Open and CheckBlob hold it shared; EraseCase holds it exclusively
	keyMu sync.Mutex   // guards key and its creation
	key   *caseKey
}

// Option configures a Store.
type Option func(*Store)

// WithLogger makes the store log events worth an operator's attention (temporaries removed at start-up, a damaged
// blob set aside). By default the store is silent.
func WithLogger(l *slog.Logger) Option {
	return func(s *Store) {
		if l != nil {
			s.log = l
		}
	}
}

// Open opens the store in dir, creating dir if needed, and removes temporaries left by an interrupted write.
func Open(dir string, w KeyWrapper, opts ...Option) (*Store, error) {
	if w == nil {
		return nil, errors.New("blob: open store: nil KeyWrapper")
	}
	s := &Store{dir: dir, wrapper: w, log: slog.New(slog.DiscardHandler), cases: map[string]*caseState{}}
	for _, o := range opts {
		o(s)
	}
	if err := mkdirDurable(dir); err != nil {
		return nil, fmt.Errorf("blob: open store %s: %w", dir, err)
	}
	if err := s.removeAllTemps(); err != nil {
		return nil, fmt.Errorf("blob: open store %s: %w", dir, err)
	}
	return s, nil
}

func (s *Store) removeAllTemps() error {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return fmt.Errorf("list cases: %w", err)
	}
	for _, e := range entries {
		if !e.IsDir() || ValidCaseID(e.Name()) != nil {
			continue
		}
		caseDir := filepath.Join(s.dir, e.Name())
		for _, d := range []string{caseDir, filepath.Join(caseDir, blobsDirName)} {
			n, err := durable.RemoveTemps(d)
			if err != nil {
				return err
			}
			if n > 0 {
				s.log.Info("removed temporaries of interrupted writes", slog.String("dir", d), slog.Int("count", n))
			}
		}
	}
	return nil
}

// Close forgets the unwrapped case keys held in memory. The store must not be used afterwards.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, cs := range s.cases {
		cs.keyMu.Lock()
		cs.forgetKey()
		cs.keyMu.Unlock()
	}
	return nil
}

func (cs *caseState) forgetKey() {
	if cs.key != nil {
		clear(cs.key.key)
		cs.key = nil
	}
}

func (s *Store) state(caseID string) *caseState {
	s.mu.Lock()
	defer s.mu.Unlock()
	cs, ok := s.cases[caseID]
	if !ok {
		cs = &caseState{}
		s.cases[caseID] = cs
	}
	return cs
}

func (s *Store) caseDir(caseID string) string       { return filepath.Join(s.dir, caseID) }
func (s *Store) blobsDir(caseID string) string      { return filepath.Join(s.dir, caseID, blobsDirName) }
func (s *Store) blobPath(caseID, sum string) string { return filepath.Join(s.blobsDir(caseID), sum) }

func (s *Store) erased(caseID string) (bool, error) {
	_, err := os.Stat(filepath.Join(s.caseDir(caseID), tombstoneName))
	if err == nil {
		return true, nil
	}
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	return false, fmt.Errorf("check erasure: %w", err)
}

// key returns the case key, unwrapping it on first use. With create, a case without a key gets a new one;
// without, a missing key is reported as fs.ErrNotExist. Callers hold cs.rw.
func (s *Store) key(ctx context.Context, caseID string, cs *caseState, create bool) (*caseKey, error) {
	cs.keyMu.Lock()
	defer cs.keyMu.Unlock()
	if cs.key != nil {
		return cs.key, nil
	}
	if gone, err := s.erased(caseID); err != nil {
		return nil, err
	} else if gone {
		return nil, ErrErased
	}
	caseDir := s.caseDir(caseID)
	path := filepath.Join(caseDir, keyFileName)
	id, wrapped, err := readKeyFile(path)
	var k *caseKey
	switch {
	case errors.Is(err, fs.ErrNotExist) && create:
		// A new key would make the blobs already there unreadable for good; a lost key file needs a human.
		if n := s.countBlobs(caseID); n > 0 {
			return nil, fmt.Errorf("key file %s is missing but the case holds %d blobs: %w", path, n, ErrKeyUnavailable)
		}
		if err := mkdirDurable(caseDir); err != nil {
			return nil, err
		}
		k, err = s.newKey(ctx, caseDir)
		if err != nil {
			return nil, err
		}
	case err != nil:
		return nil, err
	default:
		k, err = s.unwrapKey(ctx, path, id, wrapped)
		if err != nil {
			return nil, err
		}
	}
	cs.key = k
	return k, nil
}

// CaseKeyID returns the public id of the case's key, for the journal. It does not create a key: a case with no
// blob yet has none (ErrNotFound). It does not need the key wrapper.
func (s *Store) CaseKeyID(ctx context.Context, caseID string) (string, error) {
	if err := ValidCaseID(caseID); err != nil {
		return "", fmt.Errorf("blob: case key id: %w", err)
	}
	cs := s.state(caseID)
	cs.rw.RLock()
	defer cs.rw.RUnlock()
	if gone, err := s.erased(caseID); err != nil {
		return "", fmt.Errorf("blob: case key id of %s: %w", caseID, err)
	} else if gone {
		return "", fmt.Errorf("blob: case key id of %s: %w", caseID, ErrErased)
	}
	id, _, err := readKeyFile(filepath.Join(s.caseDir(caseID), keyFileName))
	if errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("blob: case key id of %s: no key yet: %w", caseID, ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("blob: case key id of %s: %w", caseID, err)
	}
	return fmt.Sprintf("%x", id), nil
}

// countBlobs counts the blob files of a case (set-aside copies included, temporaries not).
func (s *Store) countBlobs(caseID string) int {
	entries, _ := os.ReadDir(s.blobsDir(caseID))
	n := 0
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), tmpPrefix) {
			n++
		}
	}
	return n
}
