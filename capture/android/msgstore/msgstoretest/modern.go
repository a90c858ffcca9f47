package msgstoretest

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
)

// WriteModern writes truth as a modern msgstore.db at path (which must not exist), with jid_map and
// message_edit_info as later WhatsApp versions have them, and WhatsApp's placeholder message row.
func WriteModern(ctx context.Context, path string, truth Truth) error {
	db, tx, err := open(ctx, path, ModernDDL+NewerDDL, max(truth.UserVersion, 1))
	if err != nil {
		return err
	}
	return finish(db, tx, writeModern(ctx, tx, truth))
}

type modernWriter struct {
	ctx  context.Context
	tx   *sql.Tx
	jids map[string]int64
}

// jid returns the row of a JID, creating it; "user.0:dev@server" style device JIDs get agent and device columns.
func (w *modernWriter) jid(raw string) (int64, error) {
	if raw == "" {
		return 0, nil
	}
	if id, ok := w.jids[raw]; ok {
		return id, nil
	}
	user, server, _ := strings.Cut(raw, "@")
	device, typ := 0, 0
	if u, d, ok := strings.Cut(user, ":"); ok {
		user, typ = u, 17
		for _, c := range d {
			device = device*10 + int(c-'0')
		}
	}
	switch server {
	case "g.us":
		typ = 1
	case "lid":
		typ = 18
	case "broadcast":
		typ = 5
	}
	res, err := exec(w.ctx, w.tx, "INSERT INTO jid (user, server, agent, device, type, raw_string) VALUES (?,?,?,?,?,?)",
		user, server, 0, device, typ, raw)
	if err != nil {
		return 0, err
	}
	id, _ := res.LastInsertId()
	w.jids[raw] = id
	return id, nil
}

func writeModern(ctx context.Context, tx *sql.Tx, truth Truth) error {
	w := &modernWriter{ctx: ctx, tx: tx, jids: map[string]int64{}}
	// WhatsApp's own placeholder row, as in the real sample.
	if _, err := exec(ctx, tx, "INSERT INTO message (_id, chat_row_id, from_me, key_id, sort_id) VALUES (1, -1, 0, '-1', 0)"); err != nil {
		return err
	}
	for _, c := range truth.Contacts {
		if _, err := w.jid(c); err != nil {
			return err
		}
	}
	for _, c := range truth.Chats {
		if err := w.chat(c); err != nil {
			return err
		}
	}
	return nil
}

func (w *modernWriter) chat(c Chat) error {
	jid, err := w.jid(c.JID)
	if err != nil {
		return err
	}
	if c.PhoneJID != "" {
		pn, err := w.jid(c.PhoneJID)
		if err != nil {
			return err
		}
		if _, err := exec(w.ctx, w.tx, "INSERT INTO jid_map (lid_row_id, jid_row_id, sort_id) VALUES (?,?,0)", jid, pn); err != nil {
			return err
		}
	}
	var subject any
	if c.Subject != "" {
		subject = c.Subject
	}
	res, err := exec(w.ctx, w.tx, "INSERT INTO chat (jid_row_id, hidden, subject, created_timestamp) VALUES (?,0,?,0)",
		jid, subject)
	if err != nil {
		return err
	}
	chatID, _ := res.LastInsertId()
	for _, m := range c.Messages {
		if err := w.message(chatID, m); err != nil {
			return err
		}
	}
	return nil
}

func (w *modernWriter) message(chatID int64, m Message) error {
	sender, err := w.jid(m.Author)
	if err != nil {
		return err
	}
	typ := m.Type
	if m.Revoked {
		typ = 15
	}
	var text any
	if m.Text != "" && !m.Revoked {
		text = m.Text
	}
	res, err := exec(w.ctx, w.tx, `INSERT INTO message (chat_row_id, from_me, key_id, sender_jid_row_id, status,
		broadcast, recipient_count, origination_flags, origin, timestamp, received_timestamp, receipt_server_timestamp,
		message_type, text_data, starred, lookup_tables, message_add_on_flags, sort_id)
		VALUES (?,?,?,?,?,0,0,0,0,?,?,?,?,?,0,0,0,0)`,
		chatID, b2i(m.FromMe), m.KeyID, sender, m.Status, ms(m.Time), ms(m.Time)+40, ms(m.Time)/1000*1000+1000, typ, text)
	if err != nil {
		return err
	}
	id, _ := res.LastInsertId()
	if _, err := exec(w.ctx, w.tx, "UPDATE message SET sort_id = _id WHERE _id = ?", id); err != nil {
		return err
	}
	if err := w.parts(chatID, id, m); err != nil {
		return err
	}
	return setRaw(w.ctx, w.tx, "message", id, m.Raw)
}

func (w *modernWriter) parts(chatID, id int64, m Message) error {
	if md := m.Media; md != nil && !m.Revoked {
		if _, err := exec(w.ctx, w.tx, `INSERT INTO message_media (message_row_id, chat_row_id, file_path, file_size,
			mime_type, file_length, media_name, file_hash, transferred) VALUES (?,?,?,?,?,?,?,?,1)`,
			id, chatID, nullable(md.Path), md.Size, md.MIME, md.Size, nullable(md.Name), nullable(md.FileHash)); err != nil {
			return err
		}
	}
	if m.Quoted != "" {
		if _, err := exec(w.ctx, w.tx, `INSERT INTO message_quoted (message_row_id, chat_row_id,
			parent_message_chat_row_id, from_me, key_id, timestamp, message_type) VALUES (?,?,?,?,?,0,0)`,
			id, chatID, chatID, b2i(!m.FromMe), m.Quoted); err != nil {
			return err
		}
	}
	if m.Revoked {
		if _, err := exec(w.ctx, w.tx, "INSERT INTO message_revoked (message_row_id, revoked_key_id) VALUES (?,?)",
			id, m.KeyID+"-R"); err != nil {
			return err
		}
	}
	if m.Edited {
		if _, err := exec(w.ctx, w.tx, `INSERT INTO message_edit_info (message_row_id, original_key_id,
			edited_timestamp, sender_timestamp) VALUES (?,?,?,?)`, id, m.KeyID, ms(m.Time)+60000, ms(m.Time)+60000); err != nil {
			return err
		}
	}
	if m.System {
		if _, err := exec(w.ctx, w.tx, "INSERT INTO message_system (message_row_id, action_type) VALUES (?, 67)", id); err != nil {
			return err
		}
	}
	for _, r := range m.Receipts {
		user, err := w.jid(r.JID)
		if err != nil {
			return err
		}
		if _, err := exec(w.ctx, w.tx, `INSERT INTO receipt_user (message_row_id, receipt_user_jid_row_id,
			receipt_timestamp, read_timestamp, played_timestamp) VALUES (?,?,?,?,?)`,
			id, user, ms(r.Delivered), ms(r.Read), ms(r.Played)); err != nil {
			return err
		}
	}
	for _, r := range m.Devices {
		dev, err := w.jid(deviceJID(r.JID, r.Device))
		if err != nil {
			return err
		}
		if _, err := exec(w.ctx, w.tx, `INSERT INTO receipt_device (message_row_id, receipt_device_jid_row_id,
			receipt_device_timestamp, primary_device_version) VALUES (?,?,?,0)`, id, dev, ms(r.At)); err != nil {
			return err
		}
	}
	return nil
}

func deviceJID(user string, device int) string {
	if device == 0 {
		return user
	}
	u, s, _ := strings.Cut(user, "@")
	return u + ":" + strconv.Itoa(device) + "@" + s
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
