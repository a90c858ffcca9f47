package ui

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// putJob adds j to the backend, or replaces the job with its id.
func (m *memBackend) putJob(j JobInfo) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i := range m.jobs {
		if m.jobs[i].ID == j.ID {
			m.jobs[i] = j
			return
		}
	}
	m.jobs = append(m.jobs, j)
}

// sampleJob is a job of case C-0001 in state, with one chat delivered and one that failed.
func sampleJob(id, state string) JobInfo {
	at := time.Date(2026, 1, 15, 9, 30, 0, 0, time.UTC)
	return JobInfo{ID: id, Kind: "web", Case: "C-0001", State: state, Started: at, Updated: at.Add(10 * time.Minute),
		Progress: "chat 2 di 2", Done: 2, Total: 2, Chats: []ChatResult{
			{Line: 2, Chat: "3771151946 Emanuel Celano", Folder: deliveryName, Certified: 20},
			{Line: 3, Chat: "3331234567 Niccolò Rossi", Problem: "chat non trovata"},
		}}
}

// withJob is a new fixture whose backend holds the sample job J-0001 in state, and a technician's client.
func withJob(t *testing.T, state string) (*fixture, *http.Client) {
	t.Helper()
	f := newFixture(t)
	f.back.putJob(sampleJob("J-0001", state))
	return f, f.tech(t)
}

func TestJobPageWithoutFeed(t *testing.T) {
	tests := []struct {
		state   string
		want    []string
		notWant []string
	}{
		{JobDone, []string{"completata", `href="/deliveries#` + deliveryName + `"`, "20", "chat non trovata", "Risultati per chat"},
			[]string{`id="feed"`, `id="resume"`, `id="cancel"`, `id="no-feed"`}},
		{JobInterrupted, []string{"interrotta", `action="/jobs/J-0001/resume"`, `id="resume"`},
			[]string{`id="feed"`, `id="cancel"`}},
		{JobRunning, []string{"in corso", `id="no-feed"`, `action="/jobs/J-0001/cancel"`},
			[]string{`id="feed"`, `id="resume"`, "/remote"}},
	}
	for _, tt := range tests {
		t.Run(tt.state, func(t *testing.T) {
			f, c := withJob(t, tt.state)
			resp, body := f.do(t, c, http.MethodGet, "/jobs/J-0001", nil)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("job page: %s", resp.Status)
			}
			wantIn(t, "job page", body, append(tt.want, "J-0001", `href="/cases/C-0001"`, "sessione remota")...)
			for _, w := range tt.notWant {
				if strings.Contains(body, w) {
					t.Errorf("job page shows %q", w)
				}
			}
			if f.srv.lookupFeed("J-0001") != nil {
				t.Error("showing the page created a feed")
			}
		})
	}
}

func TestJobPageFollowsFeed(t *testing.T) {
	f, c := withJob(t, JobRunning)
	f.srv.Feed("J-0001").Progress("in attesa del QR", 0, 2)
	_, body := f.do(t, c, http.MethodGet, "/jobs/J-0001", nil)
	wantIn(t, "job page", body, `id="feed"`, `data-base="/progress/J-0001"`, `data-live="1"`,
		`action="/jobs/J-0001/remote"`, `src="/static/job.js"`, `id="cancel"`)

	// The client link is made once and shown on the job page; it opens the remote page.
	resp, body := f.do(t, c, http.MethodPost, "/jobs/J-0001/remote", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("client link: %s", resp.Status)
	}
	_, rest, ok := strings.Cut(body, `<code id="remote-url">`)
	link, _, _ := strings.Cut(rest, "</code>")
	if !ok || !strings.HasPrefix(link, f.ts.URL+"/r/") {
		t.Fatalf("no client link on the page:\n%s", body)
	}
	if resp, _ := f.do(t, f.client(t), http.MethodGet, strings.TrimPrefix(link, f.ts.URL), nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("client opens the link: %s", resp.Status)
	}

	f.srv.Feed("J-0001").End("fine")
	_, body = f.do(t, c, http.MethodGet, "/jobs/J-0001", nil)
	wantIn(t, "ended job page", body, `data-live="0"`)
	if strings.Contains(body, `id="remote-form"`) {
		t.Error("an ended session still offers a client link")
	}
	if resp, _ := f.do(t, c, http.MethodPost, "/jobs/J-0001/remote", nil); resp.StatusCode != http.StatusGone {
		t.Fatalf("client link for an ended session: %s, want 410", resp.Status)
	}
}

func TestJobRemoteWithoutFeed(t *testing.T) {
	f, c := withJob(t, JobRunning)
	if resp, _ := f.do(t, c, http.MethodPost, "/jobs/J-0001/remote", nil); resp.StatusCode != http.StatusGone {
		t.Fatalf("client link without a feed: %s, want 410", resp.Status)
	}
	if f.srv.lookupFeed("J-0001") != nil {
		t.Fatal("asking for a client link created a feed")
	}
	if resp, _ := f.do(t, c, http.MethodPost, "/jobs/J-9999/remote", nil); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("client link for an unknown job: %s, want 404", resp.Status)
	}
}

func TestResumeJob(t *testing.T) {
	f, c := withJob(t, JobInterrupted)
	f.jobAction(t, c, "resume", JobRunning)
	// A running job cannot be resumed: the page says why and keeps the job as it is.
	resp, body := f.do(t, c, http.MethodPost, "/jobs/J-0001/resume", nil)
	if resp.StatusCode != http.StatusConflict {
		t.Fatalf("resume a running job: %s, want 409", resp.Status)
	}
	wantIn(t, "job page", body, `id="errors"`, "J-0001 is running")
}

func TestCancelJob(t *testing.T) {
	f, c := withJob(t, JobRunning)
	f.jobAction(t, c, "cancel", JobCancelled)
	_, body := f.do(t, c, http.MethodGet, "/jobs/J-0001", nil)
	wantIn(t, "job page", body, "annullata")
}

// jobAction posts action for job J-0001, which must redirect to the job's page and leave it in state want, and for
// an unknown job, which must be 404.
func (f *fixture) jobAction(t *testing.T, c *http.Client, action, want string) {
	t.Helper()
	resp, _ := f.do(t, c, http.MethodPost, "/jobs/J-0001/"+action, nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/jobs/J-0001" {
		t.Fatalf("%s: %s to %q", action, resp.Status, resp.Header.Get("Location"))
	}
	if j, _ := f.back.Job(t.Context(), "J-0001"); j.State != want {
		t.Fatalf("state after %s: %s", action, j.State)
	}
	if resp, _ := f.do(t, c, http.MethodPost, "/jobs/J-9999/"+action, nil); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("%s unknown job: %s", action, resp.Status)
	}
}

func TestJobList(t *testing.T) {
	f := newFixture(t)
	c := f.tech(t)
	_, body := f.do(t, c, http.MethodGet, "/jobs", nil)
	wantIn(t, "empty job list", body, "Nessuna sessione.")
	old := sampleJob("J-0001", JobDone)
	running := sampleJob("J-0002", JobRunning)
	running.Started = old.Started.Add(time.Hour)
	f.back.putJob(old)
	f.back.putJob(running)
	_, body = f.do(t, c, http.MethodGet, "/jobs", nil)
	wantIn(t, "job list", body, `href="/jobs/J-0001"`, `href="/jobs/J-0002"`, "completata", "in corso")
	if strings.Index(body, "/jobs/J-0002") > strings.Index(body, "/jobs/J-0001") {
		t.Error("the newest job is not first")
	}
	if resp, _ := f.do(t, c, http.MethodGet, "/jobs/J-9999", nil); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("unknown job: %s", resp.Status)
	}
}
