package msgstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"

	"github.com/attesta/attesta/evidence"
)

// WhatsApp's JID servers.
const (
	serverPhone     = "s.whatsapp.net" // a phone number (Android's form of WhatsApp Web's c.us)
	serverPhoneWeb  = "c.us"
	serverLID       = "lid" // an opaque id that hides the phone number
	serverGroup     = "g.us"
	serverBroadcast = "broadcast"
)

// jidRow is one row of the jid table, reduced to the user: devices fold onto their user.
type jidRow struct {
	user, server string
}

func (j jidRow) String() string {
	if j.user == "" && j.server == "" {
		return ""
	}
	return j.user + "@" + j.server
}

// jidIndex holds the jid and jid_map tables, which are small next to the messages (one row per contact and device).
type jidIndex struct {
	rows  map[int64]jidRow
	users map[jidRow]int64 // user JID → the row of the user itself (device 0), which jid_map refers to
	lidPN map[int64]int64  // LID row → phone row
	pnLID map[int64]int64  // phone row → LID row

	// people memoizes person: every receipt and every group message names one, and working it out allocates.
	peopleMu sync.Mutex
	people   map[int64]person
}

func (d *DB) jidIndex(ctx context.Context) (*jidIndex, error) {
	d.jidsOnce.Do(func() {
		d.jids, d.jidsErr = loadJIDs(ctx, d.db, d.schema.Has("jid_map"))
		if d.jidsErr != nil {
			d.jidsErr = fmt.Errorf("msgstore: %s: %w", d.path, classify(d.jidsErr))
		}
	})
	return d.jids, d.jidsErr
}

func loadJIDs(ctx context.Context, db *sql.DB, withMap bool) (*jidIndex, error) {
	ix := &jidIndex{rows: map[int64]jidRow{}, users: map[jidRow]int64{}, lidPN: map[int64]int64{},
		pnLID: map[int64]int64{}}
	var id int64
	var user, server sql.NullString
	var device sql.NullInt64
	err := scanRows(ctx, db, "read table jid",
		"SELECT _id, CAST(user AS TEXT), CAST(server AS TEXT), device FROM jid ORDER BY _id", nil,
		[]any{&id, &user, &server, &device}, func() {
			j := splitJID(user.String + "@" + server.String)
			ix.rows[id] = j
			if _, seen := ix.users[j]; !seen && device.Int64 == 0 {
				ix.users[j] = id
			}
		})
	if err != nil {
		return nil, err
	}
	if !withMap {
		return ix, nil
	}
	var lid, pn sql.NullInt64
	err = scanRows(ctx, db, "read table jid_map", "SELECT lid_row_id, jid_row_id FROM jid_map ORDER BY lid_row_id", nil,
		[]any{&lid, &pn}, func() {
			if lid.Valid && pn.Valid {
				ix.lidPN[lid.Int64] = pn.Int64
				ix.pnLID[pn.Int64] = lid.Int64
			}
		})
	if err != nil {
		return nil, err
	}
	return ix, nil
}

// person is who a JID row stands for: the user JID as stored, the phone JID behind a LID (or the JID itself), the
// LID of a phone JID when known, and the E.164 number when the phone JID has one.
type person struct {
	jid, phoneJID, lid, phone string
}

// person is who jid row id names, and whether the row exists.
func (ix *jidIndex) person(id int64) (person, bool) {
	ix.peopleMu.Lock()
	defer ix.peopleMu.Unlock()
	if p, ok := ix.people[id]; ok {
		return p, true
	}
	p, ok := ix.newPerson(id)
	if ok {
		if ix.people == nil {
			ix.people = map[int64]person{}
		}
		ix.people[id] = p
	}
	return p, ok
}

func (ix *jidIndex) newPerson(id int64) (person, bool) {
	j, ok := ix.rows[id]
	if !ok {
		return person{}, false
	}
	p := person{jid: j.String()}
	if user, ok := ix.users[j]; ok {
		id = user // a device row: jid_map maps the user's row
	}
	switch j.server {
	case serverLID:
		p.lid = p.jid
		if pn, ok := ix.rows[ix.lidPN[id]]; ok && ix.lidPN[id] != 0 {
			p.phoneJID = pn.String()
			p.phone = phoneOf(pn.user, pn.server)
		}
	case serverPhone:
		p.phoneJID, p.phone = p.jid, phoneOf(j.user, j.server)
		if lid, ok := ix.rows[ix.pnLID[id]]; ok && ix.pnLID[id] != 0 {
			p.lid = lid.String()
		}
	}
	return p, true
}

// name is how the evidence names the person: the E.164 number when known, else the JID.
func (p person) name() string {
	if p.phone != "" {
		return p.phone
	}
	return p.jid
}

// matches reports whether q is the same person (by phone JID, LID or JID).
func (p person) matches(q person) bool {
	switch {
	case p.jid != "" && p.jid == q.jid:
		return true
	case p.phoneJID != "" && p.phoneJID == q.phoneJID:
		return true
	case p.lid != "" && p.lid == q.lid:
		return true
	}
	return false
}

// phoneOf returns the E.164 number of a phone JID's user part, or "" when it is not one.
func phoneOf(user, server string) string {
	if server != serverPhone && server != serverPhoneWeb {
		return ""
	}
	if i := strings.IndexAny(user, ".:"); i >= 0 { // a device JID's user part ("393…:12", "393….0:12")
		user = user[:i]
	}
	if user == "" || strings.Trim(user, "0123456789") != "" {
		return ""
	}
	e164, err := evidence.NormalizePhone("+"+user, "")
	if err != nil {
		return ""
	}
	return e164
}

// splitJID splits a JID string into its user (device suffix removed) and server.
func splitJID(s string) jidRow {
	user, server, ok := strings.Cut(s, "@")
	if !ok {
		return jidRow{user: s}
	}
	if i := strings.IndexAny(user, ".:"); i >= 0 && server != serverGroup {
		user = user[:i]
	}
	return jidRow{user: user, server: server}
}

// personOfJID is person for the legacy layout, where JIDs are strings and there is no LID map.
func personOfJID(s string) person {
	j := splitJID(s)
	p := person{jid: j.String()}
	switch j.server {
	case serverLID:
		p.lid = p.jid
	case serverPhone:
		p.phoneJID, p.phone = p.jid, phoneOf(j.user, j.server)
	}
	return p
}
