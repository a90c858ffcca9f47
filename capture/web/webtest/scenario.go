package webtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"time"
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
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var sc Scenario
	if err := dec.Decode(&sc); err != nil {
		return nil, fmt.Errorf("load scenario: %s: %w", describeJSONError(data, err), ErrInvalidScenario)
	}
	if dec.More() {
		return nil, fmt.Errorf("load scenario: line %d: data after the scenario object: %w",
			lineOf(data, dec.InputOffset()), ErrInvalidScenario)
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

// ValidationError names the part of a scenario that breaks a rule.
type ValidationError struct {
	// Path locates the offending value, e.g. chats[2].messages[5].
	Path    string
	Problem string
}

func (e *ValidationError) Error() string { return e.Path + ": " + e.Problem }

// Unwrap makes errors.Is(err, ErrInvalidScenario) hold.
func (e *ValidationError) Unwrap() error { return ErrInvalidScenario }

func invalid(path, format string, args ...any) error {
	return &ValidationError{Path: path, Problem: fmt.Sprintf(format, args...)}
}

var (
	reDigits   = regexp.MustCompile(`^[0-9]{6,15}$`)
	reLIDUser  = regexp.MustCompile(`^[0-9]{1,20}$`)
	reGroup    = regexp.MustCompile(`^[0-9]{6,15}-[0-9]{6,12}$|^[0-9]{15,25}$`)
	reMsgID    = regexp.MustCompile(`^[0-9A-Za-z]{1,64}$`)
	validTypes = map[string]bool{TypeChat: true, TypeImage: true, TypeVideo: true, TypePTT: true,
		TypeAudio: true, TypeDocument: true, TypeSticker: true, TypeRevoked: true}
	mediaTypes  = map[string]bool{TypeImage: true, TypeVideo: true, TypePTT: true, TypeAudio: true, TypeDocument: true, TypeSticker: true}
	tierRank    = map[string]int{HistoryUnreachable: 0, HistoryOnDemand: 1, HistoryEarlier: 2, HistoryLinked: 3}
	captionable = map[string]bool{TypeImage: true, TypeVideo: true, TypeDocument: true}
)

// Validate checks every rule of the format and reports the first broken one
// as a *ValidationError.
func (sc *Scenario) Validate() error {
	if sc.Format != Format {
		return invalid("format", "%q, want %q", sc.Format, Format)
	}
	if err := sc.Account.validate(); err != nil {
		return err
	}
	ids := make(map[string]bool)
	lids := make(map[string]bool)
	total := 0
	var media int64
	for i := range sc.Chats {
		c := &sc.Chats[i]
		path := fmt.Sprintf("chats[%d]", i)
		if ids[c.ID] {
			return invalid(path+".id", "%q appears twice", c.ID)
		}
		ids[c.ID] = true
		if c.LID != "" {
			if lids[c.LID] {
				return invalid(path+".lid", "%q maps two chats", c.LID)
			}
			lids[c.LID] = true
		}
		total += len(c.Messages)
		if total > maxMessages {
			return invalid(path, "more than %d messages in the scenario", maxMessages)
		}
		if err := c.validate(path); err != nil {
			return err
		}
		for _, m := range c.Messages {
			if m.Media != nil {
				media += m.Media.Len()
			}
		}
		if media > maxTotalMedia {
			return invalid(path, "media of the scenario over %d bytes in all", maxTotalMedia)
		}
	}
	for i := range sc.Chats {
		c := &sc.Chats[i]
		if c.Server() == "lid" && ids[c.Phone+"@c.us"] {
			return invalid(fmt.Sprintf("chats[%d].phone", i), "%s also has a @c.us chat; one peer has one chat", c.Phone)
		}
	}
	return nil
}

func (a *Account) validate() error {
	if !reDigits.MatchString(a.Phone) {
		return invalid("account.phone", "%q is not 6 to 15 digits", a.Phone)
	}
	if a.Wid != "" && a.Wid != a.Phone+"@c.us" {
		return invalid("account.wid", "%q, want %s@c.us", a.Wid, a.Phone)
	}
	if strings.TrimSpace(a.PushName) == "" {
		return invalid("account.pushName", "empty")
	}
	if a.Language != "it" && a.Language != "en" {
		return invalid("account.language", "%q, want it or en", a.Language)
	}
	if _, err := time.LoadLocation(a.Zone()); err != nil {
		return invalid("account.timeZone", "%q: %v", a.TimeZone, err)
	}
	return nil
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

func (c *Chat) validate(path string) error {
	user, server, _ := strings.Cut(c.ID, "@")
	switch server {
	case "c.us":
		if !reDigits.MatchString(user) {
			return invalid(path+".id", "%q: user part is not 6 to 15 digits", c.ID)
		}
		if c.Phone != "" && c.Phone != user {
			return invalid(path+".phone", "%q differs from the id's number %s", c.Phone, user)
		}
		if c.LID != "" {
			lu, ls, _ := strings.Cut(c.LID, "@")
			if ls != "lid" || !reLIDUser.MatchString(lu) {
				return invalid(path+".lid", "%q is not <digits>@lid", c.LID)
			}
		}
	case "lid":
		if !reLIDUser.MatchString(user) {
			return invalid(path+".id", "%q: user part is not digits", c.ID)
		}
		if c.Phone != "" && !reDigits.MatchString(c.Phone) {
			return invalid(path+".phone", "%q is not 6 to 15 digits", c.Phone)
		}
		if c.LID != "" {
			return invalid(path+".lid", "a @lid chat has no separate lid")
		}
	case "g.us":
		if !reGroup.MatchString(user) {
			return invalid(path+".id", "%q is not a group id", c.ID)
		}
		if c.Phone != "" || c.LID != "" {
			return invalid(path, "a group has no phone or lid")
		}
	default:
		return invalid(path+".id", "%q: server %q, want c.us, lid or g.us", c.ID, server)
	}
	if strings.TrimSpace(c.Title) == "" {
		return invalid(path+".formattedTitle", "empty")
	}
	if c.PageSize < 0 || c.PageSize > 500 {
		return invalid(path+".pageSize", "%d, want 1..500", c.PageSize)
	}
	if c.OnDemandDelayMs < 0 || c.OnDemandDelayMs > 60_000 {
		return invalid(path+".onDemandDelayMs", "%d, want 0..60000", c.OnDemandDelayMs)
	}
	if c.Participants < 0 || c.Participants > 1024 {
		return invalid(path+".participants", "%d, want 1..1024", c.Participants)
	}
	if c.EndOfHistoryTransferType != nil && (*c.EndOfHistoryTransferType < 0 || *c.EndOfHistoryTransferType > 2) {
		return invalid(path+".endOfHistoryTransferType", "%d, want 0..2", *c.EndOfHistoryTransferType)
	}
	return c.validateMessages(path)
}

func (c *Chat) validateMessages(path string) error {
	seen := make(map[string]int, len(c.Messages))
	rank := -1
	var last int64
	incomingLinked := 0
	for j := range c.Messages {
		m := &c.Messages[j]
		mp := fmt.Sprintf("%s.messages[%d]", path, j)
		if !reMsgID.MatchString(m.ID) {
			return invalid(mp+".id", "%q is not 1 to 64 letters and digits", m.ID)
		}
		mp += " (" + m.ID + ")"
		if _, dup := seen[m.ID]; dup {
			return invalid(mp, "id appears twice in the chat")
		}
		if err := m.validate(mp, seen); err != nil {
			return err
		}
		seen[m.ID] = j
		if m.T < last {
			return invalid(mp+".t", "%d is earlier than the previous message (%d): messages go oldest first", m.T, last)
		}
		last = m.T
		r := tierRank[m.Tier()]
		if r < rank {
			return invalid(mp+".history", "%q after a newer tier: tiers go unreachable, ondemand, earlier, linked in time", m.Tier())
		}
		rank = r
		if !m.FromMe && m.Tier() == HistoryLinked {
			incomingLinked++
		}
	}
	if c.UnreadCount < 0 || c.UnreadCount > incomingLinked {
		return invalid(path+".unreadCount", "%d, but the chat has %d incoming linked messages", c.UnreadCount, incomingLinked)
	}
	return nil
}

// Tier is the message's history tier.
func (m *Message) Tier() string {
	if m.History == "" {
		return HistoryLinked
	}
	return m.History
}

func (m *Message) validate(mp string, earlier map[string]int) error {
	if m.T <= 0 || m.T > 1<<40 {
		return invalid(mp+".t", "%d is not a plausible unix time in seconds", m.T)
	}
	if !validTypes[m.Type] {
		return invalid(mp+".type", "%q is not one of chat, image, video, ptt, audio, document, sticker, revoked", m.Type)
	}
	if m.Ack < -7 || m.Ack > 5 {
		return invalid(mp+".ack", "%d outside -7..5", m.Ack)
	}
	if _, ok := tierRank[m.Tier()]; !ok {
		return invalid(mp+".history", "%q, want linked, earlier, ondemand or unreachable", m.History)
	}
	switch {
	case m.Type == TypeChat && m.Body == "":
		return invalid(mp+".body", "a chat message needs a body")
	case m.Type != TypeChat && m.Body != "":
		return invalid(mp+".body", "only chat messages have a text body (media: use caption)")
	case m.Caption != "" && !captionable[m.Type]:
		return invalid(mp+".caption", "a %s message has no caption", m.Type)
	case mediaTypes[m.Type] && m.Media == nil:
		return invalid(mp+".media", "a %s message needs media", m.Type)
	case !mediaTypes[m.Type] && m.Media != nil:
		return invalid(mp+".media", "a %s message has no media", m.Type)
	case m.QuotedStanzaID != "":
		if _, ok := earlier[m.QuotedStanzaID]; !ok {
			return invalid(mp+".quotedStanzaID", "%q is not an earlier message of the chat", m.QuotedStanzaID)
		}
	}
	if m.LatestEditMsgKey != "" && !m.IsEdited {
		return invalid(mp+".latestEditMsgKey", "set on a message that is not edited")
	}
	if m.IsEdited && !reMsgID.MatchString(m.LatestEditMsgKey) {
		return invalid(mp+".latestEditMsgKey", "an edited message needs the bare id of its edit")
	}
	if m.Media != nil {
		if err := m.Media.validate(mp + ".media"); err != nil {
			return err
		}
	}
	if m.Info != nil {
		if !m.FromMe {
			return invalid(mp+".info", "message info exists only for own messages")
		}
		if err := m.Info.validate(mp + ".info"); err != nil {
			return err
		}
	}
	return nil
}

func (md *Media) validate(p string) error {
	if !strings.Contains(md.Mimetype, "/") {
		return invalid(p+".mimetype", "%q is not a MIME type", md.Mimetype)
	}
	switch {
	case len(md.Data) == 0 && md.Size <= 0:
		return invalid(p, "needs data or a positive size")
	case len(md.Data) > 0 && md.Size != 0 && md.Size != int64(len(md.Data)):
		return invalid(p+".size", "%d, but data has %d bytes", md.Size, len(md.Data))
	case md.Size > maxMediaBytes || len(md.Data) > maxMediaBytes:
		return invalid(p+".size", "over the %d-byte limit", maxMediaBytes)
	case md.Hash != "" && md.Hash != "ok" && md.Hash != "wrong":
		return invalid(p+".hash", "%q, want ok or wrong", md.Hash)
	case md.State != "" && md.State != MediaOK && md.State != MediaGone && md.State != MediaReuploading:
		return invalid(p+".state", "%q, want ok, gone or reuploading", md.State)
	case md.Duration < 0:
		return invalid(p+".duration", "negative")
	case len(md.Thumbnail) > 64<<10:
		return invalid(p+".thumbnail", "over 64 KiB")
	}
	return nil
}

// Len is the plaintext size in bytes.
func (md *Media) Len() int64 {
	if len(md.Data) > 0 {
		return int64(len(md.Data))
	}
	return md.Size
}

func (in *Info) validate(p string) error {
	if in.Missing {
		return nil
	}
	for name, l := range map[string][]InfoEntry{"delivery": in.Delivery, "read": in.Read, "played": in.Played} {
		for k, e := range l {
			if e.ID == "" || !strings.Contains(e.ID, "@") {
				return invalid(fmt.Sprintf("%s.%s[%d].id", p, name, k), "%q is not a wid", e.ID)
			}
			if e.T <= 0 || e.T > 1<<40 {
				return invalid(fmt.Sprintf("%s.%s[%d].t", p, name, k), "%d is not a unix time in seconds", e.T)
			}
		}
	}
	return nil
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
