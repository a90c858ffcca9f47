package desk

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/attesta/attesta/journal"
	"github.com/attesta/attesta/ui"
)

var (
	_ ProgressSink = (*ui.Feed)(nil)
	_ ui.Jobs      = (*Desk)(nil)
)

// OpenJobs opens the cases and the jobs (a job the last stop interrupted is marked so, and can be resumed) and
// runs the jobs started from now on under ctx: when ctx ends, they stop and are recorded as interrupted. Call
// StopJobs before closing the appliance.
func (k *Desk) OpenJobs(ctx context.Context) error {
	d, err := k.work(ctx)
	if err != nil {
		return err
	}
	d.jobs.mu.Lock()
	d.jobs.runCtx = ctx
	d.jobs.mu.Unlock()
	return nil
}

// StopJobs stops the running jobs and waits until each has recorded that it was interrupted.
func (k *Desk) StopJobs() {
	k.mu.Lock()
	d := k.d
	k.mu.Unlock()
	if d == nil {
		return
	}
	d.jobs.mu.Lock()
	for _, j := range d.jobs.running {
		j.cancel(context.Canceled)
	}
	d.jobs.mu.Unlock()
	d.jobs.wg.Wait()
}

// SetJobSinks sets where each job's progress is shown, by job id (the touch UI's progress feeds). Without it,
// progress is only recorded.
func (k *Desk) SetJobSinks(sinks func(jobID string) ProgressSink) error {
	return k.setJobs(func(j *jobStore) { j.sinks = sinks })
}

// SetDeliveriesDir sets where jobs write their delivery folders (default: DataDir/deliveries).
func (k *Desk) SetDeliveriesDir(dir string) error {
	return k.setJobs(func(j *jobStore) { j.outDir = dir })
}

// setJobs changes a setting of the jobs under their lock.
func (k *Desk) setJobs(set func(*jobStore)) error {
	d, err := k.work(context.Background())
	if err != nil {
		return err
	}
	d.jobs.mu.Lock()
	set(d.jobs)
	d.jobs.mu.Unlock()
	return nil
}

// StartWebSession starts a remote capture over WhatsApp Web for a case: the QR code to scan and the progress go
// to the job's feed.
func (k *Desk) StartWebSession(ctx context.Context, req ui.WebSession) (ui.JobInfo, error) {
	d, err := k.work(ctx)
	if err != nil {
		return ui.JobInfo{}, err
	}
	return d.jobs.start(ctx, JobWeb, req.Case, jobSecret{List: req.List, Operator: strings.TrimSpace(req.Operator)}, nil, "")
}

// StartExtraction starts an extraction from a phone on USB for a case: from an Android phone with its end-to-end
// backup key, from an iPhone through a full backup (with its owner's backup password when it has one).
func (k *Desk) StartExtraction(ctx context.Context, req ui.Extraction) (ui.JobInfo, error) {
	d, err := k.work(ctx)
	if err != nil {
		return ui.JobInfo{}, err
	}
	if req.Kind == ui.PhoneIPhone {
		sec := jobSecret{List: req.List, Password: req.Password, Serial: strings.TrimSpace(req.Serial), Operator: strings.TrimSpace(req.Operator)}
		return d.jobs.start(ctx, JobIPhone, req.Case, sec, nil, "")
	}
	key := normalizeKey(req.Key)
	if err := checkKey(key); err != nil {
		return ui.JobInfo{}, err
	}
	sec := jobSecret{List: req.List, Key: key, Serial: strings.TrimSpace(req.Serial), Operator: strings.TrimSpace(req.Operator)}
	return d.jobs.start(ctx, JobADB, req.Case, sec, nil, "")
}

// ListJobs returns every job, newest first. A job whose record cannot be read is listed as failed, with an error
// naming its file.
func (k *Desk) ListJobs(ctx context.Context) ([]ui.JobInfo, error) {
	d, err := k.work(ctx)
	if err != nil {
		return nil, err
	}
	return d.jobs.list(), nil
}

// Job returns one job.
func (k *Desk) Job(ctx context.Context, id string) (ui.JobInfo, error) {
	d, err := k.work(ctx)
	if err != nil {
		return ui.JobInfo{}, err
	}
	s := d.jobs
	s.mu.Lock()
	defer s.mu.Unlock()
	j, err := s.get(id)
	if err != nil {
		return ui.JobInfo{}, err
	}
	return s.withDriveLinks(j.info()), nil
}

// ResumeJob starts, as a new job, the lines of an interrupted job that have no delivery yet; the interrupted job
// is then marked resumed. The new acquisition is journaled with the old job's id.
func (k *Desk) ResumeJob(ctx context.Context, id, operator string) (ui.JobInfo, error) {
	d, err := k.work(ctx)
	if err != nil {
		return ui.JobInfo{}, err
	}
	s := d.jobs
	s.mu.Lock()
	j, err := s.get(id)
	if err != nil {
		s.mu.Unlock()
		return ui.JobInfo{}, err
	}
	rec, sec := j.rec, j.secret
	s.mu.Unlock()
	switch {
	case rec.State != ui.JobInterrupted:
		return ui.JobInfo{}, fmt.Errorf("%w: job %s is %s: only an interrupted job can be resumed", ui.ErrInvalid, id, rec.State)
	case sec.List == "":
		return ui.JobInfo{}, fmt.Errorf("%w: job %s keeps no list any more (its case was erased)", ui.ErrInvalid, id)
	}
	only := map[int]bool{}
	for _, l := range rec.Lines {
		if !l.Delivered {
			only[l.Line] = true
		}
	}
	if len(only) == 0 {
		return ui.JobInfo{}, fmt.Errorf("%w: every chat of job %s was delivered", ui.ErrInvalid, id)
	}
	next := jobSecret{List: sec.List, ListRead: sec.ListRead, Key: sec.Key, Password: sec.Password, Serial: sec.Serial,
		Backup: sec.Backup, Received: sec.Received, Cloud: sec.Cloud, Operator: strings.TrimSpace(operator)}
	if next.Operator == "" {
		next.Operator = sec.Operator
	}
	info, err := s.start(ctx, rec.Kind, rec.Case, next, only, id)
	if err != nil {
		return ui.JobInfo{}, err
	}
	s.mu.Lock()
	j.rec.State, j.rec.ResumedAs = JobResumed, info.ID
	serr := s.save(j, true)
	s.mu.Unlock()
	if serr != nil {
		return info, serr
	}
	if _, err := k.deps.Recorder.Record(ctx, journal.Entry{Type: LeafJobResumed, Case: rec.Case, Fields: map[string]any{
		"job": info.ID, "previous_job": id, "kind": rec.Kind, "chats": len(only),
	}}); err != nil {
		return info, fmt.Errorf("appliance: resume job %s: %w", id, err)
	}
	return info, nil
}

// CancelJob stops a running job. It returns at once; the job's state becomes cancelled when it has stopped, and
// what it acquired until then stays stored and journaled.
func (k *Desk) CancelJob(ctx context.Context, id, operator string) error {
	d, err := k.work(ctx)
	if err != nil {
		return err
	}
	s := d.jobs
	s.mu.Lock()
	defer s.mu.Unlock()
	j, err := s.get(id)
	if err != nil {
		return err
	}
	if j.rec.State != ui.JobRunning || j.cancel == nil {
		return fmt.Errorf("%w: job %s is %s, not running", ui.ErrInvalid, id, j.rec.State)
	}
	k.deps.Log.InfoContext(ctx, "job cancel asked", slog.String("job", id), slog.String("operator", operator))
	j.cancel(errCancelled)
	return nil
}

// Busy reports whether a job is running. A desk not opened yet runs none.
func (k *Desk) Busy() bool {
	k.mu.Lock()
	d := k.d
	k.mu.Unlock()
	if d == nil {
		return false
	}
	d.jobs.mu.Lock()
	defer d.jobs.mu.Unlock()
	return len(d.jobs.running) > 0
}
