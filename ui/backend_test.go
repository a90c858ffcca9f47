package ui

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/attesta/attesta/evidence"
)

// memBackend is an in-memory appliance behind the screens for the ui package's own tests: cases, jobs, phones,
// a journal and the credential store keep what they are given and answer from it. The appliance package runs the
// same screens over the real appliance.
type memBackend struct {
	mu     sync.Mutex
	now    func() time.Time
	cases  []CaseInfo
	jobs   []JobInfo
	phones []Phone
	leaves []LeafInfo
	atts   []AttestationInfo
	creds  []Credentials // every saved version
	webs   []WebSession  // every StartWebSession request, accepted or not
}

func newMemBackend(now func() time.Time) *memBackend { return &memBackend{now: now} }

func (m *memBackend) ListCases(context.Context) ([]CaseInfo, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.cases), nil
}

func (m *memBackend) CreateCase(_ context.Context, c NewCase) (CaseInfo, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if strings.TrimSpace(c.Client) == "" {
		return CaseInfo{}, fmt.Errorf("%w: client name missing", ErrInvalid)
	}
	ci := CaseInfo{ID: fmt.Sprintf("C-%04d", len(m.cases)+1), Client: c.Client, ClientPhone: c.ClientPhone,
		Purpose: c.Purpose, ServiceMonths: c.ServiceMonths, MaxMessages: c.MaxMessages, Created: m.now(),
		Delivery: c.Delivery, DeliveryEmails: strings.Fields(c.DeliveryEmails)}
	ci.RetainUntil = ci.Created.AddDate(0, c.ServiceMonths, 0)
	m.cases = append(m.cases, ci)
	return ci, nil
}

func (m *memBackend) Case(_ context.Context, id string) (CaseInfo, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, c := range m.cases {
		if c.ID == id {
			for _, j := range slices.Backward(m.jobs) {
				if j.Case == id {
					c.Jobs = append(c.Jobs, j)
				}
			}
			return c, nil
		}
	}
	return CaseInfo{}, ErrNotFound
}

func (m *memBackend) SetHold(_ context.Context, id string, hold bool, by, reason string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i := range m.cases {
		if m.cases[i].ID == id {
			m.cases[i].Hold = ""
			if hold {
				m.cases[i].Hold = reason
			}
			return nil
		}
	}
	return ErrNotFound
}

func (m *memBackend) startJob(kind, caseID string) (JobInfo, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, j := range m.jobs {
		if j.State == JobRunning && j.Kind == kind {
			return JobInfo{}, fmt.Errorf("%w: job %s is running", ErrBusy, j.ID)
		}
	}
	j := JobInfo{ID: fmt.Sprintf("J-%04d", len(m.jobs)+1), Kind: kind, Case: caseID, State: JobRunning,
		Started: m.now(), Updated: m.now()}
	m.jobs = append(m.jobs, j)
	return j, nil
}

// StartWebSession checks the case and the list as the appliance does (the real list parser) before it starts
// the job.
func (m *memBackend) StartWebSession(ctx context.Context, req WebSession) (JobInfo, error) {
	m.mu.Lock()
	m.webs = append(m.webs, req)
	m.mu.Unlock()
	if _, err := m.Case(ctx, req.Case); err != nil {
		return JobInfo{}, err
	}
	if _, err := evidence.ParseList(strings.NewReader(req.List), evidence.ListOptions{Now: m.now()}); err != nil {
		return JobInfo{}, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	return m.startJob("web", req.Case)
}

func (m *memBackend) StartExtraction(_ context.Context, req Extraction) (JobInfo, error) {
	return m.startJob("adb", req.Case)
}

func (m *memBackend) ListJobs(context.Context) ([]JobInfo, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.jobs), nil
}

func (m *memBackend) Job(_ context.Context, id string) (JobInfo, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, j := range m.jobs {
		if j.ID == id {
			return j, nil
		}
	}
	return JobInfo{}, ErrNotFound
}

func (m *memBackend) setJobState(id, state string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i := range m.jobs {
		if m.jobs[i].ID == id {
			m.jobs[i].State, m.jobs[i].Updated = state, m.now()
			return nil
		}
	}
	return ErrNotFound
}

func (m *memBackend) ResumeJob(ctx context.Context, id, _ string) (JobInfo, error) {
	j, err := m.Job(ctx, id)
	if err != nil {
		return JobInfo{}, err
	}
	if !j.Resumable() {
		return JobInfo{}, fmt.Errorf("%w: job %s is %s", ErrInvalid, id, j.State)
	}
	if err := m.setJobState(id, JobRunning); err != nil {
		return JobInfo{}, err
	}
	return m.Job(ctx, id)
}

func (m *memBackend) CancelJob(_ context.Context, id, _ string) error {
	return m.setJobState(id, JobCancelled)
}

func (m *memBackend) Phones(context.Context) ([]Phone, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.phones), nil
}

func (m *memBackend) Leaves(_ context.Context, from uint64, n int) ([]LeafInfo, uint64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	size := uint64(len(m.leaves))
	if from >= size {
		return nil, size, nil
	}
	end := min(size, from+uint64(max(n, 0)))
	return slices.Clone(m.leaves[from:end]), size, nil
}

func (m *memBackend) Attestations(_ context.Context, n int) ([]AttestationInfo, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := slices.Clone(m.atts)
	slices.Reverse(out)
	return out[:min(len(out), n)], nil
}

func (m *memBackend) SaveCredentials(_ context.Context, c Credentials) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.creds = append(m.creds, c)
	return nil
}
