package retention

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// Eraser erases a case's evidence: it destroys the case key, deletes the blobs and journals the erasure with who
// asked and why. It returns nil only when the case is erased. An erasure interrupted by a crash before the registry
// marks the case erased is asked for again after restart, so EraseCase must accept a case it already erased.
type Eraser interface {
	EraseCase(ctx context.Context, caseID, requestedBy, reason string) error
}

// EraserFunc adapts a function to [Eraser], e.g. a method whose result has more values than an error.
type EraserFunc func(ctx context.Context, caseID, requestedBy, reason string) error

// EraseCase calls f.
func (f EraserFunc) EraseCase(ctx context.Context, caseID, requestedBy, reason string) error {
	return f(ctx, caseID, requestedBy, reason)
}

var _ Eraser = EraserFunc(nil)

// RequestedBy names the scheduler as the requester of the erasures it makes.
const RequestedBy = "retention scheduler"

// Scheduler erases cases whose retention has ended.
type Scheduler struct {
	reg    *Registry
	eraser Eraser
	audit  Audit
	now    func() time.Time
	log    *slog.Logger
}

// NewScheduler returns a scheduler over reg that erases through eraser and records failed attempts in the
// registry's audit.
func NewScheduler(reg *Registry, eraser Eraser, opts Options) *Scheduler {
	opts = opts.withDefaults()
	return &Scheduler{reg: reg, eraser: eraser, audit: reg.audit, now: opts.Now, log: opts.Logger}
}

// Round is the outcome of one check.
type Round struct {
	At     time.Time
	Erased []string // cases erased and marked in this round
	Failed []string // due cases not erased, or erased but not yet marked; retried next round
}

// Run checks at once and then every period until ctx ends, and returns ctx's error. Failures are logged and
// recorded; they do not stop the scheduler.
func (s *Scheduler) Run(ctx context.Context, every time.Duration) error {
	if every <= 0 {
		return fmt.Errorf("retention: run scheduler: period %v is not positive", every)
	}
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
			if _, err := s.Check(ctx); err != nil {
				s.log.ErrorContext(ctx, "retention round incomplete", slog.Any("error", err))
			}
			t.Reset(every)
		}
	}
}

// Check runs one round: it marks erasures a previous round could not mark, then erases each due case not on hold.
// The error joins every failure of the round; the cases concerned are retried next round.
func (s *Scheduler) Check(ctx context.Context) (Round, error) {
	now := s.now()
	round := Round{At: now}
	marked, errs := s.reg.remark(ctx)
	round.Erased = append(round.Erased, marked...)
	for _, err := range errs {
		round.Failed = append(round.Failed, errID(err))
	}
	for _, c := range Due(s.reg.List(), now) {
		if ctx.Err() != nil {
			errs = append(errs, ctx.Err())
			break
		}
		if err := s.erase(ctx, c.ID, now); err != nil {
			errs = append(errs, err)
			round.Failed = append(round.Failed, c.ID)
			continue
		}
		round.Erased = append(round.Erased, c.ID)
	}
	return round, errors.Join(errs...)
}

// erase erases one due case and marks it erased. A case put on hold or erased since the list was taken is left.
func (s *Scheduler) erase(ctx context.Context, id string, now time.Time) error {
	c, ok := s.reg.claim(id, now)
	if !ok {
		return nil
	}
	until := RetainUntil(c)
	reason := "retention ended " + until.Format(time.DateOnly)
	err := s.eraser.EraseCase(ctx, id, RequestedBy, reason)
	if err != nil {
		s.reg.finish(ctx, id, false, time.Time{})
		s.log.WarnContext(ctx, "retention erasure failed; retried next round", slog.String("case", id), slog.Any("error", err))
		if rerr := s.audit.Record(ctx, KindEraseFailed, map[string]any{
			"case": id, "retain_until": date(until), "attempted": date(now),
		}); rerr != nil {
			err = errors.Join(err, fmt.Errorf("record failed erasure: %w", rerr))
		}
		return &caseError{id: id, err: fmt.Errorf("retention: erase case %s: %w", id, err)}
	}
	if err := s.reg.finish(ctx, id, true, s.now()); err != nil {
		return &caseError{id: id, err: fmt.Errorf("retention: case %s erased but not marked; marked next round: %w", id, err)}
	}
	s.log.InfoContext(ctx, "case erased at end of retention", slog.String("case", id), slog.Time("retain_until", until))
	return nil
}

// caseError ties an error to the case it concerns.
type caseError struct {
	id  string
	err error
}

func (e *caseError) Error() string { return e.err.Error() }
func (e *caseError) Unwrap() error { return e.err }

func errID(err error) string {
	if ce, ok := errors.AsType[*caseError](err); ok {
		return ce.id
	}
	return ""
}

// EraseNow erases case id at once, whatever its retention, for a data subject's erasure request: by and why say who
// asked and which request. A case on legal hold is refused (ErrOnHold); an erased one is ErrErased.
func (s *Scheduler) EraseNow(ctx context.Context, id, by, why string) error {
	c, err := s.reg.claimNow(id)
	if err != nil {
		return err
	}
	if err := s.eraser.EraseCase(ctx, id, by, why); err != nil {
		s.reg.finish(ctx, id, false, time.Time{})
		return &caseError{id: id, err: fmt.Errorf("retention: erase case %s on request: %w", id, err)}
	}
	if err := s.reg.finish(ctx, id, true, s.now()); err != nil {
		return &caseError{id: id, err: fmt.Errorf("retention: case %s erased but not marked; marked next round: %w", id, err)}
	}
	s.log.InfoContext(ctx, "case erased on request", slog.String("case", c.ID))
	return nil
}
