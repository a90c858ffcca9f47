package msgstore

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
)

// Contact is one row of wa.db's wa_contacts: a name the phone's owner (or WhatsApp) gave a JID.
type Contact struct {
	JID         string
	Phone       string // E.164 from the JID, when it is a phone JID
	Number      string // the address-book number as written, if any
	DisplayName string // the address-book name
	WAName      string // the name the contact set in WhatsApp (wa_name), when the column exists
}

// Name is the best name for the contact: the address-book name, else the WhatsApp name.
func (c Contact) Name() string {
	if c.DisplayName != "" {
		return c.DisplayName
	}
	return c.WAName
}

// Contacts reads the contacts of the wa.db at path, opened read-only and immutable as [Open] opens msgstore.db.
// The wa.db of a local backup is often an empty stub; an empty result is not an error.
func Contacts(ctx context.Context, path string) ([]Contact, error) {
	sdb, err := openReadOnly(ctx, path)
	if err != nil {
		return nil, err
	}
	defer sdb.Close()
	contacts, err := readContacts(ctx, sdb)
	if err != nil {
		return nil, fmt.Errorf("msgstore: contacts of %s: %w", path, classify(err))
	}
	return contacts, nil
}

func readContacts(ctx context.Context, sdb *sql.DB) ([]Contact, error) {
	all, err := tableNames(ctx, sdb)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(all, "wa_contacts") {
		return nil, fmt.Errorf("%w: no table wa_contacts (found %d tables: %s)", ErrUnknownSchema, len(all),
			summarize(all))
	}
	cols, err := tableColumns(ctx, sdb, "wa_contacts")
	if err != nil {
		return nil, err
	}
	for _, c := range []string{"jid", "display_name", "number"} {
		if !slices.Contains(cols, c) {
			return nil, fmt.Errorf("%w: table wa_contacts has no column %s (columns: %s)", ErrUnknownSchema, c,
				summarize(cols))
		}
	}
	waName := "NULL"
	if slices.Contains(cols, "wa_name") {
		waName = "CAST(wa_name AS TEXT)"
	}
	var out []Contact
	var jid, number, display, wa sql.NullString
	err = scanRows(ctx, sdb, "read table wa_contacts", "SELECT CAST(jid AS TEXT), CAST(number AS TEXT), "+
		"CAST(display_name AS TEXT), "+waName+" FROM wa_contacts ORDER BY _rowid_", nil,
		[]any{&jid, &number, &display, &wa}, func() {
			out = append(out, Contact{JID: jid.String, Phone: personOfJID(jid.String).phone, Number: number.String,
				DisplayName: display.String, WAName: wa.String})
		})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// NameChats fills the Name of each chat from contacts, matching the chat's JID, its phone JID or its LID.
func NameChats(chats []ChatInfo, contacts []Contact) {
	byJID := make(map[string]string, len(contacts))
	for _, c := range contacts {
		if n := c.Name(); n != "" && c.JID != "" {
			byJID[c.JID] = n
		}
	}
	for i := range chats {
		for _, j := range []string{chats[i].JID, chats[i].PhoneJID, chats[i].LID} {
			if n, ok := byJID[j]; ok && j != "" {
				chats[i].Name = n
				break
			}
		}
	}
}
