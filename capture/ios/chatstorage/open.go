package chatstorage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/attesta/attesta/evidence"

	_ "modernc.org/sqlite" // the "sqlite" driver
)

// Errors callers branch on.
var (
	ErrNotChatStorage = errors.New("not a WhatsApp ChatStorage.sqlite")
	ErrChatNotFound   = errors.New("chat not found")
)

// Apple's reference date: Core Data times are seconds since 2001-01-01 UTC.
const appleEpoch = 978307200

// required are the tables and columns the reader cannot do without.
var required = map[string][]string{
	"ZWACHATSESSION": {"Z_PK", "ZCONTACTJID", "ZSESSIONTYPE"},
	"ZWAMESSAGE":     {"Z_PK", "ZCHATSESSION", "ZISFROMME", "ZMESSAGEDATE", "ZMESSAGETYPE", "ZSTANZAID", "ZTEXT"},
}

// optional tables: what they would have said is absent when they are.
var optional = []string{"ZWAMEDIAITEM", "ZWAMESSAGEINFO", "ZWAGROUPMEMBER", "ZWAPHONENUMBERLIDPAIR"}

// DB is an open working copy of ChatStorage.sqlite.
type DB struct {
	path   string
	db     *sql.DB
	tables map[string]bool
	lids   map[string]string // LID user (digits) → phone digits, from LID.sqlite and ChatStorage
}

// Open opens the working copy at path (its -wal beside it is merged) and, when lidPath is not empty, the LID.sqlite
// copy at lidPath. Both are opened read-only. Errors name the file and wrap [ErrNotChatStorage] when the schema
// is not WhatsApp's.
func Open(ctx context.Context, path, lidPath string) (*DB, error) {
	db, err := openRO(path)
	if err != nil {
		return nil, err
	}
	d := &DB{path: path, db: db, tables: map[string]bool{}, lids: map[string]string{}}
	if err := d.checkSchema(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("chatstorage: %s: %w", path, err)
	}
	if d.tables["ZWAPHONENUMBERLIDPAIR"] {
		if err := loadLIDs(ctx, db, d.lids); err != nil {
			db.Close()
			return nil, fmt.Errorf("chatstorage: %s: ZWAPHONENUMBERLIDPAIR: %w", path, err)
		}
	}
	if lidPath != "" {
		if err := d.loadLIDFile(ctx, lidPath); err != nil {
			db.Close()
			return nil, err
		}
	}
	return d, nil
}

func openRO(path string) (*sql.DB, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(abs); err != nil {
		return nil, fmt.Errorf("chatstorage: %w", err)
	}
	u := url.URL{Scheme: "file", Path: abs, RawQuery: "mode=ro&_pragma=query_only(1)"}
	db, err := sql.Open("sqlite", u.String())
	if err != nil {
		return nil, fmt.Errorf("chatstorage: %s: %w", path, err)
	}
	return db, nil
}

func (d *DB) loadLIDFile(ctx context.Context, lidPath string) error {
	ldb, err := openRO(lidPath)
	if err != nil {
		return err
	}
	defer ldb.Close()
	if err := loadLIDs(ctx, ldb, d.lids); err != nil {
		return fmt.Errorf("chatstorage: %s: ZWAPHONENUMBERLIDPAIR: %w: %v", lidPath, ErrNotChatStorage, err)
	}
	return nil
}

func loadLIDs(ctx context.Context, db *sql.DB, into map[string]string) error {
	rows, err := db.QueryContext(ctx, "SELECT ZLID, ZPHONENUMBER FROM ZWAPHONENUMBERLIDPAIR")
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var lid, phone sql.NullString
		if err := rows.Scan(&lid, &phone); err != nil {
			return err
		}
		if l, p := userDigits(lid.String), userDigits(phone.String); l != "" && p != "" {
			into[l] = p
		}
	}
	return rows.Err()
}

func (d *DB) checkSchema(ctx context.Context) error {
	rows, err := d.db.QueryContext(ctx, "SELECT name FROM sqlite_master WHERE type = 'table'")
	if err != nil {
		return fmt.Errorf("%w: %v", ErrNotChatStorage, err)
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return err
		}
		d.tables[name] = true
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("%w: %v", ErrNotChatStorage, err)
	}
	for table, cols := range required {
		if !d.tables[table] {
			return fmt.Errorf("%w: no table %s", ErrNotChatStorage, table)
		}
		have, err := d.columns(ctx, table)
		if err != nil {
			return err
		}
		for _, c := range cols {
			if !have[c] {
				return fmt.Errorf("%w: table %s has no column %s", ErrNotChatStorage, table, c)
			}
		}
	}
	return nil
}

func (d *DB) columns(ctx context.Context, table string) (map[string]bool, error) {
	rows, err := d.db.QueryContext(ctx, "SELECT name FROM pragma_table_info(?)", table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols := map[string]bool{}
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, err
		}
		cols[c] = true
	}
	return cols, rows.Err()
}

// Close releases the database.
func (d *DB) Close() error { return d.db.Close() }

// Absent lists the optional tables the database lacks.
func (d *DB) Absent() []string {
	var out []string
	for _, t := range optional {
		if !d.tables[t] {
			out = append(out, t)
		}
	}
	return out
}

// Chat is one chat session.
type Chat struct {
	PK    int64
	JID   string // as stored
	Group bool
	Phone string // E.164 of the person; "" for a group or an unmapped LID
	LID   string // the person's LID JID, when the chat is on one
	Name  string // ZPARTNERNAME
}

// Evidence returns the chat as the evidence records it; phone JIDs are written in WhatsApp Web's form
// (<digits>@c.us), as every capture path does.
func (c Chat) Evidence(client, name string) evidence.Chat {
	jid := c.JID
	if user, ok := strings.CutSuffix(jid, "@s.whatsapp.net"); ok {
		jid = user + "@c.us"
	}
	return evidence.Chat{Phone: client, Name: name, JID: jid}
}

// FindChat finds the one-to-one chat with the person at phone (E.164): by the phone JID, else by a LID that the
// LID pairs map to that number. [ErrChatNotFound] when neither exists.
func (d *DB) FindChat(ctx context.Context, phone string) (Chat, error) {
	digits := userDigits(phone)
	if c, err := d.chatByJID(ctx, digits+"@s.whatsapp.net"); err == nil || !errors.Is(err, ErrChatNotFound) {
		return c, err
	}
	for lid, p := range d.lids {
		if p != digits {
			continue
		}
		c, err := d.chatByJID(ctx, lid+"@lid")
		if err == nil {
			c.Phone, c.LID = "+"+digits, lid+"@lid"
		}
		if err == nil || !errors.Is(err, ErrChatNotFound) {
			return c, err
		}
	}
	return Chat{}, fmt.Errorf("chatstorage: %s: %w", phone, ErrChatNotFound)
}

func (d *DB) chatByJID(ctx context.Context, jid string) (Chat, error) {
	c := Chat{JID: jid}
	var stype sql.NullInt64
	var name sql.NullString
	err := d.db.QueryRowContext(ctx, "SELECT Z_PK, ZSESSIONTYPE, ZPARTNERNAME FROM ZWACHATSESSION WHERE ZCONTACTJID = ? ORDER BY Z_PK LIMIT 1", jid).
		Scan(&c.PK, &stype, &name)
	if errors.Is(err, sql.ErrNoRows) {
		return c, ErrChatNotFound
	}
	if err != nil {
		return c, fmt.Errorf("chatstorage: %s: ZWACHATSESSION: %w", d.path, err)
	}
	c.Group, c.Name = stype.Int64 == 1 || strings.HasSuffix(jid, "@g.us"), name.String
	if strings.HasSuffix(jid, "@s.whatsapp.net") {
		c.Phone = "+" + userDigits(jid)
	}
	return c, nil
}

// FindGroup finds a group chat by its JID (<id>@g.us).
func (d *DB) FindGroup(ctx context.Context, jid string) (Chat, error) {
	c, err := d.chatByJID(ctx, jid)
	if errors.Is(err, ErrChatNotFound) {
		return c, fmt.Errorf("chatstorage: %s: %w", jid, ErrChatNotFound)
	}
	return c, err
}

func userDigits(s string) string { return evidence.PhoneDigits(s) }
