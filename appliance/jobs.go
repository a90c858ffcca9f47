package appliance

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
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
	"time"
	"unicode"

	"github.com/attesta/attesta/capture/android"
	"github.com/attesta/attesta/capture/web"
	"github.com/attesta/attesta/evidence"
	"github.com/attesta/attesta/internal/durable"
	"github.com/attesta/attesta/journal"
	"github.com/attesta/attesta/journal/blob"
	"github.com/attesta/attesta/ui"
)

// Leaf types of jobs. They carry the job id, its kind, the case and counts: never a number, a name or a key.
const (
	LeafJobStarted     = "job-started"
	LeafJobEnded       = "job-ended"
	LeafJobInterrupted = "job-interrupted" // found running at start-up: the appliance stopped under it
	LeafJobResumed     = "job-resumed"
)

// Job kinds.
const (
	JobWeb = "web" // a remote session over WhatsApp Web
	JobADB = "adb" // an extraction from a phone on USB
)

// JobResumed is the state of an interrupted job once it has been resumed as another job (JobInfo.Progress names
// it): it cannot be resumed twice.
const JobResumed = "resumed"

// jobFormat names the job record's encoding; see the package documentation.
const jobFormat = "attesta.job/v1"

// ErrJobRecord is returned for a job whose record cannot be read; the error names the file.
var ErrJobRecord = errors.New("job record unreadable")

// errCancelled is the cause of a job's context cancelled by CancelJob, telling it apart from a shutdown.
var errCancelled = errors.New("cancelled by the operator")

// ProgressSink shows a job's progress: *ui.Feed is one. Its methods must not block.
type ProgressSink interface {
	Progress(text string, done, total int)
	SetQR(png []byte)
	End(text string)
}

var (
	_ ProgressSink = (*ui.Feed)(nil)
	_ ui.Jobs      = (*Appliance)(nil)
)

// jobRecord is a job on disk, DataDir/jobs/<id>.json. What names people (the list, the chats, the delivery
// folders, which carry numbers), the backup key and the phone's serial are in Sealed, AES-256-GCM encrypted under
// the job store's key, which only this appliance's TPM unseals.
type jobRecord struct {
	Format      string    `json:"format"`
	ID          string    `json:"id"`
	Kind        string    `json:"kind"`
	Case        string    `json:"case"`
	State       string    `json:"state"`
	Started     time.Time `json:"started"`
	Updated     time.Time `json:"updated"`
	Progress    string    `json:"progress"`
	Done        int       `json:"done"`
	Total       int       `json:"total"`
	ResumedFrom string    `json:"resumed_from,omitempty"`
	ResumedAs   string    `json:"resumed_as,omitempty"`
	Lines       []jobLine `json:"lines"`
	Sealed      []byte    `json:"sealed,omitempty"`
}

// jobLine is one list line the job runs.
type jobLine struct {
	Line      int  `json:"line"`
	Delivered bool `json:"delivered"`
	Certified int  `json:"certified"`
}

// jobSecret is a job record's sealed part.
type jobSecret struct {
	List     string    `json:"list"`
	ListRead time.Time `json:"list_read"` // the day the list was read: it dates the lines written without a year
	Key      string    `json:"key,omitempty"`
	Serial   string    `json:"serial,omitempty"`
	Operator string    `json:"operator"`
	Chats    []jobChat `json:"chats"`
	Error    string    `json:"error,omitempty"`
}

type jobChat struct {
	Line      int    `json:"line"`
	Chat      string `json:"chat"`
	Folder    string `json:"folder,omitempty"`
	Certified int    `json:"certified"`
	Problem   string `json:"problem,omitempty"`
}

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
	a    *Appliance
	d    *desk
	dir  string
	aead cipher.AEAD

	mu          sync.Mutex
	runCtx      context.Context
	sinks       func(id string) ProgressSink
	outDir      string
	linkTimeout time.Duration // web sessions' wait for the client to scan the QR code
	jobs        map[string]*job
	bad         map[string]error // records that cannot be read, by id
	running     map[string]*job  // by kind
	wg          sync.WaitGroup
}

var jobIDPattern = regexp.MustCompile(`^j[0-9a-f]{16}$`)

// JobLinkTimeout is how long a remote session waits for the client to scan the QR code: a client reached by
// phone needs minutes to open WhatsApp's Linked devices, and the code shown stays fresh meanwhile.
const JobLinkTimeout = 10 * time.Minute

// openJobStore reads the job records. A record left running by a stop is marked interrupted and journaled; a
// record that cannot be read is kept aside with the reason, naming its file, and the others are read on.
func openJobStore(ctx context.Context, a *Appliance, d *desk) (*jobStore, error) {
	s := &jobStore{a: a, d: d, dir: filepath.Join(a.cfg.DataDir, "jobs"), runCtx: context.Background(),
		outDir: filepath.Join(a.cfg.DataDir, "deliveries"), linkTimeout: JobLinkTimeout,
		jobs: map[string]*job{}, bad: map[string]error{}, running: map[string]*job{}}
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
			a.log.WarnContext(ctx, "job record unreadable", slog.Any("error", err))
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

// storeKey returns the AES-256 key of the job records' sealed parts, sealed by the TPM in DataDir/jobs/key.sealed
// and made on first use.
func (s *jobStore) storeKey(ctx context.Context) ([]byte, error) {
	path := filepath.Join(s.dir, "key.sealed")
	sealed, err := os.ReadFile(path)
	if err == nil {
		key, err := s.a.tpm.Unseal(ctx, sealed)
		if err != nil || len(key) != 32 {
			return nil, fmt.Errorf("appliance: jobs: unseal %s: the job records' key does not open with this TPM: %w", path, err)
		}
		return key, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("appliance: jobs: %w", err)
	}
	key := make([]byte, 32)
	rand.Read(key)
	if sealed, err = s.a.tpm.Seal(ctx, key); err != nil {
		return nil, fmt.Errorf("appliance: jobs: seal the job records' key: %w", err)
	}
	if err := durable.WriteNew(path, sealed, 0o600); err != nil {
		return nil, fmt.Errorf("appliance: jobs: %w", err)
	}
	return key, nil
}

// maxJobRecord bounds a record file: a list of 50 lines and its results fit many times over.
const maxJobRecord = 1 << 20

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

// decodeJobRecord parses a job record and checks it is one of job id.
func decodeJobRecord(b []byte, id string) (jobRecord, error) {
	var rec jobRecord
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rec); err != nil {
		return rec, fmt.Errorf("not JSON of a job record: %w", err)
	}
	if dec.More() {
		return rec, errors.New("data after the record")
	}
	switch {
	case rec.Format != jobFormat:
		return rec, fmt.Errorf("format %q, want %q", rec.Format, jobFormat)
	case rec.ID != id || !jobIDPattern.MatchString(id):
		return rec, fmt.Errorf("names job %q, want %q", rec.ID, id)
	case rec.Kind != JobWeb && rec.Kind != JobADB:
		return rec, fmt.Errorf("kind %q", rec.Kind)
	case !knownState(rec.State):
		return rec, fmt.Errorf("state %q", rec.State)
	case rec.Started.IsZero():
		return rec, errors.New("no start time")
	case len(rec.Lines) > evidence.MaxListChats || rec.Done < 0 || rec.Total < 0:
		return rec, errors.New("counts out of range")
	}
	if err := blob.ValidCaseID(rec.Case); err != nil {
		return rec, err
	}
	return rec, nil
}

func knownState(s string) bool {
	switch s {
	case ui.JobRunning, ui.JobDone, ui.JobFailed, ui.JobInterrupted, ui.JobCancelled, JobResumed:
		return true
	}
	return false
}

// aad binds a sealed part to its record: it cannot be moved into another job's record.
func (rec *jobRecord) aad() []byte {
	return []byte(jobFormat + "\x00" + rec.ID + "\x00" + rec.Kind + "\x00" + rec.Case)
}

func (s *jobStore) open(rec jobRecord) (jobSecret, error) {
	var sec jobSecret
	n := s.aead.NonceSize()
	if len(rec.Sealed) < n+s.aead.Overhead() {
		return sec, errors.New("sealed part truncated")
	}
	plain, err := s.aead.Open(nil, rec.Sealed[:n], rec.Sealed[n:], rec.aad())
	if err != nil {
		return sec, errors.New("sealed part does not open: altered, or not written by this appliance")
	}
	if err := json.Unmarshal(plain, &sec); err != nil {
		return sec, fmt.Errorf("sealed part: %w", err)
	}
	return sec, nil
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
	rec.Sealed = nil
	if !isZeroSecret(j.secret) {
		plain, err := json.Marshal(j.secret)
		if err != nil {
			return err
		}
		nonce := make([]byte, s.aead.NonceSize())
		rand.Read(nonce)
		rec.Sealed = s.aead.Seal(nonce, nonce, plain, rec.aad())
	}
	b, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return err
	}
	path := filepath.Join(s.dir, rec.ID+".json")
	if err := durable.Replace(path, append(b, '\n'), 0o600); err != nil {
		return fmt.Errorf("appliance: save job %s: %w", rec.ID, err)
	}
	j.lastSave = now
	return nil
}

func isZeroSecret(s jobSecret) bool {
	return s.List == "" && s.Key == "" && s.Serial == "" && s.Operator == "" && len(s.Chats) == 0 && s.Error == ""
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
	_, err := s.a.record(ctx, journal.Entry{Type: LeafJobInterrupted, Case: j.rec.Case, Fields: map[string]any{
		"job": j.rec.ID, "kind": j.rec.Kind, "chats": len(j.rec.Lines), "delivered": delivered(j.rec.Lines),
	}})
	if err != nil {
		return fmt.Errorf("appliance: job %s interrupted: %w", j.rec.ID, err)
	}
	return nil
}

func delivered(lines []jobLine) int {
	n := 0
	for _, l := range lines {
		if l.Delivered {
			n++
		}
	}
	return n
}

// OpenJobs opens the cases and the jobs (a job the last stop interrupted is marked so, and can be resumed) and
// runs the jobs started from now on under ctx: when ctx ends, they stop and are recorded as interrupted. Call
// StopJobs before closing the appliance.
func (a *Appliance) OpenJobs(ctx context.Context) error {
	d, err := a.work(ctx)
	if err != nil {
		return err
	}
	d.jobs.mu.Lock()
	d.jobs.runCtx = ctx
	d.jobs.mu.Unlock()
	return nil
}

// StopJobs stops the running jobs and waits until each has recorded that it was interrupted.
func (a *Appliance) StopJobs() {
	a.desk.mu.Lock()
	d := a.desk.d
	a.desk.mu.Unlock()
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
func (a *Appliance) SetJobSinks(sinks func(jobID string) ProgressSink) error {
	d, err := a.work(context.Background())
	if err != nil {
		return err
	}
	d.jobs.mu.Lock()
	d.jobs.sinks = sinks
	d.jobs.mu.Unlock()
	return nil
}

// setDeliveriesDir sets where jobs write their delivery folders.
func (a *Appliance) setDeliveriesDir(dir string) error {
	d, err := a.work(context.Background())
	if err != nil {
		return err
	}
	d.jobs.mu.Lock()
	d.jobs.outDir = dir
	d.jobs.mu.Unlock()
	return nil
}

// StartWebSession starts a remote capture over WhatsApp Web for a case: the QR code to scan and the progress go
// to the job's feed.
func (a *Appliance) StartWebSession(ctx context.Context, req ui.WebSession) (ui.JobInfo, error) {
	d, err := a.work(ctx)
	if err != nil {
		return ui.JobInfo{}, err
	}
	return d.jobs.start(ctx, JobWeb, req.Case, jobSecret{List: req.List, Operator: strings.TrimSpace(req.Operator)}, nil, "")
}

// StartExtraction starts an extraction from a phone on USB for a case, with the phone's end-to-end backup key.
func (a *Appliance) StartExtraction(ctx context.Context, req ui.Extraction) (ui.JobInfo, error) {
	d, err := a.work(ctx)
	if err != nil {
		return ui.JobInfo{}, err
	}
	key := strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '-' {
			return -1
		}
		return r
	}, req.Key)
	if _, err := android.ParseHexKey(key); err != nil {
		return ui.JobInfo{}, fmt.Errorf("%w: the backup key: write the 64 digits WhatsApp showed when the "+
			"end-to-end backup was turned on (%v)", ui.ErrInvalid, err)
	}
	sec := jobSecret{List: req.List, Key: key, Serial: strings.TrimSpace(req.Serial), Operator: strings.TrimSpace(req.Operator)}
	return d.jobs.start(ctx, JobADB, req.Case, sec, nil, "")
}

// start checks a job and starts it. only, when not nil, restricts the list to those lines (a resumed job).
func (s *jobStore) start(ctx context.Context, kind, caseID string, sec jobSecret, only map[int]bool, resumedFrom string) (ui.JobInfo, error) {
	c, ok := s.d.lookup(caseID)
	if !ok {
		return ui.JobInfo{}, fmt.Errorf("case %q: %w", caseID, ui.ErrNotFound)
	}
	if rc, err := s.d.reg.Get(caseID); err == nil && !rc.Erased.IsZero() {
		return ui.JobInfo{}, fmt.Errorf("%w: case %s was erased on %s: it takes no more acquisitions", ui.ErrInvalid,
			caseID, rc.Erased.In(evidence.Location()).Format(time.DateOnly))
	}
	if sec.ListRead.IsZero() {
		sec.ListRead = time.Now().UTC()
	}
	list, err := evidence.ParseList(strings.NewReader(sec.List), evidence.ListOptions{Now: sec.ListRead})
	if err != nil {
		return ui.JobInfo{}, fmt.Errorf("%w: the acquisition list: %w", ui.ErrInvalid, err)
	}
	if only != nil {
		list.Entries = slices.DeleteFunc(list.Entries, func(e evidence.ListEntry) bool { return !only[e.Line] })
	}
	if len(list.Entries) == 0 {
		return ui.JobInfo{}, fmt.Errorf("%w: the acquisition list has no chat", ui.ErrInvalid)
	}
	if err := s.a.CheckCertify(); err != nil {
		return ui.JobInfo{}, err
	}
	var raw [8]byte
	rand.Read(raw[:])
	now := time.Now().UTC()
	j := &job{rec: jobRecord{Format: jobFormat, ID: "j" + hex.EncodeToString(raw[:]), Kind: kind, Case: caseID,
		State: ui.JobRunning, Started: now, Total: len(list.Entries), ResumedFrom: resumedFrom,
		Progress: "starting"}, secret: sec}
	for _, e := range list.Entries {
		j.rec.Lines = append(j.rec.Lines, jobLine{Line: e.Line})
		j.secret.Chats = append(j.secret.Chats, jobChat{Line: e.Line, Chat: strings.TrimSpace(e.Phone + " " + e.Name)})
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if r := s.running[kind]; r != nil {
		return ui.JobInfo{}, fmt.Errorf("%w: job %s (%s) is running: wait for it to end or cancel it", ui.ErrBusy, r.rec.ID, kind)
	}
	if err := s.save(j, true); err != nil {
		return ui.JobInfo{}, err
	}
	fields := map[string]any{"job": j.rec.ID, "kind": kind, "chats": len(list.Entries)}
	if resumedFrom != "" {
		fields["resumed_from"] = resumedFrom
	}
	if _, err := s.a.record(ctx, journal.Entry{Type: LeafJobStarted, Case: caseID, Fields: fields}); err != nil {
		os.Remove(filepath.Join(s.dir, j.rec.ID+".json"))
		return ui.JobInfo{}, fmt.Errorf("appliance: start job: %w", err)
	}
	s.jobs[j.rec.ID] = j
	s.running[kind] = j
	j.sink = nopSink{}
	if s.sinks != nil {
		j.sink = s.sinks(j.rec.ID)
	}
	jctx, cancel := context.WithCancelCause(s.runCtx)
	j.cancel = cancel
	s.wg.Add(1)
	go s.run(jctx, j, c, list)
	s.a.log.InfoContext(ctx, "job started", slog.String("job", j.rec.ID), slog.String("kind", kind), slog.String("case", caseID))
	return j.info(), nil
}

type nopSink struct{}

func (nopSink) Progress(string, int, int) {}
func (nopSink) SetQR([]byte)              {}
func (nopSink) End(string)                {}

// run runs a job to its end and records how it ended.
func (s *jobStore) run(ctx context.Context, j *job, c caseRecord, list evidence.List) {
	defer s.wg.Done()
	s.mu.Lock()
	sec, outDir, linkTimeout := j.secret, s.outDir, s.linkTimeout
	s.mu.Unlock()
	var outcomes []ChatOutcome
	var err error
	switch j.rec.Kind {
	case JobWeb:
		outcomes, err = s.a.CaptureWeb(ctx, WebJob{URL: s.a.cfg.WhatsAppWebURL, Chromium: s.a.cfg.Chromium,
			List: list, MaxMessages: c.MaxMessages, Case: c.ID, Operator: sec.Operator, OutDir: outDir,
			Client: c.Client, Purpose: c.Purpose, LinkTimeout: linkTimeout,
			OnQR: func(qr web.QR) {
				j.sink.SetQR(qr.PNG)
				s.progress(j, "inquadrare il codice QR con il telefono del cliente", 0, len(list.Entries), false)
			},
			Progress: func(p web.Progress) { s.webProgress(j, p) },
		})
	case JobADB:
		key, kerr := android.ParseHexKey(sec.Key)
		if kerr != nil {
			err = kerr
			break
		}
		s.progress(j, "estrazione dal telefono", 0, len(list.Entries), true)
		outcomes, err = s.a.ExtractADB(ctx, ADBJob{ADB: s.a.cfg.ADB, Serial: sec.Serial, AndroidBackupJob: AndroidBackupJob{
			Key: key, List: list, MaxMessages: c.MaxMessages, Case: c.ID, Operator: sec.Operator, OutDir: outDir,
			Client: c.Client, Purpose: c.Purpose,
			Progress: func(text string, done, total int) { s.progress(j, text, done, total, false) }}})
	}
	s.finish(ctx, j, outcomes, err)
}

// progress records and shows a step. force writes the record at once (a chat's outcome).
func (s *jobStore) progress(j *job, text string, done, total int, force bool) {
	s.mu.Lock()
	j.rec.Progress, j.rec.Done, j.rec.Total = text, done, total
	if err := s.save(j, force); err != nil {
		s.a.log.Error("job progress not recorded", slog.String("job", j.rec.ID), slog.Any("error", err))
	}
	s.mu.Unlock()
	j.sink.Progress(text, done, total)
}

// The progress texts are in Italian, the screens' first language; the UI translates them (ui.ProgressText).
var (
	stageText = map[string]string{"resolve": "ricerca della chat", "history": "caricamento della cronologia",
		"messages": "lettura dei messaggi", "receipts": "conferme di consegna e lettura", "media": "allegati",
		"screenshots": "schermate", "done": "fatto"}
	chatStatusText = map[web.Status]string{web.StatusComplete: "completa", web.StatusPartial: "parziale",
		web.StatusNotFound: "non trovata", web.StatusOutOfReach: "fuori dalla cronologia raggiungibile",
		web.StatusPending: "non iniziata"}
	jobStateText = map[string]string{ui.JobDone: "completata", ui.JobFailed: "fallita",
		ui.JobInterrupted: "interrotta", ui.JobCancelled: "annullata"}
)

// webProgress turns a capture's progress into the job's. The text never names the chat: it goes to the record in
// clear, and to the client's remote page.
func (s *jobStore) webProgress(j *job, p web.Progress) {
	done, force := p.Chat-1, false
	text := fmt.Sprintf("chat %d di %d: %s", p.Chat, p.Of, stageText[p.Stage])
	if p.Stage == "done" {
		done, force = p.Chat, true
		text = fmt.Sprintf("chat %d di %d: %s", p.Chat, p.Of, chatStatusText[p.Status])
		s.mu.Lock()
		if i := p.Chat - 1; i >= 0 && i < len(j.secret.Chats) && p.Status != web.StatusComplete {
			j.secret.Chats[i].Problem = string(p.Status)
		}
		s.mu.Unlock()
	}
	s.progress(j, text, max(done, 0), p.Of, force)
}

// finish records how a job ended: its outcomes per chat, its state, a job-ended leaf and the feed's end.
func (s *jobStore) finish(ctx context.Context, j *job, outcomes []ChatOutcome, err error) {
	state := ui.JobDone
	switch {
	case errors.Is(context.Cause(ctx), errCancelled):
		state = ui.JobCancelled
	case ctx.Err() != nil:
		state = ui.JobInterrupted
	case err != nil:
		state = ui.JobFailed
	}
	s.mu.Lock()
	for _, o := range outcomes {
		i := slices.IndexFunc(j.rec.Lines, func(l jobLine) bool { return l.Line == o.Entry.Line })
		if i < 0 {
			continue
		}
		j.rec.Lines[i] = jobLine{Line: o.Entry.Line, Delivered: o.Folder != "", Certified: o.Certified}
		c := &j.secret.Chats[i]
		c.Certified, c.Problem = o.Certified, o.Problem
		if o.Folder != "" {
			c.Folder = filepath.Base(o.Folder)
		}
	}
	if err != nil {
		j.secret.Error = err.Error()
	}
	n, total, certified := delivered(j.rec.Lines), len(j.rec.Lines), 0
	for _, l := range j.rec.Lines {
		certified += l.Certified
	}
	s.mu.Unlock()

	// The end is journaled before the state changes, so that a job seen ended has its leaf.
	rctx := context.WithoutCancel(ctx)
	if _, jerr := s.a.record(rctx, journal.Entry{Type: LeafJobEnded, Case: j.rec.Case, Fields: map[string]any{
		"job": j.rec.ID, "kind": j.rec.Kind, "state": state, "chats": total, "delivered": n, "certified": certified,
	}}); jerr != nil {
		s.a.log.ErrorContext(rctx, "job end not journaled", slog.String("job", j.rec.ID), slog.Any("error", jerr))
	}
	summary := fmt.Sprintf("%s: %d chat su %d consegnate", jobStateText[state], n, total)
	s.mu.Lock()
	j.rec.State, j.rec.Progress, j.rec.Done, j.rec.Total = state, summary, len(outcomes), total
	if serr := s.save(j, true); serr != nil {
		s.a.log.ErrorContext(rctx, "job end not recorded", slog.String("job", j.rec.ID), slog.Any("error", serr))
	}
	delete(s.running, j.rec.Kind)
	s.mu.Unlock()
	j.cancel(nil)
	s.a.log.InfoContext(rctx, "job ended", slog.String("job", j.rec.ID), slog.String("state", state),
		slog.Int("delivered", n), slog.Int("chats", total))
	j.sink.End(summary)
}

// info is the job as the screens show it. s.mu must be held, or the job not running.
func (j *job) info() ui.JobInfo {
	ji := ui.JobInfo{ID: j.rec.ID, Kind: j.rec.Kind, Case: j.rec.Case, State: j.rec.State, Started: j.rec.Started,
		Updated: j.rec.Updated, Progress: j.rec.Progress, Done: j.rec.Done, Total: j.rec.Total, Error: j.secret.Error}
	for _, c := range j.secret.Chats {
		ji.Chats = append(ji.Chats, ui.ChatResult{Line: c.Line, Chat: c.Chat, Folder: c.Folder, Certified: c.Certified, Problem: c.Problem})
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
		out = append(out, j.info())
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

// ListJobs returns every job, newest first. A job whose record cannot be read is listed as failed, with an error
// naming its file.
func (a *Appliance) ListJobs(ctx context.Context) ([]ui.JobInfo, error) {
	d, err := a.work(ctx)
	if err != nil {
		return nil, err
	}
	return d.jobs.list(), nil
}

// Job returns one job.
func (a *Appliance) Job(ctx context.Context, id string) (ui.JobInfo, error) {
	d, err := a.work(ctx)
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
	return j.info(), nil
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

// ResumeJob starts, as a new job, the lines of an interrupted job that have no delivery yet; the interrupted job
// is then marked resumed. The new acquisition is journaled with the old job's id.
func (a *Appliance) ResumeJob(ctx context.Context, id, operator string) (ui.JobInfo, error) {
	d, err := a.work(ctx)
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
	next := jobSecret{List: sec.List, ListRead: sec.ListRead, Key: sec.Key, Serial: sec.Serial, Operator: strings.TrimSpace(operator)}
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
	if _, err := a.record(ctx, journal.Entry{Type: LeafJobResumed, Case: rec.Case, Fields: map[string]any{
		"job": info.ID, "previous_job": id, "kind": rec.Kind, "chats": len(only),
	}}); err != nil {
		return info, fmt.Errorf("appliance: resume job %s: %w", id, err)
	}
	return info, nil
}

// CancelJob stops a running job. It returns at once; the job's state becomes cancelled when it has stopped, and
// what it acquired until then stays stored and journaled.
func (a *Appliance) CancelJob(ctx context.Context, id, operator string) error {
	d, err := a.work(ctx)
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
	a.log.InfoContext(ctx, "job cancel asked", slog.String("job", id), slog.String("operator", operator))
	j.cancel(errCancelled)
	return nil
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
