package desk_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/attesta/attesta/appliance"
	"github.com/attesta/attesta/appliance/desk"
	"github.com/attesta/attesta/appliance/internal/appliancetest"
	"github.com/attesta/attesta/capture/web/webtest"
	"github.com/attesta/attesta/certify"
	"github.com/attesta/attesta/ui"
)

// testSink is a job's feed in tests: it hands the QR code to the replica's phone and lets a test act on progress.
type testSink struct {
	mu       sync.Mutex
	onQR     func()
	onStep   func(text string)
	qrs, end int
	texts    []string
}

func (s *testSink) Progress(text string, done, total int) {
	s.mu.Lock()
	s.texts = append(s.texts, text)
	f := s.onStep
	s.mu.Unlock()
	if f != nil {
		f(text)
	}
}

func (s *testSink) SetQR(png []byte) {
	s.mu.Lock()
	s.qrs++
	f := s.onQR
	s.mu.Unlock()
	if f != nil {
		f()
	}
}

func (s *testSink) End(string) {
	s.mu.Lock()
	s.end++
	s.mu.Unlock()
}

// replicaListText is the acquisition list of the scenario's one-to-one chats, and their numbers.
func replicaListText(sc *webtest.Scenario) (string, []string) {
	return sc.AcquisitionList("2026-01-12", "2026-01-14"), sc.OneToOnePhones()
}

// jobAppliance opens an appliance whose jobs run under runCtx, write into out, and show their progress on sink.
func jobAppliance(t *testing.T, dir string, runCtx context.Context, out string, sink *testSink) *appliance.Appliance {
	t.Helper()
	return openJobs(t, openSim(t, dir), runCtx, out, sink)
}

// openJobs opens a's jobs under runCtx, writing into out and showing their progress on sink.
func openJobs(t *testing.T, a *appliance.Appliance, runCtx context.Context, out string, sink *testSink) *appliance.Appliance {
	t.Helper()
	if err := a.Desk().OpenJobs(runCtx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Desk().StopJobs) // runs before the appliance's Close
	if err := a.Desk().SetDeliveriesDir(out); err != nil {
		t.Fatal(err)
	}
	if err := a.Desk().SetJobSinks(func(string) desk.ProgressSink { return sink }); err != nil {
		t.Fatal(err)
	}
	a.Desk().Config().LinkTimeout = time.Minute
	return a
}

// waitJob polls a job until it is no longer running.
func waitJob(t *testing.T, a *appliance.Appliance, id string) ui.JobInfo {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		j, err := a.Desk().Job(t.Context(), id)
		if err != nil {
			t.Fatalf("Job(%s): %v", id, err)
		}
		if j.State != ui.JobRunning {
			return j
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("job %s still running after 2 minutes", id)
	return ui.JobInfo{}
}

// checkNoDigits fails if a file holds any of the numbers, or a field of the job's journal leaves does.
func checkNoDigits(t *testing.T, path string, secrets []string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range secrets {
		if len(s) > 6 && strings.Contains(string(b), s[len(s)-7:]) {
			t.Fatalf("%s holds %q in clear:\n%.800s", path, s, b)
		}
	}
}

func checkJobLeaves(t *testing.T, a *appliance.Appliance, secrets []string) {
	t.Helper()
	for _, typ := range []string{desk.LeafJobStarted, desk.LeafJobEnded, desk.LeafJobInterrupted, desk.LeafJobResumed} {
		for _, e := range leavesOfType(t, a, typ) {
			s := fmt.Sprint(e.Fields)
			for _, sec := range secrets {
				if strings.Contains(s, sec[len(sec)-7:]) {
					t.Fatalf("%s leaf holds a number: %s", typ, s)
				}
			}
		}
	}
}

// clientAccount is the WhatsApp account of goodCase's client (digits), the one a web session must be linked with.
const clientAccount = "393771151946"

func webCase(t *testing.T, a *appliance.Appliance) string {
	t.Helper()
	nc := goodCase()
	nc.MaxMessages = 20
	c := createCase(t, a, nc)
	acceptNotice(t, a, c.ID)
	return c.ID
}

// A web session runs as a job to its end: the deliveries are written, the record at rest holds no number, a
// second web job meanwhile is refused as busy.
func TestWebJobRunsToDone(t *testing.T) {
	ctx := t.Context()
	sc := webtest.MustDefaultScenario("basic")
	srv := webtest.NewServer(sc)
	t.Cleanup(srv.Close)
	sink := &testSink{onQR: func() { srv.ScanAs(clientAccount) }}
	dir, out := t.TempDir(), t.TempDir()
	a := jobAppliance(t, dir, ctx, out, sink)
	a.Desk().Config().WhatsAppWebURL = srv.URL()
	caseID := webCase(t, a)
	list, phones := replicaListText(sc)

	j, err := a.Desk().StartWebSession(ctx, ui.WebSession{Case: caseID, List: list, Operator: "tecnico"})
	if err != nil {
		t.Fatalf("StartWebSession: %v", err)
	}
	if j.State != ui.JobRunning || j.Kind != desk.JobWeb || j.Case != caseID || len(j.Chats) != len(phones) {
		t.Fatalf("started job: %+v", j)
	}
	if _, err := a.Desk().StartWebSession(ctx, ui.WebSession{Case: caseID, List: list}); !errors.Is(err, ui.ErrBusy) {
		t.Fatalf("second web job while one runs: %v; want ui.ErrBusy", err)
	}
	if err := a.Desk().CancelJob(ctx, "j0000000000000000", "tecnico"); !errors.Is(err, ui.ErrNotFound) {
		t.Fatalf("cancel of an unknown job: %v", err)
	}
	j = waitJob(t, a, j.ID)
	if j.State != ui.JobDone || j.Error != "" {
		t.Fatalf("job ended %s: %s", j.State, j.Error)
	}
	delivered := 0
	for _, c := range j.Chats {
		if c.Folder != "" {
			delivered++
			if _, err := os.Stat(filepath.Join(out, c.Folder, "manifest.json")); err != nil {
				t.Errorf("line %d: delivery %s: %v", c.Line, c.Folder, err)
			}
		}
	}
	if delivered == 0 || j.Done != len(phones) {
		t.Fatalf("job delivered %d chats, done %d: %+v", delivered, j.Done, j.Chats)
	}
	for range 100 { // the feed ends just after the state is recorded
		sink.mu.Lock()
		qrs, end := sink.qrs, sink.end
		sink.mu.Unlock()
		if end > 0 {
			if qrs == 0 || end != 1 {
				t.Fatalf("feed: %d QR codes, %d ends", qrs, end)
			}
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if sink.mu.Lock(); sink.end != 1 {
		t.Fatalf("the feed did not end: %d ends", sink.end)
	}
	sink.mu.Unlock()
	checkNoDigits(t, filepath.Join(dir, "jobs", j.ID+".json"), phones)
	checkJobLeaves(t, a, phones)
	if got := leavesOfType(t, a, desk.LeafJobEnded); len(got) != 1 || got[0].Fields["state"] != ui.JobDone || got[0].Case != caseID {
		t.Fatalf("job-ended leaves: %+v", got)
	}
	if _, err := a.Desk().ResumeJob(ctx, j.ID, "tecnico"); !errors.Is(err, ui.ErrInvalid) {
		t.Fatalf("resume of a finished job: %v; want ui.ErrInvalid", err)
	}
	if c, _ := a.Desk().Case(ctx, caseID); len(c.Jobs) != 1 || c.Jobs[0].ID != j.ID {
		t.Fatalf("case's jobs: %+v", c.Jobs)
	}
}

func TestWebJobCancel(t *testing.T) {
	ctx := t.Context()
	sc := webtest.MustDefaultScenario("basic")
	srv := webtest.NewServer(sc)
	t.Cleanup(srv.Close)
	sink := &testSink{} // nobody scans: the job waits for the link until cancelled
	a := jobAppliance(t, t.TempDir(), ctx, t.TempDir(), sink)
	a.Desk().Config().WhatsAppWebURL = srv.URL()
	list, _ := replicaListText(sc)
	j, err := a.Desk().StartWebSession(ctx, ui.WebSession{Case: webCase(t, a), List: list})
	if err != nil {
		t.Fatal(err)
	}
	for qrs := 0; qrs == 0; time.Sleep(20 * time.Millisecond) { // the session is waiting for the client
		sink.mu.Lock()
		qrs = sink.qrs
		sink.mu.Unlock()
	}
	if err := a.Desk().CancelJob(ctx, j.ID, "tecnico"); err != nil {
		t.Fatalf("CancelJob: %v", err)
	}
	if j = waitJob(t, a, j.ID); j.State != ui.JobCancelled {
		t.Fatalf("cancelled job is %s (%s)", j.State, j.Error)
	}
	if err := a.Desk().CancelJob(ctx, j.ID, "tecnico"); !errors.Is(err, ui.ErrInvalid) {
		t.Fatalf("cancel of a cancelled job: %v", err)
	}
	if ends := leavesOfType(t, a, certify.LeafAcquisitionEnd); len(ends) != 1 {
		t.Fatalf("the cancelled acquisition is not closed in the journal: %+v", ends)
	}
	if got := leavesOfType(t, a, desk.LeafJobEnded); len(got) != 1 || got[0].Fields["state"] != ui.JobCancelled {
		t.Fatalf("job-ended leaves: %+v", got)
	}
	// The kind is free again.
	if _, err := a.Desk().StartWebSession(ctx, ui.WebSession{Case: j.Case, List: list}); err != nil {
		t.Fatalf("web job after a cancelled one: %v", err)
	}
}

// A stop of the appliance in the middle of a session interrupts the job; after restart it is listed as
// interrupted, and resuming it delivers the chats that were missing.
func TestWebJobInterruptedAndResumed(t *testing.T) {
	sc := webtest.MustDefaultScenario("basic")
	srv := webtest.NewServer(sc)
	t.Cleanup(srv.Close)
	dir, out := t.TempDir(), t.TempDir()
	runCtx, stop := context.WithCancel(t.Context())
	sink := &testSink{onQR: func() { srv.ScanAs(clientAccount) }}
	sink.onStep = func(text string) {
		if strings.HasPrefix(text, "chat 2 di ") {
			stop() // the appliance is stopped while the second chat is captured
		}
	}
	a := jobAppliance(t, dir, runCtx, out, sink)
	a.Desk().Config().WhatsAppWebURL = srv.URL()
	caseID := webCase(t, a)
	list, phones := replicaListText(sc)
	j, err := a.Desk().StartWebSession(t.Context(), ui.WebSession{Case: caseID, List: list, Operator: "tecnico"})
	if err != nil {
		t.Fatal(err)
	}
	if j = waitJob(t, a, j.ID); j.State != ui.JobInterrupted || !j.Resumable() {
		t.Fatalf("job after the stop: %s (%s)", j.State, j.Error)
	}
	// What was acquired until the stop stays journaled, and the acquisition is closed as failed.
	ends := leavesOfType(t, a, certify.LeafAcquisitionEnd)
	if len(leavesOfType(t, a, certify.LeafArtifact)) == 0 || len(ends) != 1 || !strings.HasPrefix(fmt.Sprint(ends[0].Fields["outcome"]), "failed") {
		t.Fatalf("after the stop: acquisition ends %+v", ends)
	}
	// A crash would leave the record saying running: restart must find it so and mark it interrupted.
	if err := a.Desk().SetJobState(j.ID, ui.JobRunning); err != nil {
		t.Fatal(err)
	}
	a.Desk().StopJobs()
	a.Close()
	srv.Unlink() // the stopped browser's link is gone: the client scans a new code

	sink2 := &testSink{onQR: func() { srv.ScanAs(clientAccount) }}
	b := jobAppliance(t, dir, t.Context(), out, sink2)
	b.Desk().Config().WhatsAppWebURL = srv.URL()
	got, err := b.Desk().Job(t.Context(), j.ID)
	if err != nil || got.State != ui.JobInterrupted {
		t.Fatalf("after restart Job = %+v, %v; want interrupted", got, err)
	}
	if l := leavesOfType(t, b, desk.LeafJobInterrupted); len(l) != 1 || l[0].Fields["job"] != j.ID {
		t.Fatalf("job-interrupted leaves: %+v", l)
	}
	next, err := b.Desk().ResumeJob(t.Context(), j.ID, "tecnico 2")
	if err != nil {
		t.Fatalf("ResumeJob: %v", err)
	}
	if next.ID == j.ID {
		t.Fatal("the resumed job has the old id")
	}
	if _, err := b.Desk().ResumeJob(t.Context(), j.ID, "tecnico 2"); !errors.Is(err, ui.ErrInvalid) && !errors.Is(err, ui.ErrBusy) {
		t.Fatalf("second resume: %v", err)
	}
	next = waitJob(t, b, next.ID)
	if next.State != ui.JobDone {
		t.Fatalf("resumed job: %s (%s)", next.State, next.Error)
	}
	folders := 0
	for _, c := range next.Chats {
		if c.Folder != "" {
			folders++
		}
	}
	if folders == 0 {
		t.Fatalf("resumed job delivered nothing: %+v", next.Chats)
	}
	if old, _ := b.Desk().Job(t.Context(), j.ID); old.State != desk.JobResumed || old.Resumable() {
		t.Fatalf("old job after resume: %+v", old)
	}
	resumed := leavesOfType(t, b, desk.LeafJobResumed)
	if len(resumed) != 1 || resumed[0].Fields["previous_job"] != j.ID || resumed[0].Fields["job"] != next.ID {
		t.Fatalf("job-resumed leaves: %+v", resumed)
	}
	checkNoDigits(t, filepath.Join(dir, "jobs", next.ID+".json"), phones)
	checkJobLeaves(t, b, phones)
}

func TestADBJob(t *testing.T) {
	ctx := t.Context()
	addr, serial, _, key := appliancetest.WithBackup(t)
	dir, out := t.TempDir(), t.TempDir()
	sink := &testSink{}
	a := jobAppliance(t, dir, ctx, out, sink)
	a.Desk().Config().ADB = addr
	c := newCase5(t, a)
	list := "numero;nominativo;dal;al\n3331112222;Mario Rossi;2026-01-10;2026-01-20\n3339998888;Non in rubrica;2026-01-10;2026-01-20\n"
	recordMandate(t, a, c.ID)
	if _, err := a.Desk().StartExtraction(ctx, ui.Extraction{Case: c.ID, Serial: serial, Key: "1234", List: list}); !errors.Is(err, ui.ErrInvalid) {
		t.Fatalf("short key: %v; want ui.ErrInvalid", err)
	}
	if _, err := a.Desk().StartExtraction(ctx, ui.Extraction{Case: "AT-1999-0001", Serial: serial, Key: key.RootHex(), List: list}); !errors.Is(err, ui.ErrNotFound) {
		t.Fatalf("unknown case: %v; want ui.ErrNotFound", err)
	}
	if _, err := a.Desk().StartExtraction(ctx, ui.Extraction{Case: c.ID, Serial: serial, Key: key.RootHex(), List: "numero;nominativo\nabc;x\n"}); !errors.Is(err, ui.ErrInvalid) {
		t.Fatalf("bad list: %v; want ui.ErrInvalid", err)
	}
	j, err := a.Desk().StartExtraction(ctx, ui.Extraction{Case: c.ID, Serial: serial, Key: key.RootHex(), List: list, Operator: "tecnico"})
	if err != nil {
		t.Fatalf("StartExtraction: %v", err)
	}
	j = waitJob(t, a, j.ID)
	if j.State != ui.JobDone || len(j.Chats) != 2 || j.Chats[0].Folder == "" || j.Chats[0].Certified != 4 || j.Chats[1].Problem == "" {
		t.Fatalf("adb job: %+v", j)
	}
	checkNoDigits(t, filepath.Join(dir, "jobs", j.ID+".json"), []string{"3331112222", "3339998888", key.RootHex(), serial})
	checkJobLeaves(t, a, []string{"3331112222", "3339998888"})
	sink.mu.Lock()
	steps := strings.Join(sink.texts, "\n")
	sink.mu.Unlock()
	for _, want := range []string{"copia dei backup dal telefono", "decifratura del backup", "chat 1 di 2: consegna", "chat 2 di 2: consegna"} {
		if !strings.Contains(steps, want) {
			t.Errorf("the job's progress lacks %q:\n%s", want, steps)
		}
	}
}

// A record that is not a job record, or one moved from another job, is listed as failed with an error naming the
// file; the other jobs are still listed and the appliance opens.
func TestCorruptJobRecord(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	a := jobAppliance(t, dir, ctx, t.TempDir(), &testSink{})
	a.Desk().Config().ADB = "127.0.0.1:1" // no adb server: the job fails at once
	c := newCase(t, a)
	list := "numero;nominativo;dal;al\n3331112222;Mario Rossi;2026-01-10;2026-01-20\n"
	recordMandate(t, a, c.ID)
	j, err := a.Desk().StartExtraction(ctx, ui.Extraction{Case: c.ID, Key: strings.Repeat("ab", 32), List: list})
	if err != nil {
		t.Fatal(err)
	}
	if j = waitJob(t, a, j.ID); j.State != ui.JobFailed || j.Error == "" {
		t.Fatalf("job without adb server: %+v", j)
	}
	a.Desk().StopJobs()
	a.Close()

	good, _ := os.ReadFile(filepath.Join(dir, "jobs", j.ID+".json"))
	hostile := map[string][]byte{
		"j00000000000000aa": []byte("{\"format\":\"attesta.job/v1\",\"id\":"),                    // truncated
		"j00000000000000bb": good,                                                                // another job's record
		"j00000000000000cc": []byte(strings.Replace(string(good), j.ID, "j00000000000000cc", 1)), // sealed part moved
	}
	for id, b := range hostile {
		if err := os.WriteFile(filepath.Join(dir, "jobs", id+".json"), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	b := jobAppliance(t, dir, ctx, t.TempDir(), &testSink{})
	jobs, err := b.Desk().ListJobs(ctx)
	if err != nil {
		t.Fatalf("ListJobs: %v", err)
	}
	if len(jobs) != 4 || jobs[0].ID != j.ID || jobs[0].State != ui.JobFailed {
		t.Fatalf("jobs: %+v", jobs)
	}
	for _, bad := range jobs[1:] {
		if bad.State != ui.JobFailed || !strings.Contains(bad.Error, filepath.Join(dir, "jobs", bad.ID+".json")) {
			t.Errorf("unreadable record %s: %+v; want failed naming the file", bad.ID, bad)
		}
		if _, err := b.Desk().Job(ctx, bad.ID); !errors.Is(err, desk.ErrJobRecord) {
			t.Errorf("Job(%s) = %v; want desk.ErrJobRecord", bad.ID, err)
		}
	}
}

// The touch UI gets the appliance's cases and jobs, and a job's progress goes to the UI's feed of the same id.
func TestUIServerWiresJobsToFeeds(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	a := openSim(t, dir)
	if err := a.Desk().OpenJobs(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Desk().StopJobs)
	a.Desk().Config().ADB = "127.0.0.1:1" // no adb server: the job fails at once
	creds, err := appliance.LoadOrCreateCredentials(dir, "135790", "")
	if err != nil {
		t.Fatal(err)
	}
	srv, err := a.UIServer(creds, filepath.Join(dir, "out"))
	if err != nil {
		t.Fatalf("UIServer: %v", err)
	}
	c := newCase(t, a)
	recordMandate(t, a, c.ID)
	j, err := a.Desk().StartExtraction(ctx, ui.Extraction{Case: c.ID, Key: strings.Repeat("ab", 32),
		List: "numero;nominativo;dal;al\n3331112222;Mario Rossi;2026-01-10;2026-01-20\n"})
	if err != nil {
		t.Fatal(err)
	}
	if j = waitJob(t, a, j.ID); j.State != ui.JobFailed || !strings.Contains(j.Error, "adb") {
		t.Fatalf("job without adb server: %+v", j)
	}
	for i := 0; !srv.Feed(j.ID).Ended(); i++ {
		if i > 100 {
			t.Fatal("the job's feed on the UI did not end")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
