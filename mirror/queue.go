package mirror

// The durable queue on the box: rounds of uploads, each written whole before any of it is uploaded, and a state
// file that says which round is next. Every item is idempotent (an object already stored with the same content
// counts as stored; locks and expiries can be applied again), so a round interrupted anywhere is simply run again.

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/attesta/attesta/internal/durable"
	"github.com/attesta/attesta/internal/strictjson"
)

const (
	stateFormat = "attesta.mirror-state/v1"
	roundFormat = "attesta.mirror-round/v1"
	stateName   = "state.json"
	roundsDir   = "rounds"
)

// caseState is what the mirror has done for a case.
type caseState struct {
	KeyID  string `json:"key_id,omitempty"` // the escrowed key's id
	Lock   Lock   `json:"lock"`             // the lock last applied to its objects
	Erased bool   `json:"erased,omitempty"` // its erasure was journaled: its objects are left to expire
}

// state is the queue's progress, in DIR/state.json.
type state struct {
	Format    string               `json:"format"`
	Target    string               `json:"target"`
	Published uint64               `json:"published"` // tree size of the newest checkpoint in the mirror
	Round     uint64               `json:"round"`     // the next round to upload
	Item      int                  `json:"item"`      // the next item of that round
	Cases     map[string]caseState `json:"cases"`
	Witnessed string               `json:"witnessed,omitempty"` // the key of the newest cosigned checkpoint published
	// Expiring are objects of erased cases the store kept (their retention had not ended, or a hold was on them):
	// each round removes those whose retention has ended since.
	Expiring []expiring `json:"expiring,omitempty"`
}

// expiring is an object version to remove once its retention has ended.
type expiring struct {
	Key     string    `json:"key"`
	Version string    `json:"version"`
	Until   time.Time `json:"until"`
}

// Item kinds.
const (
	kindObject  = "object"  // immutable object, content in the round's data file
	kindLatest  = "latest"  // the newest checkpoint: a new version of "checkpoint"
	kindBlob    = "blob"    // a sealed blob file from the blob store
	kindEscrow  = "escrow"  // an escrowed case key, content in the round's data file, locked as its case
	kindLock    = "lock"    // apply Lock to every object of Case
	kindExpire  = "expire"  // the case was erased: remove its objects as their retention allows
	kindJournal = "journal" // lock class of journal objects (tiles, checkpoints)
)

// item is one upload or change.
type item struct {
	Kind   string `json:"kind"`
	Key    string `json:"key,omitempty"`
	Off    int64  `json:"off,omitempty"` // content: bytes [Off, Off+Len) of the round's data file
	Len    int64  `json:"len,omitempty"`
	SHA256 string `json:"sha256,omitempty"` // of the content
	Case   string `json:"case,omitempty"`
	Blob   string `json:"blob,omitempty"` // plaintext SHA-256 of a blob
	Size   int64  `json:"size,omitempty"` // plaintext size of a blob
	Lock   Lock   `json:"lock"`
}

// round is a batch of items planned together, in DIR/rounds/<n>.json (+ <n>.data, the contents).
type round struct {
	Format string               `json:"format"`
	N      uint64               `json:"n"`
	Size   uint64               `json:"size"` // the tree size of its checkpoint: the published size once uploaded
	Items  []item               `json:"items"`
	Cases  map[string]caseState `json:"cases"` // the cases' state once the round is uploaded
	// Witnessed is the key of the newest cosigned checkpoint once the round is uploaded.
	Witnessed string `json:"witnessed,omitempty"`
}

func (m *Mirror) roundPath(n uint64, ext string) string {
	return filepath.Join(m.dir, roundsDir, fmt.Sprintf("%012d%s", n, ext))
}

// loadState reads the state, or starts one, and removes what a crash left: a data file without its round, rounds
// already uploaded.
func (m *Mirror) loadState() error {
	if err := durable.MkdirAll(filepath.Join(m.dir, roundsDir), 0o700); err != nil {
		return err
	}
	if _, err := durable.RemoveTemps(filepath.Join(m.dir, roundsDir)); err != nil {
		return err
	}
	if _, err := durable.RemoveTemps(m.dir); err != nil {
		return err
	}
	err := strictjson.ReadFile(filepath.Join(m.dir, stateName), stateFormat, &m.st)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		m.st = state{Format: stateFormat, Target: m.bucket.Target().String(), Cases: map[string]caseState{}}
	case err != nil:
		return err
	case m.st.Target != m.bucket.Target().String():
		return fmt.Errorf("mirror: %s mirrors to %s, not %s (a new target needs a new queue directory)", m.dir, m.st.Target, m.bucket.Target())
	}
	if m.st.Cases == nil {
		m.st.Cases = map[string]caseState{}
	}
	rounds, err := m.listRounds()
	if err != nil {
		return err
	}
	have := map[uint64]bool{}
	for _, n := range rounds {
		have[n] = true
	}
	ents, err := os.ReadDir(filepath.Join(m.dir, roundsDir))
	if err != nil {
		return err
	}
	for _, e := range ents {
		n, ext, ok := roundName(e.Name())
		if ok && (n < m.st.Round || ext == ".data" && !have[n]) {
			if err := os.Remove(filepath.Join(m.dir, roundsDir, e.Name())); err != nil {
				return err
			}
		}
	}
	return durable.SyncDir(filepath.Join(m.dir, roundsDir))
}

func roundName(name string) (uint64, string, bool) {
	ext := filepath.Ext(name)
	if ext != ".json" && ext != ".data" {
		return 0, "", false
	}
	n, err := strconv.ParseUint(strings.TrimSuffix(name, ext), 10, 64)
	return n, ext, err == nil
}

// listRounds returns the numbers of the rounds still queued, in order.
func (m *Mirror) listRounds() ([]uint64, error) {
	ents, err := os.ReadDir(filepath.Join(m.dir, roundsDir))
	if err != nil {
		return nil, err
	}
	var out []uint64
	for _, e := range ents {
		if n, ext, ok := roundName(e.Name()); ok && ext == ".json" && n >= m.st.Round {
			out = append(out, n)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out, nil
}

func (m *Mirror) readRound(n uint64) (*round, error) {
	var r round
	if err := strictjson.ReadFile(m.roundPath(n, ".json"), roundFormat, &r); err != nil {
		return nil, fmt.Errorf("mirror: queued round %d: %w", n, err)
	}
	if r.N != n {
		return nil, fmt.Errorf("mirror: queued round %d: says it is round %d", n, r.N)
	}
	return &r, nil
}

// writeRound queues a round: its data first, then the round itself, which is what makes it exist.
func (m *Mirror) writeRound(r *round, data []byte) error {
	r.Format = roundFormat
	b, err := jsonMarshal(r)
	if err != nil {
		return err
	}
	if err := durable.WriteNew(m.roundPath(r.N, ".data"), data, 0o600); err != nil {
		return fmt.Errorf("mirror: queue round %d: %w", r.N, err)
	}
	if err := durable.WriteNew(m.roundPath(r.N, ".json"), b, 0o600); err != nil {
		return fmt.Errorf("mirror: queue round %d: %w", r.N, err)
	}
	return nil
}

func (m *Mirror) saveState() error {
	b, err := jsonMarshal(&m.st)
	if err != nil {
		return err
	}
	if err := durable.Replace(filepath.Join(m.dir, stateName), b, 0o600); err != nil {
		return fmt.Errorf("mirror: save state: %w", err)
	}
	return nil
}

// finishRound records a round as uploaded and removes its files.
func (m *Mirror) finishRound(r *round) error {
	m.st.Round, m.st.Item, m.st.Published, m.st.Cases, m.st.Witnessed = r.N+1, 0, r.Size, r.Cases, r.Witnessed
	if err := m.saveState(); err != nil {
		return err
	}
	for _, ext := range []string{".json", ".data"} {
		if err := os.Remove(m.roundPath(r.N, ext)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return nil
}

func jsonMarshal(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
