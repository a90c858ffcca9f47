package webtest

import (
	"fmt"
	"regexp"
	"strings"
	"time"
)

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
