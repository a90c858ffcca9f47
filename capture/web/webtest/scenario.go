package webtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/attesta/attesta/internal/strictjson"
)

// Format is the version string every scenario file carries in its "format"
// field. A change that an older reader would misread gets a new version.
const Format = "attesta.waweb.scenario/v1"

// DefaultVersion is the WhatsApp Web build a scenario reports through
// window.Debug.VERSION when it names none.
const DefaultVersion = "2.3000.1034270928"

// Limits that keep a hostile scenario from exhausting memory.
const (
	maxScenarioBytes = 64 << 20
	maxMediaBytes    = 16 << 20
	maxMessages      = 100_000
	maxTotalMedia    = 256 << 20
)

// ErrInvalidScenario is wrapped by every error that reports a scenario which
// is not valid JSON or breaks a rule of the format.
var ErrInvalidScenario = errors.New("invalid scenario")

// Message types the replica knows. WhatsApp has more; these are the ones the
// capture handles.
const (
	TypeChat     = "chat"
	TypeImage    = "image"
	TypeVideo    = "video"
	TypePTT      = "ptt"
	TypeAudio    = "audio"
	TypeDocument = "document"
	TypeSticker  = "sticker"
	TypeRevoked  = "revoked"
)

// Ack values of WhatsApp Web's message model.
const (
	AckFailed   = -1
	AckPending  = 0
	AckSent     = 1
	AckReceived = 2
	AckRead     = 3
	AckPlayed   = 4
	AckPeer     = 5
)

// History tiers: where a message is when the session starts. WhatsApp loads
// history from the newest message backwards, so in a chat the tiers follow
// each other in time from Unreachable to Linked.
const (
	// HistoryLinked messages are loaded into chat.msgs when the app starts.
	HistoryLinked = "linked"
	// HistoryEarlier messages are on the linked device and come in pages
	// through loadEarlierMsgs.
	HistoryEarlier = "earlier"
	// HistoryOnDemand messages are only on the phone; they arrive after
	// sendPeerDataOperationRequest(3, {chatId}) and then load through
	// loadEarlierMsgs.
	HistoryOnDemand = "ondemand"
	// HistoryUnreachable messages exist but the session never sees them.
	HistoryUnreachable = "unreachable"
)

// Media states.
const (
	MediaOK          = "ok"
	MediaGone        = "gone"
	MediaReuploading = "reuploading"
)

// Scenario is the scripted content of a WhatsApp account: the ground truth
// that the replica serves and that tests compare a capture against.
type Scenario struct {
	Format  string  `json:"format"`
	Name    string  `json:"name"`
	Account Account `json:"account"`
	Chats   []Chat  `json:"chats"`
}

// Account is the linked WhatsApp account.
type Account struct {
	// Phone is the own number in international form, digits only.
	Phone string `json:"phone"`
	// Wid is the own id; it defaults to Phone + "@c.us".
	Wid string `json:"wid,omitempty"`
	// PushName is the own display name, used in data-pre-plain-text of
	// outgoing rows.
	PushName string `json:"pushName"`
	// Language of the UI: "it" or "en".
	Language string `json:"language"`
	// Version is the WhatsApp Web build reported by window.Debug.VERSION.
	Version string `json:"version,omitempty"`
	// ReadReceipts is the own read-receipt privacy setting (default on).
	// With it off, opening a chat sends no read receipt.
	ReadReceipts *bool `json:"readReceipts,omitempty"`
	// TimeZone renders times in the DOM (default Europe/Rome).
	TimeZone string `json:"timeZone,omitempty"`
}

// ReadReceiptsOn reports the account's read-receipt setting.
func (a Account) ReadReceiptsOn() bool { return a.ReadReceipts == nil || *a.ReadReceipts }

// Chat is one conversation.
type Chat struct {
	// ID is the chat wid: <phone>@c.us, <n>@lid or <id>@g.us.
	ID string `json:"id"`
	// Phone is the peer's phone number (digits); for a @lid chat it is the
	// number the LID maps to.
	Phone string `json:"phone,omitempty"`
	// LID is the peer's LID wid (<n>@lid) for a @c.us chat.
	LID   string `json:"lid,omitempty"`
	Title string `json:"formattedTitle"`
	// UnreadCount counts the newest incoming linked messages not yet read.
	UnreadCount int `json:"unreadCount,omitempty"`
	// EndOfHistoryTransferType is the chat's starting value; when absent it
	// is 0 (more history can be requested) if the chat has on-demand
	// messages, else 2.
	EndOfHistoryTransferType *int `json:"endOfHistoryTransferType,omitempty"`
	// PageSize is how many messages one loadEarlierMsgs call loads
	// (default 10).
	PageSize int `json:"pageSize,omitempty"`
	// OnDemandDelayMs is how long the phone takes to answer the on-demand
	// history request (default 300).
	OnDemandDelayMs int `json:"onDemandDelayMs,omitempty"`
	// Participants is the number of recipients of own messages (default 1;
	// groups set it).
	Participants int       `json:"participants,omitempty"`
	Messages     []Message `json:"messages"`
}

// Message is one message, oldest first within its chat.
type Message struct {
	// ID is the bare message id (what the DOM's data-id carries).
	ID     string `json:"id"`
	FromMe bool   `json:"fromMe"`
	// T is the send time in unix seconds.
	T    int64  `json:"t"`
	Type string `json:"type"`
	// Body is the text of a chat message. Media messages carry their
	// thumbnail in the model's body, never text; their text is Caption.
	Body           string `json:"body,omitempty"`
	Caption        string `json:"caption,omitempty"`
	Ack            int    `json:"ack"`
	QuotedStanzaID string `json:"quotedStanzaID,omitempty"`
	IsEdited       bool   `json:"isEdited,omitempty"`
	// LatestEditMsgKey is the bare id of the latest edit stanza.
	LatestEditMsgKey string `json:"latestEditMsgKey,omitempty"`
	// History is the message's tier (default "linked").
	History string `json:"history,omitempty"`
	Media   *Media `json:"media,omitempty"`
	// Info is what queryMsgInfo finds for an own message. Absent or the
	// string "missing": queryMsgInfo throws "No message info found for
	// <key>".
	Info *Info `json:"info,omitempty"`
}

// Media describes the attachment of a media message.
type Media struct {
	Mimetype string `json:"mimetype"`
	Filename string `json:"filename,omitempty"`
	// Data is the plaintext (base64 in JSON). When empty, Size bytes are
	// generated deterministically from the chat and message ids.
	Data []byte `json:"data,omitempty"`
	Size int64  `json:"size,omitempty"`
	// Hash is "ok" (default: filehash is the SHA-256 of the plaintext) or
	// "wrong" (filehash is deliberately not).
	Hash string `json:"hash,omitempty"`
	// State is ok (default), gone (the CDN answers 404) or reuploading.
	State string `json:"state,omitempty"`
	// Thumbnail is a JPEG (base64 in JSON) that images and videos carry in
	// body; when empty a small one is generated.
	Thumbnail []byte `json:"thumbnail,omitempty"`
	// Duration in seconds of audio and video.
	Duration int `json:"duration,omitempty"`
}

// Info is the message-info of an own message: per-recipient receipt times.
type Info struct {
	// Missing makes queryMsgInfo throw; in JSON it is the string "missing".
	Missing  bool        `json:"-"`
	Delivery []InfoEntry `json:"delivery"`
	Read     []InfoEntry `json:"read"`
	Played   []InfoEntry `json:"played"`
}

// InfoEntry is one recipient's receipt.
type InfoEntry struct {
	// ID is the recipient's wid.
	ID string `json:"id"`
	// T is the receipt time in unix seconds.
	T int64 `json:"t"`
}

// UnmarshalJSON accepts an info object or the string "missing".
func (in *Info) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		if s != "missing" {
			return fmt.Errorf("info %q: want an object or \"missing\"", s)
		}
		*in = Info{Missing: true}
		return nil
	}
	type plain Info
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	*in = Info(p)
	return nil
}

// MarshalJSON writes "missing" or the info object with empty lists as [].
func (in Info) MarshalJSON() ([]byte, error) {
	if in.Missing {
		return []byte(`"missing"`), nil
	}
	type plain Info
	p := plain(in)
	for _, l := range []*[]InfoEntry{&p.Delivery, &p.Read, &p.Played} {
		if *l == nil {
			*l = []InfoEntry{}
		}
	}
	return json.Marshal(p)
}

// LoadScenario parses and validates a scenario file's bytes.
func LoadScenario(data []byte) (*Scenario, error) {
	if len(data) > maxScenarioBytes {
		return nil, fmt.Errorf("load scenario: %d bytes, limit %d: %w", len(data), maxScenarioBytes, ErrInvalidScenario)
	}
	var sc Scenario
	if err := strictjson.Decode("scenario", data, &sc); errors.Is(err, strictjson.ErrTrailingData) {
		return nil, fmt.Errorf("load scenario: data after the scenario object (%w): %w", err, ErrInvalidScenario)
	} else if err != nil {
		return nil, fmt.Errorf("load scenario: %s: %w", describeJSONError(data, err), ErrInvalidScenario)
	}
	if err := sc.Validate(); err != nil {
		return nil, fmt.Errorf("load scenario: %w", err)
	}
	return &sc, nil
}

// LoadScenarioFile reads and validates the scenario in the named file.
func LoadScenarioFile(path string) (*Scenario, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load scenario: %w", err)
	}
	sc, err := LoadScenario(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return sc, nil
}

// Marshal encodes the scenario in its file format.
func (sc *Scenario) Marshal() ([]byte, error) {
	return json.MarshalIndent(sc, "", "  ")
}

func describeJSONError(data []byte, err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Sprintf("line %d: %v", lineOf(data, syn.Offset), err)
	case errors.As(err, &typ):
		return fmt.Sprintf("line %d: field %s: %s where %s is expected", lineOf(data, typ.Offset), typ.Field, typ.Value, typ.Type)
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return fmt.Sprintf("line %d: truncated JSON", lineOf(data, int64(len(data))))
	}
	return err.Error()
}

func lineOf(data []byte, off int64) int {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	return bytes.Count(data[:off], []byte{'\n'}) + 1
}

// OwnWid is the account's own id.
func (a Account) OwnWid() string { return a.Phone + "@c.us" }

// BuildVersion is the WhatsApp Web build string.
func (a Account) BuildVersion() string {
	if a.Version == "" {
		return DefaultVersion
	}
	return a.Version
}

// Zone is the time zone name of the account's UI.
func (a Account) Zone() string {
	if a.TimeZone == "" {
		return "Europe/Rome"
	}
	return a.TimeZone
}

// Server is the wid server of the chat: c.us, lid or g.us.
func (c *Chat) Server() string {
	_, server, _ := strings.Cut(c.ID, "@")
	return server
}

// Tier is the message's history tier.
func (m *Message) Tier() string {
	if m.History == "" {
		return HistoryLinked
	}
	return m.History
}

// Len is the plaintext size in bytes.
func (md *Media) Len() int64 {
	if len(md.Data) > 0 {
		return int64(len(md.Data))
	}
	return md.Size
}

// Chat returns the chat with the given wid, or nil.
func (sc *Scenario) Chat(id string) *Chat {
	for i := range sc.Chats {
		if sc.Chats[i].ID == id {
			return &sc.Chats[i]
		}
	}
	return nil
}

// ChatByTitle returns the first chat with the given formattedTitle, or nil.
func (sc *Scenario) ChatByTitle(title string) *Chat {
	for i := range sc.Chats {
		if sc.Chats[i].Title == title {
			return &sc.Chats[i]
		}
	}
	return nil
}

// Message returns the message with the given bare id, or nil.
func (c *Chat) Message(id string) *Message {
	for i := range c.Messages {
		if c.Messages[i].ID == id {
			return &c.Messages[i]
		}
	}
	return nil
}

// Serialized is the message's id._serialized in chat c:
// "true_<chat>_<id>" or "false_<chat>_<id>".
func (c *Chat) Serialized(m *Message) string {
	return fmt.Sprintf("%t_%s_%s", m.FromMe, c.ID, m.ID)
}
