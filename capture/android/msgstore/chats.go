package msgstore

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"github.com/attesta/attesta/evidence"
)

// ChatKind says what a chat is.
type ChatKind string

// Chat kinds.
const (
	ChatPerson    ChatKind = "person"    // one-to-one, by phone number or LID
	ChatGroup     ChatKind = "group"     // g.us
	ChatBroadcast ChatKind = "broadcast" // status updates and broadcast lists
	ChatOther     ChatKind = "other"     // newsletters, bots, anything else
	ChatUnknown   ChatKind = "unknown"   // the chat's JID row is missing from the jid table
)

// ChatInfo is one chat of the database.
type ChatInfo struct {
	RowID int64    // chat._id in the modern layout; 0 in the legacy layout, where the JID is the key
	JID   string   // the chat's JID as stored: 393…@s.whatsapp.net, n@lid, id@g.us, status@broadcast
	Kind  ChatKind //
	// Phone is the person's E.164 number: from the JID itself, or through jid_map for a LID chat. Empty for
	// groups and for a LID with no mapping, which the report must then state.
	Phone string
	// PhoneJID is the phone-number JID of the person (the JID itself, or the one jid_map maps a LID to).
	PhoneJID string
	// LID is the person's LID JID when the chat is on a LID or jid_map gives one for its number.
	LID     string
	Subject string // the group's subject as stored (chat.subject; legacy: none)
	Name    string // a display name from wa.db, filled by [NameChats]
}

// IsGroup reports whether the chat is a group chat.
func (c ChatInfo) IsGroup() bool { return c.Kind == ChatGroup }

// Evidence returns the chat as the evidence records it. client is the E.164 number of the person whose replies and
// receipts count (in a one-to-one chat, normally c.Phone); name is as the acquisition list gives it. Phone JIDs
// are written in WhatsApp Web's form (<digits>@c.us), so that the same chat has the same JID whatever the capture
// path.
func (c ChatInfo) Evidence(client, name string) evidence.Chat {
	jid := c.JID
	if user, ok := strings.CutSuffix(jid, "@"+serverPhone); ok {
		jid = user + "@" + serverPhoneWeb
	}
	return evidence.Chat{Phone: client, Name: name, JID: jid}
}

// multiParty: chats whose incoming messages name their sender on each row (groups, status broadcasts).
func (c ChatInfo) multiParty() bool { return c.Kind == ChatGroup || c.Kind == ChatBroadcast }

func (c ChatInfo) person() person {
	return person{jid: c.JID, phoneJID: c.PhoneJID, lid: c.LID, phone: c.Phone}
}

func kindOf(server string) ChatKind {
	switch server {
	case serverPhone, serverPhoneWeb, serverLID:
		return ChatPerson
	case serverGroup:
		return ChatGroup
	case serverBroadcast:
		return ChatBroadcast
	case "":
		return ChatUnknown
	}
	return ChatOther
}

// Chats lists the chats of the database, in row order (modern) or JID order (legacy). A modern chat whose JID row
// is missing is listed with Kind ChatUnknown and an empty JID rather than dropped.
func (d *DB) Chats(ctx context.Context) ([]ChatInfo, error) {
	var (
		chats []ChatInfo
		err   error
	)
	if d.schema.Layout == LayoutModern {
		chats, err = d.modernChats(ctx)
	} else {
		chats, err = d.legacyChats(ctx)
	}
	if err != nil {
		return nil, fmt.Errorf("msgstore: list chats of %s: %w", d.path, classify(err))
	}
	return chats, nil
}

func (d *DB) modernChats(ctx context.Context) ([]ChatInfo, error) {
	ix, err := d.jidIndex(ctx)
	if err != nil {
		return nil, err
	}
	subject := "NULL"
	if slices.Contains(d.schema.Tables["chat"], "subject") {
		subject = "CAST(subject AS TEXT)"
	}
	var chats []ChatInfo
	var id int64
	var jidRowID sql.NullInt64
	var subj sql.NullString
	err = scanRows(ctx, d.db, "read table chat", "SELECT _id, jid_row_id, "+subject+" FROM chat ORDER BY _id", nil,
		[]any{&id, &jidRowID, &subj}, func() {
			c := ChatInfo{RowID: id, Subject: subj.String, Kind: ChatUnknown}
			if p, ok := ix.person(jidRowID.Int64); ok && jidRowID.Valid {
				c.JID, c.Phone, c.PhoneJID, c.LID = p.jid, p.phone, p.phoneJID, p.lid
				c.Kind = kindOf(ix.rows[jidRowID.Int64].server)
			}
			chats = append(chats, c)
		})
	if err != nil {
		return nil, err
	}
	return chats, nil
}

// legacyChats: the legacy layout keys every message by the chat's JID; the "-1" rows are WhatsApp's placeholders.
func (d *DB) legacyChats(ctx context.Context) ([]ChatInfo, error) {
	var chats []ChatInfo
	var jid sql.NullString
	err := scanRows(ctx, d.db, "read table messages",
		"SELECT DISTINCT CAST(key_remote_jid AS TEXT) FROM messages WHERE key_remote_jid <> '-1' ORDER BY 1", nil,
		[]any{&jid}, func() {
			p := personOfJID(jid.String)
			chats = append(chats, ChatInfo{JID: jid.String, Kind: kindOf(splitJID(jid.String).server), Phone: p.phone,
				PhoneJID: p.phoneJID, LID: p.lid})
		})
	if err != nil {
		return nil, err
	}
	return chats, nil
}

// FindChat returns the one-to-one chat with the person whose number is phoneE164 (any form [evidence.NormalizePhone]
// accepts with a "+" prefix), matching the phone JID or a LID that jid_map maps to it. It returns
// [ErrChatNotFound] when there is none and [ErrAmbiguousChat] when both a phone chat and a LID chat exist for the
// number: the history is then split over two chats and the caller must take both from [DB.Chats].
func (d *DB) FindChat(ctx context.Context, phoneE164 string) (ChatInfo, error) {
	want, err := evidence.NormalizePhone(phoneE164, "")
	if err != nil {
		return ChatInfo{}, fmt.Errorf("msgstore: find chat in %s: %w", d.path, err)
	}
	chats, err := d.Chats(ctx)
	if err != nil {
		return ChatInfo{}, err
	}
	var found []ChatInfo
	for _, c := range chats {
		if c.Kind == ChatPerson && c.Phone == want {
			found = append(found, c)
		}
	}
	switch len(found) {
	case 0:
		return ChatInfo{}, fmt.Errorf("msgstore: find chat %s in %s: %w", want, d.path, ErrChatNotFound)
	case 1:
		return found[0], nil
	}
	jids := make([]string, len(found))
	for i, c := range found {
		jids[i] = c.JID
	}
	return ChatInfo{}, fmt.Errorf("msgstore: find chat %s in %s: %w: %s", want, d.path, ErrAmbiguousChat,
		strings.Join(jids, ", "))
}
