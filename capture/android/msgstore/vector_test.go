package msgstore_test

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/attesta/attesta/capture/android/msgstore"
	"github.com/attesta/attesta/evidence"
)

// The real msgstore.db of the public wa-crypt-tools vectors (WhatsApp 2.22.5.13): a migration-era database whose
// message table holds only WhatsApp's placeholder row while messages holds nine status updates.
const vectorSHA256 = "1425b944a2e3885fc936a7bb82f6548c5cc09523a2f61f02aa836c4ed8bbd16e"

func TestRealVector(t *testing.T) {
	path := vectorPath(t)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) != vectorSHA256 {
		t.Fatalf("%s: not the published vector", path)
	}
	// Opened in place: the vector directory is read-only and must stay exactly as it is.
	db := openDB(t, path)
	s := db.Schema()
	if s.Layout != msgstore.LayoutLegacy || !s.Transition || s.UserVersion != 1 {
		t.Errorf("schema %s transition=%t user_version=%d, want legacy transition 1", s.Layout, s.Transition,
			s.UserVersion)
	}
	if s.Props["receipt_user_ready"] != "2" || s.Props["msgtore_db_schema_version"] == "" {
		t.Errorf("props %v lack the migration flags", s.Props)
	}
	if err := db.Check(t.Context()); err != nil {
		t.Error(err)
	}
	chats, err := db.Chats(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(chats) != 1 || chats[0].JID != "status@broadcast" || chats[0].Kind != msgstore.ChatBroadcast {
		t.Fatalf("chats %+v, want the status broadcast only", chats)
	}
	var ids, paths []string
	for r, err := range db.Messages(t.Context(), chats[0], time.Time{}, time.Time{}) {
		if err != nil {
			t.Fatal(err)
		}
		m := r.Message
		ids = append(ids, m.ID)
		if m.FromMe || m.Author != "0@s.whatsapp.net" || m.SentAt.Known() {
			t.Errorf("%s: from_me=%t author=%q sent_at=%s; want an incoming status from WhatsApp with no time",
				m.ID, m.FromMe, m.Author, m.SentAt)
		}
		if r.Media == nil || (m.Type != evidence.TypeImage && m.Type != evidence.TypeVideo) {
			t.Errorf("%s: type %s media %v, want image or video media", m.ID, m.Type, r.Media)
			continue
		}
		if r.Media.PhonePath != "" {
			paths = append(paths, r.Media.PhonePath)
		}
		if _, ok := r.Media.SHA256(); !ok {
			t.Errorf("%s: media hash %q is not a base64 SHA-256", m.ID, r.Media.FileHash)
		}
		checkJSON(t, m.ID, r.RawRow)
	}
	if len(ids) != 9 || ids[0] != "1949745608522917871923533518570" {
		t.Errorf("messages %v, want the 9 status updates", ids)
	}
	if len(paths) != 2 || paths[0] != "Media/.Statuses/512f6126774046e9999b4be9a1d5c2a5.jpg" {
		t.Errorf("media paths %v, want the two downloaded statuses", paths)
	}
}

// TestVectorCopyNoSidecars opens a writable copy, where SQLite could create -wal, -shm or -journal files, and
// checks that none appears and the bytes do not change.
func TestVectorCopyNoSidecars(t *testing.T) {
	data, err := os.ReadFile(vectorPath(t))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "msgstore.db")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	db := openDB(t, path)
	chats, err := db.Chats(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range chats {
		if _, err := db.History(t.Context(), c); err != nil {
			t.Fatal(err)
		}
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if !slices.Equal(names, []string{"msgstore.db"}) {
		t.Errorf("directory holds %v after parsing", names)
	}
}
