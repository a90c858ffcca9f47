package witness

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/attesta/attesta/internal/durable"
	"github.com/attesta/attesta/witness/cosig"
)

// ErrStoreConflict reports a second, different checkpoint note for a tree size the store already holds: the
// journal that submitted it was forked or rewound.
var ErrStoreConflict = errors.New("witness: store conflict")

// Store keeps cosigned checkpoints in a directory: <size>/checkpoint (the log's note) and <size>/<witness>.cosig
// (that witness's cosignature line), each written once (internal/durable: never overwritten). It is safe for
// concurrent use.
type Store struct {
	dir string
	mu  sync.Mutex
}

// OpenStore opens (creating it) the store in dir.
func OpenStore(dir string) (*Store, error) {
	if err := durable.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("witness: store %s: %w", dir, err)
	}
	if _, err := durable.RemoveTemps(dir); err != nil {
		return nil, fmt.Errorf("witness: store %s: %w", dir, err)
	}
	return &Store{dir: dir}, nil
}

// witnessFile is the file name of a witness's cosignature: its id (name+key hash) with '/' made safe.
func witnessFile(id string) string {
	return strings.NewReplacer("/", "_", "\\", "_", ":", "_").Replace(id) + ".cosig"
}

// Put stores the cosignature line of witness id over the checkpoint note of tree size size. A cosignature already
// stored for the pair is kept (the first one wins); a different checkpoint note for the size is ErrStoreConflict.
func (s *Store) Put(size uint64, checkpoint []byte, id string, sig cosig.Signature) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	dir := filepath.Join(s.dir, strconv.FormatUint(size, 10))
	if err := durable.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("witness: store: %w", err)
	}
	cpPath := filepath.Join(dir, "checkpoint")
	err := durable.WriteNew(cpPath, checkpoint, 0o600)
	if errors.Is(err, fs.ErrExist) {
		old, rerr := os.ReadFile(cpPath)
		if rerr != nil {
			return fmt.Errorf("witness: store: %w", rerr)
		}
		if !bytes.Equal(old, checkpoint) {
			return fmt.Errorf("%w: %s holds another checkpoint of size %d", ErrStoreConflict, cpPath, size)
		}
		err = nil
	}
	if err != nil {
		return fmt.Errorf("witness: store: %w", err)
	}
	if err := durable.WriteNew(filepath.Join(dir, witnessFile(id)), []byte(sig.Line), 0o600); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("witness: store: %w", err)
	}
	return nil
}

// Cosigned is a stored checkpoint with its cosignatures.
type Cosigned struct {
	Size      uint64
	Note      []byte   // the log's note with every stored cosignature line appended
	Witnesses []string // ids of the witnesses that cosigned it
}

// Sizes returns the tree sizes the store holds, ascending.
func (s *Store) Sizes() ([]uint64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ents, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, fmt.Errorf("witness: store: %w", err)
	}
	var sizes []uint64
	for _, e := range ents {
		if n, err := strconv.ParseUint(e.Name(), 10, 63); err == nil && e.IsDir() {
			sizes = append(sizes, n)
		}
	}
	slices.Sort(sizes)
	return sizes, nil
}

// Get returns the checkpoint of tree size size with its cosignatures; fs.ErrNotExist when none is stored.
func (s *Store) Get(size uint64) (*Cosigned, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	dir := filepath.Join(s.dir, strconv.FormatUint(size, 10))
	cp, err := os.ReadFile(filepath.Join(dir, "checkpoint"))
	if err != nil {
		return nil, fmt.Errorf("witness: store: %w", err)
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("witness: store: %w", err)
	}
	c := &Cosigned{Size: size, Note: cp}
	for _, e := range ents {
		id, ok := strings.CutSuffix(e.Name(), ".cosig")
		if !ok {
			continue
		}
		line, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("witness: store: %w", err)
		}
		sigs, err := cosig.ParseSignatures(line)
		if err != nil {
			return nil, fmt.Errorf("witness: store: %s: %w", filepath.Join(dir, e.Name()), err)
		}
		c.Note = cosig.Append(c.Note, sigs)
		c.Witnesses = append(c.Witnesses, id)
	}
	return c, nil
}

// LastSize returns the largest tree size the witness id cosigned, 0 when none.
func (s *Store) LastSize(id string) (uint64, error) {
	sizes, err := s.Sizes()
	if err != nil {
		return 0, err
	}
	for i := len(sizes) - 1; i >= 0; i-- {
		_, err := os.Stat(filepath.Join(s.dir, strconv.FormatUint(sizes[i], 10), witnessFile(id)))
		if err == nil {
			return sizes[i], nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return 0, fmt.Errorf("witness: store: %w", err)
		}
	}
	return 0, nil
}

// Latest returns the newest stored checkpoint with at least one cosignature (its note with every cosignature line),
// fs.ErrNotExist when none is stored: what a mirror publishes beside the tiles, and what a restore checks the
// rebuilt journal against.
func (s *Store) Latest() (*Cosigned, error) {
	sizes, err := s.Sizes()
	if err != nil {
		return nil, err
	}
	for i := len(sizes) - 1; i >= 0; i-- {
		c, err := s.Get(sizes[i])
		if err != nil {
			return nil, err
		}
		if len(c.Witnesses) > 0 {
			return c, nil
		}
	}
	return nil, fmt.Errorf("witness: store %s: no cosigned checkpoint: %w", s.dir, fs.ErrNotExist)
}

// Dir is the store's directory (DataDir/witness/cosignatures on an appliance).
func (s *Store) Dir() string { return s.dir }

// Has reports whether the witness id's cosignature over the checkpoint of tree size size is stored.
func (s *Store) Has(size uint64, id string) (bool, error) {
	_, err := os.Stat(filepath.Join(s.dir, strconv.FormatUint(size, 10), witnessFile(id)))
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("witness: store: %w", err)
	}
	return true, nil
}
