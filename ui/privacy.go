package ui

// Data protection: the client's information notice and mandate before any acquisition, the paper mandate of a
// couriered phone, and the data-subject requests with their deadlines.

import (
	"context"
	"errors"
	"io"
	"time"
)

// Privacy is the data-protection side of the appliance behind the screens.
type Privacy interface {
	// Bases lists the lawful bases a case may name, labelled in lang.
	Bases(ctx context.Context, lang Lang) []Basis
	// Notice returns the studio's information notice for the case, rendered in lang with the case's data, and the
	// mandate it summarises.
	Notice(ctx context.Context, caseID string, lang Lang) (Notice, error)
	// AcceptNotice records that the client accepted the notice whose text has digest a.SHA256. It refuses, with
	// an error wrapping ErrInvalid, a digest that is not the one of the case's notice in a.Lang now.
	AcceptNotice(ctx context.Context, caseID string, a Acceptance) error
	// RecordMandate keeps the scan of the signed paper mandate of a couriered phone, journaled as an artifact of
	// the case: the extraction refuses to start without it.
	RecordMandate(ctx context.Context, caseID string, m PaperMandate) error
	// SubjectRequests lists the data-subject requests, newest first.
	SubjectRequests(ctx context.Context) ([]SubjectRequest, error)
	// SubjectRequest registers and answers a data-subject request of kind "access", "erasure" or "restriction"
	// for a number, journaled with its deadline; a number that is not one is ErrInvalid.
	SubjectRequest(ctx context.Context, kind, phone, operator string) (SubjectAnswer, error)
	// SubjectExport writes, as a ZIP, the export that answers access request id; phone must be the request's.
	SubjectExport(ctx context.Context, id, phone string, w io.Writer) error
	// ProcessingRecord writes the record of processing (GDPR art. 30) as "csv" or "pdf".
	ProcessingRecord(ctx context.Context, format string, w io.Writer) error
	// RecordAccessReason journals why a person viewed or exported a case's personal data; the case is the
	// delivery's when only a delivery folder is named. An empty reason records nothing.
	RecordAccessReason(ctx context.Context, a AccessReason) error
	// AccessReport lists the accesses to a case's personal data the journal holds, oldest first, with the reasons
	// given.
	AccessReport(ctx context.Context, caseID string) ([]AccessEntry, error)
}

// AccessReason is why a person viewed or exported personal data.
type AccessReason struct {
	Case     string
	Delivery string // a delivery folder's name, when the access was to one
	What     string // "share", "subject-export", "view"
	Role     string // who: "technician" or "admin"
	Reason   string
}

// AccessEntry is one access to a case's data, as the journal records it.
type AccessEntry struct {
	Leaf   uint64
	Time   time.Time
	Type   string // the leaf's type
	What   string // details without personal data: a kind, a role, a link's hash prefix
	Reason string // the reason given; empty when none was
}

// SubjectAnswer is what a data-subject request found and did.
type SubjectAnswer struct {
	Request    SubjectRequest
	Cases      []SubjectCase
	Deliveries []SubjectDelivery
	Erased     []string   // cases erased
	Kept       []KeptCase // cases an erasure kept, each with its reason
	Export     string     // where the access export was written, when it was
}

// SubjectCase is a case that concerns a data subject's number.
type SubjectCase struct {
	Case        string    `json:"case"`
	Role        string    `json:"role"` // "client" or "correspondent"
	RetainUntil time.Time `json:"retain_until"`
	Hold        string    `json:"hold,omitempty"` // the legal hold's reason
	Erased      time.Time `json:"erased,omitzero"`
	Restricted  time.Time `json:"restricted,omitzero"`
}

// SubjectDelivery is a delivery folder that concerns a data subject's number.
type SubjectDelivery struct {
	Folder   string `json:"folder"`
	Case     string `json:"case"`
	Role     string `json:"role"`     // "client" (the sender) or "correspondent" (the chat)
	Messages int    `json:"messages"` // messages of the chat, all of which concern the subject
	Leaf     uint64 `json:"journal_leaf"`
}

// KeptCase is a case an erasure request did not erase, and why.
type KeptCase struct {
	Case   string `json:"case"`
	Reason string `json:"reason"`
}

// Basis is a lawful basis as a form offers it.
type Basis struct {
	ID    string
	Label string
}

// Notice is the information notice of a case as the client's page shows it.
type Notice struct {
	Text     string   // rendered: the placeholders filled
	SHA256   string   // of Text: what the acceptance binds to
	Case     CaseInfo // the mandate: client, proceeding, purpose, plan, service, bases, retention
	Accepted time.Time
}

// Acceptance is the client's acceptance of a notice, as the page sent it. It carries no address.
type Acceptance struct {
	Lang    Lang
	SHA256  string
	Channel string // where it was given: "remote-link"
	Link    string // the hash of the link's token: which link, not who
}

// PaperMandate is the scan or photo of a signed mandate, as uploaded from a USB stick.
type PaperMandate struct {
	Name     string // the file's name, as uploaded
	Data     []byte
	Operator string
}

// SubjectRequest is a data-subject request as the screens list it: no number, only its masked form.
type SubjectRequest struct {
	ID       string
	Kind     string // "access", "erasure" or "restriction"
	Masked   string
	Received time.Time
	Due      time.Time
	Answered time.Time
	Outcome  string
}

// Overdue reports whether the request is unanswered past its deadline at now.
func (r SubjectRequest) Overdue(now time.Time) bool { return r.Answered.IsZero() && now.After(r.Due) }

// ErrNoNotice is joined to ErrInvalid when an acquisition is refused because the client has not accepted the
// notice, the paper mandate of a couriered phone is missing, or a data subject's request restricted the case.
var ErrNoNotice = errors.New("no accepted notice, no mandate, or restricted")
