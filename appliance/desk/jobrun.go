package desk

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/attesta/attesta/capture/android"
	"github.com/attesta/attesta/capture/web"
	"github.com/attesta/attesta/certify"
	"github.com/attesta/attesta/evidence"
	"github.com/attesta/attesta/journal"
	"github.com/attesta/attesta/ui"
	"github.com/attesta/attesta/usb/iphone"
)

// errCancelled is the cause of a job's context cancelled by CancelJob, telling it apart from a shutdown.
var errCancelled = errors.New("cancelled by the operator")

// ProgressSink shows a job's progress: *ui.Feed is one. Its methods must not block.
type ProgressSink interface {
	Progress(text string, done, total int)
	SetQR(png []byte)
	End(text string)
}

// JobLinkTimeout is how long a remote session waits for the client to scan the QR code: a client reached by
// phone needs minutes to open WhatsApp's Linked devices, and the code shown stays fresh meanwhile.
const JobLinkTimeout = 10 * time.Minute

// check checks that a job of kind may start for caseID with sec's list (restricted to the lines of only, when
// not nil), and returns the case and the list. sec.ListRead is set when it was not.
func (s *jobStore) check(kind, caseID string, sec *jobSecret, only map[int]bool) (caseRecord, evidence.List, error) {
	c, ok := s.d.lookup(caseID)
	if !ok {
		return c, evidence.List{}, fmt.Errorf("case %q: %w", caseID, ui.ErrNotFound)
	}
	if rc, err := s.d.reg.Get(caseID); err == nil && !rc.Erased.IsZero() {
		return c, evidence.List{}, fmt.Errorf("%w: case %s was erased on %s: it takes no more acquisitions", ui.ErrInvalid,
			caseID, rc.Erased.In(evidence.Location()).Format(time.DateOnly))
	}
	if err := checkMandate(c, kind); err != nil {
		return c, evidence.List{}, err
	}
	if sec.ListRead.IsZero() {
		sec.ListRead = time.Now().UTC()
	}
	list, err := evidence.ParseList(strings.NewReader(sec.List), evidence.ListOptions{Now: sec.ListRead})
	if err != nil {
		return c, list, fmt.Errorf("%w: the acquisition list: %w", ui.ErrInvalid, err)
	}
	if only != nil {
		list.Entries = slices.DeleteFunc(list.Entries, func(e evidence.ListEntry) bool { return !only[e.Line] })
	}
	if len(list.Entries) == 0 {
		return c, list, fmt.Errorf("%w: the acquisition list has no chat", ui.ErrInvalid)
	}
	if err := s.deps.Gate.CheckCertify(); err != nil {
		return c, list, err
	}
	return c, list, nil
}

// busy returns ErrBusy when a job of kind is running.
func (s *jobStore) busy(kind string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r := s.running[kind]; r != nil {
		return fmt.Errorf("%w: job %s (%s) is running: wait for it to end or cancel it", ui.ErrBusy, r.rec.ID, kind)
	}
	return nil
}

// start checks a job and starts it. only, when not nil, restricts the list to those lines (a resumed job).
func (s *jobStore) start(ctx context.Context, kind, caseID string, sec jobSecret, only map[int]bool, resumedFrom string) (ui.JobInfo, error) {
	c, list, err := s.check(kind, caseID, &sec, only)
	if err != nil {
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
	if _, err := s.deps.Recorder.Record(ctx, journal.Entry{Type: LeafJobStarted, Case: caseID, Fields: fields}); err != nil {
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
	s.deps.Log.InfoContext(ctx, "job started", slog.String("job", j.rec.ID), slog.String("kind", kind), slog.String("case", caseID))
	return j.info(), nil
}

type nopSink struct{}

func (nopSink) Progress(string, int, int) {}

func (nopSink) SetQR([]byte) {}

func (nopSink) End(string) {}

// run runs a job to its end and records how it ended.
func (s *jobStore) run(ctx context.Context, j *job, c caseRecord, list evidence.List) {
	defer s.wg.Done()
	s.mu.Lock()
	sec, outDir, linkTimeout := j.secret, s.outDir, s.deps.Config.LinkTimeout
	if linkTimeout <= 0 {
		linkTimeout = JobLinkTimeout
	}
	s.mu.Unlock()
	var outcomes []certify.ChatOutcome
	var err error
	switch j.rec.Kind {
	case JobWeb:
		outcomes, err = s.deps.Pipelines.CaptureWeb(ctx, certify.WebJob{URL: s.deps.Config.WhatsAppWebURL, Chromium: s.deps.Config.Chromium,
			List: list, MaxMessages: c.MaxMessages, Case: c.ID, Operator: sec.Operator, OutDir: outDir,
			Client: c.Client, Purpose: s.d.processingNote(c), LinkTimeout: linkTimeout, Sender: c.ClientPhone,
			OnQR: func(qr web.QR) {
				j.sink.SetQR(qr.PNG)
				s.progress(j, "inquadrare il codice QR con il telefono del cliente", 0, len(list.Entries), false)
			},
			Progress: func(p web.Progress) { s.webProgress(j, p) },
		})
	case JobUpload:
		key, kerr := android.ParseHexKey(sec.Key)
		if kerr != nil {
			err = kerr
			break
		}
		outcomes, err = s.deps.Pipelines.ExtractAndroidBackup(ctx, uploadJob(sec, certify.AndroidBackupJob{
			Key: key, List: list, MaxMessages: c.MaxMessages, Case: c.ID, Operator: sec.Operator, OutDir: outDir,
			Client: c.Client, Purpose: s.d.processingNote(c),
			Progress: func(text string, done, total int) { s.progress(j, text, done, total, false) }}))
	case JobCloud:
		outcomes, err = s.runCloud(ctx, j, c, list, sec, outDir)
	case JobADB:
		key, kerr := android.ParseHexKey(sec.Key)
		if kerr != nil {
			err = kerr
			break
		}
		s.progress(j, "estrazione dal telefono", 0, len(list.Entries), true)
		outcomes, err = s.deps.Pipelines.ExtractADB(ctx, certify.ADBJob{ADB: s.deps.Config.ADB, Serial: sec.Serial, AndroidBackupJob: certify.AndroidBackupJob{
			Key: key, List: list, MaxMessages: c.MaxMessages, Case: c.ID, Operator: sec.Operator, OutDir: outDir,
			Client: c.Client, Purpose: s.d.processingNote(c),
			Progress: func(text string, done, total int) { s.progress(j, text, done, total, false) }}})
	case JobIPhone:
		s.progress(j, "estrazione dal telefono", 0, len(list.Entries), true)
		outcomes, err = s.deps.Pipelines.ExtractIPhone(ctx, certify.IPhoneJob{Tools: iphone.Tools{Socket: s.deps.Config.Usbmuxd},
			UDID: sec.Serial, Password: []byte(sec.Password),
			BackupProgress: func(percent int) { s.backupProgress(j, percent, false) },
			BackupDone:     func() { s.backupProgress(j, 100, true) },
			IOSBackupJob: certify.IOSBackupJob{List: list, MaxMessages: c.MaxMessages, Case: c.ID, Operator: sec.Operator,
				OutDir: outDir, Client: c.Client, Purpose: s.d.processingNote(c),
				Progress: func(text string, done, total int) { s.progress(j, text, done, total, false) }}})
	}
	if derr := s.toDrive(ctx, j, c, outcomes); derr != nil {
		s.deps.Log.WarnContext(ctx, "deliveries not (yet) on Google Drive", slog.String("job", j.rec.ID), slog.Any("error", derr))
		s.mu.Lock()
		j.secret.Error = derr.Error()
		s.mu.Unlock()
	}
	s.finish(ctx, j, outcomes, err)
}

// progress records and shows a step. force writes the record at once (a chat's outcome).
func (s *jobStore) progress(j *job, text string, done, total int, force bool) {
	s.mu.Lock()
	j.rec.Progress, j.rec.Done, j.rec.Total = text, done, total
	if err := s.save(j, force); err != nil {
		s.deps.Log.Error("job progress not recorded", slog.String("job", j.rec.ID), slog.Any("error", err))
	}
	s.mu.Unlock()
	j.sink.Progress(text, done, total)
}

// backupProgress records an iPhone job's backup progress as the phone counts it, and its end.
func (s *jobStore) backupProgress(j *job, percent int, done bool) {
	s.mu.Lock()
	j.rec.Backup, j.rec.BackedUp = min(max(percent, 0), 100), j.rec.BackedUp || done
	text, d, total := j.rec.Progress, j.rec.Done, j.rec.Total
	if err := s.save(j, done); err != nil {
		s.deps.Log.Error("job progress not recorded", slog.String("job", j.rec.ID), slog.Any("error", err))
	}
	s.mu.Unlock()
	j.sink.Progress(text, d, total)
}

// The progress texts are in Italian, the screens' first language; the UI translates them (ui.ProgressText).
var (
	stageText = map[string]string{"resolve": "ricerca della chat", "history": "caricamento della cronologia",
		"messages": "lettura dei messaggi", "receipts": "conferme di consegna e lettura", "media": "allegati",
		"screenshots": "schermate", "done": "fatto"}
	chatStatusText = map[web.Status]string{web.StatusComplete: "completa", web.StatusPartial: "parziale",
		web.StatusNotFound: "non trovata", web.StatusOutOfReach: "fuori dalla cronologia raggiungibile",
		web.StatusPending: "non iniziata"}
	// wrongAccountSummary ends a job whose WhatsApp Web session was linked by an account other than the case's.
	wrongAccountSummary = "fallita: l'account WhatsApp collegato non è quello del cliente"
	jobStateText        = map[string]string{ui.JobDone: "completata", ui.JobFailed: "fallita",
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
func (s *jobStore) finish(ctx context.Context, j *job, outcomes []certify.ChatOutcome, err error) {
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
	fields := map[string]any{"job": j.rec.ID, "kind": j.rec.Kind, "state": state, "chats": total, "delivered": n,
		"certified": certified}
	if reason := endReason(err); reason != "" {
		fields["reason"] = reason
	}
	if _, jerr := s.deps.Recorder.Record(rctx, journal.Entry{Type: LeafJobEnded, Case: j.rec.Case, Fields: fields}); jerr != nil {
		s.deps.Log.ErrorContext(rctx, "job end not journaled", slog.String("job", j.rec.ID), slog.Any("error", jerr))
	}
	summary := fmt.Sprintf("%s: %d chat su %d consegnate", jobStateText[state], n, total)
	if errors.Is(err, web.ErrWrongAccount) {
		// The client sees why: somebody else's WhatsApp scanned the code.
		summary = wrongAccountSummary
	}
	s.mu.Lock()
	j.rec.State, j.rec.Progress, j.rec.Done, j.rec.Total = state, summary, len(outcomes), total
	if serr := s.save(j, true); serr != nil {
		s.deps.Log.ErrorContext(rctx, "job end not recorded", slog.String("job", j.rec.ID), slog.Any("error", serr))
	}
	delete(s.running, j.rec.Kind)
	s.removeUpload(j, state)
	s.mu.Unlock()
	j.cancel(nil)
	s.deps.Log.InfoContext(rctx, "job ended", slog.String("job", j.rec.ID), slog.String("state", state),
		slog.Int("delivered", n), slog.Int("chats", total))
	j.sink.End(summary)
}

// endReason names, for the job's end leaf, a failure the studio must be able to find: "" for any other end.
func endReason(err error) string {
	if errors.Is(err, web.ErrWrongAccount) {
		return "linked-account-mismatch"
	}
	return ""
}
