package mirror

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"sort"
	"strconv"
	"sync"
	"time"

	"filippo.io/age"

	"github.com/attesta/attesta/journal"
	"github.com/attesta/attesta/journal/blob"
	"github.com/attesta/attesta/journal/format"
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

// base is where the next round starts: after the last round queued, else after what was published.
func (m *Mirror) base() (*round, error) {
	rounds, err := m.listRounds()
	if err != nil {
		return nil, err
	}
	if len(rounds) == 0 {
		return &round{N: m.st.Round - 1, Size: m.st.Published, Cases: m.st.Cases, Witnessed: m.st.Witnessed}, nil
	}
	return m.readRound(rounds[len(rounds)-1])
}

// Plan queues a round for what the journal gained since the last round (signing a checkpoint if the tree grew) and
// for the cases whose retention or legal hold changed. It reports whether it queued one.
func (m *Mirror) Plan(ctx context.Context) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	last, err := m.base()
	if err != nil {
		return false, fmt.Errorf("mirror: plan: %w", err)
	}
	n, since, prev := last.N+1, last.Size, last.Cases
	cases := make(map[string]caseState, len(prev))
	for k, v := range prev {
		cases[k] = v
	}
	var data bytes.Buffer
	r := &round{N: n, Cases: cases, Witnessed: last.Witnessed}
	add := func(it item, content []byte) {
		if content != nil {
			it.Off, it.Len, it.SHA256 = int64(data.Len()), int64(len(content)), hashOf(content)
			data.Write(content)
		}
		r.Items = append(r.Items, it)
	}
	var tiles []item
	var tileData [][]byte
	var vkey []byte
	cp, err := m.j.ExportTo(ctx, since, func(_ context.Context, name string, content []byte) error {
		switch name {
		case "checkpoint":
		case "vkey":
			vkey = content
		default:
			tiles = append(tiles, item{Kind: kindObject, Key: name})
			tileData = append(tileData, content)
		}
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("mirror: plan: %w", err)
	}
	r.Size = cp.Size
	// The cases' blobs first, each case's key escrowed before its first blob; then what the journal says about
	// the cases (erasures, retention); then the tiles, every checkpoint, the key, and the newest checkpoint last.
	for l, err := range m.j.Entries(ctx, since, cp.Size) {
		if err != nil {
			return false, fmt.Errorf("mirror: plan: %w", err)
		}
		e, err := l.Entry()
		if err != nil {
			return false, fmt.Errorf("mirror: plan: leaf %d: %w", l.Index, err)
		}
		switch e.Type {
		case journal.TypeArtifact:
			a, err := format.ArtifactOf(e)
			if err != nil {
				return false, fmt.Errorf("mirror: plan: leaf %d: %w", l.Index, err)
			}
			cs := cases[a.Case]
			if cs.Erased {
				continue
			}
			if cs.KeyID == "" {
				id, sealed, err := m.escrow(ctx, a.Case)
				if errors.Is(err, blob.ErrErased) || errors.Is(err, blob.ErrNotFound) {
					continue
				}
				if err != nil {
					return false, fmt.Errorf("mirror: plan: leaf %d: %w", l.Index, err)
				}
				cs.KeyID = id
				add(item{Kind: kindEscrow, Key: escrowDir + a.Case + "/" + id + ".age", Case: a.Case}, sealed)
			}
			cases[a.Case] = cs
			add(item{Kind: kindBlob, Key: blobsDir + a.Case + "/" + a.SHA256, Case: a.Case, Blob: a.SHA256, Size: a.Size}, nil)
		case journal.TypeErasure:
			if e.Case == "" {
				continue
			}
			cs := cases[e.Case]
			cs.Erased = true
			cases[e.Case] = cs
			add(item{Kind: kindExpire, Case: e.Case}, nil)
		}
	}
	ids := make([]string, 0, len(cases))
	for id := range cases {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		cs := cases[id]
		if cs.Erased || cs.KeyID == "" {
			continue
		}
		l, err := m.policy.CaseLock(ctx, id)
		if err != nil {
			m.log.WarnContext(ctx, "mirror: no retention for case", slog.String("case", id), slog.Any("error", err))
			continue
		}
		if l.Hold != cs.Lock.Hold || l.Until.After(cs.Lock.Until.Add(time.Second)) {
			cs.Lock = l
			cases[id] = cs
			if prev[id].KeyID != "" { // objects queued in this very round get the lock when uploaded
				add(item{Kind: kindLock, Case: id, Lock: l}, nil)
			}
		}
	}
	for i, t := range tiles {
		add(t, tileData[i])
	}
	cps, err := m.j.Checkpoints(ctx)
	if err != nil {
		return false, fmt.Errorf("mirror: plan: %w", err)
	}
	for _, c := range cps {
		if c.Size > since && c.Size <= cp.Size {
			add(item{Kind: kindObject, Key: checkpointsDir + strconv.FormatUint(c.Size, 10)}, c.Note)
		}
	}
	if m.wit != nil {
		if err := m.planWitnessed(r, cp.Size, add); err != nil {
			m.log.WarnContext(ctx, "mirror: no cosigned checkpoint published this round", slog.Any("error", err))
		}
	}
	if len(r.Items) == 0 && since == cp.Size && since != 0 {
		return false, nil
	}
	add(item{Kind: kindObject, Key: keysDir + hashOf(vkey)[:16]}, vkey)
	// Every earlier key too (rotations, epochs, restores), so that a restore finds the keys of all checkpoints.
	keys, err := m.j.Keys(ctx)
	if err != nil {
		return false, fmt.Errorf("mirror: plan: %w", err)
	}
	for _, k := range keys {
		content := []byte(k) // written as the journal export writes its vkey file, with or without its newline
		if bytes.HasSuffix(vkey, []byte("\n")) {
			content = append(content, '\n')
		}
		if !bytes.Equal(content, vkey) {
			add(item{Kind: kindObject, Key: keysDir + hashOf(content)[:16]}, content)
		}
	}
	add(item{Kind: kindLatest, Key: KeyCheckpoint}, cp.Note)
	if err := m.writeRound(r, data.Bytes()); err != nil {
		return false, err
	}
	m.setStatus(func(s *Status) { s.Queued++ })
	return true, nil
}

// planWitnessed queues the newest cosigned checkpoint when it is not the one published last.
func (m *Mirror) planWitnessed(r *round, size uint64, add func(item, []byte)) error {
	wn, err := m.wit()
	if err != nil || wn == nil {
		return err
	}
	ws, err := noteSize(wn)
	if err != nil {
		return err
	}
	if ws > size {
		return fmt.Errorf("the cosigned checkpoint has size %d, the round's %d", ws, size)
	}
	key := witnessedDir + strconv.FormatUint(ws, 10) + "-" + hashOf(wn)[:16]
	if key != r.Witnessed {
		add(item{Kind: kindObject, Key: key}, wn)
		r.Witnessed = key
	}
	return nil
}

// escrowRecord is what an escrow object holds, encrypted to the recovery key.
type escrowRecord struct {
	Format string `json:"format"`
	Case   string `json:"case"`
	KeyID  string `json:"key_id"`
	Key    []byte `json:"key"`
}

const escrowFormat = "attesta.escrow/v1"

// escrow encrypts the case's key to the recovery recipient.
func (m *Mirror) escrow(ctx context.Context, caseID string) (string, []byte, error) {
	return m.blobs.EscrowKey(ctx, caseID, func(id string, key []byte) ([]byte, error) {
		rec, err := json.Marshal(escrowRecord{Format: escrowFormat, Case: caseID, KeyID: id, Key: key})
		if err != nil {
			return nil, err
		}
		defer clear(rec)
		var out bytes.Buffer
		w, err := age.Encrypt(&out, m.rcpt)
		if err != nil {
			return nil, err
		}
		if _, err := w.Write(rec); err != nil {
			return nil, err
		}
		if err := w.Close(); err != nil {
			return nil, err
		}
		return out.Bytes(), nil
	})
}

// Upload uploads the queued rounds in order, each item verified, and records each round as published once all of it
// is in the mirror. It stops at the first failure, which the next call retries from the round's start.
func (m *Mirror) Upload(ctx context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	rounds, err := m.listRounds()
	if err != nil {
		return fmt.Errorf("mirror: upload: %w", err)
	}
	for _, n := range rounds {
		if err := m.uploadRound(ctx, n); err != nil {
			m.setStatus(func(s *Status) { s.LastError = err.Error() })
			return err
		}
	}
	return m.expire(ctx)
}

// expire removes the erased cases' objects whose retention has ended since the erasure.
func (m *Mirror) expire(ctx context.Context) error {
	var keep []expiring
	now := time.Now()
	for _, x := range m.st.Expiring {
		if x.Until.After(now) {
			keep = append(keep, x)
			continue
		}
		err := m.bucket.Remove(ctx, Object{Key: x.Key, Version: x.Version})
		switch {
		case errors.Is(err, ErrLocked): // a legal hold, or a retention extended by someone else
			keep = append(keep, x)
		case err != nil && !isNotFound(err):
			return err
		}
	}
	if len(keep) == len(m.st.Expiring) {
		return nil
	}
	m.st.Expiring = keep
	return m.saveState()
}

func (m *Mirror) uploadRound(ctx context.Context, n uint64) error {
	r, err := m.readRound(n)
	if err != nil {
		return err
	}
	data, err := os.ReadFile(m.roundPath(n, ".data"))
	if err != nil {
		return fmt.Errorf("mirror: round %d: %w", n, err)
	}
	start := 0
	if n == m.st.Round {
		start = m.st.Item
	}
	for i := start; i < len(r.Items); i++ {
		if err := m.uploadItem(ctx, r, r.Items[i], data); err != nil {
			// The items before i are in the mirror: the retry starts at i, so that a network that drops a request
			// now and then still lets a long round through.
			if i > start {
				m.st.Round, m.st.Item = n, i
				if serr := m.saveState(); serr != nil {
					err = errors.Join(err, serr)
				}
			}
			return fmt.Errorf("mirror: round %d item %d: %w", n, i, err)
		}
		if i%256 == 255 { // progress, so that a restart does not redo a long round from its start
			m.st.Round, m.st.Item = n, i+1
			if err := m.saveState(); err != nil {
				return err
			}
		}
	}
	if err := m.finishRound(r); err != nil {
		return err
	}
	m.setStatus(func(s *Status) {
		s.Published, s.LastOK, s.LastError = r.Size, time.Now(), ""
		if s.Queued > 0 {
			s.Queued--
		}
	})
	m.log.InfoContext(ctx, "mirror round uploaded", slog.Uint64("round", n), slog.Uint64("tree_size", r.Size),
		slog.Int("items", len(r.Items)))
	return nil
}

func (m *Mirror) counted() {
	m.smu.Lock()
	m.uploads++
	m.smu.Unlock()
}

func (m *Mirror) uploadItem(ctx context.Context, r *round, it item, data []byte) error {
	content := func() ([]byte, error) {
		if it.Off < 0 || it.Len < 0 || it.Off+it.Len > int64(len(data)) {
			return nil, fmt.Errorf("%s: content at %d+%d is outside the round's %d bytes", it.Key, it.Off, it.Len, len(data))
		}
		c := data[it.Off : it.Off+it.Len]
		if hashOf(c) != it.SHA256 {
			return nil, fmt.Errorf("%s: queued content does not match its SHA-256 (the queue file is damaged)", it.Key)
		}
		return c, nil
	}
	switch it.Kind {
	case kindObject:
		c, err := content()
		if err != nil {
			return err
		}
		defer m.counted()
		return m.bucket.Put(ctx, it.Key, c, m.journalLock())
	case kindEscrow:
		c, err := content()
		if err != nil {
			return err
		}
		defer m.counted()
		// A box restored from this mirror escrows its keys again, under the same names (the key id is the key's).
		return m.bucket.PutIfAbsent(ctx, it.Key, c, m.caseLock(ctx, r, it.Case))
	case kindLatest:
		c, err := content()
		if err != nil {
			return err
		}
		return m.putLatest(ctx, c)
	case kindBlob:
		err := m.bucket.PutFile(ctx, it.Key, func() (io.ReadCloser, int64, error) {
			f, err := m.blobs.OpenSealed(ctx, it.Case, it.Blob)
			if err != nil {
				return nil, 0, err
			}
			st, err := f.Stat()
			if err != nil {
				f.Close()
				return nil, 0, err
			}
			return f, st.Size(), nil
		}, m.caseLock(ctx, r, it.Case))
		if errors.Is(err, blob.ErrErased) || errors.Is(err, blob.ErrNotFound) {
			m.log.InfoContext(ctx, "mirror: blob no longer on the box, not mirrored", slog.String("case", it.Case),
				slog.String("sha256", it.Blob), slog.Any("error", err))
			return nil
		}
		if err == nil {
			m.counted()
		}
		return err
	case kindLock:
		return m.forCase(ctx, it.Case, func(o Object) error { return m.bucket.SetLock(ctx, o, it.Lock) })
	case kindExpire:
		return m.forCase(ctx, it.Case, func(o Object) error {
			err := m.bucket.Remove(ctx, o)
			if errors.Is(err, ErrLocked) {
				until, rerr := m.bucket.RetainUntil(ctx, o)
				if rerr != nil {
					return rerr
				}
				m.log.InfoContext(ctx, "mirror: erased case's object still under retention, left to expire",
					slog.String("key", o.Key), slog.String("version", o.Version), slog.Time("until", until))
				m.st.Expiring = append(m.st.Expiring, expiring{Key: o.Key, Version: o.Version, Until: until})
				return nil
			}
			return err
		})
	}
	return fmt.Errorf("unknown item kind %q", it.Kind)
}

// forCase applies f to every version of every object of a case (its escrowed key first).
func (m *Mirror) forCase(ctx context.Context, caseID string, f func(Object) error) error {
	for _, dir := range []string{escrowDir, blobsDir} {
		for o, err := range m.bucket.List(ctx, dir+caseID+"/", true) {
			if err != nil {
				return err
			}
			if err := f(o); err != nil {
				return err
			}
		}
	}
	return nil
}

func (m *Mirror) journalLock() Lock { return Lock{Until: time.Now().Add(m.keep)} }

// caseLock is the case's lock as the policy says now, else as the round planned it.
func (m *Mirror) caseLock(ctx context.Context, r *round, caseID string) Lock {
	l, err := m.policy.CaseLock(ctx, caseID)
	if err != nil {
		return r.Cases[caseID].Lock
	}
	return l
}

// putLatest replaces "checkpoint" with a newer one. A mirror whose checkpoint is larger than the box's is ahead of
// the box (another box writes there, or this one was rolled back): that is ErrConflict, and nothing is written.
func (m *Mirror) putLatest(ctx context.Context, note []byte) error {
	size, err := noteSize(note)
	if err != nil {
		return err
	}
	cur, err := m.bucket.Get(ctx, KeyCheckpoint, maxSmall)
	switch {
	case errors.Is(err, ErrNotFound):
	case err != nil:
		return err
	case bytes.Equal(cur, note):
		return nil
	default:
		have, err := noteSize(cur)
		if err != nil {
			return fmt.Errorf("the mirror's checkpoint: %w", err)
		}
		if have > size {
			return fmt.Errorf("the mirror's checkpoint has size %d, the box's newest %d: %w", have, size, ErrConflict)
		}
	}
	m.counted()
	return m.bucket.Replace(ctx, KeyCheckpoint, note, m.journalLock())
}

// noteSize reads the tree size of a checkpoint note (its second line) without checking its signature.
func noteSize(note []byte) (uint64, error) {
	lines := bytes.SplitN(note, []byte("\n"), 3)
	if len(lines) < 3 {
		return 0, fmt.Errorf("checkpoint: fewer than three lines")
	}
	n, err := strconv.ParseUint(string(lines[1]), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("checkpoint: size %q: %w", lines[1], err)
	}
	if strconv.FormatUint(n, 10) != string(lines[1]) {
		return 0, fmt.Errorf("checkpoint: size %q is not in decimal without leading zeros", lines[1])
	}
	return n, nil
}

func jsonMarshal(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
