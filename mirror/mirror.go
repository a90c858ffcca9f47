package mirror

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"filippo.io/age"

	"github.com/attesta/attesta/journal"
	"github.com/attesta/attesta/journal/blob"
)

// Object keys under the target's prefix (besides the tlog-tiles layout's "tile/…" and "checkpoint").
const (
	KeyCheckpoint  = "checkpoint"   // the newest checkpoint (a new version each round; every version retained)
	checkpointsDir = "checkpoints/" // checkpoints/<size>: every signed checkpoint
	keysDir        = "keys/"        // keys/<sha256 of the verifier key, 16 hex>: every checkpoint key
	blobsDir       = "blobs/"       // blobs/<case>/<sha256 of the plaintext>: the sealed blob file as stored
	escrowDir      = "escrow/"      // escrow/<case>/<key id>.age: the case key, encrypted to the recovery key
	witnessedDir   = "witnessed/"   // witnessed/<size>-<16 hex>: a checkpoint with its witnesses' cosignatures
)

// DefaultJournalRetention is how long the journal's tiles and checkpoints are kept from the early deletion when
// Options.JournalRetention is zero: they hold no personal data (digests and ids) and prove every delivery.
const DefaultJournalRetention = 10 * 365 * 24 * time.Hour

// maxSmall bounds the objects read whole into memory (tiles, bundles, checkpoints, keys).
const maxSmall = 16 << 20

// Policy tells the mirror how long each case's objects must be kept and whether they are on legal hold.
type Policy interface {
	CaseLock(ctx context.Context, caseID string) (Lock, error)
}

// Options configures a Mirror.
type Options struct {
	Dir     string           // the queue's directory on the box (DATA/mirror)
	Journal *journal.Journal // writable: each round signs a checkpoint if the tree grew
	Blobs   *blob.Store
	Bucket  *Bucket
	// Recipient is the studio's offline recovery key (age X25519): each case key is escrowed to it.
	Recipient age.Recipient
	Policy    Policy
	// JournalRetention: see DefaultJournalRetention.
	JournalRetention time.Duration
	Logger           *slog.Logger
	// Witnessed, when set, returns the newest checkpoint cosigned by witnesses (the note with its cosignature
	// lines; nil when there is none yet): each round publishes it, for a restore to check the mirror against.
	Witnessed func() ([]byte, error)
}

// Mirror publishes the journal and the sealed blobs to an object store with Object Lock, through a durable queue.
type Mirror struct {
	dir    string
	j      *journal.Journal
	blobs  *blob.Store
	bucket *Bucket
	rcpt   age.Recipient
	policy Policy
	keep   time.Duration
	log    *slog.Logger
	wit    func() ([]byte, error)

	mu      sync.Mutex // serialises Plan and Upload
	st      state
	smu     sync.Mutex // guards status
	status  Status
	uploads int64 // objects put, for the benchmark
}

// Status is how far the mirror is.
type Status struct {
	Target      string
	JournalSize uint64    // leaves in the journal
	Published   uint64    // tree size of the newest checkpoint in the mirror
	Queued      int       // rounds planned, not yet uploaded
	LastOK      time.Time // end of the last round uploaded
	LastError   string    // the last failure, cleared by the next success
}

// Behind is how many leaves the mirror lacks.
func (s Status) Behind() uint64 {
	if s.JournalSize < s.Published {
		return 0
	}
	return s.JournalSize - s.Published
}

// Open opens the queue in opts.Dir, creating it, and removes what an interrupted run left.
func Open(opts Options) (*Mirror, error) {
	if opts.Journal == nil || opts.Blobs == nil || opts.Bucket == nil || opts.Recipient == nil || opts.Policy == nil {
		return nil, errors.New("mirror: open: journal, blobs, bucket, recipient and policy are all needed")
	}
	m := &Mirror{dir: opts.Dir, j: opts.Journal, blobs: opts.Blobs, bucket: opts.Bucket, rcpt: opts.Recipient,
		policy: opts.Policy, keep: opts.JournalRetention, log: opts.Logger, wit: opts.Witnessed}
	if m.keep == 0 {
		m.keep = DefaultJournalRetention
	}
	if m.log == nil {
		m.log = slog.New(slog.DiscardHandler)
	}
	if err := m.loadState(); err != nil {
		return nil, fmt.Errorf("mirror: open %s: %w", opts.Dir, err)
	}
	rounds, err := m.listRounds()
	if err != nil {
		return nil, fmt.Errorf("mirror: open %s: %w", opts.Dir, err)
	}
	m.status.Target = opts.Bucket.Target().String()
	m.status.Published, m.status.Queued = m.st.Published, len(rounds)
	return m, nil
}

// Status returns the mirror's progress.
func (m *Mirror) Status() Status {
	m.smu.Lock()
	defer m.smu.Unlock()
	s := m.status
	s.JournalSize = m.j.Size()
	return s
}

// Uploads is the number of objects put since Open.
func (m *Mirror) Uploads() int64 {
	m.smu.Lock()
	defer m.smu.Unlock()
	return m.uploads
}

func (m *Mirror) setStatus(f func(*Status)) {
	m.smu.Lock()
	f(&m.status)
	m.smu.Unlock()
}

// Sync plans what the journal has that the mirror lacks and uploads every queued round: `attesta mirror`.
func (m *Mirror) Sync(ctx context.Context) error {
	if _, err := m.Plan(ctx); err != nil {
		return err
	}
	return m.Upload(ctx)
}

// Run keeps the mirror in step until ctx ends: a round every `every`, and after a failure (the network, the object
// store) a retry with backoff up to `every`. A conflict (ErrConflict) is retried too, and logged each time: it
// needs a person.
func (m *Mirror) Run(ctx context.Context, every time.Duration) {
	wait := time.Duration(0)
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		err := m.Sync(ctx)
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			m.log.WarnContext(ctx, "mirror round failed", slog.Any("error", err))
			wait = min(max(2*wait, time.Second), every) + time.Duration(rand.Int64N(int64(time.Second)))
		default:
			wait = every
		}
	}
}
