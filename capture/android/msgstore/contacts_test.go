package msgstore_test

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/attesta/attesta/capture/android/msgstore"
	"github.com/attesta/attesta/capture/android/msgstore/msgstoretest"
)

// waContactsDDL is wa_contacts with the columns of a real wa.db.
const waContactsDDL = `CREATE TABLE wa_contacts (_id INTEGER PRIMARY KEY AUTOINCREMENT, jid TEXT NOT NULL,
is_whatsapp_user BOOLEAN NOT NULL, status TEXT, status_timestamp INTEGER, number TEXT, raw_contact_id INTEGER,
display_name TEXT, phone_type INTEGER, phone_label TEXT, unseen_msg_count INTEGER, photo_ts INTEGER,
thumb_ts INTEGER, photo_id_timestamp INTEGER, given_name TEXT, family_name TEXT, wa_name TEXT, sort_name TEXT,
nickname TEXT, company TEXT, title TEXT, status_autodownload_disabled INTEGER, keep_timestamp INTEGER,
is_spam_reported INTEGER, is_sidelist_synced BOOLEAN DEFAULT 0, is_business_synced BOOLEAN DEFAULT 0,
disappearing_mode_duration INTEGER, disappearing_mode_timestamp INTEGER)`

func TestContacts(t *testing.T) {
	path := filepath.Join(t.TempDir(), "wa.db")
	alter(t, path, waContactsDDL,
		`INSERT INTO wa_contacts (jid, is_whatsapp_user, number, display_name, wa_name) VALUES
		 ('393771151946@s.whatsapp.net', 1, '377 115 1946', 'Emanuel Celano', 'Ema'),
		 ('393401234567@s.whatsapp.net', 1, NULL, NULL, 'Lucia'),
		 ('120363000000000001@g.us', 0, NULL, 'Studio Rossi (rubrica)', NULL)`)
	checkUntouched(t, path)
	contacts, err := msgstore.Contacts(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	if len(contacts) != 3 || contacts[0].Phone != phoneA || contacts[0].Name() != "Emanuel Celano" ||
		contacts[1].Name() != "Lucia" || contacts[0].Number != "377 115 1946" {
		t.Fatalf("contacts %+v", contacts)
	}

	truth, _ := scripted()
	db := openDB(t, writeFixture(t, msgstoretest.WriteModern, truth))
	chats, err := db.Chats(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	msgstore.NameChats(chats, contacts)
	names := map[string]string{}
	for _, c := range chats {
		names[c.JID] = c.Name
	}
	want := map[string]string{jidClient: "Emanuel Celano", jidLID: "Lucia", jidGroup: "Studio Rossi (rubrica)", jidLIDChat: ""}
	for jid, n := range want {
		if names[jid] != n {
			t.Errorf("%s: name %q, want %q (through jid_map for the LID chat)", jid, names[jid], n)
		}
	}
}

func TestContactsRefuses(t *testing.T) {
	path := filepath.Join(t.TempDir(), "wa.db")
	alter(t, path, "CREATE TABLE wa_vnames (jid TEXT)")
	if _, err := msgstore.Contacts(t.Context(), path); !errors.Is(err, msgstore.ErrUnknownSchema) {
		t.Errorf("no wa_contacts: %v, want ErrUnknownSchema", err)
	}
	path2 := filepath.Join(t.TempDir(), "wa.db")
	alter(t, path2, "CREATE TABLE wa_contacts (jid TEXT, number TEXT)")
	if _, err := msgstore.Contacts(t.Context(), path2); !errors.Is(err, msgstore.ErrUnknownSchema) {
		t.Errorf("no display_name: %v, want ErrUnknownSchema", err)
	}
	if _, err := msgstore.Contacts(t.Context(), vectorPath(t)); !errors.Is(err, msgstore.ErrUnknownSchema) {
		t.Errorf("msgstore.db as wa.db: %v, want ErrUnknownSchema", err)
	}
}
