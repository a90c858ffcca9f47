package chatstorage

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"path"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/attesta/attesta/evidence"
)

// Types maps ZWAMESSAGE.ZMESSAGETYPE onto the evidence types: the codes public tools read (WhatsApp-Chat-Exporter's
// iOS handler: 14 deleted, 15 sticker, 6 group event) and the community's table for the rest. Type 3 is a voice
// note when its file is Opus (.opus), else an audio file. Unlisted codes are TypeOther, the code kept in SourceType.
var Types = map[int64]evidence.MessageType{
	0: evidence.TypeText, 1: evidence.TypeImage, 2: evidence.TypeVideo, 3: evidence.TypeAudio,
	4: evidence.TypeContact, 5: evidence.TypeLocation, 6: evidence.TypeSystem, 7: evidence.TypeText,
	8: evidence.TypeDocument, 11: evidence.TypeVideo, 14: evidence.TypeRevoked, 15: evidence.TypeSticker,
}

// Capture anomaly codes of this package.
const (
	// AnomalyInferred: a receipt reading the contract does not establish (ZRECEIPTINFO, ZMESSAGESTATUS); shown,
	// never used by the rule.
	AnomalyInferred = "ios-receipt-inferred"
	// AnomalyDeliveredByQuote: delivery is established by the recipient's later message quoting this one (its
	// device held the message); the delivery time itself is not known.
	AnomalyDeliveredByQuote = "ios-delivered-by-quote"
	// AnomalyStatusAssumed: no established receipt: the status is "sent", assumed for a message in the sender's
	// own database, and ZMESSAGESTATUS is kept raw.
	AnomalyStatusAssumed = "ios-status-assumed"
	// AnomalyUnquotedReply: the recipient wrote later in the chat without quoting the message; under the contract
	// that does not establish this message's delivery, so it is shown and not used.
	AnomalyUnquotedReply = "ios-unquoted-reply"
	// AnomalyReceiptUnreadable: ZRECEIPTINFO or ZMETADATA is not well-formed protobuf; kept in RawRow.
	AnomalyReceiptUnreadable = "ios-blob-unreadable"
	// AnomalyMediaSize: the media file's size differs from ZWAMEDIAITEM.ZFILESIZE.
	AnomalyMediaSize = "ios-media-size"
	// AnomalyLIDUnmapped: an author known only by a LID the pairs do not map to a number.
	AnomalyLIDUnmapped = "ios-lid-unmapped"
	// AnomalyEditInferred: the recipient's reply quotes this message with a text other than the one the database
	// holds now: the message was edited after the recipient's device took the quoted version (an inferred
	// reading: ChatStorage.sqlite has no edit marker that a public source documents; see the package
	// documentation, "Edits").
	AnomalyEditInferred = "ios-edit-inferred"
)

// Reasons an attachment's bytes are not in the delivery (evidence.Attachment.Unavailable).
const (
	UnavailableNotExtracted = "not-extracted"     // the database names a file; the capture has not copied it yet
	UnavailableNotInBackup  = "not-in-backup"     // the database names no file, or the backup does not hold it
	UnavailableDamaged      = "damaged-in-backup" // the backup's copy fails its length or padding check
)

// Media is what ZWAMEDIAITEM says about a message's file.
type Media struct {
	LocalPath string // ZMEDIALOCALPATH, relative to the app group's Message/ folder; "" when none
	Size      int64  // ZFILESIZE; 0 when not recorded
	MIME      string // from the file's extension
}

// BackupPath is the file's relativePath in the backup's app-group domain.
func (m *Media) BackupPath() string { return "Message/" + strings.TrimPrefix(m.LocalPath, "/") }

// Attachment is the evidence attachment for the file stored at relPath in the delivery, with SHA-256 sum and
// length size, and an anomaly when the size is not what the database recorded. WhatsAppHashOK stays nil: the
// database carries no documented hash of the file.
func (m *Media) Attachment(relPath, sum string, size int64) (evidence.Attachment, *evidence.Anomaly) {
	a := evidence.Attachment{Path: relPath, SHA256: sum, Size: size, MIME: m.MIME}
	if m.Size > 0 && m.Size != size {
		return a, &evidence.Anomaly{Code: AnomalyMediaSize,
			Detail: fmt.Sprintf("the file has %d bytes, ZWAMEDIAITEM.ZFILESIZE says %d: altered, truncated or replaced", size, m.Size)}
	}
	return a, nil
}

// Missing is the attachment of a file that is not in the delivery.
func (m *Media) Missing(reason string) evidence.Attachment {
	return evidence.Attachment{MIME: m.MIME, Unavailable: reason}
}

var mimes = map[string]string{".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".webp": "image/webp",
	".mp4": "video/mp4", ".mov": "video/quicktime", ".opus": "audio/ogg; codecs=opus", ".m4a": "audio/mp4",
	".mp3": "audio/mpeg", ".pdf": "application/pdf", ".vcf": "text/vcard"}

// Record is one message with what it was read from.
type Record struct {
	PK       int64
	Message  evidence.Message
	Media    *Media
	Readings []Reading
	RawRow   []byte
	// QuotedText is the text of the quoted message as this reply's ZMETADATA carries it ("" when none).
	QuotedText string
}

// History reads every message of chat, in time order, and applies the receipt contract. client is the E.164
// number whose replies and receipts count (the chat's person; in a group, the client among its members).
func (d *DB) History(ctx context.Context, chat Chat, client string) ([]Record, error) {
	return d.history(ctx, chat, client, true)
}

// HistoryWithoutRows is History without the records' RawRow, for a caller that delivers a few of a long chat's
// messages: memory then follows the chat's messages, not their rows; [DB.RawRows] gives the rows of those kept.
func (d *DB) HistoryWithoutRows(ctx context.Context, chat Chat, client string) ([]Record, error) {
	return d.history(ctx, chat, client, false)
}

// historyPage is how many ZWAMESSAGE rows are held at a time while a chat is read.
const historyPage = 1000

func (d *DB) history(ctx context.Context, chat Chat, client string, raw bool) ([]Record, error) {
	var recs []Record
	for off := 0; ; off += historyPage {
		rows, err := d.queryRows(ctx, "SELECT * FROM ZWAMESSAGE WHERE ZCHATSESSION = ? ORDER BY ZMESSAGEDATE, Z_PK LIMIT ? OFFSET ?",
			chat.PK, historyPage, off)
		if err != nil {
			return nil, fmt.Errorf("chatstorage: %s: ZWAMESSAGE: %w", d.path, err)
		}
		for _, r := range rows {
			rec, err := d.record(ctx, chat, r, client, raw)
			if err != nil {
				return nil, fmt.Errorf("chatstorage: %s: message Z_PK %v: %w", d.path, r["Z_PK"], err)
			}
			recs = append(recs, rec)
		}
		if len(rows) < historyPage {
			break
		}
	}
	establishDelivery(recs, chat, client)
	noteEdits(recs)
	return recs, nil
}

// RawRows returns the RawRow of each message by its Z_PK (the rows as stored, see the package documentation).
func (d *DB) RawRows(ctx context.Context, pks []int64) (map[int64][]byte, error) {
	out := make(map[int64][]byte, len(pks))
	for _, pk := range pks {
		rows, err := d.queryRows(ctx, "SELECT * FROM ZWAMESSAGE WHERE Z_PK = ?", pk)
		if err != nil {
			return nil, fmt.Errorf("chatstorage: %s: ZWAMESSAGE: %w", d.path, err)
		}
		if len(rows) == 0 {
			return nil, fmt.Errorf("chatstorage: %s: no message Z_PK %d", d.path, pk)
		}
		media, info, member, err := d.relatedRows(ctx, rows[0])
		if err != nil {
			return nil, fmt.Errorf("chatstorage: %s: message Z_PK %d: %w", d.path, pk, err)
		}
		if out[pk], err = rawRow(map[string]row{"ZWAMESSAGE": rows[0], "ZWAMEDIAITEM": media, "ZWAMESSAGEINFO": info, "ZWAGROUPMEMBER": member}); err != nil {
			return nil, err
		}
	}
	return out, nil
}

type row map[string]any

func (r row) int(col string) (int64, bool) {
	switch v := r[col].(type) {
	case int64:
		return v, true
	case float64:
		return int64(v), true
	}
	return 0, false
}

func (r row) str(col string) string {
	switch v := r[col].(type) {
	case string:
		return v
	case []byte:
		return string(v)
	}
	return ""
}

func (d *DB) queryRows(ctx context.Context, q string, args ...any) ([]row, error) {
	rs, err := d.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	cols, err := rs.Columns()
	if err != nil {
		return nil, err
	}
	var out []row
	for rs.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rs.Scan(ptrs...); err != nil {
			return nil, err
		}
		r := row{}
		for i, c := range cols {
			r[c] = vals[i]
		}
		out = append(out, r)
	}
	return out, rs.Err()
}

// related reads the row of table whose Z_PK is m[col], nil when there is none.
func (d *DB) related(ctx context.Context, m row, col, table string) (row, error) {
	pk, ok := m.int(col)
	if !ok || !d.tables[table] {
		return nil, nil
	}
	rows, err := d.queryRows(ctx, "SELECT * FROM "+table+" WHERE Z_PK = ?", pk)
	if err != nil || len(rows) == 0 {
		return nil, err
	}
	return rows[0], nil
}

// relatedRows reads a message's media item, info and group member rows (nil when it has none).
func (d *DB) relatedRows(ctx context.Context, m row) (media, info, member row, err error) {
	if media, err = d.related(ctx, m, "ZMEDIAITEM", "ZWAMEDIAITEM"); err != nil {
		return nil, nil, nil, err
	}
	if info, err = d.related(ctx, m, "ZMESSAGEINFO", "ZWAMESSAGEINFO"); err != nil {
		return nil, nil, nil, err
	}
	member, err = d.related(ctx, m, "ZGROUPMEMBER", "ZWAGROUPMEMBER")
	return media, info, member, err
}

func (d *DB) record(ctx context.Context, chat Chat, m row, client string, raw bool) (Record, error) {
	media, info, member, err := d.relatedRows(ctx, m)
	if err != nil {
		return Record{}, err
	}
	rec := Record{Message: messageOf(m)}
	rec.PK, _ = m.int("Z_PK")
	msg := &rec.Message
	if msg.ID == "" {
		msg.ID = fmt.Sprintf("ios-pk-%d", rec.PK)
	}
	if media != nil {
		rec.Media, rec.QuotedText = mediaOf(msg, media)
	}
	setText(msg, m, media)
	if rec.Media != nil && rec.Media.LocalPath != "" || isMedia(msg.Type) {
		md := rec.Media
		if md == nil {
			md = &Media{}
			rec.Media = md
		}
		reason := UnavailableNotExtracted
		if md.LocalPath == "" {
			reason = UnavailableNotInBackup
		}
		msg.Attachments = evidence.Attachments{md.Missing(reason)}
	}
	if !msg.FromMe && chat.Group && member != nil {
		msg.Author = d.person(member.str("ZMEMBERJID"), msg)
	}
	if msg.FromMe {
		d.readings(&rec, m, info, chat, client)
	}
	if raw {
		rec.RawRow, err = rawRow(map[string]row{"ZWAMESSAGE": m, "ZWAMEDIAITEM": media, "ZWAMESSAGEINFO": info, "ZWAGROUPMEMBER": member})
	}
	return rec, err
}

// messageOf maps what ZWAMESSAGE itself says: id, direction, time and type.
func messageOf(m row) evidence.Message {
	var msg evidence.Message
	msg.ID = m.str("ZSTANZAID")
	fromMe, _ := m.int("ZISFROMME")
	msg.FromMe = fromMe == 1
	if f, ok := m["ZMESSAGEDATE"].(float64); ok && !math.IsNaN(f) && math.Abs(f) < 1e11 {
		msg.SentAt = evidence.At(time.UnixMilli(int64(math.Round((f + appleEpoch) * 1000))))
	} else if n, ok := m["ZMESSAGEDATE"].(int64); ok && n > -appleEpoch && n < 1e11 {
		msg.SentAt = evidence.At(time.Unix(n+appleEpoch, 0))
	}
	code, known := m.int("ZMESSAGETYPE")
	msg.SourceType = fmt.Sprintf("ZMESSAGETYPE:%d", code)
	msg.Type = evidence.TypeOther
	if t, ok := Types[code]; ok && known {
		msg.Type = t
	}
	return msg
}

// mediaOf reads a message's ZWAMEDIAITEM: the file, a voice note told from an audio file, the quoted message (and
// the quoted text it carries).
func mediaOf(msg *evidence.Message, media row) (*Media, string) {
	md := &Media{LocalPath: media.str("ZMEDIALOCALPATH"), MIME: mimes[strings.ToLower(path.Ext(media.str("ZMEDIALOCALPATH")))]}
	md.Size, _ = media.int("ZFILESIZE")
	if msg.Type == evidence.TypeAudio && strings.HasSuffix(strings.ToLower(md.LocalPath), ".opus") {
		msg.Type = evidence.TypeVoice
	}
	q, err := ParseQuote(asBytes(media["ZMETADATA"]))
	if err != nil {
		msg.Anomalies = append(msg.Anomalies, evidence.Anomaly{Code: AnomalyReceiptUnreadable, Detail: "ZMETADATA: " + err.Error()})
	} else if q.ID != "" {
		msg.QuotedID = &q.ID
	}
	return md, q.Text
}

func isMedia(t evidence.MessageType) bool {
	switch t {
	case evidence.TypeImage, evidence.TypeVideo, evidence.TypeAudio, evidence.TypeVoice, evidence.TypeDocument, evidence.TypeSticker:
		return true
	}
	return false
}

func asBytes(v any) []byte {
	switch x := v.(type) {
	case []byte:
		return x
	case string:
		return []byte(x)
	}
	return nil
}

// setText: ZTEXT for a text, the caption (ZWAMEDIAITEM.ZTITLE, else ZTEXT) for an image or a video; nothing else.
func setText(msg *evidence.Message, m, media row) {
	var s string
	switch msg.Type {
	case evidence.TypeText:
		s = m.str("ZTEXT")
	case evidence.TypeImage, evidence.TypeVideo:
		if media != nil {
			s = media.str("ZTITLE")
		}
		if s == "" {
			s = m.str("ZTEXT")
		}
	}
	if s == "" {
		return
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	msg.Text = &s
}

// person returns the E.164 number of a JID, through the LID pairs for a LID; the JID itself when unmapped.
func (d *DB) person(jid string, msg *evidence.Message) string {
	digits := userDigits(jid)
	switch {
	case strings.HasSuffix(jid, "@s.whatsapp.net"):
		return "+" + digits
	case strings.HasSuffix(jid, "@lid"):
		if p, ok := d.lids[digits]; ok {
			return "+" + p
		}
		msg.Anomalies = append(msg.Anomalies, evidence.Anomaly{Code: AnomalyLIDUnmapped,
			Detail: "author " + jid + " is a LID that no ZWAPHONENUMBERLIDPAIR row maps to a number"})
	}
	return jid
}

// rawRow encodes the rows a record came from (see the package documentation).
func rawRow(tables map[string]row) ([]byte, error) {
	out := map[string]map[string]any{}
	for name, r := range tables {
		if r == nil {
			continue
		}
		enc := map[string]any{}
		for c, v := range r {
			switch x := v.(type) {
			case []byte:
				enc[c] = map[string]string{"blob_base64": base64Std(x)}
			case string:
				if !utf8.ValidString(x) {
					enc[c] = map[string]string{"text_base64": base64Std([]byte(x))}
				} else {
					enc[c] = x
				}
			default:
				enc[c] = x
			}
		}
		out[name] = enc
	}
	return json.Marshal(map[string]any{"rows": out, "v": 1})
}
