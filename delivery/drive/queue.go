package drive

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/attesta/attesta/bundle"
	"github.com/attesta/attesta/bundle/tsa"
	"github.com/attesta/attesta/internal/durable"
	"github.com/attesta/attesta/internal/strictjson"
)

// Journal leaf types. They carry Drive ids, digests and counts, never a name.
const (
	LeafFolder      = "drive-folder"       // a delivery's Drive folder: its id and the delivery's leaf
	LeafUpload      = "drive-upload"       // one file uploaded and checked: its id, SHA-256, MD5, size
	LeafLink        = "drive-link"         // a permission on a folder: its id and type
	LeafLinkRevoked = "drive-link-revoked" // a permission removed: the link no longer opens the folder
	LeafFolderDone  = "drive-folder-done"  // every file of the folder is on Drive, checked, and the folder shared
	LeafAuthorized  = "drive-authorized"   // an account's token was granted (device flow)
	LeafRevoked     = "drive-revoked"      // an account's token was revoked and destroyed
	LeafDeleted     = "drive-deleted"      // a folder deleted from the studio's Drive, its retention over
	LeafReleased    = "drive-released"     // a folder on a client's Drive left to the client, the studio's access revoked
)

const (
	queueVersionFile = "VERSION"
	queueVersion     = "attesta.drive-queue/v1\n"
	jobFormat        = "attesta.drive-job/v1"
)

// Job asks for one delivery folder of a case to go to a Drive account.
type Job struct {
	Case    string
	Account string // StudioAccount, or the case's id for the client's own Drive
	Folder  string // the delivery folder on the appliance
	// Emails, when not empty, restricts the folder to these addresses; else anyone with the link can view it.
	Emails []string
}

// jobRecord is a job on disk (attesta.drive-job/v1).
type jobRecord struct {
	Format      string            `json:"format"`
	ID          string            `json:"id"`
	Case        string            `json:"case"`
	Account     string            `json:"account"`
	Dir         string            `json:"dir"`
	Name        string            `json:"name"`
	Leaf        uint64            `json:"leaf"`
	Emails      []string          `json:"emails"`
	Enqueued    time.Time         `json:"enqueued"`
	Folders     map[string]string `json:"folders"` // path in the delivery ("" the folder itself) → Drive id
	Files       []fileRecord      `json:"files"`
	Permissions []Permission      `json:"permissions"`
	Link        string            `json:"link"`
	DriveName   string            `json:"drive_name,omitempty"` // the Drive folder's name, when not Name (taken)
	Done        time.Time         `json:"done,omitzero"`
}

type fileRecord struct {
	Path    string `json:"path"` // slash-separated, relative to the delivery folder
	SHA256  string `json:"sha256"`
	Size    int64  `json:"size"`
	DriveID string `json:"drive_id"`
	MD5     string `json:"md5"`
}

// Link is a delivery folder on Drive and its direct link.
type Link struct {
	Case   string
	Name   string // the delivery folder's name on the appliance (3771151946-15-gennaio-2026)
	Folder string // the delivery folder on the appliance
	URL    string
	// DriveName is the folder's name on Drive: Name, or Name-2 … when the Drive folder had one of that name.
	DriveName string
}

// Status is a job still under way, for the screens.
type Status struct {
	Case, Name string
	Files      int // files of the folder
	Uploaded   int // already on Drive and checked
	Failures   int
	LastErr    error
	Next       time.Time
}

// Deps is what the queue works with.
type Deps struct {
	Tokens   *Tokens
	Recorder Recorder
	Endpoint string            // the Drive API's base URL; "" for Google's
	Base     http.RoundTripper // under the token; nil: http.DefaultTransport
	Parent   string            // the Drive folder the delivery folders go in; "" for My Drive's root
	Logger   *slog.Logger      // nil: silent
}

// Queue is the durable queue of delivery folders waiting to be on Drive. Its methods are safe for concurrent use.
type Queue struct {
	Backoff tsa.Backoff // tsa.DefaultBackoff unless changed before Run
	// OnDone, when set, is called once a folder is complete on Drive and shared.
	OnDone func(Link)

	deps Deps
	dir  string
	log  *slog.Logger

	mu    sync.Mutex
	jobs  map[string]*jobRecord
	state map[string]*retryState
	busy  map[string]bool // jobs a loop (Run's or a Drain's) is working on
	wake  chan struct{}
}

type retryState struct {
	failures int
	next     time.Time
	lastErr  error
}

// OpenQueue opens (creating) the queue in dir and loads its jobs.
func OpenQueue(dir string, deps Deps) (*Queue, error) {
	if err := durable.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("drive: open queue: %w", err)
	}
	if err := checkVersion(dir); err != nil {
		return nil, fmt.Errorf("drive: open queue %s: %w", dir, err)
	}
	if _, err := durable.RemoveTemps(dir); err != nil {
		return nil, fmt.Errorf("drive: open queue %s: %w", dir, err)
	}
	if deps.Parent == "" {
		deps.Parent = "root"
	}
	q := &Queue{Backoff: tsa.DefaultBackoff, deps: deps, dir: dir, log: deps.Logger, jobs: map[string]*jobRecord{},
		state: map[string]*retryState{}, busy: map[string]bool{}, wake: make(chan struct{}, 1)}
	if q.log == nil {
		q.log = slog.New(slog.DiscardHandler)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("drive: open queue: %w", err)
	}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		var rec jobRecord
		path := filepath.Join(dir, e.Name())
		if err := strictjson.ReadFile(path, jobFormat, &rec); err != nil {
			return nil, fmt.Errorf("drive: open queue: %w", err)
		}
		if rec.ID+".json" != e.Name() {
			return nil, fmt.Errorf("drive: open queue: %s holds job %q", path, rec.ID)
		}
		q.jobs[rec.ID] = &rec
	}
	return q, nil
}

func checkVersion(dir string) error {
	path := filepath.Join(dir, queueVersionFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return durable.WriteNew(path, []byte(queueVersion), 0o600)
	}
	if err != nil {
		return err
	}
	if string(b) != queueVersion {
		return fmt.Errorf("%s says %q, want %q", queueVersionFile, b, queueVersion)
	}
	return nil
}

// jobID names the job of a folder of a case.
func jobID(caseID, folder string) string {
	sum := sha256.Sum256([]byte(caseID + "\x00" + folder))
	return "d" + hex.EncodeToString(sum[:12])
}

// Enqueue records durably that j's folder is to go to Drive: the folder's files, each hashed and, when the
// manifest names it, checked against the manifest's SHA-256. The same job again is a no-op.
func (q *Queue) Enqueue(ctx context.Context, j Job) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	folder, err := filepath.Abs(j.Folder)
	if err != nil {
		return fmt.Errorf("drive: enqueue: %w", err)
	}
	if !accountPattern.MatchString(j.Account) {
		return fmt.Errorf("drive: enqueue %s: %w: %q", filepath.Base(folder), ErrBadAccount, j.Account)
	}
	for _, e := range j.Emails {
		if !validEmail(e) {
			return fmt.Errorf("drive: enqueue %s: %q is not an e-mail address", filepath.Base(folder), e)
		}
	}
	rec := &jobRecord{Format: jobFormat, ID: jobID(j.Case, folder), Case: j.Case, Account: j.Account, Dir: folder,
		Name: filepath.Base(folder), Emails: slices.Clone(j.Emails), Enqueued: time.Now().UTC(), Folders: map[string]string{}}
	q.mu.Lock()
	_, known := q.jobs[rec.ID]
	q.mu.Unlock()
	if known {
		return nil
	}
	if rec.Files, rec.Leaf, err = deliveryFiles(folder); err != nil {
		return fmt.Errorf("drive: enqueue %s: %w", rec.Name, err)
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if err := q.save(rec, true); err != nil {
		return err
	}
	q.jobs[rec.ID] = rec
	select {
	case q.wake <- struct{}{}:
	default:
	}
	return nil
}

func validEmail(e string) bool {
	local, domain, ok := strings.Cut(e, "@")
	return ok && local != "" && strings.Contains(domain, ".") && !strings.ContainsAny(e, " \t\r\n<>,;\"'")
}

// deliveryFiles lists and hashes the files of a delivery folder, checks those the manifest names against it, and
// reads the delivery's leaf index.
func deliveryFiles(folder string) ([]fileRecord, uint64, error) {
	data, err := os.ReadFile(filepath.Join(folder, "manifest.json"))
	if err != nil {
		return nil, 0, fmt.Errorf("not a delivery folder: %w", err)
	}
	m, err := bundle.DecodeManifest(data)
	if err != nil {
		return nil, 0, err
	}
	want := map[string]string{}
	for _, a := range m.Artifacts {
		want[a.Path] = a.SHA256
	}
	for _, msg := range m.Messages {
		for _, a := range msg.Attachments {
			if a.Path != "" {
				want[a.Path] = a.SHA256
			}
		}
	}
	if m.Report != nil {
		want[m.Report.Path] = m.Report.SHA256
	}
	var files []fileRecord
	err = filepath.WalkDir(folder, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if !d.Type().IsRegular() {
			return fmt.Errorf("%s is not a regular file", path)
		}
		rel, err := filepath.Rel(folder, path)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		_, sha, size, err := localDigests(path)
		if err != nil {
			return err
		}
		if w, ok := want[rel]; ok && w != sha {
			return fmt.Errorf("%w: %s: SHA-256 %s, the manifest says %s", ErrLocalChanged, rel, sha, w)
		}
		files = append(files, fileRecord{Path: rel, SHA256: sha, Size: size})
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	leaf := m.Journal.LeafIndex
	return files, leaf, nil
}

// save writes rec. q.mu must be held. fresh: a new record (never overwrites one).
func (q *Queue) save(rec *jobRecord, fresh bool) error {
	path := filepath.Join(q.dir, rec.ID+".json")
	var err error
	if fresh {
		err = durable.WriteNewJSON(path, rec, 0o600)
	} else {
		err = durable.ReplaceJSON(path, rec, 0o600)
	}
	if err != nil {
		return fmt.Errorf("drive: save job %s: %w", rec.ID, err)
	}
	return nil
}

// update applies f to a copy of job id's record and saves it.
func (q *Queue) update(id string, f func(*jobRecord)) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	rec, ok := q.jobs[id]
	if !ok {
		return fmt.Errorf("drive: job %s: removed meanwhile", id)
	}
	c := *rec
	c.Folders = maps(rec.Folders)
	c.Files, c.Permissions = slices.Clone(rec.Files), slices.Clone(rec.Permissions)
	f(&c)
	if err := q.save(&c, false); err != nil {
		return err
	}
	q.jobs[id] = &c
	return nil
}

func maps(m map[string]string) map[string]string {
	c := make(map[string]string, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

func (q *Queue) snapshot(id string) jobRecord {
	q.mu.Lock()
	defer q.mu.Unlock()
	if rec, ok := q.jobs[id]; ok {
		return *rec
	}
	return jobRecord{ID: id} // removed meanwhile (ForgetCase): the next step fails
}

// Pending lists the jobs not done yet, oldest first.
func (q *Queue) Pending() []Status {
	q.mu.Lock()
	defer q.mu.Unlock()
	var out []Status
	for _, rec := range q.sorted() {
		if !rec.Done.IsZero() {
			continue
		}
		st := Status{Case: rec.Case, Name: rec.Name, Files: len(rec.Files)}
		for _, f := range rec.Files {
			if f.DriveID != "" {
				st.Uploaded++
			}
		}
		if rs := q.state[rec.ID]; rs != nil {
			st.Failures, st.LastErr, st.Next = rs.failures, rs.lastErr, rs.next
		}
		out = append(out, st)
	}
	return out
}

// sorted returns the jobs oldest first. q.mu must be held.
func (q *Queue) sorted() []*jobRecord {
	out := make([]*jobRecord, 0, len(q.jobs))
	for _, r := range q.jobs {
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b *jobRecord) int {
		if c := a.Enqueued.Compare(b.Enqueued); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out
}

// Links returns the done folders whose delivery folder is in dir (every one when dir is ""), sorted by name.
func (q *Queue) Links(dir string) []Link {
	q.mu.Lock()
	defer q.mu.Unlock()
	var out []Link
	for _, rec := range q.jobs {
		if !rec.Done.IsZero() && rec.Link != "" && (dir == "" || filepath.Dir(rec.Dir) == filepath.Clean(dir)) {
			out = append(out, rec.link())
		}
	}
	slices.SortFunc(out, func(a, b Link) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// link is the job's folder and its direct link.
func (rec jobRecord) link() Link {
	l := Link{Case: rec.Case, Name: rec.Name, Folder: rec.Dir, URL: rec.Link, DriveName: rec.DriveName}
	if l.DriveName == "" {
		l.DriveName = rec.Name
	}
	return l
}
