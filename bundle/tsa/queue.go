package tsa

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/attesta/attesta/internal/durable"
	"github.com/attesta/attesta/internal/wakeup"
)

// Queue errors.
var (
	// ErrBadID: a request id is not a safe file name.
	ErrBadID = errors.New("bad request id")
	// ErrDuplicateID: the id is already queued or stamped for another digest.
	ErrDuplicateID = errors.New("request id already used for another digest")
	// ErrQueueVersion: the directory holds a queue of another layout version.
	ErrQueueVersion = errors.New("unsupported queue version")
	// ErrNotStamped: no token is stored for the id (yet).
	ErrNotStamped = errors.New("not stamped")
	// ErrRunning: Run was called while another Run is active.
	ErrRunning = errors.New("queue already running")
)

const (
	queueVersionFile = "VERSION"
	queueVersion     = "attesta.tsa-queue/v1\n"
	requestExt       = ".tsq"
	responseExt      = ".tsr"
)

// idPattern keeps ids usable as file names everywhere: no separators, no
// leading dot, bounded length.
var idPattern = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$`)

// Queue is a durable queue of digests waiting to be stamped, for an
// appliance that may be offline. See the package documentation for the
// layout on disk. Its methods are safe for concurrent use.
type Queue struct {
	Client  *Client
	Backoff Backoff // [DefaultBackoff] unless changed before Run
	// OnToken, if set, is called by Run after a token has been verified and
	// stored as <id>.tsr. A crash between the two loses the call, not the
	// token: after a restart, reconcile with [Queue.Stamped] and [Queue.Token].
	OnToken func(id string, tok *Token)
	Logger  *slog.Logger // nil: silent

	dir     string
	mu      sync.Mutex
	pending map[string]*pendingReq
	damaged []Damaged
	seq     int
	wake    chan struct{}
	running atomic.Bool
}

type pendingReq struct {
	req      []byte
	digest   []byte
	seq      int // enqueue order
	failures int
	next     time.Time
	lastErr  error
}

// Pending describes a request still waiting for its token.
type Pending struct {
	ID          string
	Digest      []byte
	Failures    int       // consecutive failed attempts
	NextAttempt time.Time // zero: as soon as Run gets to it
	LastErr     error     // the last failure, nil before the first attempt
}

// Damaged is a queue file that could not be read back. It is left in place
// and never retried or replaced: someone has to look at it.
type Damaged struct {
	Path string
	Err  error
}

// OpenQueue opens (creating if needed) the queue in dir and loads every
// request that has no token yet. Files it cannot read are listed by
// [Queue.Damaged], not dropped.
func OpenQueue(dir string, c *Client) (*Queue, error) {
	if c == nil {
		return nil, fmt.Errorf("tsa: open queue %s: nil client", dir)
	}
	if err := durable.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("tsa: open queue: %w", err)
	}
	if err := checkQueueVersion(dir); err != nil {
		return nil, fmt.Errorf("tsa: open queue %s: %w", dir, err)
	}
	q := &Queue{
		Client:  c,
		Backoff: DefaultBackoff,
		dir:     dir,
		pending: map[string]*pendingReq{},
		wake:    make(chan struct{}, 1),
	}
	if err := q.load(); err != nil {
		return nil, fmt.Errorf("tsa: open queue %s: %w", dir, err)
	}
	return q, nil
}

func checkQueueVersion(dir string) error {
	b, err := os.ReadFile(filepath.Join(dir, queueVersionFile))
	if errors.Is(err, fs.ErrNotExist) {
		err = durable.WriteNew(filepath.Join(dir, queueVersionFile), []byte(queueVersion), 0o600)
		if errors.Is(err, fs.ErrExist) { // created meanwhile by another opener
			return checkQueueVersion(dir)
		}
		return err
	}
	if err != nil {
		return err
	}
	if string(b) != queueVersion {
		return fmt.Errorf("%w: %s says %q, want %q", ErrQueueVersion, queueVersionFile, b, queueVersion)
	}
	return nil
}

// load scans the directory: a .tsq without a .tsr is pending.
func (q *Queue) load() error {
	// A temporary file was never linked into place, or was linked and not yet
	// removed: in both cases not the only copy of anything acknowledged.
	if _, err := durable.RemoveTemps(q.dir); err != nil {
		return err
	}
	entries, err := os.ReadDir(q.dir)
	if err != nil {
		return err
	}
	names := map[string]bool{}
	for _, e := range entries {
		names[e.Name()] = true
	}
	for _, e := range entries {
		name := e.Name()
		switch {
		case strings.HasPrefix(name, durable.TempPrefix):
			// not a regular file: not ours
		case strings.HasSuffix(name, requestExt):
			id := strings.TrimSuffix(name, requestExt)
			q.loadRequest(id, names[id+responseExt])
		case strings.HasSuffix(name, responseExt):
			id := strings.TrimSuffix(name, responseExt)
			if !names[id+requestExt] {
				q.damage(name, errors.New("token without its request"))
			}
		}
	}
	return nil
}

func (q *Queue) loadRequest(id string, stamped bool) {
	reqPath := filepath.Join(q.dir, id+requestExt)
	if !idPattern.MatchString(id) {
		q.damage(id+requestExt, ErrBadID)
		return
	}
	req, err := os.ReadFile(reqPath)
	if err != nil {
		q.damage(id+requestExt, err)
		return
	}
	r, err := ParseRequest(req)
	if err != nil {
		q.damage(id+requestExt, err)
		return
	}
	if stamped {
		resp, err := os.ReadFile(filepath.Join(q.dir, id+responseExt))
		if err == nil {
			_, err = ParseResponse(resp, req)
		}
		if err != nil {
			q.damage(id+responseExt, err)
		}
		return
	}
	q.seq++
	q.pending[id] = &pendingReq{req: req, digest: r.Digest, seq: q.seq}
}

func (q *Queue) damage(name string, err error) {
	q.damaged = append(q.damaged, Damaged{Path: filepath.Join(q.dir, name), Err: err})
}

// Damaged lists the files OpenQueue could not read back.
func (q *Queue) Damaged() []Damaged {
	q.mu.Lock()
	defer q.mu.Unlock()
	return slices.Clone(q.damaged)
}

// Enqueue durably records that digest (a SHA-256) is to be stamped under id.
// It returns once the request is on disk. Enqueueing the same id and digest
// again is a no-op; the same id with another digest is ErrDuplicateID.
func (q *Queue) Enqueue(ctx context.Context, id string, digest []byte) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("tsa: enqueue %q: %w", id, err)
	}
	if !idPattern.MatchString(id) {
		return fmt.Errorf("tsa: enqueue %q: %w", id, ErrBadID)
	}
	req, err := q.Client.NewRequest(digest)
	if err != nil {
		return fmt.Errorf("tsa: enqueue %q: %w", id, err)
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	switch err := q.checkUnused(id, digest); {
	case errors.Is(err, errAlreadyQueued):
		return nil
	case err != nil:
		return fmt.Errorf("tsa: enqueue %q: %w", id, err)
	}
	if err := durable.WriteNew(filepath.Join(q.dir, id+requestExt), req, 0o600); err != nil {
		return fmt.Errorf("tsa: enqueue %q: %w", id, err)
	}
	q.seq++
	q.pending[id] = &pendingReq{req: req, digest: bytes.Clone(digest), seq: q.seq}
	select {
	case q.wake <- struct{}{}:
	default:
	}
	return nil
}

// errAlreadyQueued tells Enqueue there is nothing to do.
var errAlreadyQueued = errors.New("already queued")

func (q *Queue) checkUnused(id string, digest []byte) error {
	var have []byte
	if p, ok := q.pending[id]; ok {
		have = p.digest
	} else {
		req, err := os.ReadFile(filepath.Join(q.dir, id+requestExt))
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		r, err := ParseRequest(req)
		if err != nil {
			return fmt.Errorf("%w: existing %s: %w", ErrDuplicateID, id+requestExt, err)
		}
		have = r.Digest
	}
	if !bytes.Equal(have, digest) {
		return fmt.Errorf("%w: queued for %x", ErrDuplicateID, have)
	}
	return errAlreadyQueued
}

// Pending lists the requests still waiting, oldest first.
func (q *Queue) Pending() []Pending {
	q.mu.Lock()
	defer q.mu.Unlock()
	ids := make([]string, 0, len(q.pending))
	for id := range q.pending {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, func(a, b string) int { return q.pending[a].seq - q.pending[b].seq })
	out := make([]Pending, len(ids))
	for i, id := range ids {
		p := q.pending[id]
		out[i] = Pending{ID: id, Digest: bytes.Clone(p.digest), Failures: p.failures, NextAttempt: p.next, LastErr: p.lastErr}
	}
	return out
}

// Stamped lists, sorted, the ids whose token is stored.
func (q *Queue) Stamped() ([]string, error) {
	entries, err := os.ReadDir(q.dir)
	if err != nil {
		return nil, fmt.Errorf("tsa: list stamped: %w", err)
	}
	var ids []string
	for _, e := range entries {
		id, ok := strings.CutSuffix(e.Name(), responseExt)
		if ok && idPattern.MatchString(id) {
			if _, err := os.Stat(filepath.Join(q.dir, id+requestExt)); err == nil {
				ids = append(ids, id)
			}
		}
	}
	slices.Sort(ids)
	return ids, nil
}

// Token reads back and verifies the stored token for id. It is how a caller
// reconciles after a restart: a token stored just before a crash may not
// have reached OnToken.
func (q *Queue) Token(id string) (*Token, error) {
	if !idPattern.MatchString(id) {
		return nil, fmt.Errorf("tsa: token %q: %w", id, ErrBadID)
	}
	req, err := os.ReadFile(filepath.Join(q.dir, id+requestExt))
	if err != nil {
		return nil, fmt.Errorf("tsa: token %q: %w", id, err)
	}
	resp, err := os.ReadFile(filepath.Join(q.dir, id+responseExt))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("tsa: token %q: %w", id, ErrNotStamped)
	}
	if err != nil {
		return nil, fmt.Errorf("tsa: token %q: %w", id, err)
	}
	if _, err := parseResponse(resp, req); err != nil {
		return nil, fmt.Errorf("tsa: token %q: %s: %w", id, id+responseExt, err)
	}
	r, _ := parseRequest(req) // parsed by parseResponse above
	tok, err := verifyToken(resp, r.Digest, q.Client.Roots)
	if err != nil {
		return nil, fmt.Errorf("tsa: token %q: %s: %w", id, id+responseExt, err)
	}
	return tok, nil
}

// Run stamps pending requests until ctx is done, retrying failures with
// q.Backoff, and returns ctx's error. Requests enqueued meanwhile are picked
// up at once. Only one Run may be active.
func (q *Queue) Run(ctx context.Context) error {
	if !q.running.CompareAndSwap(false, true) {
		return ErrRunning
	}
	defer q.running.Store(false)
	for _, d := range q.Damaged() {
		q.log(ctx, slog.LevelError, "damaged time-stamp queue file", slog.String("path", d.Path), slog.Any("error", d.Err))
	}
	for {
		id, wait := q.due(time.Now())
		if id != "" {
			q.attempt(ctx, id)
			continue
		}
		if err := wakeup.Sleep(ctx, q.wake, wait); err != nil {
			return err
		}
	}
}

// due returns the request to try now, or else how long until the next one
// is due (-1: none pending).
func (q *Queue) due(now time.Time) (string, time.Duration) {
	q.mu.Lock()
	defer q.mu.Unlock()
	var best string
	for id, p := range q.pending {
		if b := q.pending[best]; best == "" || p.next.Before(b.next) || (p.next.Equal(b.next) && p.seq < b.seq) {
			best = id
		}
	}
	if best == "" {
		return "", -1
	}
	if wait := q.pending[best].next.Sub(now); wait > 0 {
		return "", wait
	}
	return best, 0
}

// attempt asks for one token; on failure it schedules the next try.
func (q *Queue) attempt(ctx context.Context, id string) {
	q.mu.Lock()
	req := q.pending[id].req
	q.mu.Unlock()

	tok, resp, err := q.Client.Exchange(ctx, req)
	if err == nil {
		err = q.store(id, resp)
	}
	if err != nil && ctx.Err() != nil {
		return // shutting down: not the TSA's failure
	}
	if err != nil {
		q.mu.Lock()
		p := q.pending[id]
		p.failures++
		p.lastErr = err
		delay := q.Backoff.Delay(p.failures)
		p.next = time.Now().Add(delay)
		failures := p.failures
		q.mu.Unlock()
		q.log(ctx, slog.LevelWarn, "time-stamp request failed", slog.String("id", id),
			slog.Int("failures", failures), slog.Duration("retry_in", delay), slog.Any("error", err))
		return
	}
	q.mu.Lock()
	delete(q.pending, id)
	q.mu.Unlock()
	q.log(ctx, slog.LevelInfo, "time-stamp token stored", slog.String("id", id), slog.Time("gen_time", tok.GenTime))
	if q.OnToken != nil {
		q.OnToken(id, tok)
	}
}

func (q *Queue) store(id string, resp []byte) error {
	if err := durable.WriteNew(filepath.Join(q.dir, id+responseExt), resp, 0o600); err != nil {
		return fmt.Errorf("tsa: store token %q: %w", id, err)
	}
	return nil
}

func (q *Queue) log(ctx context.Context, level slog.Level, msg string, attrs ...slog.Attr) {
	if q.Logger != nil {
		q.Logger.LogAttrs(ctx, level, msg, attrs...)
	}
}
