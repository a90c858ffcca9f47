package webtest

import (
	"encoding/base64"
	"fmt"
	"time"
)

// The page's view of the scenario: what the app fetches from /__app/data
// once linked. Times for the DOM are rendered here, in the account's zone, so
// the browser's own zone does not matter.

type pageData struct {
	Me           string     `json:"me"`
	PushName     string     `json:"pushName"`
	ReadReceipts bool       `json:"readReceipts"`
	Chats        []pageChat `json:"chats"`
}

type pageChat struct {
	ID              string    `json:"id"`
	Phone           string    `json:"phone,omitempty"`
	LID             string    `json:"lid,omitempty"`
	Title           string    `json:"title"`
	Unread          int       `json:"unread"`
	EndOfHistory    int       `json:"endOfHistory"`
	PageSize        int       `json:"pageSize"`
	OnDemandDelayMs int       `json:"onDemandDelayMs"`
	Participants    int       `json:"participants"`
	Unreachable     int       `json:"unreachable"`
	Messages        []pageMsg `json:"messages"`
}

type pageMsg struct {
	ID               string     `json:"id"`
	FromMe           bool       `json:"fromMe"`
	T                int64      `json:"t"`
	Type             string     `json:"type"`
	Body             string     `json:"body"`
	Caption          string     `json:"caption,omitempty"`
	Ack              int        `json:"ack"`
	QuotedStanzaID   string     `json:"quotedStanzaID,omitempty"`
	IsEdited         bool       `json:"isEdited,omitempty"`
	LatestEditMsgKey string     `json:"latestEditMsgKey,omitempty"`
	Tier             string     `json:"tier"`
	Media            *pageMedia `json:"media,omitempty"`
	// Info is null for incoming messages, "missing", or the info object.
	Info any `json:"info"`
	// Pre is data-pre-plain-text; Clock is the HH:MM shown in the bubble.
	Pre   string `json:"pre"`
	Clock string `json:"clock"`
}

type pageMedia struct {
	Mimetype    string `json:"mimetype"`
	Filename    string `json:"filename,omitempty"`
	Size        int64  `json:"size"`
	Filehash    string `json:"filehash"`
	EncFilehash string `json:"encFilehash"`
	MediaKey    string `json:"mediaKey"`
	DirectPath  string `json:"directPath"`
	Stage       string `json:"stage"`
	Duration    int    `json:"duration,omitempty"`
}

// buildPage renders the scenario for the page; unread overrides the
// scenario's unread counts for chats already read in the UI.
func (s *Server) buildPage(unread map[string]int) (*pageData, error) {
	sc := s.sc
	loc, err := time.LoadLocation(sc.Account.Zone())
	if err != nil {
		return nil, fmt.Errorf("load time zone %s: %w", sc.Account.Zone(), err)
	}
	pd := &pageData{Me: sc.Account.OwnWid(), PushName: sc.Account.PushName, ReadReceipts: sc.Account.ReadReceiptsOn()}
	for _, c := range sc.Chats {
		pc := pageChat{
			ID: c.ID, Phone: c.Phone, LID: c.LID, Title: c.Title, Unread: c.UnreadCount,
			EndOfHistory: endOfHistory(&c), PageSize: orDefault(c.PageSize, 10),
			OnDemandDelayMs: orDefault(c.OnDemandDelayMs, 300), Participants: orDefault(c.Participants, 1),
		}
		if c.Server() == "c.us" && pc.Phone == "" {
			pc.Phone, _, _ = cutAt(c.ID)
		}
		if n, ok := unread[c.ID]; ok {
			pc.Unread = n
		}
		for _, m := range c.Messages {
			if m.Tier() == HistoryUnreachable {
				pc.Unreachable++
				continue
			}
			pc.Messages = append(pc.Messages, s.pageMessage(&c, &m, loc))
		}
		pd.Chats = append(pd.Chats, pc)
	}
	return pd, nil
}

func (s *Server) pageMessage(c *Chat, m *Message, loc *time.Location) pageMsg {
	pm := pageMsg{
		ID: m.ID, FromMe: m.FromMe, T: m.T, Type: m.Type, Body: m.Body, Caption: m.Caption, Ack: m.Ack,
		QuotedStanzaID: m.QuotedStanzaID, IsEdited: m.IsEdited, LatestEditMsgKey: m.LatestEditMsgKey,
		Tier: m.Tier(),
	}
	at := time.Unix(m.T, 0).In(loc)
	name := c.Title
	if m.FromMe {
		name = s.sc.Account.PushName
	}
	pm.Pre = fmt.Sprintf("[%s, %d/%d/%d] %s: ", at.Format("15:04"), at.Day(), int(at.Month()), at.Year(), name)
	pm.Clock = at.Format("15:04")
	if m.FromMe {
		switch {
		case m.Info == nil || m.Info.Missing:
			pm.Info = "missing"
		default:
			pm.Info = m.Info
		}
	}
	if md := m.Media; md != nil {
		em := s.media[mediaKey(c.ID, m.ID)]
		stage := "RESOLVED"
		if md.State == MediaReuploading {
			stage = "REUPLOADING"
		}
		pm.Media = &pageMedia{
			Mimetype: md.Mimetype, Filename: md.Filename, Size: md.Len(),
			Filehash: md.FileHash(c.ID, m.ID), EncFilehash: em.encFilehash,
			MediaKey: base64.StdEncoding.EncodeToString(em.mediaKey), DirectPath: em.directPath,
			Stage: stage, Duration: md.Duration,
		}
		if m.Type == TypeImage || m.Type == TypeVideo {
			pm.Body = base64.StdEncoding.EncodeToString(md.thumbnail(m.ID))
		}
	}
	return pm
}

// endOfHistory is the chat's starting endOfHistoryTransferType.
func endOfHistory(c *Chat) int {
	if c.EndOfHistoryTransferType != nil {
		return *c.EndOfHistoryTransferType
	}
	for _, m := range c.Messages {
		if m.Tier() == HistoryOnDemand {
			return 0
		}
	}
	return 2
}

func orDefault(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

func mediaKey(chatID, msgID string) string { return chatID + "/" + msgID }
