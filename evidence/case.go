package evidence

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Case is a client's matter at the studio: the unit that owns acquisitions, their data key and their deliveries.
type Case struct {
	ID        string `json:"id"`
	Title     string `json:"title"`      // as the studio names it
	Plan      Plan   `json:"plan"`       // messages certified per chat
	CreatedAt Time   `json:"created_at"` //
}

// Plan is the number of messages per chat a client bought: 5, 10, 20 or 50.
type Plan int

// Plans sold.
const (
	Plan5  Plan = 5
	Plan10 Plan = 10
	Plan20 Plan = 20
	Plan50 Plan = 50
)

// ErrPlan reports a number of messages that is not a plan sold.
var ErrPlan = errors.New("not a plan sold (5, 10, 20 or 50 messages)")

// ParsePlan reads a plan from configuration or a form ("10").
func ParsePlan(s string) (Plan, error) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return 0, fmt.Errorf("evidence: plan %q: %w", clip(s), ErrPlan)
	}
	p := Plan(n)
	if err := p.Validate(); err != nil {
		return 0, err
	}
	return p, nil
}

// Validate checks that p is a plan sold.
func (p Plan) Validate() error {
	switch p {
	case Plan5, Plan10, Plan20, Plan50:
		return nil
	}
	return fmt.Errorf("evidence: plan %d: %w", int(p), ErrPlan)
}

// UnmarshalJSON reads a plan from configuration, refusing numbers that are not a plan sold.
func (p *Plan) UnmarshalJSON(b []byte) error {
	v, err := ParsePlan(string(b))
	if err != nil {
		return err
	}
	*p = v
	return nil
}

// Chat identifies the conversation acquired.
type Chat struct {
	Phone string `json:"phone"` // E.164; in a group chat, the client whose replies and receipts count
	Name  string `json:"name"`  // as the acquisition list gives it
	JID   string `json:"jid"`   // WhatsApp's id of the chat: <digits>@c.us, <n>@lid or <id>@g.us
}

// IsGroup reports whether the chat is a group chat.
func (c Chat) IsGroup() bool { return strings.HasSuffix(c.JID, "@g.us") }

// Method is how an acquisition reached WhatsApp's data.
type Method string

// Acquisition methods.
const (
	MethodWhatsAppWeb   Method = "whatsapp-web"   // a linked WhatsApp Web session
	MethodADB           Method = "android-adb"    // an Android phone over ADB
	MethodAndroidBackup Method = "android-backup" // a crypt14/crypt15 backup file
	MethodIOSBackup     Method = "ios-backup"     // an iOS backup (plain or encrypted)
)

// ErrMethod reports an acquisition method this package does not define.
var ErrMethod = errors.New("unknown acquisition method")

// UnmarshalText reads a method name, refusing unknown ones.
func (m *Method) UnmarshalText(b []byte) error {
	return unmarshalName(m, b, "acquisition method", ErrMethod, MethodWhatsAppWeb, MethodADB, MethodAndroidBackup, MethodIOSBackup)
}

// Acquisition is one run of a capture: who, when, with what, from what.
type Acquisition struct {
	ID            string `json:"id"`
	Method        Method `json:"method"`
	StartedAt     Time   `json:"started_at"`
	FinishedAt    Time   `json:"finished_at"`
	Operator      string `json:"operator"`       // the technician, as logged in
	ApplianceID   string `json:"appliance_id"`   //
	ToolVersion   string `json:"tool_version"`   // this program's version
	SourceVersion string `json:"source_version"` // WhatsApp Web build, WhatsApp app version or backup format

	// Beyond the v1 list: optional keys, omitted when empty.

	// SenderReadReceipts is the sender's own read-receipt privacy setting at the time of the acquisition. When it
	// is off, WhatsApp shows the sender nobody's read receipts, so the read basis is out of reach.
	SenderReadReceipts ReadReceipts `json:"sender_read_receipts,omitempty"`

	// LinkedAccount is the number (E.164) of the WhatsApp account the acquisition read from, as the source itself
	// reports it (WhatsApp Web's own id once linked): the proof that the chats are the sender's and not those of
	// whoever scanned the code.
	LinkedAccount string `json:"linked_account,omitempty"`
}

// ReadReceipts is the state of an account's read-receipt setting.
type ReadReceipts string

// Read-receipt settings. The empty value means the setting was not recorded.
const (
	ReadReceiptsOn      ReadReceipts = "on"
	ReadReceiptsOff     ReadReceipts = "off"
	ReadReceiptsUnknown ReadReceipts = "unknown" // looked for, could not be determined
)

// Artifact is a file of a delivery that is not a message attachment: a screenshot, an MHTML page, a video of the
// session, a database file or rows extracted from it, a log.
type Artifact struct {
	Path   string       `json:"path"`   // slash-separated, relative to the delivery folder
	SHA256 string       `json:"sha256"` // lower-case hex
	Size   int64        `json:"size"`
	Kind   ArtifactKind `json:"kind"`
}

// ArtifactKind says what an artifact is.
type ArtifactKind string

// Artifact kinds.
const (
	ArtifactScreenshot ArtifactKind = "screenshot"
	ArtifactMHTML      ArtifactKind = "mhtml"
	ArtifactVideo      ArtifactKind = "video"    // a recording of the session
	ArtifactMedia      ArtifactKind = "media"    // media not tied to one message
	ArtifactDatabase   ArtifactKind = "database" // a database file or rows extracted from it
	ArtifactLog        ArtifactKind = "log"      // the actions log of the acquisition
	ArtifactOther      ArtifactKind = "other"
)

// Validate checks an artifact: a clean relative path, a SHA-256 in lower-case hex, a non-negative size, a kind.
func (a Artifact) Validate() error {
	if err := ValidRelPath(a.Path); err != nil {
		return fmt.Errorf("evidence: artifact: %w", err)
	}
	if err := validSHA256(a.SHA256); err != nil {
		return fmt.Errorf("evidence: artifact %q: %w", clip(a.Path), err)
	}
	if a.Size < 0 {
		return fmt.Errorf("evidence: artifact %q: negative size %d", clip(a.Path), a.Size)
	}
	switch a.Kind {
	case ArtifactScreenshot, ArtifactMHTML, ArtifactVideo, ArtifactMedia, ArtifactDatabase, ArtifactLog, ArtifactOther:
		return nil
	}
	return fmt.Errorf("evidence: artifact %q: unknown kind %q", clip(a.Path), clip(string(a.Kind)))
}
