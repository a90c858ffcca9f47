package iostest

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/attesta/attesta/capture/ios/chatstorage"
)

// ChatStorageDDL is the part of WhatsApp's Core Data schema the reader and the tests use, with the columns of the
// public iOS 15 sample (research notes §5.3) and Core Data's own tables.
const ChatStorageDDL = `CREATE TABLE Z_PRIMARYKEY (Z_ENT INTEGER PRIMARY KEY, Z_NAME VARCHAR, Z_SUPER INTEGER, Z_MAX INTEGER);
CREATE TABLE Z_METADATA (Z_VERSION INTEGER PRIMARY KEY, Z_UUID VARCHAR(255), Z_PLIST BLOB);
CREATE TABLE ZWACHATSESSION (Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, ZARCHIVED INTEGER, ZCONTACTABID INTEGER, ZFLAGS INTEGER, ZHIDDEN INTEGER, ZMESSAGECOUNTER INTEGER, ZREMOVED INTEGER, ZSESSIONTYPE INTEGER, ZSPOTLIGHTSTATUS INTEGER, ZUNREADCOUNT INTEGER, ZGROUPINFO INTEGER, ZLASTMESSAGE INTEGER, ZPROPERTIES INTEGER, ZLASTMESSAGEDATE TIMESTAMP, ZLOCATIONSHARINGENDDATE TIMESTAMP, ZCONTACTIDENTIFIER VARCHAR, ZCONTACTJID VARCHAR, ZETAG VARCHAR, ZLASTMESSAGETEXT VARCHAR, ZPARTNERNAME VARCHAR, ZSAVEDINPUT VARCHAR);
CREATE TABLE ZWAGROUPINFO (Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, ZSTATE INTEGER, ZCHATSESSION INTEGER, ZCREATIONDATE TIMESTAMP, ZSUBJECTTIMESTAMP TIMESTAMP, ZCREATORJID VARCHAR, ZOWNERJID VARCHAR, ZSUBJECTOWNERJID VARCHAR);
CREATE TABLE ZWAGROUPMEMBER (Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, ZISACTIVE INTEGER, ZISADMIN INTEGER, ZSENDERKEYSENT INTEGER, ZCHATSESSION INTEGER, ZRECENTGROUPCHAT INTEGER, ZCONTACTABID INTEGER, ZCONTACTIDENTIFIER VARCHAR, ZCONTACTNAME VARCHAR, ZFIRSTNAME VARCHAR, ZMEMBERJID VARCHAR);
CREATE TABLE ZWAMESSAGE (Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, ZCHILDMESSAGESDELIVEREDCOUNT INTEGER, ZCHILDMESSAGESPLAYEDCOUNT INTEGER, ZCHILDMESSAGESREADCOUNT INTEGER, ZDATAITEMVERSION INTEGER, ZDOCID INTEGER, ZENCRETRYCOUNT INTEGER, ZFILTEREDRECIPIENTCOUNT INTEGER, ZFLAGS INTEGER, ZGROUPEVENTTYPE INTEGER, ZISFROMME INTEGER, ZMESSAGEERRORSTATUS INTEGER, ZMESSAGESTATUS INTEGER, ZMESSAGETYPE INTEGER, ZSORT INTEGER, ZSPOTLIGHTSTATUS INTEGER, ZSTARRED INTEGER, ZCHATSESSION INTEGER, ZGROUPMEMBER INTEGER, ZLASTSESSION INTEGER, ZMEDIAITEM INTEGER, ZMESSAGEINFO INTEGER, ZPARENTMESSAGE INTEGER, ZMESSAGEDATE TIMESTAMP, ZSENTDATE TIMESTAMP, ZFROMJID VARCHAR, ZMEDIASECTIONID VARCHAR, ZPHASH VARCHAR, ZPUSHNAME VARCHAR, ZSTANZAID VARCHAR, ZTEXT VARCHAR, ZTOJID VARCHAR);
CREATE INDEX ZWAMESSAGE_ZCHATSESSION_INDEX ON ZWAMESSAGE (ZCHATSESSION);
CREATE TABLE ZWAMEDIAITEM (Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, ZCLOUDSTATUS INTEGER, ZFILESIZE INTEGER, ZMEDIAORIGIN INTEGER, ZMOVIEDURATION INTEGER, ZMESSAGE INTEGER, ZASPECTRATIO FLOAT, ZHACCURACY FLOAT, ZLATITUDE FLOAT, ZLONGITUDE FLOAT, ZMEDIAURLDATE TIMESTAMP, ZAUTHORNAME VARCHAR, ZCOLLECTIONNAME VARCHAR, ZMEDIALOCALPATH VARCHAR, ZMEDIAURL VARCHAR, ZTHUMBNAILLOCALPATH VARCHAR, ZTITLE VARCHAR, ZVCARDNAME VARCHAR, ZVCARDSTRING VARCHAR, ZXMPPTHUMBPATH VARCHAR, ZMEDIAKEY BLOB, ZMETADATA BLOB);
CREATE TABLE ZWAMESSAGEINFO (Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, ZMESSAGE INTEGER, ZRECEIPTINFO BLOB)`

// LIDDDL is LID.sqlite's table of LID ↔ phone-number pairs.
const LIDDDL = `CREATE TABLE ZWAPHONENUMBERLIDPAIR (Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, ZTIMESTAMP TIMESTAMP, ZLID VARCHAR, ZPHONENUMBER VARCHAR)`

// Truth is the content of a scripted ChatStorage.sqlite.
type Truth struct {
	Chats []Chat
	// LIDs maps a LID JID (<n>@lid) to the phone JID behind it, written to LID.sqlite.
	LIDs map[string]string
}

// Chat is one scripted chat session.
type Chat struct {
	JID, Name string
	Members   []string // group members' JIDs
	Messages  []Message
}

// Message is one scripted message.
type Message struct {
	ID     string
	FromMe bool
	Time   time.Time
	Type   int // ZMESSAGETYPE
	Status int // ZMESSAGESTATUS
	Text   string
	Author string // the member JID of an incoming group message
	Quoted string // stanza id this message quotes (ZWAMEDIAITEM.ZMETADATA field 5)
	Media  *Media
	// Receipt is the ZRECEIPTINFO written, nil for none.
	Receipt *Receipt
	// InWAL leaves the message in the write-ahead log only (written after the last checkpoint).
	InWAL bool
	// EditedFrom is the text the message had before the owner edited it ("" for a message never edited): Text is
	// the last version, as the database keeps it, and a reply quoting the message carries EditedFrom as the quoted
	// text (what the recipient's device held when it quoted).
	EditedFrom string
}

// Media is a scripted media item; Data is the file's content in the backup (nil: not in the backup).
type Media struct {
	LocalPath string // relative to Message/
	Title     string // caption
	Size      int64  // ZFILESIZE; 0 means len(Data)
	Data      []byte
}

// Receipt is a scripted ZRECEIPTINFO: the recipient's entry, the owner's, field 3 and field 4.
type Receipt struct {
	Recipient, Owner string
	Time             time.Time
	Code             int
}

func appleSeconds(t time.Time) float64 { return float64(t.UnixMilli())/1000 - 978307200 }

// Blob encodes the receipt as WhatsApp's protobuf: field 2 per participant {1: packed JID}, field 3, field 4.
func (r *Receipt) Blob() []byte {
	var b []byte
	for _, jid := range []string{r.Recipient, r.Owner} {
		if jid == "" {
			continue
		}
		inner := appendBytes(nil, 1, chatstorage.PackJID(jid))
		inner = appendVarint(inner, 4, 0)
		b = appendBytes(b, 2, inner)
	}
	if !r.Time.IsZero() {
		b = appendVarint(b, 3, uint64(r.Time.Unix()))
	}
	return appendVarint(b, 4, uint64(r.Code))
}

// QuoteMetadata encodes ZMETADATA for a reply quoting stanza id.
func QuoteMetadata(id string) []byte { return appendBytes(nil, 5, []byte(id)) }

// QuoteMetadataText encodes ZMETADATA as the public iOS 15 sample has it for a reply: field 5 the quoted stanza
// id, field 6 the quoted author's JID, field 19 {1: the quoted text} (omitted when text is "").
func QuoteMetadataText(id, author, text string) []byte {
	b := QuoteMetadata(id)
	if author != "" {
		b = appendBytes(b, 6, []byte(author))
	}
	if text != "" {
		b = appendBytes(b, 19, appendBytes(nil, 1, []byte(text)))
	}
	return b
}

func appendVarint(b []byte, field int, v uint64) []byte {
	b = uvarint(b, uint64(field)<<3)
	return uvarint(b, v)
}

func appendBytes(b []byte, field int, v []byte) []byte {
	b = uvarint(b, uint64(field)<<3|2)
	b = uvarint(b, uint64(len(v)))
	return append(b, v...)
}

func uvarint(b []byte, v uint64) []byte {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}

// WriteChatStorage writes truth as ChatStorage.sqlite at path in WAL mode. Messages marked InWAL are left in
// path-wal (the main file does not have them), as on a phone between checkpoints. It returns the files written.
func WriteChatStorage(ctx context.Context, path string, truth Truth) ([]string, error) {
	work, err := os.MkdirTemp(filepath.Dir(path), ".chatstorage-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(work)
	tmp := filepath.Join(work, "ChatStorage.sqlite")
	db, err := sql.Open("sqlite", tmp+"?_pragma=journal_mode(WAL)&_pragma=wal_autocheckpoint(0)")
	if err != nil {
		return nil, err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	for _, stmt := range strings.Split(ChatStorageDDL, ";\n") {
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			return nil, fmt.Errorf("iostest: %.60s: %w", stmt, err)
		}
	}
	w := &csWriter{ctx: ctx, db: db}
	for _, wal := range []bool{false, true} {
		for ci, c := range truth.Chats {
			if err := w.chat(ci, c, wal); err != nil {
				return nil, err
			}
		}
		if !wal {
			if _, err := db.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
				return nil, err
			}
		}
	}
	// Copy while the connection is open: closing it would checkpoint the log into the main file.
	files := []string{path}
	if err := copyFile(tmp, path); err != nil {
		return nil, err
	}
	if fi, err := os.Stat(tmp + "-wal"); err == nil && fi.Size() > 0 {
		if err := copyFile(tmp+"-wal", path+"-wal"); err != nil {
			return nil, err
		}
		files = append(files, path+"-wal")
	}
	return files, nil
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

type csWriter struct {
	ctx context.Context
	db  *sql.DB
}

func (w *csWriter) exec(q string, args ...any) (int64, error) {
	res, err := w.db.ExecContext(w.ctx, q, args...)
	if err != nil {
		return 0, fmt.Errorf("iostest: %.50s: %w", q, err)
	}
	return res.LastInsertId()
}

func (w *csWriter) chat(ci int, c Chat, wal bool) error {
	pk := int64(ci + 1)
	if !wal {
		stype := 0
		if strings.HasSuffix(c.JID, "@g.us") {
			stype = 1
		}
		if _, err := w.exec("INSERT INTO ZWACHATSESSION (Z_PK, Z_ENT, Z_OPT, ZCONTACTJID, ZPARTNERNAME, ZSESSIONTYPE, ZARCHIVED, ZREMOVED, ZUNREADCOUNT) VALUES (?, 4, 1, ?, ?, ?, 0, 0, 0)",
			pk, c.JID, c.Name, stype); err != nil {
			return err
		}
		for _, m := range c.Members {
			if _, err := w.exec("INSERT INTO ZWAGROUPMEMBER (Z_ENT, Z_OPT, ZCHATSESSION, ZMEMBERJID, ZISACTIVE, ZISADMIN) VALUES (8, 1, ?, ?, 1, 0)", pk, m); err != nil {
				return err
			}
		}
	}
	for _, m := range c.Messages {
		if m.InWAL != wal {
			continue
		}
		if err := w.message(pk, c, m); err != nil {
			return fmt.Errorf("iostest: message %s: %w", m.ID, err)
		}
	}
	return nil
}

func (w *csWriter) message(chat int64, c Chat, m Message) error {
	var member any
	if m.Author != "" {
		var pk int64
		if err := w.db.QueryRowContext(w.ctx, "SELECT Z_PK FROM ZWAGROUPMEMBER WHERE ZCHATSESSION = ? AND ZMEMBERJID = ?", chat, m.Author).Scan(&pk); err != nil {
			return fmt.Errorf("author %s is not a member: %w", m.Author, err)
		}
		member = pk
	}
	from, to := c.JID, ""
	if m.FromMe {
		from, to = "", c.JID
	}
	id, err := w.exec(`INSERT INTO ZWAMESSAGE (Z_ENT, Z_OPT, ZCHATSESSION, ZISFROMME, ZMESSAGEDATE, ZSENTDATE, ZMESSAGETYPE,
		ZMESSAGESTATUS, ZMESSAGEERRORSTATUS, ZSTANZAID, ZTEXT, ZFROMJID, ZTOJID, ZGROUPMEMBER, ZFLAGS, ZSORT, ZSTARRED)
		VALUES (9, 1, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, 0, 0, 0)`,
		chat, b2i(m.FromMe), appleSeconds(m.Time), appleSeconds(m.Time), m.Type, m.Status, m.ID, nullable(m.Text),
		nullable(from), nullable(to), member)
	if err != nil {
		return err
	}
	if m.Media != nil || m.Quoted != "" {
		md := Media{}
		if m.Media != nil {
			md = *m.Media
		}
		size := md.Size
		if size == 0 {
			size = int64(len(md.Data))
		}
		var meta []byte
		if m.Quoted != "" {
			meta = quoteOf(c, m.Quoted)
		}
		mpk, err := w.exec("INSERT INTO ZWAMEDIAITEM (Z_ENT, Z_OPT, ZMESSAGE, ZMEDIALOCALPATH, ZFILESIZE, ZTITLE, ZMETADATA) VALUES (7, 1, ?, ?, ?, ?, ?)",
			id, nullable(md.LocalPath), size, nullable(md.Title), meta)
		if err != nil {
			return err
		}
		if _, err := w.exec("UPDATE ZWAMESSAGE SET ZMEDIAITEM = ? WHERE Z_PK = ?", mpk, id); err != nil {
			return err
		}
	}
	if m.Receipt != nil {
		ipk, err := w.exec("INSERT INTO ZWAMESSAGEINFO (Z_ENT, Z_OPT, ZMESSAGE, ZRECEIPTINFO) VALUES (10, 1, ?, ?)", id, m.Receipt.Blob())
		if err != nil {
			return err
		}
		if _, err := w.exec("UPDATE ZWAMESSAGE SET ZMESSAGEINFO = ? WHERE Z_PK = ?", ipk, id); err != nil {
			return err
		}
	}
	return nil
}

// quoteOf is the ZMETADATA of a reply in c quoting id: the quoted message's text as the replying device held it
// (before any edit), and its author.
func quoteOf(c Chat, id string) []byte {
	for _, q := range c.Messages {
		if q.ID != id {
			continue
		}
		text := q.Text
		if q.EditedFrom != "" {
			text = q.EditedFrom
		}
		author := q.Author
		if q.FromMe {
			author = OwnerJID
		} else if author == "" {
			author = c.JID
		}
		return QuoteMetadataText(id, author, text)
	}
	return QuoteMetadata(id)
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// WriteLID writes LID.sqlite at path with the pairs of lids (LID JID → phone JID).
func WriteLID(ctx context.Context, path string, lids map[string]string) error {
	db, err := sql.Open("sqlite", path+"?_pragma=journal_mode(DELETE)")
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, LIDDDL); err != nil {
		return err
	}
	for lid, phone := range lids {
		if _, err := db.ExecContext(ctx, "INSERT INTO ZWAPHONENUMBERLIDPAIR (Z_ENT, Z_OPT, ZLID, ZPHONENUMBER, ZTIMESTAMP) VALUES (3, 1, ?, ?, 0)", lid, phone); err != nil {
			return err
		}
	}
	return db.Close()
}

// WriteBulkChatStorage writes a ChatStorage.sqlite of n text messages spread over 100 chats of strangers, plus
// Sample's client chat on day, for benchmarks: what the capture must find among many.
func WriteBulkChatStorage(ctx context.Context, path string, n int, day time.Time) error {
	return writeBulk(ctx, path, n, 100, day, nil, 0)
}
