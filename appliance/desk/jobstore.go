package desk

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/attesta/attesta/internal/durable"
	"github.com/attesta/attesta/journal"
	"github.com/attesta/attesta/ui"
)

// job is a job in memory. Its fields are guarded by the store's mutex.
type job struct {
	rec      jobRecord
	secret   jobSecret
	cancel   context.CancelCauseFunc
	sink     ProgressSink
	lastSave time.Time
}

// jobStore keeps the job records and runs the jobs.
type jobStore struct {
	deps Deps
	d    *desk
	dir  string
	aead cipher.AEAD

	mu      sync.Mutex
	runCtx  context.Context
	sinks   func(id string) ProgressSink
	outDir  string
	jobs    map[string]*job
	bad     map[string]error // records that cannot be read, by id
	running map[string]*job  // by kind
	wg      sync.WaitGroup
}

// openJobStore reads the job records. A record left running by a stop is marked interrupted and journaled; a
// record that cannot be read is kept aside with the reason, naming its file, and the others are read on.
func openJobStore(ctx context.Context, deps Deps, d *desk) (*jobStore, error) {
	s := &jobStore{deps: deps, d: d, dir: filepath.Join(deps.Config.DataDir, "jobs"), runCtx: context.Background(),
		outDir: filepath.Join(deps.Config.DataDir, "deliveries"),
		jobs:   map[string]*job{}, bad: map[string]error{}, running: map[string]*job{}}
	if err := os.MkdirAll(s.dir, 0o700); err != nil {
		return nil, fmt.Errorf("appliance: jobs: %w", err)
	}
	if _, err := durable.RemoveTemps(s.dir); err != nil {
		return nil, fmt.Errorf("appliance: jobs: %w", err)
	}
	key, err := s.storeKey(ctx)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	if s.aead, err = cipher.NewGCM(block); err != nil {
		return nil, err
	}
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, fmt.Errorf("appliance: jobs: %w", err)
	}
	for _, e := range entries {
		id, ok := strings.CutSuffix(e.Name(), ".json")
		if !ok || !e.Type().IsRegular() {
			continue
		}
		j, err := s.load(id)
		if err != nil {
			s.bad[id] = err
			deps.Log.WarnContext(ctx, "job record unreadable", slog.Any("error", err))
			continue
		}
		s.jobs[id] = j
		if j.rec.State == ui.JobRunning {
			if err := s.markInterrupted(ctx, j); err != nil {
				return nil, err
			}
		}
	}
	return s, nil
}

// load reads and opens the record of job id.
func (s *jobStore) load(id string) (*job, error) {
	path := filepath.Join(s.dir, id+".json")
	fail := func(err error) (*job, error) { return nil, fmt.Errorf("%w: %s: %w", ErrJobRecord, path, err) }
	b, err := os.ReadFile(path)
	if err != nil {
		return fail(err)
	}
	if len(b) > maxJobRecord {
		return fail(fmt.Errorf("%d bytes, more than %d", len(b), maxJobRecord))
	}
	rec, err := decodeJobRecord(b, id)
	if err != nil {
		return fail(err)
	}
	j := &job{rec: rec}
	if len(rec.Sealed) > 0 {
		if j.secret, err = s.open(rec); err != nil {
			return fail(err)
		}
	}
	return j, nil
}

// save writes j's record durably. Progress ticks pass force false and are written at most once a second; every
// change of state and every chat outcome is written at once. s.mu must be held.
func (s *jobStore) save(j *job, force bool) error {
	now := time.Now().UTC()
	j.rec.Updated = now
	if !force && now.Sub(j.lastSave) < time.Second {
		return nil
	}
	rec := j.rec
	sealed, err := s.seal(rec, j.secret)
	if err != nil {
		return err
	}
	rec.Sealed = sealed
	path := filepath.Join(s.dir, rec.ID+".json")
	if err := durable.ReplaceJSON(path, rec, 0o600); err != nil {
		return fmt.Errorf("appliance: save job %s: %w", rec.ID, err)
	}
	j.lastSave = now
	return nil
}

// markInterrupted records that a job found running at start-up was stopped under it.
func (s *jobStore) markInterrupted(ctx context.Context, j *job) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	j.rec.State = ui.JobInterrupted
	j.rec.Progress = "interrupted by a stop of the appliance: it can be resumed"
	if err := s.save(j, true); err != nil {
		return err
	}
	_, err := s.deps.Recorder.Record(ctx, journal.Entry{Type: LeafJobInterrupted, Case: j.rec.Case, Fields: map[string]any{
		"job": j.rec.ID, "kind": j.rec.Kind, "chats": len(j.rec.Lines), "delivered": delivered(j.rec.Lines),
	}})
	if err != nil {
		return fmt.Errorf("appliance: job %s interrupted: %w", j.rec.ID, err)
	}
	return nil
}

// info is the job as the screens show it. s.mu must be held, or the job not running.
func (j *job) info() ui.JobInfo {
	ji := ui.JobInfo{ID: j.rec.ID, Kind: j.rec.Kind, Case: j.rec.Case, State: j.rec.State, Started: j.rec.Started,
		Updated: j.rec.Updated, Progress: j.rec.Progress, Done: j.rec.Done, Total: j.rec.Total, Error: j.secret.Error,
		Phone: j.secret.Serial, Backup: j.rec.Backup, BackedUp: j.rec.BackedUp}
	for _, c := range j.secret.Chats {
		ji.Chats = append(ji.Chats, ui.ChatResult{Line: c.Line, Chat: c.Chat, Folder: c.Folder, Certified: c.Certified, Problem: c.Problem,
			DriveLink: c.DriveLink})
	}
	if j.rec.ResumedAs != "" {
		ji.Progress += " (ripresa come sessione " + j.rec.ResumedAs + ")"
	}
	return ji
}

// list returns every job, newest first; a record that cannot be read is listed as failed, its error naming the
// file.
func (s *jobStore) list() []ui.JobInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]ui.JobInfo, 0, len(s.jobs)+len(s.bad))
	for _, j := range s.jobs {
		out = append(out, s.withDriveLinks(j.info()))
	}
	slices.SortFunc(out, func(a, b ui.JobInfo) int {
		if c := b.Started.Compare(a.Started); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	var bad []string
	for id := range s.bad {
		bad = append(bad, id)
	}
	slices.Sort(bad)
	for _, id := range bad {
		out = append(out, ui.JobInfo{ID: id, State: ui.JobFailed, Error: s.bad[id].Error()})
	}
	return out
}

// get returns job id. s.mu must be held.
func (s *jobStore) get(id string) (*job, error) {
	if err := s.bad[id]; err != nil {
		return nil, err
	}
	j := s.jobs[id]
	if j == nil {
		return nil, fmt.Errorf("job %q: %w", id, ui.ErrNotFound)
	}
	return j, nil
}

// scrubCase forgets the sealed part (list, key, chats) of every job of an erased case.
func (s *jobStore) scrubCase(caseID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var errs []error
	for _, j := range s.jobs {
		if j.rec.Case != caseID || isZeroSecret(j.secret) {
			continue
		}
		j.secret = jobSecret{}
		errs = append(errs, s.save(j, true))
	}
	return errors.Join(errs...)
}
