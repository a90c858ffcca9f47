package msgstore_test

import (
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/attesta/attesta/capture/android/msgstore"
	"github.com/attesta/attesta/capture/android/msgstore/msgstoretest"
	"github.com/attesta/attesta/internal/testvectors"
)

// smallTruth is a chat of a few messages, enough for a database of several pages.
func smallTruth() msgstoretest.Truth {
	truth, _ := scripted()
	return truth
}

// alter opens a fixture writable (it is the test's own copy, never evidence) and runs statements on it.
func alter(t *testing.T, path string, stmts ...string) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

func writeFile(t *testing.T, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "msgstore.db")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestOpenRefuses(t *testing.T) {
	fixture := func(t *testing.T) string { return writeFixture(t, msgstoretest.WriteModern, smallTruth()) }
	// altered is the fixture changed by stmts; created, a database made of stmts alone; beside, the fixture with a
	// sidecar file of that suffix.
	altered := func(stmts ...string) func(t *testing.T) string {
		return func(t *testing.T) string {
			p := fixture(t)
			alter(t, p, stmts...)
			return p
		}
	}
	created := func(stmts ...string) func(t *testing.T) string {
		return func(t *testing.T) string {
			p := writeFile(t, nil)
			os.Remove(p)
			alter(t, p, stmts...)
			return p
		}
	}
	beside := func(suffix string, data []byte) func(t *testing.T) string {
		return func(t *testing.T) string {
			p := fixture(t)
			os.WriteFile(p+suffix, data, 0o644)
			return p
		}
	}
	crypt15, err := os.ReadFile(testvectors.Path(t, "wa-crypt-tools", "msgstore.db.crypt15"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		path    func(t *testing.T) string
		wantErr error
		mention []string
	}{
		{"empty file", func(t *testing.T) string { return writeFile(t, nil) }, msgstore.ErrNotSQLite, nil},
		{"text file", func(t *testing.T) string { return writeFile(t, []byte("numero;nominativo\n")) },
			msgstore.ErrNotSQLite, []string{"SQLite header"}},
		{"encrypted backup", func(t *testing.T) string { return writeFile(t, crypt15) }, msgstore.ErrNotSQLite, nil},
		{"header only", func(t *testing.T) string {
			data, _ := os.ReadFile(fixture(t))
			return writeFile(t, data[:60])
		}, msgstore.ErrCorrupt, []string{"100-byte header"}},
		{"truncated", func(t *testing.T) string {
			data, _ := os.ReadFile(fixture(t))
			return writeFile(t, data[:len(data)/2])
		}, msgstore.ErrCorrupt, []string{"header says"}},
		{"truncated, header count not valid", func(t *testing.T) string {
			data, _ := os.ReadFile(fixture(t))
			data = data[:len(data)/2]
			copy(data[92:96], []byte{0, 0, 0, 0}) // as files written by SQLite before 3.7.0
			return writeFile(t, data)
		}, msgstore.ErrCorrupt, []string{"malformed"}},
		{"directory", func(t *testing.T) string { return t.TempDir() }, msgstore.ErrNotSQLite, nil},
		{"missing file", func(t *testing.T) string { return filepath.Join(t.TempDir(), "none.db") }, os.ErrNotExist, nil},
		{"wal beside it", beside("-wal", []byte("x")), msgstore.ErrSidecar, []string{"msgstore.db-wal"}},
		{"journal beside it", beside("-journal", nil), msgstore.ErrSidecar, []string{"msgstore.db-journal"}},
		{"no message table", created("CREATE TABLE wa_contacts (jid TEXT)", "CREATE TABLE other (x)"),
			msgstore.ErrUnknownSchema, []string{"neither a message nor a messages table", `"wa_contacts"`}},
		{"no jid table", altered("DROP TABLE jid"), msgstore.ErrUnknownSchema, []string{"without table jid"}},
		{"no key_id column", altered("DROP INDEX message_key_index", "ALTER TABLE message DROP COLUMN key_id"),
			msgstore.ErrUnknownSchema, []string{"table message has no column key_id"}},
		{"receipt table of another shape", altered("ALTER TABLE receipt_user DROP COLUMN read_timestamp"),
			msgstore.ErrUnknownSchema, []string{"receipt_user has no column read_timestamp"}},
		{"legacy without key_remote_jid", created("CREATE TABLE messages (_id INTEGER PRIMARY KEY, key_id TEXT)"),
			msgstore.ErrUnknownSchema, []string{"table messages has no column key_remote_jid"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := tt.path(t)
			db, err := msgstore.Open(t.Context(), path)
			if err == nil {
				db.Close()
				t.Fatalf("Open succeeded, want %v", tt.wantErr)
			}
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("error %v, want %v", err, tt.wantErr)
			}
			for _, m := range append(tt.mention, path) {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("error %q does not mention %q", err, m)
				}
			}
		})
	}
}

// TestCorruptPages damages pages after the schema: Open may still succeed, but reading must fail clearly (never
// panic or return made-up rows), and Check must say the file is corrupt.
func TestCorruptPages(t *testing.T) {
	data, err := os.ReadFile(writeFixture(t, msgstoretest.WriteModern, smallTruth()))
	if err != nil {
		t.Fatal(err)
	}
	for i := 4096 * 2; i < len(data); i++ {
		data[i] ^= 0x5a
	}
	path := writeFile(t, data)
	checkUntouched(t, path)
	db, err := msgstore.Open(t.Context(), path)
	if err != nil {
		if !errors.Is(err, msgstore.ErrCorrupt) {
			t.Fatalf("Open: %v, want ErrCorrupt", err)
		}
		return
	}
	defer db.Close()
	if err := db.Check(t.Context()); !errors.Is(err, msgstore.ErrCorrupt) {
		t.Errorf("Check: %v, want ErrCorrupt", err)
	}
	chats, err := db.Chats(t.Context())
	if err != nil {
		if !strings.Contains(err.Error(), path) {
			t.Errorf("error %q does not name the file", err)
		}
		return
	}
	failed := false
	for _, c := range chats {
		if _, err := db.History(t.Context(), c); err != nil {
			failed = true
			if !strings.Contains(err.Error(), path) {
				t.Errorf("error %q does not name the file", err)
			}
		}
	}
	if !failed && len(chats) > 0 {
		t.Log("corruption did not reach the pages read; Check caught it")
	}
}

func TestMessagesUnknownChat(t *testing.T) {
	db := openDB(t, writeFixture(t, msgstoretest.WriteModern, smallTruth()))
	for _, chat := range []msgstore.ChatInfo{{}, {JID: "x@s.whatsapp.net"}} {
		for _, err := range db.Messages(t.Context(), chat, time.Time{}, time.Time{}) {
			if !errors.Is(err, msgstore.ErrChatNotFound) {
				t.Errorf("chat %+v: error %v, want ErrChatNotFound", chat, err)
			}
		}
	}
	// A chat row id that does not exist is an empty history, not an error.
	h, err := db.History(t.Context(), msgstore.ChatInfo{RowID: 999, JID: "x@s.whatsapp.net"})
	if err != nil || len(h) != 0 {
		t.Errorf("History of a missing chat row: %v, %d messages", err, len(h))
	}
	legacy := openDB(t, writeFixture(t, msgstoretest.WriteLegacy, smallTruth()))
	for _, err := range legacy.Messages(t.Context(), msgstore.ChatInfo{}, time.Time{}, time.Time{}) {
		if !errors.Is(err, msgstore.ErrChatNotFound) {
			t.Errorf("legacy: error %v, want ErrChatNotFound", err)
		}
	}
}

// TestHostileValues stores values of the wrong SQLite type and odd JIDs: parsing goes on and the raw row keeps them.
func TestHostileValues(t *testing.T) {
	truth := msgstoretest.Truth{
		Contacts: []string{"<script>@s.whatsapp.net", "12@lid"},
		Chats: []msgstoretest.Chat{{JID: "not a jid", Messages: []msgstoretest.Message{
			{KeyID: "H1", Time: at(0), Text: "x", Raw: map[string]any{"timestamp": "yesterday", "message_type": 3.5,
				"status": "13", "from_me": 1}},
			{KeyID: "H2", Time: at(1), Raw: map[string]any{"key_id": strings.Repeat("k", 10000), "timestamp": -5}},
			{KeyID: "H3", Time: at(2), Raw: map[string]any{"sender_jid_row_id": 424242, "text_data": nil}},
		}}},
	}
	db := openDB(t, writeFixture(t, msgstoretest.WriteModern, truth))
	chats, err := db.Chats(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(chats) != 1 || chats[0].Kind != msgstore.ChatUnknown && chats[0].Phone != "" {
		t.Fatalf("chats %+v", chats)
	}
	n := 0
	for r, err := range db.Messages(t.Context(), chats[0], time.Time{}, time.Time{}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
		checkJSON(t, "hostile", r.RawRow)
		if r.Message.ID == "H1" && (r.Message.SentAt.Known() || r.Message.Ack.String() != "3 READ") {
			t.Errorf("H1: sent_at %s ack %v; want unknown time and the status read from text", r.Message.SentAt,
				r.Message.Ack)
		}
	}
	if n != 3 {
		t.Errorf("%d messages, want 3", n)
	}
}

// TestWithoutOptionalTables: a database older than LIDs and receipts still reads; what the missing tables would
// have said is absent and Schema says which they are.
func TestWithoutOptionalTables(t *testing.T) {
	path := writeFixture(t, msgstoretest.WriteModern, smallTruth())
	alter(t, path, "DROP TABLE jid_map", "DROP TABLE receipt_device", "DROP TABLE message_edit_info")
	db := openDB(t, path)
	if got := db.Schema().Absent; !slices.Equal(got, []string{"jid_map", "receipt_device", "message_edit_info"}) {
		t.Errorf("absent %v", got)
	}
	if _, err := db.FindChat(t.Context(), phoneB); !errors.Is(err, msgstore.ErrChatNotFound) {
		t.Errorf("LID chat found without jid_map: %v", err)
	}
	chat := mustFindChat(t, db, phoneA)
	history := mustHistory(t, db, chat)
	for _, m := range history {
		if m.ID == "A08" && m.Edited {
			t.Error("A08 edited without message_edit_info")
		}
		if m.ID == "A01" && len(m.Receipts) != 2 {
			t.Errorf("A01 receipts %v, want the two receipt_user times only", m.Receipts)
		}
	}
}
