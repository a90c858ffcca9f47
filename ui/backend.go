package ui

import (
	"context"
	"errors"
	"time"
)

// The appliance behind the screens. Each interface is one part of it; the appliance package implements them all
// and the Server needs every one.

// ErrNotFound is what a backend returns for an id it does not know; the screens answer 404.
var ErrNotFound = errors.New("not found")

// ErrInvalid wraps what a backend refuses because of what the technician typed; the screens show the message.
var ErrInvalid = errors.New("invalid")

// ErrBusy is returned when a job cannot start because another one holds what it needs (the browser, the phone).
var ErrBusy = errors.New("busy")

// Cases is the studio's register of cases: who asked, for what, the service bought and how long the evidence is
// kept.
type Cases interface {
	ListCases(ctx context.Context) ([]CaseInfo, error)
	CreateCase(ctx context.Context, c NewCase) (CaseInfo, error)
	Case(ctx context.Context, id string) (CaseInfo, error)
	// SetHold puts the case on legal hold (hold true) or releases it, saying who and why.
	SetHold(ctx context.Context, id string, hold bool, by, reason string) error
}

// NewCase is what the technician fills in to open a case.
type NewCase struct {
	Client        string // the client's name, for the report
	ClientPhone   string // the client's WhatsApp number: it names the delivery folders
	Purpose       string // what the certification is for, in the client's words
	ServiceMonths int    // the service bought: 1, 3, 6 or 12 months
	MaxMessages   int    // the plan bought: 5, 10, 20 or 50 consecutive messages per chat
	Operator      string // the technician opening it
	// The mandate: the proceeding it is for and the lawful bases, chosen from Privacy.Bases; empty takes the
	// studio's defaults (the contract for the client, legal claims for the correspondents).
	Proceeding    string
	ClientBasis   string
	SubjectsBasis string
	// Delivery is where the case's deliveries go: DeliveryAppliance (or empty), DeliveryStudioDrive or
	// DeliveryClientDrive. DeliveryEmails, when not empty, restricts the Drive folders to these addresses (comma or
	// space separated); else anyone with the link can view them.
	Delivery       string
	DeliveryEmails string
}

// Delivery targets of a case.
const (
	DeliveryAppliance   = "appliance"    // the appliance's own share links only
	DeliveryStudioDrive = "studio-drive" // the studio's Google Drive
	DeliveryClientDrive = "client-drive" // the client's own Google Drive, authorized by the client (device flow)
)

// DriveCode is what the client is shown to let the appliance put the deliveries on their Google Drive: a URL to
// open on their phone and a short code to type there.
type DriveCode struct {
	URL, UserCode string
	Expires       time.Time
}

// CaseInfo is a case as the screens show it.
type CaseInfo struct {
	ID            string
	Client        string
	ClientPhone   string
	Purpose       string
	ServiceMonths int
	LegalMonths   int
	MaxMessages   int
	Created       time.Time
	RetainUntil   time.Time
	Hold          string    // the reason of the legal hold; empty when none
	Erased        time.Time // zero while the evidence exists
	Jobs          []JobInfo // newest first; filled by Case, not by ListCases

	Proceeding     string    // the proceeding the mandate is for
	ClientBasis    string    // the lawful basis for the client's data, labelled
	SubjectsBasis  string    // for the correspondents' data, labelled
	NoticeAccepted time.Time // when the client accepted the information notice; zero when not yet
	PaperMandate   string    // SHA-256 of the signed paper mandate's scan; empty when none was recorded
	Restricted     time.Time // when a data subject's restriction request froze the case; zero when not

	Delivery        string     // DeliveryAppliance, DeliveryStudioDrive or DeliveryClientDrive
	DeliveryEmails  []string   // the addresses the Drive folders are restricted to; none: anyone with the link
	DriveAuthorized bool       // the Drive the case delivers to is authorized (the client's, or the studio's)
	DriveCode       *DriveCode // its authorization under way (the client's also shows on their remote page); nil when none
}

// DriveAccess lets the client authorize the appliance on their own Google Drive (the OAuth 2.0 device flow) and
// the studio revoke that access.
type DriveAccess interface {
	// AuthorizeDrive starts the device flow for the case's client; the code is then in the case's DriveCode.
	AuthorizeDrive(ctx context.Context, caseID string) (DriveCode, error)
	// RevokeDrive revokes the appliance's access to the client's Drive, journaled.
	RevokeDrive(ctx context.Context, caseID, by string) error
	// DriveEnabled reports whether a Google Drive is configured at all.
	DriveEnabled() bool
}

// Jobs runs acquisitions in the background: they go on when the screen is reloaded or left, and one interrupted
// by a restart can be resumed.
type Jobs interface {
	StartWebSession(ctx context.Context, req WebSession) (JobInfo, error)
	StartExtraction(ctx context.Context, req Extraction) (JobInfo, error)
	ListJobs(ctx context.Context) ([]JobInfo, error)
	Job(ctx context.Context, id string) (JobInfo, error)
	// ResumeJob starts again an interrupted job, for the chats it had not delivered.
	ResumeJob(ctx context.Context, id, operator string) (JobInfo, error)
	// CancelJob stops a running job; what it acquired stays, journaled.
	CancelJob(ctx context.Context, id, operator string) error
}

// WebSession asks for a remote capture over WhatsApp Web.
type WebSession struct {
	Case     string
	List     string // the acquisition list as typed or imported: CSV or one chat per line
	Operator string
}

// Extraction asks for an extraction from a phone plugged in over USB.
type Extraction struct {
	Case     string
	Serial   string // the phone, as Phones lists it
	Kind     string // the phone's Kind: PhoneIPhone, or "" for an Android phone
	Key      string // an Android phone's 64-digit end-to-end backup key
	Password string // an iPhone's backup password, when its owner encrypts its backups ("" otherwise)
	List     string
	Operator string
}

// Job states.
const (
	JobRunning     = "running"
	JobDone        = "done"
	JobFailed      = "failed"
	JobInterrupted = "interrupted" // the appliance stopped while it ran: it can be resumed
	JobCancelled   = "cancelled"
)

// JobInfo is a job as the screens show it. Its ID is also the id of its progress feed (Server.Feed).
type JobInfo struct {
	ID       string
	Kind     string // "web", "adb" or "iphone"
	Case     string
	State    string
	Started  time.Time
	Updated  time.Time
	Progress string // the last step
	Done     int
	Total    int
	Chats    []ChatResult
	Error    string
	Phone    string // the phone a job from a phone on USB reads (serial or UDID)
	Backup   int    // an iPhone job's backup progress as the phone counts it, 0..100
	BackedUp bool   // an iPhone job's backup is complete
}

// Resumable reports whether the job can be started again.
func (j JobInfo) Resumable() bool { return j.State == JobInterrupted }

// ChatResult is what became of one line of a job's list.
type ChatResult struct {
	Line      int
	Chat      string // as written on the list
	Folder    string // the delivery folder's name; empty when none
	Certified int
	Problem   string
	DriveLink string // the folder's direct link on Google Drive; empty when not there (yet)
}

// Phones lists the phones plugged in over USB.
type Phones interface {
	Phones(ctx context.Context) ([]Phone, error)
}

// Phone is a phone the appliance sees on USB.
type Phone struct {
	Serial string // adb's serial; an iPhone's UDID
	Model  string
	State  string // an Android phone's: "device" (ready), "unauthorized", "offline", …; an iPhone's: Phone* below
	Kind   string // PhoneIPhone for an iPhone, "" for an Android phone
	// Percent is an iPhone's backup progress as the phone counts it, 0..100, while State is PhoneBackingUp.
	Percent int
}

// PhoneIPhone is the Kind of an iPhone.
const PhoneIPhone = "iphone"

// An iPhone's states, in the order the Telefono screen walks them.
const (
	PhoneTrustPending = "trust-pending" // plugged in, "Trust this computer" not answered yet
	PhonePaired       = "paired"        // trusted: ready for a backup
	PhoneBackingUp    = "backing-up"    // its backup is being taken (Percent)
	PhoneBackedUp     = "done"          // its backup is taken (the chats are certified from it)
)

// IPhone reports whether the phone is an iPhone.
func (p Phone) IPhone() bool { return p.Kind == PhoneIPhone }

// Ready reports whether the phone can be read.
func (p Phone) Ready() bool {
	if p.IPhone() {
		return p.State == PhonePaired || p.State == PhoneBackedUp
	}
	return p.State == "device"
}

// JournalView reads the journal for the journal browser and the attestation history.
type JournalView interface {
	// Leaves returns up to n leaves from index from on, in order, and the journal's size.
	Leaves(ctx context.Context, from uint64, n int) ([]LeafInfo, uint64, error)
	// Attestations returns the latest n attestation checks, newest first.
	Attestations(ctx context.Context, n int) ([]AttestationInfo, error)
}

// LeafInfo is one journal leaf.
type LeafInfo struct {
	Index  uint64
	Type   string
	Time   time.Time
	Fields string // the whole leaf as stored: canonical JSON, the bytes its hash covers
	Hash   string // the leaf's RFC 6962 hash, hex
}

// AttestationInfo is one attestation check.
type AttestationInfo struct {
	Leaf    uint64
	At      time.Time
	OK      bool
	Summary string
}

// CredentialStore keeps the PINs' hashes when an administrator changes a PIN.
type CredentialStore interface {
	SaveCredentials(ctx context.Context, c Credentials) error
}
