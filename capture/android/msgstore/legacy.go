package msgstore

import (
	"context"
	"fmt"
	"slices"

	"github.com/attesta/attesta/evidence"
)

func (d *DB) legacyMessages(ctx context.Context, chat ChatInfo, s span, emit func(*Record) error) error {
	if chat.JID == "" {
		return fmt.Errorf("%w: empty chat JID", ErrChatNotFound)
	}
	where, args := s.where("m.timestamp", "m.key_remote_jid = ?", []any{chat.JID})
	msgs := newTable("messages", d.schema.Tables["messages"])
	tables, keys := []*table{msgs}, []col{colID}
	query := "SELECT m.* "
	from := " FROM messages m"
	if d.schema.Has("messages_quotes") && slices.Contains(msgs.cols, "quoted_row_id") {
		quotes := newTable("messages_quotes", d.schema.Tables["messages_quotes"])
		tables, keys = append(tables, quotes), append(keys, colID)
		query += ", q.*"
		from += " LEFT JOIN messages_quotes q ON q._id = m.quoted_row_id AND m.quoted_row_id > 0"
	}
	main, err := openJoined(ctx, d.db, query+from+" WHERE "+where+" ORDER BY m._id", tables, keys, args...)
	if err != nil {
		return err
	}
	defer main.close()
	var groupReceipts *child
	if d.schema.Has("receipts") {
		t := newTable("receipts", d.schema.Tables["receipts"])
		groupReceipts, err = openChild(ctx, d.db, t, "SELECT m._id, r.* FROM messages m JOIN receipts r ON "+
			"r.key_remote_jid = m.key_remote_jid AND r.key_id = m.key_id WHERE "+where+" AND m.key_from_me = 1 "+
			"ORDER BY m._id, r._id", args...)
		if err != nil {
			return err
		}
		defer groupReceipts.close()
	}
	b := legacyBuilder{chat: chat}
	return main.each(func(id int64, parts []row) error {
		rr, err := groupReceipts.take(id)
		if err != nil {
			return err
		}
		return emit(b.record(parts, rr))
	})
}

type legacyBuilder struct {
	chat       ChatInfo
	slab       slab
	multi      [1]rowGroup
	receiptBuf []evidence.Receipt
}

func (b *legacyBuilder) record(parts []row, rr []row) *Record {
	m := parts[0]
	rec := newRecord(&b.slab, m, colKeyFromMe, colMediaWAType, legacyTypes)
	msg := &rec.Message
	status, sknown := m.int(colStatus)
	if sknown && status == statusControl {
		msg.Type = evidence.TypeSystem
	}
	if media := legacyMedia(m, msg.Type); media != nil {
		rec.Media = media
		if msg.Type == evidence.TypeAudio && isVoice(media.PhonePath, media.MIME) {
			msg.Type = evidence.TypeVoice
		}
		// Without a path the file may still be on the phone: the legacy row does not say it is absent.
		msg.Attachments = evidence.Attachments{media.Missing(UnavailableNotExtracted)}
	}
	switch {
	case msg.Type == evidence.TypeText:
		setText(&b.slab, msg, nonEmpty(m, colData))
	case hasText(msg.Type):
		setText(&b.slab, msg, nonEmpty(m, colMediaCaption))
	}
	if len(parts) > 1 {
		if q := nonEmpty(parts[1], colKeyID); q != "" {
			msg.QuotedID = b.slab.str(q)
		}
	}
	setAck(msg, status, sknown)
	if b.chat.multiParty() {
		sender, ok := m.str(colRemoteResource)
		setAuthor(msg, personOfJID(sender), ok && sender != "")
	} else {
		setAuthor(msg, b.chat.person(), true)
	}
	if msg.FromMe {
		b.receipts(msg, m, rr)
	}
	b.multi = [1]rowGroup{{"receipts", rr}}
	raw := rawRow{layout: LayoutLegacy, single: parts, multi: b.multi[:]}
	rec.RawRow = b.slab.encode(raw.appendTo)
	return rec
}

// receipts: a one-to-one chat keeps the recipient's times on the message row; a group has a receipts row per
// participant (remote_resource).
func (b *legacyBuilder) receipts(msg *evidence.Message, m row, rr []row) {
	chat := b.chat.person()
	rs := receipts{oneToOne: !b.chat.multiParty(), chat: chat, list: b.receiptBuf[:0]}
	delivered, read, played := colReceiptDeviceTimestamp, colReadDeviceTimestamp, colPlayedDeviceTimestamp
	if !b.chat.multiParty() {
		rs.addRow(chat, m, delivered, read, played)
	}
	for _, r := range rr {
		p := chat
		if who := nonEmpty(r, colRemoteResource); who != "" || b.chat.multiParty() {
			p = personOfJID(who)
		}
		rs.addRow(p, r, delivered, read, played)
	}
	rs.apply(&b.slab, msg)
	b.receiptBuf = rs.list[:0]
}

// legacyMedia reads the media columns of a legacy row; the file's path on the phone comes from the serialized
// java.io.File inside thumb_image (see [javaSerializedPath]).
func legacyMedia(m row, t evidence.MessageType) *Media {
	switch t {
	case evidence.TypeImage, evidence.TypeVideo, evidence.TypeAudio, evidence.TypeVoice, evidence.TypeVideoNote,
		evidence.TypeDocument, evidence.TypeSticker:
	default:
		return nil
	}
	size, _ := m.int(colMediaSize)
	var path string
	if blob, ok := m.value(colThumbImage).([]byte); ok {
		path = javaSerializedPath(blob)
	}
	return &Media{PhonePath: path, Name: nonEmpty(m, colMediaName), MIME: nonEmpty(m, colMediaMIMEType),
		Size: max(size, 0), FileHash: nonEmpty(m, colMediaHash)}
}
