package ui

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
)

// A job's screens: its record from Jobs, and while its feed is in memory the live progress, the QR code for the
// client to scan and the one-time link for a client who is not at the studio.

// jobView is a job with its state and kind in the request's language.
type jobView struct {
	JobInfo
	StateLabel string
	KindLabel  string
}

func newJobView(r *http.Request, j JobInfo) jobView {
	v := jobView{JobInfo: j, StateLabel: j.State, KindLabel: j.Kind}
	switch j.State {
	case JobRunning:
		v.StateLabel = tr(r, "case.running")
	case JobDone:
		v.StateLabel = tr(r, "case.done-2")
	case JobFailed:
		v.StateLabel = tr(r, "case.failed")
	case JobInterrupted:
		v.StateLabel = tr(r, "case.interrupted")
	case JobCancelled:
		v.StateLabel = tr(r, "case.cancelled")
	}
	switch j.Kind {
	case "web":
		v.KindLabel = tr(r, "case.remote-session-whatsapp-web")
	case "adb":
		v.KindLabel = tr(r, "case.extraction-from-the-phone")
	case "upload":
		v.KindLabel = tr(r, "backup.backup-uploaded-by-the-client")
	case "cloud":
		v.KindLabel = tr(r, "cloud.extraction-of-the-restored-backup")
	}
	return v
}

// Running reports whether the job can be cancelled.
func (v jobView) Running() bool { return v.State == JobRunning }

type jobsData struct {
	Jobs []jobView
}

func (s *Server) jobList(w http.ResponseWriter, r *http.Request) {
	jobs, err := s.cfg.Jobs.ListJobs(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	slices.SortStableFunc(jobs, func(a, b JobInfo) int { return b.Started.Compare(a.Started) })
	var d jobsData
	for _, j := range jobs {
		d.Jobs = append(d.Jobs, newJobView(r, j))
	}
	s.render(w, r, http.StatusOK, "jobs", d)
}

// jobPageData is the job page. Feed is false when the job's progress is no longer in memory (the appliance
// restarted since): the page then shows the job's record only.
type jobPageData struct {
	Job       jobView
	Feed      bool
	Live      bool // the feed has not ended: the page follows it and may offer the client link
	Base      string
	RemoteURL string
	Errors    []string
}

func (s *Server) jobPage(w http.ResponseWriter, r *http.Request) {
	s.renderJob(w, r, http.StatusOK, jobPageData{})
}

// renderJob shows the job named in the path with d's messages; an unknown job is a 404.
func (s *Server) renderJob(w http.ResponseWriter, r *http.Request, code int, d jobPageData) {
	j, err := s.cfg.Jobs.Job(r.Context(), r.PathValue("id"))
	if !s.found(w, r, err, "case.unknown-session") {
		return
	}
	d.Job = newJobView(r, j)
	if f := s.lookupFeed(j.ID); f != nil {
		d.Feed, d.Live, d.Base = true, !f.Ended(), "/progress/"+f.ID
	}
	s.render(w, r, code, "job", d)
}

func (s *Server) resumeJob(w http.ResponseWriter, r *http.Request) {
	j, err := s.cfg.Jobs.ResumeJob(r.Context(), r.PathValue("id"), s.operator(r))
	switch {
	case errors.Is(err, ErrNotFound):
		httpError(w, r, "case.unknown-session", http.StatusNotFound)
	case errors.Is(err, ErrBusy):
		s.renderJob(w, r, http.StatusConflict, jobPageData{Errors: []string{
			tr(r, "case.cannot-resume-now-another"), err.Error()}})
	case errors.Is(err, ErrInvalid):
		s.renderJob(w, r, http.StatusConflict, jobPageData{Errors: errorLines(err)})
	case err != nil:
		s.fail(w, r, err)
	default:
		http.Redirect(w, r, "/jobs/"+url.PathEscape(j.ID), http.StatusSeeOther)
	}
}

func (s *Server) cancelJob(w http.ResponseWriter, r *http.Request) {
	err := s.cfg.Jobs.CancelJob(r.Context(), r.PathValue("id"), s.operator(r))
	s.done(w, r, err, "case.unknown-session", func(err error) {
		s.renderJob(w, r, http.StatusConflict, jobPageData{Errors: errorLines(err)})
	}, "/jobs/"+url.PathEscape(r.PathValue("id")))
}

// jobRemote makes the one-time link for the client and shows it on the job page, once.
func (s *Server) jobRemote(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	j, err := s.cfg.Jobs.Job(r.Context(), id)
	if !s.found(w, r, err, "case.unknown-session") {
		return
	}
	// NewRemoteLink would create a missing feed: a job without one in memory has no QR code to show.
	f := s.lookupFeed(id)
	if f == nil || f.Ended() {
		httpError(w, r, "core.session-ended", http.StatusGone)
		return
	}
	if link, ok := s.clientLink(w, r, j.Case, f.ID); ok {
		s.renderJob(w, r, http.StatusOK, jobPageData{RemoteURL: link})
	}
}
