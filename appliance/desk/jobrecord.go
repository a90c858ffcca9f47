package desk

import (
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/attesta/attesta/evidence"
	"github.com/attesta/attesta/internal/strictjson"
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
	JobWeb    = "web"    // a remote session over WhatsApp Web
	JobADB    = "adb"    // an extraction from a phone on USB
	JobIPhone = "iphone" // an extraction from an iPhone on USB, through a full backup
	// JobUpload certifies a backup the client uploaded through the remote page.
	JobUpload = "upload"
)

// JobResumed is the state of an interrupted job once it has been resumed as another job (JobInfo.Progress names
// it): it cannot be resumed twice.
const JobResumed = "resumed"

// jobFormat names the job record's encoding; see the package documentation.
const jobFormat = "attesta.job/v1"

// ErrJobRecord is returned for a job whose record cannot be read; the error names the file.
var ErrJobRecord = errors.New("job record unreadable")

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
	Backup      int       `json:"backup,omitempty"`    // an iPhone job's backup progress as the phone counts it, 0..100
	BackedUp    bool      `json:"backed_up,omitempty"` // an iPhone job's backup is complete
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
	Password string    `json:"password,omitempty"` // an iPhone's backup password given by its owner
	Serial   string    `json:"serial,omitempty"`
	// Backup and Received are the uploaded backup's file and its receipt (a job of kind "upload").
	Backup   string         `json:"backup,omitempty"`
	Received *uploadReceipt `json:"received,omitempty"`
	Cloud    string         `json:"cloud,omitempty"` // the cloud restore a job of kind "cloud" extracts
	Operator string         `json:"operator"`
	Chats    []jobChat      `json:"chats"`
	Error    string         `json:"error,omitempty"`
}

type jobChat struct {
	Line      int    `json:"line"`
	Chat      string `json:"chat"`
	Folder    string `json:"folder,omitempty"`
	Certified int    `json:"certified"`
	Problem   string `json:"problem,omitempty"`
	DriveLink string `json:"drive_link,omitempty"`
}

var jobIDPattern = regexp.MustCompile(`^j[0-9a-f]{16}$`)

// maxJobRecord bounds a record file: a list of 50 lines and its results fit many times over.
const maxJobRecord = 1 << 20

// decodeJobRecord parses a job record and checks it is one of job id.
func decodeJobRecord(b []byte, id string) (jobRecord, error) {
	var rec jobRecord
	if err := strictjson.DecodeFormat(id, b, jobFormat, &rec); errors.Is(err, strictjson.ErrTrailingData) {
		return rec, fmt.Errorf("data after the record: %w", err)
	} else if err != nil {
		return rec, fmt.Errorf("not a job record: %w", err)
	}
	switch {
	case rec.ID != id || !jobIDPattern.MatchString(id):
		return rec, fmt.Errorf("names job %q, want %q", rec.ID, id)
	case rec.Kind != JobWeb && rec.Kind != JobADB && rec.Kind != JobIPhone && rec.Kind != JobUpload && rec.Kind != JobCloud:
		return rec, fmt.Errorf("kind %q", rec.Kind)
	case !knownState(rec.State):
		return rec, fmt.Errorf("state %q", rec.State)
	case rec.Started.IsZero():
		return rec, errors.New("no start time")
	case len(rec.Lines) > evidence.MaxListChats || rec.Done < 0 || rec.Total < 0 || rec.Backup < 0 || rec.Backup > 100:
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

func isZeroSecret(s jobSecret) bool {
	return s.List == "" && s.Key == "" && s.Serial == "" && s.Operator == "" && len(s.Chats) == 0 && s.Error == "" &&
		s.Backup == "" && s.Received == nil && s.Cloud == ""
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
