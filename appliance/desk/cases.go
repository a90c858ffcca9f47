package desk

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/attesta/attesta/appliance/gdpr"
	"github.com/attesta/attesta/appliance/retention"
	"github.com/attesta/attesta/certify"
	"github.com/attesta/attesta/evidence"
	"github.com/attesta/attesta/internal/durable"
	"github.com/attesta/attesta/internal/strictjson"
	"github.com/attesta/attesta/journal"
	"github.com/attesta/attesta/journal/blob"
	"github.com/attesta/attesta/ui"
)

// Leaf types of the case register. A case-opened leaf carries the case id and the numbers of the service bought;
// the client's name, number and purpose are personal data and stay in the register, out of the journal. Every
// change to a case's retention (registration, legal hold set or released, erasure attempts) is a retention leaf
// whose "kind" is the retention package's record kind.
const (
	LeafCaseOpened = "case-opened"
	LeafRetention  = "retention"
)

// casesFormat names the case register's encoding; see the package documentation.
// Version 2 added the mandate (proceeding, bases), the notice's acceptance, the paper mandate and the restriction;
// a version 1 register reads as cases without them.
const (
	casesFormat   = "attesta.cases/v2"
	casesFormatV1 = "attesta.cases/v1"
)

// Limits on what a technician types into a case, so that a pasted document cannot bloat the register.
const (
	maxClientLen  = 200
	maxPurposeLen = 2000
)

var _ ui.Cases = (*Desk)(nil)

// casesFile is the case register on disk.
type casesFile struct {
	Format string       `json:"format"`
	Cases  []caseRecord `json:"cases"`
}

// caseRecord is one case in the register. Client, ClientPhone and Purpose are emptied when the case is erased.
type caseRecord struct {
	ID            string    `json:"id"`
	Client        string    `json:"client"`
	ClientPhone   string    `json:"client_phone"`
	Purpose       string    `json:"purpose"`
	ServiceMonths int       `json:"service_months"`
	MaxMessages   int       `json:"max_messages"`
	Created       time.Time `json:"created"`
	Operator      string    `json:"operator"`

	Proceeding    string         `json:"proceeding,omitempty"`
	ClientBasis   string         `json:"client_basis,omitempty"`
	SubjectsBasis string         `json:"subjects_basis,omitempty"`
	Notice        *noticeRecord  `json:"notice,omitempty"`
	Mandate       *mandateRecord `json:"mandate,omitempty"`
	Restricted    time.Time      `json:"restricted,omitzero"`
	Reasons       []reasonRecord `json:"reasons,omitempty"` // why people accessed the case's data

	Delivery       string   `json:"delivery,omitempty"`        // ui.DeliveryStudioDrive, ui.DeliveryClientDrive; empty: the appliance
	DeliveryEmails []string `json:"delivery_emails,omitempty"` // the Drive folders' readers; none: anyone with the link
}

// Desk is the studio's side of the appliance: the case register, the retention of the cases' evidence, and the jobs
// that acquire it (web sessions, extractions). It is what the touch UI's cases and jobs screens work on. Its state
// is opened on first use: the commands that certify without cases never read it.
type Desk struct {
	deps Deps
	mu   sync.Mutex
	d    *desk // nil until opened
}

// desk is the studio's side of the appliance: the case register, the retention registry and the jobs.
type desk struct {
	deps      Deps
	casesPath string
	reg       *retention.Registry

	mu    sync.Mutex
	cases []caseRecord

	jobs  *jobStore
	reqs  *gdpr.Requests // data-subject requests
	cloud *cloudStore    // the cloud-backup path's restores
}

// work returns the desk's state, opening it on first use: the case register, the retention registry and the
// job records (see [Desk.OpenJobs]).
func (k *Desk) work(ctx context.Context) (*desk, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.d != nil {
		return k.d, nil
	}
	d := &desk{deps: k.deps, casesPath: filepath.Join(k.deps.Config.DataDir, "cases.json")}
	var err error
	if d.cases, err = readCases(d.casesPath); err != nil {
		return nil, err
	}
	if d.reg, err = retention.Open(filepath.Join(k.deps.Config.DataDir, "retention.json"), journalAudit{k.deps.Recorder}, retention.Options{Logger: k.deps.Log}); err != nil {
		return nil, fmt.Errorf("appliance: %w", err)
	}
	if d.reqs, err = gdpr.OpenRequests(k.deps.Config.DataDir); err != nil {
		return nil, fmt.Errorf("appliance: %w", err)
	}
	if d.cloud, err = openCloudStore(k.deps.Config.DataDir); err != nil {
		return nil, err
	}
	if d.jobs, err = openJobStore(ctx, k.deps, d); err != nil {
		return nil, err
	}
	k.d = d
	return d, nil
}

// readCases loads the case register; a missing file is an empty register.
func readCases(path string) ([]caseRecord, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("appliance: case register: %w", err)
	}
	return parseCases(b, path)
}

// parseCases parses the case register read from path.
func parseCases(b []byte, path string) ([]caseRecord, error) {
	var f casesFile
	err := strictjson.DecodeFormat(path, b, casesFormat, &f)
	if errors.Is(err, strictjson.ErrFormat) {
		if err1 := strictjson.DecodeFormat(path, b, casesFormatV1, &f); err1 == nil || !errors.Is(err1, strictjson.ErrFormat) {
			err = err1
		}
	}
	if errors.Is(err, strictjson.ErrTrailingData) {
		return nil, fmt.Errorf("appliance: case register: data after the register: %w", err)
	} else if err != nil {
		return nil, fmt.Errorf("appliance: case register: %w", err)
	}
	seen := map[string]bool{}
	for i, c := range f.Cases {
		if err := blob.ValidCaseID(c.ID); err != nil {
			return nil, fmt.Errorf("appliance: case register %s: case %d: %w", path, i, err)
		}
		if seen[c.ID] {
			return nil, fmt.Errorf("appliance: case register %s: case %s twice", path, c.ID)
		}
		seen[c.ID] = true
	}
	return f.Cases, nil
}

// saveCases replaces the register durably with cases. d.mu must be held.
func (d *desk) saveCases(cases []caseRecord) error {
	if err := durable.ReplaceJSON(d.casesPath, casesFile{Format: casesFormat, Cases: cases}, 0o600); err != nil {
		return fmt.Errorf("appliance: save case register: %w", err)
	}
	return nil
}

// ListCases returns every case, newest first, erased ones included.
func (k *Desk) ListCases(ctx context.Context) ([]ui.CaseInfo, error) {
	d, err := k.work(ctx)
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	cases := slices.Clone(d.cases)
	d.mu.Unlock()
	out := make([]ui.CaseInfo, 0, len(cases))
	for _, c := range slices.Backward(cases) {
		out = append(out, d.info(c))
	}
	return out, nil
}

// Case returns a case with its jobs, newest first.
func (k *Desk) Case(ctx context.Context, id string) (ui.CaseInfo, error) {
	d, c, err := k.workCase(ctx, id)
	if err != nil {
		return ui.CaseInfo{}, err
	}
	info := d.info(c)
	for _, j := range d.jobs.list() {
		if j.Case == id {
			info.Jobs = append(info.Jobs, j)
		}
	}
	return info, nil
}

// workCase opens the desk ([Desk.work]) and looks up the case id; ui.ErrNotFound when there is none.
func (k *Desk) workCase(ctx context.Context, id string) (*desk, caseRecord, error) {
	d, err := k.work(ctx)
	if err != nil {
		return nil, caseRecord{}, err
	}
	c, ok := d.lookup(id)
	if !ok {
		return nil, caseRecord{}, fmt.Errorf("case %q: %w", id, ui.ErrNotFound)
	}
	return d, c, nil
}

func (d *desk) lookup(id string) (caseRecord, bool) {
	return findLocked(&d.mu, &d.cases, func(c caseRecord) bool { return c.ID == id })
}

// findLocked returns the first element of *list that match accepts, reading the list while holding mu.
func findLocked[T any](mu *sync.Mutex, list *[]T, match func(T) bool) (T, bool) {
	mu.Lock()
	defer mu.Unlock()
	i := slices.IndexFunc(*list, match)
	if i < 0 {
		var zero T
		return zero, false
	}
	return (*list)[i], true
}

// info joins a case with what retention knows of it.
func (d *desk) info(c caseRecord) ui.CaseInfo {
	info := ui.CaseInfo{ID: c.ID, Client: c.Client, ClientPhone: c.ClientPhone, Purpose: c.Purpose,
		ServiceMonths: c.ServiceMonths, MaxMessages: c.MaxMessages, Created: c.Created,
		Proceeding: c.Proceeding, Restricted: c.Restricted, Delivery: c.Delivery, DeliveryEmails: c.DeliveryEmails}
	if info.Delivery == "" {
		info.Delivery = ui.DeliveryAppliance
	}
	d.driveInfo(c, &info)
	d.privacyInfo(c, &info, ui.Italian)
	if rc, err := d.reg.Get(c.ID); err == nil {
		info.LegalMonths = rc.LegalMonths
		info.RetainUntil = retention.RetainUntil(rc)
		info.Erased = rc.Erased
		if rc.Hold != nil {
			info.Hold = rc.Hold.Reason
		}
	}
	return info
}

// CreateCase opens a case: it checks what the technician typed, gives the case the next number of the year
// (AT-2026-0001), registers it for retention (service bought plus the studio's legal retention, Config.LegalMonths)
// and journals it.
func (k *Desk) CreateCase(ctx context.Context, nc ui.NewCase) (ui.CaseInfo, error) {
	d, err := k.work(ctx)
	if err != nil {
		return ui.CaseInfo{}, err
	}
	c, err := validateCase(nc)
	if err != nil {
		return ui.CaseInfo{}, err
	}
	if err := k.checkBases(&c); err != nil {
		return ui.CaseInfo{}, err
	}
	if c.Delivery != "" && k.deps.Drive == nil {
		return ui.CaseInfo{}, fmt.Errorf("%w: this appliance has no Google Drive configured: the deliveries can only stay on it", ui.ErrInvalid)
	}
	c.Created = time.Now().UTC()
	d.mu.Lock()
	defer d.mu.Unlock()
	c.ID = nextCaseID(d.cases, c.Created)
	cases := append(slices.Clone(d.cases), c)
	if err := d.saveCases(cases); err != nil {
		return ui.CaseInfo{}, err
	}
	rc := retention.Case{ID: c.ID, Acquired: c.Created, Service: retention.Months(c.ServiceMonths), LegalMonths: k.deps.Config.LegalMonths}
	if err := d.reg.Add(ctx, rc); err != nil {
		if rerr := d.saveCases(d.cases); rerr != nil { // the register must not hold a case retention does not know
			err = errors.Join(err, rerr)
		}
		return ui.CaseInfo{}, fmt.Errorf("appliance: open case %s: %w", c.ID, err)
	}
	d.cases = cases
	if _, err := k.deps.Recorder.Record(ctx, journal.Entry{Type: LeafCaseOpened, Case: c.ID, Fields: map[string]any{
		"service_months": c.ServiceMonths, "legal_months": k.deps.Config.LegalMonths, "max_messages": c.MaxMessages,
		"client_basis": c.ClientBasis, "subjects_basis": c.SubjectsBasis,
	}}); err != nil {
		return ui.CaseInfo{}, fmt.Errorf("appliance: open case %s: registered, but not journaled: %w", c.ID, err)
	}
	k.deps.Log.InfoContext(ctx, "case opened", slog.String("case", c.ID))
	return d.info(c), nil
}

// validateCase checks a new case and returns it normalized; its errors wrap ui.ErrInvalid and say what to fix.
func validateCase(nc ui.NewCase) (caseRecord, error) {
	bad := func(format string, args ...any) (caseRecord, error) {
		return caseRecord{}, fmt.Errorf("%w: "+format, append([]any{ui.ErrInvalid}, args...)...)
	}
	client := strings.Join(strings.Fields(nc.Client), " ")
	purpose := strings.TrimSpace(nc.Purpose)
	switch {
	case client == "":
		return bad("the client's name is missing")
	case !utf8.ValidString(client) || utf8.RuneCountInString(client) > maxClientLen:
		return bad("the client's name is longer than %d characters", maxClientLen)
	case !utf8.ValidString(purpose) || utf8.RuneCountInString(purpose) > maxPurposeLen:
		return bad("the purpose is longer than %d characters", maxPurposeLen)
	case strings.ContainsFunc(client+purpose, isControl):
		return bad("the name or the purpose holds control characters")
	}
	phone, err := evidence.NormalizePhone(nc.ClientPhone, "39")
	if err != nil {
		return bad("the client's number %q: %v", nc.ClientPhone, err)
	}
	if err := evidence.Plan(nc.MaxMessages).Validate(); err != nil {
		return bad("plan of %d messages: %v", nc.MaxMessages, err)
	}
	if !retention.Months(nc.ServiceMonths).Valid() {
		return bad("a service of %d months is not on sale: choose 1, 3, 6 or 12", nc.ServiceMonths)
	}
	proceeding := strings.TrimSpace(nc.Proceeding)
	if !utf8.ValidString(proceeding) || utf8.RuneCountInString(proceeding) > maxClientLen || strings.ContainsFunc(proceeding, isControl) {
		return bad("the proceeding: at most %d characters, no control characters", maxClientLen)
	}
	target, emails, err := validateDelivery(nc.Delivery, nc.DeliveryEmails)
	if err != nil {
		return caseRecord{}, err
	}
	return caseRecord{Client: client, ClientPhone: phone, Purpose: purpose, ServiceMonths: nc.ServiceMonths,
		MaxMessages: nc.MaxMessages, Operator: strings.TrimSpace(nc.Operator), Proceeding: proceeding,
		ClientBasis: nc.ClientBasis, SubjectsBasis: nc.SubjectsBasis, Delivery: target, DeliveryEmails: emails}, nil
}

func isControl(r rune) bool { return r < 0x20 && r != '\n' && r != '\t' || r == 0x7f }

// nextCaseID numbers cases per year of creation: AT-YYYY-NNNN, one more than the highest number of that year.
func nextCaseID(cases []caseRecord, now time.Time) string {
	prefix := fmt.Sprintf("AT-%d-", now.In(evidence.Location()).Year())
	n := 0
	for _, c := range cases {
		if rest, ok := strings.CutPrefix(c.ID, prefix); ok {
			if v, err := strconv.Atoi(rest); err == nil && v > n {
				n = v
			}
		}
	}
	return fmt.Sprintf("%s%04d", prefix, n+1)
}

// SetHold puts a case on legal hold, or releases it; both are journaled.
func (k *Desk) SetHold(ctx context.Context, id string, hold bool, by, reason string) error {
	d, _, err := k.workCase(ctx, id)
	if err != nil {
		return err
	}
	by, reason = strings.TrimSpace(by), strings.TrimSpace(reason)
	if by == "" || reason == "" {
		return fmt.Errorf("%w: say who asks and why: both are recorded", ui.ErrInvalid)
	}
	if hold {
		err = d.reg.SetHold(ctx, id, by, reason)
	} else {
		err = d.reg.ReleaseHold(ctx, id, by, reason)
	}
	switch {
	case errors.Is(err, retention.ErrOnHold):
		return fmt.Errorf("%w: case %s is already on legal hold", ui.ErrInvalid, id)
	case errors.Is(err, retention.ErrNotHeld):
		return fmt.Errorf("%w: case %s is not on legal hold", ui.ErrInvalid, id)
	case errors.Is(err, retention.ErrErased), errors.Is(err, retention.ErrErasing):
		return fmt.Errorf("%w: case %s: its evidence is erased", ui.ErrInvalid, id)
	case err != nil:
		return fmt.Errorf("appliance: hold on case %s: %w", id, err)
	}
	return nil
}

// journalAudit records the retention registry's changes as journal leaves.
type journalAudit struct{ rec certify.Recorder }

var _ retention.Audit = journalAudit{}

func (j journalAudit) Record(ctx context.Context, kind string, fields map[string]any) error {
	e := journal.Entry{Type: LeafRetention, Fields: map[string]any{"kind": kind}}
	for k, v := range fields {
		if k == "case" {
			e.Case, _ = v.(string)
			continue
		}
		e.Fields[k] = v
	}
	_, err := j.rec.Record(ctx, e)
	return err
}

// RunRetention erases, every Config.RetentionEvery until ctx ends, the cases whose retention has ended and that
// are not on legal hold. The first round runs at once.
func (k *Desk) RunRetention(ctx context.Context) error {
	s, err := k.RetentionScheduler(ctx, retention.Options{Logger: k.deps.Log})
	if err != nil {
		return err
	}
	return s.Run(ctx, time.Duration(k.deps.Config.RetentionEvery))
}

func (k *Desk) RetentionScheduler(ctx context.Context, opts retention.Options) (*retention.Scheduler, error) {
	d, err := k.work(ctx)
	if err != nil {
		return nil, err
	}
	return retention.NewScheduler(d.reg, retention.EraserFunc(d.eraseCase), opts), nil
}

// eraseCase erases a case whose retention ended: its evidence (key destroyed, blobs deleted, erasure journaled),
// the appliance's copies of its deliveries, then the personal data the register and the job records keep of it. A case that never acquired anything has
// no key: its erasure is journaled all the same.
func (d *desk) eraseCase(ctx context.Context, id, by, why string) error {
	_, err := d.deps.Erase(ctx, id, by, why)
	if errors.Is(err, blob.ErrNotFound) {
		_, err = d.deps.Recorder.Record(ctx, journal.Entry{Type: journal.TypeErasure, Case: id, Fields: map[string]any{
			"key_id": "", "blobs": 0, "bytes": 0, "requested_by": by, "reason": why + " (no evidence was acquired)",
		}})
	}
	if err != nil {
		return err
	}
	d.jobs.mu.Lock()
	outDir := d.jobs.outDir
	d.jobs.mu.Unlock()
	if err := removeDeliveries(ctx, d.deps.Recorder, d.deps.Links, outDir, id); err != nil {
		return err
	}
	if err := d.forgetDrive(ctx, id); err != nil {
		return err
	}
	if err := d.scrubCase(id); err != nil {
		return err
	}
	if err := d.removeUploads(id); err != nil {
		return err
	}
	return d.jobs.scrubCase(id)
}

// scrubCase forgets the client's name, number and purpose of an erased case; its id and numbers stay.
func (d *desk) scrubCase(id string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	cases := slices.Clone(d.cases)
	i := slices.IndexFunc(cases, func(c caseRecord) bool { return c.ID == id })
	if i < 0 || cases[i].Client == "" && cases[i].ClientPhone == "" && cases[i].Purpose == "" && cases[i].Proceeding == "" &&
		cases[i].Reasons == nil && cases[i].DeliveryEmails == nil {
		return nil
	}
	cases[i].Client, cases[i].ClientPhone, cases[i].Purpose, cases[i].Proceeding = "", "", "", ""
	cases[i].Reasons, cases[i].DeliveryEmails = nil, nil
	if err := d.saveCases(cases); err != nil {
		return err
	}
	d.cases = cases
	return nil
}
