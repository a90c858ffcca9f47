package msgstoretest

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
)

// WriteLegacy writes truth as a legacy msgstore.db (table messages) at path. The legacy layout predates LIDs,
// edits and per-device receipts: LID chats, Edited and Devices are not written. One-to-one receipts go on the
// message row, group receipts into the receipts table.
func WriteLegacy(ctx context.Context, path string, truth Truth) error {
	db, tx, err := open(ctx, path, LegacyDDL, max(truth.UserVersion, 1))
	if err != nil {
		return err
	}
	return finish(db, tx, writeLegacy(ctx, tx, truth))
}

func writeLegacy(ctx context.Context, tx *sql.Tx, truth Truth) error {
	// WhatsApp's placeholder row, as in the real sample.
	if _, err := exec(ctx, tx, `INSERT INTO messages (_id, key_remote_jid, key_from_me, key_id, status, timestamp,
		media_wa_type, media_size, received_timestamp, receipt_server_timestamp, receipt_device_timestamp,
		read_device_timestamp, played_device_timestamp) VALUES (1,'-1',0,'-1',-1,0,'-1',-1,-1,-1,-1,-1,-1)`); err != nil {
		return err
	}
	for _, c := range truth.Chats {
		if strings.HasSuffix(c.JID, "@lid") {
			continue
		}
		for _, m := range c.Messages {
			if err := legacyMessage(ctx, tx, c, m); err != nil {
				return err
			}
		}
	}
	return nil
}

func legacyMessage(ctx context.Context, tx *sql.Tx, c Chat, m Message) error {
	group := strings.HasSuffix(c.JID, "@g.us")
	typ, status := m.Type, m.Status
	if m.Revoked {
		typ = 15
	}
	if m.System {
		status = 6
	}
	var data, caption, mime, name, hash any
	var size int64
	if !m.Revoked && m.Text != "" {
		if m.Media != nil {
			caption = m.Text
		} else {
			data = m.Text
		}
	}
	if md := m.Media; md != nil && !m.Revoked {
		mime, name, hash, size = nullable(md.MIME), nullable(md.Name), nullable(md.FileHash), md.Size
	}
	var quoted int64
	if m.Quoted != "" {
		res, err := exec(ctx, tx, "INSERT INTO messages_quotes (key_remote_jid, key_from_me, key_id) VALUES (?,?,?)",
			c.JID, b2i(!m.FromMe), m.Quoted)
		if err != nil {
			return err
		}
		quoted, _ = res.LastInsertId()
	}
	var delivered, read, played int64
	if !group && len(m.Receipts) > 0 {
		r := m.Receipts[0]
		delivered, read, played = ms(r.Delivered), ms(r.Read), ms(r.Played)
	}
	res, err := exec(ctx, tx, `INSERT INTO messages (key_remote_jid, key_from_me, key_id, status, needs_push, data,
		timestamp, media_mime_type, media_wa_type, media_size, media_name, media_caption, media_hash, remote_resource,
		received_timestamp, send_timestamp, receipt_server_timestamp, receipt_device_timestamp, read_device_timestamp,
		played_device_timestamp, quoted_row_id, edit_version) VALUES (?,?,?,?,0,?,?,?,?,?,?,?,?,?,?,-1,?,?,?,?,?,?)`,
		c.JID, b2i(m.FromMe), m.KeyID, status, data, ms(m.Time), mime, strconv.Itoa(typ), size, name, caption, hash,
		nullable(m.Author), ms(m.Time)+40, ms(m.Time)/1000*1000+1000, delivered, read, played, quoted,
		map[bool]int{true: 7}[m.Revoked])
	if err != nil {
		return err
	}
	id, _ := res.LastInsertId()
	if group {
		for _, r := range m.Receipts {
			if _, err := exec(ctx, tx, `INSERT INTO receipts (key_remote_jid, key_id, remote_resource,
				receipt_device_timestamp, read_device_timestamp, played_device_timestamp) VALUES (?,?,?,?,?,?)`,
				c.JID, m.KeyID, r.JID, ms(r.Delivered), ms(r.Read), ms(r.Played)); err != nil {
				return err
			}
		}
	}
	raw := make(map[string]any, len(m.Raw))
	for col, v := range m.Raw {
		if col == "text_data" {
			col = "data"
		}
		raw[col] = v
	}
	return setRaw(ctx, tx, "messages", id, raw)
}
