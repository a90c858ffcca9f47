// Package msgstoretest writes msgstore.db files from a scripted truth, with WhatsApp's own schema (see [ModernDDL]),
// for tests of the parser, the ADB fake phone and the demo. It is test support: it writes, the parser never does.
package msgstoretest

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	_ "modernc.org/sqlite" // the "sqlite" driver
)

// Truth is the content of a scripted database.
type Truth struct {
	UserVersion int // PRAGMA user_version to write (the real sample has 1)
	Chats       []Chat
	// Contacts are extra JIDs to create (group participants, devices) beyond those of chats and messages.
	Contacts []string
}

// Chat is one scripted chat.
type Chat struct {
	JID string // 393331112222@s.whatsapp.net, 123456789@lid, 120363000000000001@g.us
	// PhoneJID, for a LID chat, is the phone JID jid_map maps the LID to; empty leaves the LID unmapped.
	PhoneJID string
	Subject  string
	Messages []Message
}

// Message is one scripted message. Times are written in Unix milliseconds.
type Message struct {
	KeyID  string
	FromMe bool
	Time   time.Time
	Type   int    // message.message_type (legacy: media_wa_type)
	Status int    // message.status
	Text   string // body, or the caption of media
	Author string // the sender's JID, for incoming group messages
	Quoted string // key id of the quoted message
	Edited bool   // a message_edit_info row (modern only)
	// Revoked writes a message_revoked row (modern) and type 15, WhatsApp's "deleted" placeholder.
	Revoked bool
	System  bool // a message_system row (modern); legacy: status 6
	Media   *Media
	// Receipts are per-recipient user receipts (receipt_user; legacy: the row itself in one-to-one chats, the
	// receipts table in groups).
	Receipts []Receipt
	// Devices are per-device delivery receipts (receipt_device, modern only).
	Devices []DeviceReceipt
	// Raw overrides columns of the message row after the script's own, for hostile or odd values. Keys are
	// modern column names; the legacy writer maps text_data to data.
	Raw map[string]any
}

// Media is a scripted media file.
type Media struct {
	Path, MIME, Name string
	Size             int64
	FileHash         string // base64 SHA-256 as WhatsApp stores it
}

// Receipt is one recipient's times; zero times are written as 0 ("never"), as WhatsApp does.
type Receipt struct {
	JID                     string // the recipient's user JID
	Delivered, Read, Played time.Time
}

// DeviceReceipt is one device's delivery.
type DeviceReceipt struct {
	JID    string // the user JID; Device makes it a device JID
	Device int
	At     time.Time
}

func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// open creates the file and applies ddl; writes are unsynchronised because fixtures are throwaway. The page cache
// is large (up to 256 MiB, used only as the file grows) so that the indexes of a bulk database of a million messages
// are not written page by page.
func open(ctx context.Context, path, ddl string, userVersion int) (*sql.DB, *sql.Tx, error) {
	db, err := sql.Open("sqlite", path+"?_pragma=journal_mode(OFF)&_pragma=synchronous(OFF)&_pragma=cache_size(-262144)")
	if err != nil {
		return nil, nil, err
	}
	db.SetMaxOpenConns(1)
	for _, stmt := range strings.Split(ddl, ";\n") {
		if strings.TrimSpace(stmt) == "" {
			continue
		}
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			db.Close()
			return nil, nil, fmt.Errorf("msgstoretest: %s: %w", firstLine(stmt), err)
		}
	}
	if _, err := db.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", userVersion)); err != nil {
		db.Close()
		return nil, nil, err
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return db, tx, nil
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > 60 {
		s = s[:60]
	}
	return s
}

func finish(db *sql.DB, tx *sql.Tx, err error) error {
	if err != nil {
		tx.Rollback()
		db.Close()
		return err
	}
	if err := tx.Commit(); err != nil {
		db.Close()
		return err
	}
	return db.Close()
}

// exec runs one statement, naming it in the error.
func exec(ctx context.Context, tx *sql.Tx, query string, args ...any) (sql.Result, error) {
	res, err := tx.ExecContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("msgstoretest: %s: %w", firstLine(query), err)
	}
	return res, nil
}

// setRaw applies a message's Raw overrides to the row just written.
func setRaw(ctx context.Context, tx *sql.Tx, table string, id int64, raw map[string]any) error {
	for col, v := range raw {
		if _, err := exec(ctx, tx, fmt.Sprintf("UPDATE %s SET %s = ? WHERE _id = ?", table, col), v, id); err != nil {
			return err
		}
	}
	return nil
}
