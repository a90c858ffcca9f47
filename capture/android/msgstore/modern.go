package msgstore

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"github.com/attesta/attesta/evidence"
)

// The tables joined to message, one row each at most, with the column that is NULL when the join found nothing.
var modernJoins = [...]struct{ name, alias, key string }{
	{"message_media", "mm", "message_row_id"},
	{"message_quoted", "mq", "message_row_id"},
	{"message_revoked", "mr", "message_row_id"},
	{"message_edit_info", "me", "message_row_id"},
	{"message_system", "ms", "message_row_id"},
}

// modernQuery is the SELECT of a chat's messages, and the tables that hold at most one row per message (media,
// quote, revocation, edit, system action). Those are read as merge-joined children, like the receipts, rather than
// LEFT JOINed: a LEFT JOIN hands every column of every table to the driver for every message, NULL or not (58
// columns, mostly NULL), and that cost more than SQLite's own work.
type modernQuery struct {
	tables []*table              // message first, then the tables of modernJoins the database has
	pos    [len(modernJoins)]int // modernJoins[i]'s position in tables, 0 when the database lacks it
	sql    string
}

// Positions in modernJoins.
const (
	joinMedia = iota
	joinQuoted
	joinRevoked
	joinEdit
	joinSystem
)

func (d *DB) modernQuery(where string) modernQuery {
	q := modernQuery{tables: []*table{newTable("message", d.schema.Tables["message"])}}
	for i, j := range modernJoins {
		if d.schema.Has(j.name) {
			q.pos[i] = len(q.tables)
			q.tables = append(q.tables, newTable(j.name, d.schema.Tables[j.name]))
		}
	}
	q.sql = "SELECT m.* FROM message m WHERE " + where + " ORDER BY m._id"
	return q
}

// part is the row of modernJoins[join] among parts, an empty row when the database has no such table.
func (q *modernQuery) part(parts []row, join int) row {
	if i := q.pos[join]; i > 0 {
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
	main, err := openJoined(ctx, d.db, q.sql, q.tables[:1], []col{colID}, args...)
	if err != nil {
		return err
	}
	defer main.close()
	// One child per joined table, then the two receipt tables.
	names := []string{"receipt_user", "receipt_device"}
	for _, t := range q.tables[1:] {
		names = append(names, t.name)
	}
	sel, err := d.selection(ctx, where, args)
	if err != nil {
		return err
	}
	g := d.group(chat.RowID)
	defer d.done(chat.RowID)
	children := make([]*child, len(names))
	for i, name := range names {
		if children[i], err = d.childOf(ctx, name, where, args, sel, g); err != nil {
			return err
		}
		defer children[i].close()
	}

	b := modernBuilder{ix: ix, chat: chat, q: q}
	taken := make([][]row, len(children))
	parts := make([]row, len(q.tables))
	return main.each(func(id int64, msg []row) error {
		for i, ch := range children {
			if taken[i], err = ch.take(id); err != nil {
				return err
			}
		}
		parts[0] = msg[0]
		for i, t := range q.tables[1:] {
			parts[i+1] = row{t: t}
			if rs := taken[i+2]; len(rs) > 0 {
				parts[i+1] = rs[0]
			}
		}
		return emit(b.record(parts, taken[0], taken[1]))
	})
}

// childOf opens the merge-join cursor over a table of rows that belong to messages (receipts, media, ...) for the
// messages the main query selects, in ascending message row id. When the table holds no more rows than the
// selection has messages (quotes, revocations, edits and system actions usually; everything in a chat that fills
// the database), its rows in the selection's range of row ids are read in order, without a join, and
// [child.take] passes over those of messages not selected: that costs a step per row of the table instead of a
// seek per message, and gives the same rows. Otherwise, for a chat announced by [DB.WillRead], the rows read once
// for its group of chats are taken the same way; for any other chat each selected message's rows are sought in
// the table.
func (d *DB) childOf(ctx context.Context, name, where string, args []any, sel selection, g *chatGroup) (*child,
	error) {
	if !d.schema.Has(name) {
		return nil, nil
	}
	t := newTable(name, d.schema.Tables[name])
	n, err := d.tableRows(ctx, name)
	if err != nil {
		return nil, err
	}
	if n > sel.count && g != nil {
		rows, err := g.rows(ctx, d, t)
		if err != nil {
			return nil, err
		}
		if rows != nil {
			return &child{t: t, rows: rows}, nil
		}
	}
	var query string
	if n <= sel.count {
		query = "SELECT r.message_row_id, r.* FROM " + name + " r WHERE r.message_row_id BETWEEN ? AND ?" +
			" ORDER BY r.message_row_id, r._id"
		args = []any{sel.first, sel.last}
	} else {
		query = "SELECT m._id, r.* FROM message m JOIN " + name + " r ON r.message_row_id = m._id WHERE " + where +
			" ORDER BY m._id, r._id"
	}
	if !slices.Contains(t.cols, "_id") {
		query = strings.TrimSuffix(query, ", r._id")
	}
	return openChild(ctx, d.db, t, query, args...)
}

// tableRows is the number of rows of table name, counted once per database.
func (d *DB) tableRows(ctx context.Context, name string) (int64, error) {
	d.countsMu.Lock()
	defer d.countsMu.Unlock()
	if n, ok := d.counts[name]; ok {
		return n, nil
	}
	var n int64
	if err := d.db.QueryRowContext(ctx, "SELECT count(*) FROM "+name).Scan(&n); err != nil {
		return 0, fmt.Errorf("count table %s: %w", name, err)
	}
	if d.counts == nil {
		d.counts = map[string]int64{}
	}
	d.counts[name] = n
	return n, nil
}

// selection is how many messages a query selects, and the first and last of their row ids.
type selection struct{ count, first, last int64 }

func (d *DB) selection(ctx context.Context, where string, args []any) (selection, error) {
	var s selection
	var first, last sql.NullInt64
	err := d.db.QueryRowContext(ctx, "SELECT count(*), min(m._id), max(m._id) FROM message m WHERE "+where, args...).
		Scan(&s.count, &first, &last)
	if err != nil {
		return s, fmt.Errorf("read table message: %w", err)
	}
	s.first, s.last = first.Int64, last.Int64
	return s, nil
}

type modernBuilder struct {
	ix   *jidIndex
	chat ChatInfo
	q    modernQuery

	slab       slab
	multi      [2]rowGroup
	receiptBuf []evidence.Receipt
}

func (b *modernBuilder) record(parts []row, ru, rd []row) *Record {
	m := parts[0]
	rec := newRecord(&b.slab, m, colFromMe, colMessageType, modernTypes)
	msg := &rec.Message

	if media := b.q.part(parts, joinMedia); media.vals != nil {
		rec.Media = modernMedia(media)
		if msg.Type == evidence.TypeAudio && isVoice(rec.Media.PhonePath, rec.Media.MIME) {
			msg.Type = evidence.TypeVoice
		}
	}
	if b.q.part(parts, joinSystem).vals != nil {
		msg.Type = evidence.TypeSystem
	}
	if b.q.part(parts, joinRevoked).vals != nil {
		msg.Type = evidence.TypeRevoked
	}
	if hasText(msg.Type) {
		text := nonEmpty(m, colTextData)
		if text == "" && rec.Media != nil {
			text = nonEmpty(b.q.part(parts, joinMedia), colMediaCaption)
		}
		setText(&b.slab, msg, text)
	}
	if q := nonEmpty(b.q.part(parts, joinQuoted), colKeyID); q != "" {
		msg.QuotedID = b.slab.str(q)
	}
	msg.Edited = b.q.part(parts, joinEdit).vals != nil
	status, sknown := m.int(colStatus)
	setAck(msg, status, sknown)
	b.author(msg, m)
	if rec.Media != nil && msg.Type != evidence.TypeRevoked {
		msg.Attachments = evidence.Attachments{rec.Media.placeholder()}
	}
	if msg.FromMe {
		b.receipts(msg, ru, rd)
	}
	b.multi = [2]rowGroup{{"receipt_user", ru}, {"receipt_device", rd}}
	raw := rawRow{layout: LayoutModern, single: parts, multi: b.multi[:]}
	rec.RawRow = b.slab.encode(raw.appendTo)
	return rec
}

func (b *modernBuilder) author(msg *evidence.Message, m row) {
	if b.chat.multiParty() {
		sender, ok := m.int(colSenderJIDRowID)
		p, found := b.ix.person(sender)
		setAuthor(msg, p, ok && found)
		return
	}
	setAuthor(msg, b.chat.person(), b.chat.JID != "")
}

func (b *modernBuilder) receipts(msg *evidence.Message, ru, rd []row) {
	rs := receipts{oneToOne: !b.chat.multiParty(), chat: b.chat.person(), list: b.receiptBuf[:0]}
	for _, r := range ru {
		rs.addRow(b.receiptPerson(r, colReceiptUserJIDRowID), r, colReceiptTimestamp, colReadTimestamp,
			colPlayedTimestamp)
	}
	for _, r := range rd {
		rs.add(b.receiptPerson(r, colReceiptDeviceJIDRowID), evidence.ReceiptDelivered,
			msTime(r, colReceiptDeviceTimestamp))
	}
	rs.apply(&b.slab, msg)
	b.receiptBuf = rs.list[:0]
}

// receiptPerson is the person whose jid row id a receipt row holds in col; a dangling id is kept, named as such.
func (b *modernBuilder) receiptPerson(r row, c col) person {
	id, _ := r.int(c)
	p, ok := b.ix.person(id)
	if !ok {
		p = person{jid: fmt.Sprintf("jid row %d (missing)", id)}
	}
	return p
}

func modernMedia(r row) *Media {
	size, _ := r.int(colFileSize)
	if size <= 0 {
		size, _ = r.int(colFileLength)
	}
	return &Media{PhonePath: nonEmpty(r, colFilePath), Name: nonEmpty(r, colMediaName), MIME: nonEmpty(r, colMIMEType),
		Size: max(size, 0), FileHash: nonEmpty(r, colFileHash)}
}
