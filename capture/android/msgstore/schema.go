package msgstore

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
)

// Layout is the generation of msgstore.db a database belongs to.
type Layout string

// Layouts.
const (
	// LayoutModern is WhatsApp ≥ 2.22: a message table keyed by chat_row_id, JIDs in a jid table, per-recipient
	// receipts in receipt_user and receipt_device.
	LayoutModern Layout = "modern"
	// LayoutLegacy is the older messages table keyed by key_remote_jid, with receipts on the row (one-to-one
	// chats) and in a receipts table (groups).
	LayoutLegacy Layout = "legacy"
)

// Schema is what [Open] found in a database.
type Schema struct {
	Layout      Layout
	UserVersion int64 // PRAGMA user_version
	// Transition is true when both the message and the messages tables exist (WhatsApp's migration era). The
	// layout is then modern if the message table holds any message of a chat, else legacy.
	Transition bool
	// Tables maps each table this package reads and found to its columns, in table order.
	Tables map[string][]string
	// Absent lists the optional tables this package would read and did not find (for example jid_map on a
	// database older than LIDs, or receipt_device): what they would have said is not in the output.
	Absent []string
	// Props are the key/value pairs of the props table when there is one (schema hashes, migration flags).
	Props map[string]string
}

// tableSpec is a table this package reads: the columns it needs (any other column is carried into RawRow only).
type tableSpec struct {
	name     string
	required bool
	columns  []string
}

var modernTables = []tableSpec{
	{"message", true, []string{"_id", "chat_row_id", "from_me", "key_id", "sender_jid_row_id", "status", "timestamp",
		"message_type", "text_data"}},
	{"chat", true, []string{"_id", "jid_row_id"}},
	{"jid", true, []string{"_id", "user", "server", "raw_string"}},
	{"jid_map", false, []string{"lid_row_id", "jid_row_id"}},
	{"receipt_user", false, []string{"message_row_id", "receipt_user_jid_row_id", "receipt_timestamp",
		"read_timestamp", "played_timestamp"}},
	{"receipt_device", false, []string{"message_row_id", "receipt_device_jid_row_id", "receipt_device_timestamp"}},
	{"message_media", false, []string{"message_row_id", "file_path", "mime_type", "file_hash"}},
	{"message_quoted", false, []string{"message_row_id", "key_id"}},
	{"message_revoked", false, []string{"message_row_id"}},
	{"message_edit_info", false, []string{"message_row_id"}},
	{"message_system", false, []string{"message_row_id"}},
}

var legacyTables = []tableSpec{
	{"messages", true, []string{"_id", "key_remote_jid", "key_from_me", "key_id", "status", "data", "timestamp",
		"media_wa_type"}},
	{"receipts", false, []string{"key_remote_jid", "key_id", "remote_resource", "receipt_device_timestamp",
		"read_device_timestamp", "played_device_timestamp"}},
	{"messages_quotes", false, []string{"_id", "key_id"}},
}

// detectSchema reads the table list and the columns of the tables this package knows, and picks the layout.
func detectSchema(ctx context.Context, db *sql.DB) (Schema, error) {
	s := Schema{Tables: map[string][]string{}}
	if err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&s.UserVersion); err != nil {
		return s, fmt.Errorf("read user_version: %w", err)
	}
	all, err := tableNames(ctx, db)
	if err != nil {
		return s, err
	}
	hasModern, hasLegacy := slices.Contains(all, "message"), slices.Contains(all, "messages")
	s.Transition = hasModern && hasLegacy
	switch {
	case hasModern && hasLegacy:
		s.Layout = LayoutLegacy
		if ok, err := modernHasMessages(ctx, db); err != nil {
			return s, err
		} else if ok {
			s.Layout = LayoutModern
		}
	case hasModern:
		s.Layout = LayoutModern
	case hasLegacy:
		s.Layout = LayoutLegacy
	default:
		return s, fmt.Errorf("%w: neither a message nor a messages table (found %d tables: %s)", ErrUnknownSchema,
			len(all), summarize(all))
	}
	specs := modernTables
	if s.Layout == LayoutLegacy {
		specs = legacyTables
	}
	for _, spec := range specs {
		if err := s.addTable(ctx, db, all, spec); err != nil {
			return s, err
		}
	}
	if slices.Contains(all, "props") {
		s.Props, err = readProps(ctx, db)
		if err != nil {
			return s, err
		}
	}
	return s, nil
}

func (s *Schema) addTable(ctx context.Context, db *sql.DB, all []string, spec tableSpec) error {
	if !slices.Contains(all, spec.name) {
		if spec.required {
			return fmt.Errorf("%w: %s layout without table %s (found %d tables: %s)", ErrUnknownSchema, s.Layout,
				spec.name, len(all), summarize(all))
		}
		s.Absent = append(s.Absent, spec.name)
		return nil
	}
	cols, err := tableColumns(ctx, db, spec.name)
	if err != nil {
		return err
	}
	for _, c := range spec.columns {
		if !slices.Contains(cols, c) {
			return fmt.Errorf("%w: table %s has no column %s (columns: %s)", ErrUnknownSchema, spec.name, c,
				summarize(cols))
		}
	}
	s.Tables[spec.name] = cols
	return nil
}

// Has reports whether the database has the table (among those this package reads).
func (s Schema) Has(table string) bool { _, ok := s.Tables[table]; return ok }

// modernHasMessages: in a transition database the message table may hold only WhatsApp's placeholder row
// (chat_row_id -1) while the messages table holds the history.
func modernHasMessages(ctx context.Context, db *sql.DB) (bool, error) {
	var ok bool
	err := db.QueryRowContext(ctx, "SELECT EXISTS(SELECT 1 FROM message WHERE chat_row_id > 0)").Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("probe table message: %w", err)
	}
	return ok, nil
}

func tableNames(ctx context.Context, db *sql.DB) ([]string, error) {
	var names []string
	var n string
	err := scanRows(ctx, db, "list tables", "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name", nil,
		[]any{&n}, func() { names = append(names, n) })
	if err != nil {
		return nil, err
	}
	return names, nil
}

func tableColumns(ctx context.Context, db *sql.DB, table string) ([]string, error) {
	// table comes from the fixed specs above, never from the database.
	var cols []string
	var c string
	err := scanRows(ctx, db, "columns of "+table, "SELECT name FROM pragma_table_info(?)", []any{table},
		[]any{&c}, func() { cols = append(cols, c) })
	if err != nil {
		return nil, err
	}
	return cols, nil
}

func readProps(ctx context.Context, db *sql.DB) (map[string]string, error) {
	rows, err := db.QueryContext(ctx, "SELECT CAST(key AS TEXT), CAST(value AS TEXT) FROM props")
	if err != nil {
		// A props table of another shape says nothing this package needs.
		return nil, nil
	}
	defer rows.Close()
	props := map[string]string{}
	for rows.Next() {
		var k, v sql.NullString
		if err := rows.Scan(&k, &v); err != nil {
			return nil, fmt.Errorf("read props: %w", err)
		}
		props[k.String] = v.String
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read props: %w", err)
	}
	return props, nil
}

// summarize lists names for an error message, clipped so that a hostile database cannot flood a log.
func summarize(names []string) string {
	const max = 12
	var b strings.Builder
	for i, n := range names {
		if i == max {
			fmt.Fprintf(&b, ", … (%d more)", len(names)-max)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(clip(n))
	}
	return b.String()
}

// clip quotes a string from the database for an error message, shortened.
func clip(s string) string {
	const max = 64
	if len(s) > max {
		s = s[:max] + "…"
	}
	return fmt.Sprintf("%q", s)
}
