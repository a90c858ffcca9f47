package retention

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"maps"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/attesta/attesta/internal/durable"
	"github.com/attesta/attesta/internal/strictjson"
)

// Registry file identity; see the package doc.
const (
	FileFormat  = "attesta-retention-registry"
	FileVersion = 1
)

// Sentinel errors callers branch on.
var (
	ErrCorrupt     = errors.New("registry file corrupt")
	ErrVersion     = errors.New("registry file version not supported")
	ErrExists      = errors.New("case already registered")
	ErrNotFound    = errors.New("case not registered")
	ErrOnHold      = errors.New("case on legal hold")
	ErrNotHeld     = errors.New("case not on legal hold")
	ErrErased      = errors.New("case already erased")
	ErrErasing     = errors.New("case erasure in progress")
	ErrNotRecorded = errors.New("change not recorded")
)

// Audit receives every change to the registry and every erasure attempt, so the appliance can journal them. Fields
// hold case ids and dates only, never personal data. A Record error means nothing was recorded; the registry then
// leaves its state unchanged.
type Audit interface {
	Record(ctx context.Context, kind string, fields map[string]any) error
}

// Audit record kinds.
const (
	KindCaseAdded    = "retention.case_added"
	KindHoldSet      = "retention.hold_set"
	KindHoldReleased = "retention.hold_released"
	KindErased       = "retention.erased"
	KindEraseFailed  = "retention.erase_failed"
)

// Options configure a Registry or a Scheduler. Zero fields take the documented defaults.
type Options struct {
	// Now tells the time; default time.Now.
	Now func() time.Time
	// Logger receives what the scheduler does; default: discard.
	Logger *slog.Logger
}

func (o Options) withDefaults() Options {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// Registry is the durable list of cases under retention. It is safe for concurrent use.
type Registry struct {
	path  string
	audit Audit
	now   func() time.Time

	mu      sync.Mutex
	cases   map[string]Case
	erasing map[string]bool
	// unmarked holds cases the eraser erased but the registry could not mark erased yet, with the erasure time, so
	// that a later round marks them without erasing again.
	unmarked map[string]time.Time
}

// fileV1 is the registry file, version 1.
type fileV1 struct {
	Format  string `json:"format"`
	Version int    `json:"version"`
	Cases   []Case `json:"cases"`
}

// Open loads the registry at path, or starts an empty one when the file does not exist yet. A file that cannot be
// read as a registry is an error naming it, and is left as it is.
func Open(path string, audit Audit, opts Options) (*Registry, error) {
	if audit == nil {
		return nil, fmt.Errorf("retention: open registry %s: no audit", path)
	}
	opts = opts.withDefaults()
	r := &Registry{path: path, audit: audit, now: opts.Now, cases: map[string]Case{}, erasing: map[string]bool{},
		unmarked: map[string]time.Time{}}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return r, nil
	}
	if err != nil {
		return nil, fmt.Errorf("retention: open registry: %w", err)
	}
	cases, err := decode(data)
	if err != nil {
		return nil, fmt.Errorf("retention: open registry %s: %w", path, err)
	}
	for _, c := range cases {
		r.cases[c.ID] = c
	}
	return r, nil
}

// decode parses a registry file and checks every case in it.
func decode(data []byte) ([]Case, error) {
	var head struct {
		Format  string `json:"format"`
		Version int    `json:"version"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	if head.Format != FileFormat {
		return nil, fmt.Errorf("%w: format %q, want %q", ErrCorrupt, head.Format, FileFormat)
	}
	if head.Version != FileVersion {
		return nil, fmt.Errorf("%w: version %d, this build reads %d", ErrVersion, head.Version, FileVersion)
	}
	var f fileV1
	if err := strictjson.Decode("registry", data, &f); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	seen := make(map[string]bool, len(f.Cases))
	for i, c := range f.Cases {
		if err := c.Validate(); err != nil {
			return nil, fmt.Errorf("%w: case #%d: %w", ErrCorrupt, i, err)
		}
		if seen[c.ID] {
			return nil, fmt.Errorf("%w: case #%d: id %s registered twice", ErrCorrupt, i, c.ID)
		}
		seen[c.ID] = true
	}
	return f.Cases, nil
}

// encode renders cases as a registry file, sorted by id.
func encode(cases map[string]Case) ([]byte, error) {
	f := fileV1{Format: FileFormat, Version: FileVersion, Cases: make([]Case, 0, len(cases))}
	for _, c := range cases {
		f.Cases = append(f.Cases, c)
	}
	slices.SortFunc(f.Cases, func(a, b Case) int { return strings.Compare(a.ID, b.ID) })
	data, err := json.MarshalIndent(f, "", "\t")
	if err != nil {
		return nil, err
	}
	return append(data, '\n'), nil
}

// Path returns the registry file's name.
func (r *Registry) Path() string { return r.path }

// List returns every registered case, erased ones included, sorted by id.
func (r *Registry) List() []Case {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]Case, 0, len(r.cases))
	for _, c := range r.cases {
		out = append(out, clone(c))
	}
	slices.SortFunc(out, func(a, b Case) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// Get returns the case registered as id.
func (r *Registry) Get(id string) (Case, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	c, ok := r.cases[id]
	if !ok {
		return Case{}, fmt.Errorf("retention: case %s: %w", id, ErrNotFound)
	}
	return clone(c), nil
}

// Add registers a new case. Erasure state and past holds in c are ignored; a hold in c is kept.
func (r *Registry) Add(ctx context.Context, c Case) error {
	c.Erased, c.PastHolds = time.Time{}, nil
	if err := c.Validate(); err != nil {
		return fmt.Errorf("retention: add case: %w", err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.cases[c.ID]; ok {
		return fmt.Errorf("retention: add case %s: %w", c.ID, ErrExists)
	}
	return r.change(ctx, "add case "+c.ID, clone(c), KindCaseAdded, map[string]any{
		"case":         c.ID,
		"acquired":     date(c.Acquired),
		"retain_until": date(RetainUntil(c)),
		"on_hold":      c.OnHold(),
	})
}

// SetHold puts case id on legal hold, recording who asked and why.
func (r *Registry) SetHold(ctx context.Context, id, by, reason string) error {
	return r.changeHold(ctx, "set hold on case "+id, id, by, reason, func(c *Case, now time.Time) (string, map[string]any, error) {
		if c.OnHold() {
			return "", nil, fmt.Errorf("%w since %s", ErrOnHold, date(c.Hold.Since))
		}
		c.Hold = &Hold{Since: now, By: by, Reason: reason}
		return KindHoldSet, map[string]any{"case": id, "since": date(now)}, nil
	})
}

// ReleaseHold lifts the legal hold on case id, recording who asked and why. A case whose retention has passed is
// erased at the scheduler's next round.
func (r *Registry) ReleaseHold(ctx context.Context, id, by, reason string) error {
	return r.changeHold(ctx, "release hold on case "+id, id, by, reason, func(c *Case, now time.Time) (string, map[string]any, error) {
		if !c.OnHold() {
			return "", nil, ErrNotHeld
		}
		past := *c.Hold
		past.Released, past.ReleasedBy, past.ReleaseReason = now, by, reason
		c.Hold = nil
		c.PastHolds = append(c.PastHolds, past)
		return KindHoldReleased, map[string]any{"case": id, "since": date(past.Since), "released": date(now)}, nil
	})
}

// changeHold applies a change of the legal hold of case id that by asked for with reason (both required): apply
// changes a copy of the case, or says why it may not, and names the audit record of the change.
func (r *Registry) changeHold(ctx context.Context, what, id, by, reason string,
	apply func(c *Case, now time.Time) (kind string, fields map[string]any, err error)) error {
	if by == "" || reason == "" {
		return fmt.Errorf("retention: %s: who asked and why are required", what)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	c, err := r.mutable(id, what)
	if err != nil {
		return err
	}
	kind, fields, err := apply(&c, r.now())
	if err != nil {
		return fmt.Errorf("retention: %s: %w", what, err)
	}
	return r.change(ctx, what, c, kind, fields)
}

// MarkErased records that case id was erased at the given time, for an erasure made outside the scheduler (a data
// subject's request). Marking an erased case again is an error matching ErrErased.
func (r *Registry) MarkErased(ctx context.Context, id string, at time.Time) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.markErased(ctx, id, at)
}

func (r *Registry) markErased(ctx context.Context, id string, at time.Time) error {
	what := "mark case " + id + " erased"
	c, ok := r.cases[id]
	if !ok {
		return fmt.Errorf("retention: %s: %w", what, ErrNotFound)
	}
	if !c.Erased.IsZero() {
		return fmt.Errorf("retention: %s: %w on %s", what, ErrErased, date(c.Erased))
	}
	c = clone(c)
	c.Erased = at
	return r.change(ctx, what, c, KindErased, map[string]any{
		"case": id, "retain_until": date(RetainUntil(c)), "erased": date(at),
	})
}

// mutable returns a copy of case id for a hold change, refusing erased cases and cases being erased.
// r.mu must be held.
func (r *Registry) mutable(id, what string) (Case, error) {
	c, ok := r.cases[id]
	switch {
	case !ok:
		return Case{}, fmt.Errorf("retention: %s: %w", what, ErrNotFound)
	case !c.Erased.IsZero():
		return Case{}, fmt.Errorf("retention: %s: %w on %s", what, ErrErased, date(c.Erased))
	case r.erasing[id]:
		return Case{}, fmt.Errorf("retention: %s: %w", what, ErrErasing)
	}
	return clone(c), nil
}

// change records a change in the audit and then stores c durably. The audit comes first so that nothing changes
// unrecorded: if the file cannot be written, the record stands for an attempt, the error is returned and memory
// and file keep the old state. r.mu must be held.
func (r *Registry) change(ctx context.Context, what string, c Case, kind string, fields map[string]any) error {
	if err := r.audit.Record(ctx, kind, fields); err != nil {
		return fmt.Errorf("retention: %s: %w: %w", what, ErrNotRecorded, err)
	}
	old, had := r.cases[c.ID]
	r.cases[c.ID] = c
	if err := r.save(); err != nil {
		if had {
			r.cases[c.ID] = old
		} else {
			delete(r.cases, c.ID)
		}
		return fmt.Errorf("retention: %s: %w", what, err)
	}
	return nil
}

// save writes the whole registry. r.mu must be held.
func (r *Registry) save() error {
	data, err := encode(r.cases)
	if err != nil {
		return fmt.Errorf("encode registry %s: %w", r.path, err)
	}
	return durable.Replace(r.path, data, 0o600)
}

// claim marks case id as being erased if it is still due at now, so that no hold is set while the eraser works.
func (r *Registry) claim(id string, now time.Time) (Case, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	c, ok := r.cases[id]
	_, pending := r.unmarked[id]
	if !ok || r.erasing[id] || pending || len(Due([]Case{c}, now)) == 0 {
		return Case{}, false
	}
	r.erasing[id] = true
	return clone(c), true
}

// finish ends the erasure of case id claimed earlier, marking it erased at when erased. A case that cannot be
// marked is remembered, so that it is not erased again, and marked by remark.
func (r *Registry) finish(ctx context.Context, id string, erased bool, at time.Time) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.erasing, id)
	if !erased {
		return nil
	}
	if err := r.markErased(ctx, id, at); err != nil {
		r.unmarked[id] = at
		return err
	}
	return nil
}

// remark retries marking the cases finish could not mark, returning the ids it marked and the errors of the others.
func (r *Registry) remark(ctx context.Context) (marked []string, errs []error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	ids := slices.Sorted(maps.Keys(r.unmarked))
	for _, id := range ids {
		err := r.markErased(ctx, id, r.unmarked[id])
		if err != nil && !errors.Is(err, ErrErased) {
			errs = append(errs, &caseError{id: id, err: err})
			continue
		}
		delete(r.unmarked, id)
		marked = append(marked, id)
	}
	return marked, errs
}

// date renders t as an RFC 3339 time in UTC, the only form dates take in audit records.
func date(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

func clone(c Case) Case {
	if c.Hold != nil {
		h := *c.Hold
		c.Hold = &h
	}
	c.PastHolds = slices.Clone(c.PastHolds)
	return c
}

// claimNow marks case id as being erased whatever its retention, unless it is on hold, erased or being erased.
func (r *Registry) claimNow(id string) (Case, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	c, ok := r.cases[id]
	_, pending := r.unmarked[id]
	switch {
	case !ok:
		return Case{}, fmt.Errorf("retention: case %s: %w", id, ErrNotFound)
	case r.erasing[id]:
		return Case{}, fmt.Errorf("retention: case %s: %w", id, ErrErasing)
	case pending || !c.Erased.IsZero():
		return Case{}, fmt.Errorf("retention: case %s: %w", id, ErrErased)
	case c.Hold != nil:
		return Case{}, fmt.Errorf("retention: case %s: %w", id, ErrOnHold)
	}
	r.erasing[id] = true
	return clone(c), nil
}
