package msgstore

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/attesta/attesta/evidence"
)

// Record is one message as parsed: the evidence message, and what the capture needs besides it.
type Record struct {
	// Message is the normalized message. Status, LegalValue and the receipt time fields are left for
	// [evidence.Apply] (or [evidence.Certify]) to derive from Ack and Receipts. Attachments hold one placeholder
	// per media file ([UnavailableNotExtracted] or [UnavailableNotOnPhone]) until the capture copies the file and
	// replaces it with [Media.Attachment].
	Message evidence.Message
	RowID   int64  // the message's _id in its table
	Media   *Media // the media file, nil when the message has none
	// RawRow is the message's rows as stored, as canonical JSON (see the package documentation), to keep as an
	// artifact next to the normalized message.
	RawRow []byte
}

// errStopped ends a scan when the consumer stopped iterating; it never reaches the caller.
var errStopped = errors.New("iteration stopped")

// Messages iterates over the messages of chat whose time lies in [from, to] (a zero time leaves that end open;
// messages without a time are left out of a bounded range), in row order, which is the order WhatsApp stored them
// in; [evidence.Judge] orders by time itself. Rows are streamed: memory does not grow with the chat. On an error
// the iterator yields it once, with a nil record, and stops.
func (d *DB) Messages(ctx context.Context, chat ChatInfo, from, to time.Time) iter.Seq2[*Record, error] {
	return func(yield func(*Record, error) bool) {
		emit := func(r *Record) error {
			if !yield(r, nil) {
				return errStopped
			}
			return nil
		}
		var err error
		if d.schema.Layout == LayoutModern {
			err = d.modernMessages(ctx, chat, span{from, to}, emit)
		} else {
			err = d.legacyMessages(ctx, chat, span{from, to}, emit)
		}
		if err != nil && !errors.Is(err, errStopped) {
			yield(nil, fmt.Errorf("msgstore: messages of chat %s in %s: %w", clip(chat.JID), d.path, classify(err)))
		}
	}
}

// History returns every message of chat, for [evidence.Apply] and [evidence.Certify], which look at the whole
// history. It holds the chat in memory; use [DB.Messages] to stream.
func (d *DB) History(ctx context.Context, chat ChatInfo) ([]evidence.Message, error) {
	var out []evidence.Message
	for r, err := range d.Messages(ctx, chat, time.Time{}, time.Time{}) {
		if err != nil {
			return nil, err
		}
		out = append(out, r.Message)
	}
	return out, nil
}

// span is an inclusive time range; zero ends are open.
type span struct{ from, to time.Time }

// where appends the range to a WHERE clause on column col (Unix milliseconds).
func (s span) where(col string, clause string, args []any) (string, []any) {
	if !s.from.IsZero() {
		clause += " AND " + col + " >= ?"
		args = append(args, s.from.UnixMilli())
	}
	if !s.to.IsZero() {
		clause += " AND " + col + " <= ?"
		args = append(args, s.to.UnixMilli())
	}
	return clause, args
}

// msTime reads a Unix-milliseconds column; WhatsApp writes 0 or -1 for "never".
func msTime(r row, c col) evidence.Time {
	ms, ok := r.int(c)
	if !ok || ms <= 0 {
		return evidence.Time{}
	}
	return evidence.At(time.UnixMilli(ms))
}

// nonEmpty reads a text column, "" when NULL.
func nonEmpty(r row, c col) string {
	s, _ := r.str(c)
	return s
}

// slab hands out records, the strings their pointers name and their raw rows from blocks allocated every few
// dozen messages, instead of an allocation each: a reader of a large chat spent a fifth of its time allocating
// and collecting them. A block lives as long as any record taken from it.
type slab struct {
	recs []Record
	strs []string
	raw  []byte
	rcpt []evidence.Receipt
}

const (
	slabRecords  = 32
	slabStrings  = 64
	slabRaw      = 64 << 10
	slabReceipts = 128
)

// receipts returns a copy of rs whose capacity is its length.
func (s *slab) receipts(rs []evidence.Receipt) []evidence.Receipt {
	if len(rs) > slabReceipts/4 {
		return slices.Clone(rs)
	}
	if cap(s.rcpt)-len(s.rcpt) < len(rs) {
		s.rcpt = make([]evidence.Receipt, 0, slabReceipts)
	}
	off := len(s.rcpt)
	s.rcpt = append(s.rcpt, rs...)
	return s.rcpt[off:len(s.rcpt):len(s.rcpt)]
}

func (s *slab) record() *Record {
	if len(s.recs) == 0 {
		s.recs = make([]Record, slabRecords)
	}
	r := &s.recs[0]
	s.recs = s.recs[1:]
	return r
}

// str returns a pointer to a copy of v.
func (s *slab) str(v string) *string {
	if len(s.strs) == 0 {
		s.strs = make([]string, slabStrings)
	}
	p := &s.strs[0]
	s.strs = s.strs[1:]
	*p = v
	return p
}

// encode appends an encoding to the free end of the current block and returns it with its capacity at its
// length, so that appending to it never reaches a neighbour. An encoding that does not fit the block has grown
// into an array of its own, which it keeps; the next one starts a new block.
func (s *slab) encode(appendTo func([]byte) []byte) []byte {
	if cap(s.raw)-len(s.raw) < slabRaw/16 {
		s.raw = make([]byte, 0, slabRaw)
	}
	free := s.raw[len(s.raw):]
	b := appendTo(free)
	if cap(b) != cap(free) {
		s.raw = s.raw[:cap(s.raw)] // moved: this block is spent
		return b[:len(b):len(b)]
	}
	s.raw = s.raw[:len(s.raw)+len(b)]
	return b[:len(b):len(b)]
}

// setText writes the manifest text, repairing invalid UTF-8 (the exact bytes stay in RawRow).
func setText(sl *slab, m *evidence.Message, s string) {
	if s == "" {
		return
	}
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
		m.Anomalies = append(m.Anomalies, evidence.Anomaly{Code: AnomalyTextNotUTF8,
			Detail: "the text is not valid UTF-8; invalid bytes are shown as U+FFFD"})
	}
	m.Text = sl.str(s)
}

// newRecord starts the record of message row m with what both layouts store alike: the row id, the key id, the
// direction (in fromMeCol), the time, and the type (the code in typeCol, mapped through table).
func newRecord(sl *slab, m row, fromMeCol, typeCol col, table map[int64]evidence.MessageType) *Record {
	rec := sl.record()
	rec.RowID, _ = m.int(colID)
	msg := &rec.Message
	msg.ID = nonEmpty(m, colKeyID)
	fromMe, _ := m.int(fromMeCol)
	msg.FromMe = fromMe == 1
	msg.SentAt = msTime(m, colTimestamp)
	code, known := m.int(typeCol)
	msg.SourceType = sourceType(colNames[typeCol], code, known)
	msg.Type = mapType(table, code, known)
	return rec
}

// commonSourceTypes are the SourceType strings of the usual codes, made once rather than for every message.
var commonSourceTypes = func() map[string][]string {
	m := map[string][]string{}
	for _, col := range []string{"message_type", "media_wa_type"} {
		for code := range 128 {
			m[col] = append(m[col], col+":"+strconv.Itoa(code))
		}
	}
	return m
}()

func sourceType(column string, code int64, known bool) string {
	if known && code >= 0 {
		if common := commonSourceTypes[column]; code < int64(len(common)) {
			return common[code]
		}
	}
	if !known {
		return column + ":null"
	}
	return column + ":" + strconv.FormatInt(code, 10)
}

// receipts collects a message's receipts, keeping in a one-to-one chat only those of the chat's person and
// dropping exact duplicates (the user and device tables often repeat one delivery).
type receipts struct {
	oneToOne bool
	chat     person
	list     []evidence.Receipt
	foreign  int
	unmapped []string
}

func (rs *receipts) add(p person, kind evidence.ReceiptKind, at evidence.Time) {
	if !at.Known() {
		return
	}
	if rs.oneToOne && !p.matches(rs.chat) {
		rs.foreign++
		return
	}
	if p.lid != "" && p.phone == "" {
		if !slices.Contains(rs.unmapped, p.lid) {
			rs.unmapped = append(rs.unmapped, p.lid)
		}
	}
	r := evidence.Receipt{Recipient: p.name(), Kind: kind, At: at}
	for _, have := range rs.list {
		if have.Recipient == r.Recipient && have.Kind == r.Kind && have.At.Equal(r.At.Time) {
			return
		}
	}
	rs.list = append(rs.list, r)
}

// addRow adds the delivered, read and played times that row r holds in the named columns.
func (rs *receipts) addRow(p person, r row, delivered, read, played col) {
	rs.add(p, evidence.ReceiptDelivered, msTime(r, delivered))
	rs.add(p, evidence.ReceiptRead, msTime(r, read))
	rs.add(p, evidence.ReceiptPlayed, msTime(r, played))
}

// apply gives m its receipts, in a slice of their own from sl (rs.list may be a buffer reused for the next
// message).
func (rs *receipts) apply(sl *slab, m *evidence.Message) {
	if len(rs.list) > 0 {
		m.Receipts = sl.receipts(rs.list)
	}
	if rs.foreign > 0 {
		m.Anomalies = append(m.Anomalies, evidence.Anomaly{Code: AnomalyReceiptForeign, Detail: fmt.Sprintf(
			"%d receipt time(s) from someone other than %s left out (kept in the raw row)", rs.foreign, rs.chat.name())})
	}
	for _, lid := range rs.unmapped {
		m.Anomalies = append(m.Anomalies, evidence.Anomaly{Code: AnomalyLIDUnmapped,
			Detail: "receipt from " + lid + ", which jid_map does not map to a phone number"})
	}
}

// setAck records the status of a message the owner sent, as an ack, with an anomaly when it cannot be mapped.
func setAck(m *evidence.Message, status int64, known bool) {
	if !m.FromMe || m.Type == evidence.TypeSystem {
		return
	}
	ack, an := ackOf(status, known)
	m.Ack = ack
	if an != nil {
		m.Anomalies = append(m.Anomalies, *an)
	}
}

// setAuthor names who wrote an incoming message: the sender in a group, the chat's person otherwise.
func setAuthor(m *evidence.Message, p person, ok bool) {
	if m.FromMe || !ok {
		return
	}
	m.Author = p.name()
	if p.lid != "" && p.phone == "" {
		m.Anomalies = append(m.Anomalies, evidence.Anomaly{Code: AnomalyLIDUnmapped,
			Detail: "author " + p.lid + " is a LID that jid_map does not map to a phone number"})
	}
}
