package msgstore

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/attesta/attesta/evidence"
)

// The tables joined to message, one row each at most, with the column that is NULL when the join found nothing.
var modernJoins = []struct{ name, alias, key string }{
	{"message_media", "mm", "message_row_id"},
	{"message_quoted", "mq", "message_row_id"},
	{"message_revoked", "mr", "message_row_id"},
	{"message_edit_info", "me", "message_row_id"},
	{"message_system", "ms", "message_row_id"},
}

// modernQuery is the SELECT of a chat's messages and its parts.
type modernQuery struct {
	tables []*table
	keys   []string
	index  map[string]int // table name → position in tables
	sql    string
}

func (d *DB) modernQuery(where string) modernQuery {
	q := modernQuery{index: map[string]int{}}
	add := func(name, key string) {
		q.index[name] = len(q.tables)
		q.tables = append(q.tables, newTable(name, d.schema.Tables[name]))
		q.keys = append(q.keys, key)
	}
	add("message", "_id")
	sel, from := []string{"m.*"}, "message m"
	for _, j := range modernJoins {
		if !d.schema.Has(j.name) {
			continue
		}
		add(j.name, j.key)
		sel = append(sel, j.alias+".*")
		from += fmt.Sprintf(" LEFT JOIN %s %s ON %s.message_row_id = m._id", j.name, j.alias, j.alias)
	}
	q.sql = "SELECT " + strings.Join(sel, ", ") + " FROM " + from + " WHERE " + where + " ORDER BY m._id"
	return q
}

func (q modernQuery) part(parts []row, name string) row {
	if i, ok := q.index[name]; ok {
		return parts[i]
	}
	return row{}
}

func (d *DB) modernMessages(ctx context.Context, chat ChatInfo, s span, emit func(*Record) error) error {
	if chat.RowID == 0 {
		return fmt.Errorf("%w: no chat row id (use a ChatInfo from Chats or FindChat)", ErrChatNotFound)
	}
	ix, err := d.jidIndex(ctx)
	if err != nil {
		return err
	}
	where, args := s.where("m.timestamp", "m.chat_row_id = ?", []any{chat.RowID})
	q := d.modernQuery(where)
	main, err := openJoined(ctx, d.db, q.sql, q.tables, q.keys, args...)
	if err != nil {
		return err
	}
	defer main.close()
	users, err := d.receiptChild(ctx, "receipt_user", where, args)
	if err != nil {
		return err
	}
	defer users.close()
	devices, err := d.receiptChild(ctx, "receipt_device", where, args)
	if err != nil {
		return err
	}
	defer devices.close()

	b := modernBuilder{ix: ix, chat: chat, q: q}
	return main.each(func(id int64, parts []row) error {
		ru, err := users.take(id)
		if err != nil {
			return err
		}
		rd, err := devices.take(id)
		if err != nil {
			return err
		}
		return emit(b.record(parts, ru, rd))
	})
}

// receiptChild opens the merge-join cursor over a receipt table for the messages the main query selects.
func (d *DB) receiptChild(ctx context.Context, name, where string, args []any) (*child, error) {
	if !d.schema.Has(name) {
		return nil, nil
	}
	t := newTable(name, d.schema.Tables[name])
	query := "SELECT m._id, r.* FROM message m JOIN " + name + " r ON r.message_row_id = m._id WHERE " + where +
		" ORDER BY m._id, r._id"
	if !slices.Contains(t.cols, "_id") {
		query = strings.TrimSuffix(query, ", r._id")
	}
	return openChild(ctx, d.db, t, query, args...)
}

type modernBuilder struct {
	ix   *jidIndex
	chat ChatInfo
	q    modernQuery
}

func (b *modernBuilder) record(parts []row, ru, rd []row) *Record {
	m := parts[0]
	rec := newRecord(m, "from_me", "message_type", modernTypes)
	msg := &rec.Message

	if media := b.q.part(parts, "message_media"); media.vals != nil {
		rec.Media = modernMedia(media)
		if msg.Type == evidence.TypeAudio && isVoice(rec.Media.PhonePath, rec.Media.MIME) {
			msg.Type = evidence.TypeVoice
		}
	}
	if b.q.part(parts, "message_system").vals != nil {
		msg.Type = evidence.TypeSystem
	}
	if b.q.part(parts, "message_revoked").vals != nil {
		msg.Type = evidence.TypeRevoked
	}
	if hasText(msg.Type) {
		text := nonEmpty(m, "text_data")
		if text == "" && rec.Media != nil {
			text = nonEmpty(b.q.part(parts, "message_media"), "media_caption")
		}
		setText(msg, text)
	}
	if q := nonEmpty(b.q.part(parts, "message_quoted"), "key_id"); q != "" {
		msg.QuotedID = &q
	}
	msg.Edited = b.q.part(parts, "message_edit_info").vals != nil
	status, sknown := m.int("status")
	setAck(msg, status, sknown)
	b.author(msg, m)
	if rec.Media != nil && msg.Type != evidence.TypeRevoked {
		msg.Attachments = evidence.Attachments{rec.Media.placeholder()}
	}
	if msg.FromMe {
		b.receipts(msg, ru, rd)
	}
	raw := rawRow{layout: LayoutModern, single: parts, multi: map[string][]row{"receipt_user": ru, "receipt_device": rd}}
	rec.RawRow = raw.bytes()
	return rec
}

func (b *modernBuilder) author(msg *evidence.Message, m row) {
	if b.chat.multiParty() {
		sender, ok := m.int("sender_jid_row_id")
		p, found := b.ix.person(sender)
		setAuthor(msg, p, ok && found)
		return
	}
	setAuthor(msg, b.chat.person(), b.chat.JID != "")
}

func (b *modernBuilder) receipts(msg *evidence.Message, ru, rd []row) {
	rs := receipts{oneToOne: !b.chat.multiParty(), chat: b.chat.person()}
	for _, r := range ru {
		rs.addRow(b.receiptPerson(r, "receipt_user_jid_row_id"), r, "receipt_timestamp", "read_timestamp",
			"played_timestamp")
	}
	for _, r := range rd {
		rs.add(b.receiptPerson(r, "receipt_device_jid_row_id"), evidence.ReceiptDelivered,
			msTime(r, "receipt_device_timestamp"))
	}
	rs.apply(msg)
}

// receiptPerson is the person whose jid row id a receipt row holds in col; a dangling id is kept, named as such.
func (b *modernBuilder) receiptPerson(r row, col string) person {
	id, _ := r.int(col)
	p, ok := b.ix.person(id)
	if !ok {
		p = person{jid: fmt.Sprintf("jid row %d (missing)", id)}
	}
	return p
}

func modernMedia(r row) *Media {
	size, _ := r.int("file_size")
	if size <= 0 {
		size, _ = r.int("file_length")
	}
	return &Media{PhonePath: nonEmpty(r, "file_path"), Name: nonEmpty(r, "media_name"), MIME: nonEmpty(r, "mime_type"),
		Size: max(size, 0), FileHash: nonEmpty(r, "file_hash")}
}
