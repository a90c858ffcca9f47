package webtest

import (
	"encoding/json"
	"fmt"
	"time"
)

// Builder assembles a Scenario in Go, for tests that need data the default
// scenarios lack. Methods chain; Build validates the result.
//
//	b := webtest.NewBuilder("reply")
//	c := b.Chat("393771151946@c.us", "Emanuel Celano")
//	out := c.Out("3EB0AA01", t0, "Pay by Friday").Delivered(t0.Add(time.Minute))
//	c.In("A1B2C3", t0.Add(time.Hour), "OK").Quote(out.ID())
//	sc, err := b.Build()
type Builder struct {
	sc Scenario
}

// NewBuilder starts a scenario with an Italian-UI account
// (+39 333 1234567, "Studio Legale", read receipts on).
func NewBuilder(name string) *Builder {
	return &Builder{sc: Scenario{
		Format: Format,
		Name:   name,
		Account: Account{
			Phone: "393331234567", PushName: "Studio Legale", Language: "it", Version: DefaultVersion,
		},
	}}
}

// Account replaces the account.
func (b *Builder) Account(a Account) *Builder { b.sc.Account = a; return b }

// Language sets the UI language, "it" or "en".
func (b *Builder) Language(lang string) *Builder { b.sc.Account.Language = lang; return b }

// ReadReceipts sets the account's own read-receipt setting.
func (b *Builder) ReadReceipts(on bool) *Builder { b.sc.Account.ReadReceipts = &on; return b }

// Chat adds a chat with the given wid and title.
func (b *Builder) Chat(id, title string) *ChatBuilder {
	b.sc.Chats = append(b.sc.Chats, Chat{ID: id, Title: title})
	return &ChatBuilder{b: b, i: len(b.sc.Chats) - 1}
}

// Build validates the scenario and returns a copy of it.
func (b *Builder) Build() (*Scenario, error) {
	data, err := json.Marshal(&b.sc)
	if err != nil {
		return nil, fmt.Errorf("build scenario %q: %w", b.sc.Name, err)
	}
	var sc Scenario
	if err := json.Unmarshal(data, &sc); err != nil {
		return nil, fmt.Errorf("build scenario %q: %w", b.sc.Name, err)
	}
	if err := sc.Validate(); err != nil {
		return nil, fmt.Errorf("build scenario %q: %w", b.sc.Name, err)
	}
	return &sc, nil
}

// MustBuild is Build that panics on an invalid scenario.
func (b *Builder) MustBuild() *Scenario {
	sc, err := b.Build()
	if err != nil {
		panic("webtest: " + err.Error())
	}
	return sc
}

// ChatBuilder adds to one chat.
type ChatBuilder struct {
	b *Builder
	i int
}

func (c *ChatBuilder) chat() *Chat { return &c.b.sc.Chats[c.i] }

// LID maps a @c.us chat to its LID wid.
func (c *ChatBuilder) LID(lid string) *ChatBuilder { c.chat().LID = lid; return c }

// Phone sets the phone number a @lid chat maps to.
func (c *ChatBuilder) Phone(digits string) *ChatBuilder { c.chat().Phone = digits; return c }

// Unread sets how many of the newest incoming messages are unread.
func (c *ChatBuilder) Unread(n int) *ChatBuilder { c.chat().UnreadCount = n; return c }

// PageSize sets how many messages one loadEarlierMsgs call loads.
func (c *ChatBuilder) PageSize(n int) *ChatBuilder { c.chat().PageSize = n; return c }

// OnDemandDelay sets how long the phone takes to answer a history request.
func (c *ChatBuilder) OnDemandDelay(d time.Duration) *ChatBuilder {
	c.chat().OnDemandDelayMs = int(d / time.Millisecond)
	return c
}

// Out adds an own text message, sent (ack 1) with an empty message info.
func (c *ChatBuilder) Out(id string, t time.Time, body string) *MsgBuilder {
	return c.add(Message{ID: id, FromMe: true, T: t.Unix(), Type: TypeChat, Body: body, Ack: AckSent, Info: &Info{}})
}

// In adds an incoming text message.
func (c *ChatBuilder) In(id string, t time.Time, body string) *MsgBuilder {
	return c.add(Message{ID: id, T: t.Unix(), Type: TypeChat, Body: body, Ack: AckRead})
}

// OutMedia adds an own media message of the given type, sent (ack 1).
func (c *ChatBuilder) OutMedia(id string, t time.Time, typ string, md Media) *MsgBuilder {
	return c.add(Message{ID: id, FromMe: true, T: t.Unix(), Type: typ, Ack: AckSent, Media: &md, Info: &Info{}})
}

// InMedia adds an incoming media message of the given type.
func (c *ChatBuilder) InMedia(id string, t time.Time, typ string, md Media) *MsgBuilder {
	return c.add(Message{ID: id, T: t.Unix(), Type: typ, Ack: AckRead, Media: &md})
}

func (c *ChatBuilder) add(m Message) *MsgBuilder {
	ch := c.chat()
	ch.Messages = append(ch.Messages, m)
	return &MsgBuilder{c: c, j: len(ch.Messages) - 1}
}

// MsgBuilder adjusts one message.
type MsgBuilder struct {
	c *ChatBuilder
	j int
}

func (m *MsgBuilder) msg() *Message { return &m.c.chat().Messages[m.j] }

// ID is the message's bare id.
func (m *MsgBuilder) ID() string { return m.msg().ID }

// Ack sets the ack value as is, even where it disagrees with the info.
func (m *MsgBuilder) Ack(ack int) *MsgBuilder { m.msg().Ack = ack; return m }

// Delivered records a delivery receipt at t and raises the ack to 2.
func (m *MsgBuilder) Delivered(t time.Time) *MsgBuilder {
	return m.receipt(func(in *Info, e InfoEntry) { in.Delivery = append(in.Delivery, e) }, t, AckReceived)
}

// Read records a read receipt at t and raises the ack to 3.
func (m *MsgBuilder) Read(t time.Time) *MsgBuilder {
	return m.receipt(func(in *Info, e InfoEntry) { in.Read = append(in.Read, e) }, t, AckRead)
}

// Played records a played receipt at t and raises the ack to 4.
func (m *MsgBuilder) Played(t time.Time) *MsgBuilder {
	return m.receipt(func(in *Info, e InfoEntry) { in.Played = append(in.Played, e) }, t, AckPlayed)
}

func (m *MsgBuilder) receipt(add func(*Info, InfoEntry), t time.Time, ack int) *MsgBuilder {
	msg := m.msg()
	if msg.Info == nil || msg.Info.Missing {
		msg.Info = &Info{}
	}
	add(msg.Info, InfoEntry{ID: m.c.chat().ID, T: t.Unix()})
	msg.Ack = max(msg.Ack, ack)
	return m
}

// NoInfo makes queryMsgInfo throw "No message info found" for the message.
func (m *MsgBuilder) NoInfo() *MsgBuilder { m.msg().Info = &Info{Missing: true}; return m }

// Quote makes the message quote the earlier message id.
func (m *MsgBuilder) Quote(id string) *MsgBuilder { m.msg().QuotedStanzaID = id; return m }

// Caption sets the caption of a media message.
func (m *MsgBuilder) Caption(s string) *MsgBuilder { m.msg().Caption = s; return m }

// Edited marks the message edited by the stanza editID.
func (m *MsgBuilder) Edited(editID string) *MsgBuilder {
	m.msg().IsEdited, m.msg().LatestEditMsgKey = true, editID
	return m
}

// Revoked turns the message into a deleted one; it keeps id, time and ack.
func (m *MsgBuilder) Revoked() *MsgBuilder {
	msg := m.msg()
	msg.Type, msg.Body, msg.Caption, msg.Media = TypeRevoked, "", "", nil
	return m
}

// History sets the message's history tier.
func (m *MsgBuilder) History(tier string) *MsgBuilder { m.msg().History = tier; return m }
