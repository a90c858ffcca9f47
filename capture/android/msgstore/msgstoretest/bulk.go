package msgstoretest

import (
	"context"
	"fmt"
	"time"
)

// BulkJID is the chat WriteBulk fills.
const BulkJID = "393330000001@s.whatsapp.net"

// WriteBulk writes a modern msgstore.db with one one-to-one chat of n messages, for benchmarks: every other message
// is sent by the owner with a receipt_user row (delivered and read) and a receipt_device row, and every tenth
// carries media.
func WriteBulk(ctx context.Context, path string, n int) error {
	db, tx, err := open(ctx, path, ModernDDL+NewerDDL, 1)
	if err != nil {
		return err
	}
	return finish(db, tx, func() error {
		w := &modernWriter{ctx: ctx, tx: tx, jids: map[string]int64{}}
		peer, err := w.jid(BulkJID)
		if err != nil {
			return err
		}
		device, err := w.jid(deviceJID(BulkJID, 3))
		if err != nil {
			return err
		}
		if _, err := exec(ctx, tx, "INSERT INTO chat (_id, jid_row_id, hidden) VALUES (1, ?, 0)", peer); err != nil {
			return err
		}
		msg, err := tx.PrepareContext(ctx, `INSERT INTO message (_id, chat_row_id, from_me, key_id, status,
			timestamp, received_timestamp, message_type, text_data, sort_id) VALUES (?,1,?,?,?,?,?,?,?,?)`)
		if err != nil {
			return err
		}
		defer msg.Close()
		user, err := tx.PrepareContext(ctx, `INSERT INTO receipt_user (message_row_id, receipt_user_jid_row_id,
			receipt_timestamp, read_timestamp, played_timestamp) VALUES (?,?,?,?,0)`)
		if err != nil {
			return err
		}
		defer user.Close()
		dev, err := tx.PrepareContext(ctx, `INSERT INTO receipt_device (message_row_id, receipt_device_jid_row_id,
			receipt_device_timestamp, primary_device_version) VALUES (?,?,?,0)`)
		if err != nil {
			return err
		}
		defer dev.Close()
		media, err := tx.PrepareContext(ctx, `INSERT INTO message_media (message_row_id, chat_row_id, file_path,
			file_size, mime_type, file_length, file_hash) VALUES (?,1,?,?,'image/jpeg',?,?)`)
		if err != nil {
			return err
		}
		defer media.Close()
		start := time.Date(2025, 1, 1, 8, 0, 0, 0, time.UTC).UnixMilli()
		for i := range n {
			id := int64(i + 2)
			at := start + int64(i)*60_000
			fromMe, typ, status := i%2 == 0, 0, 0
			if fromMe {
				status = 13
			}
			if i%10 == 0 {
				typ = 1
			}
			if _, err := msg.ExecContext(ctx, id, b2i(fromMe), fmt.Sprintf("3EB0%016X", id), status, at, at+50, typ,
				fmt.Sprintf("message %d with some ordinary text in it", i), id); err != nil {
				return fmt.Errorf("msgstoretest: bulk message %d: %w", i, err)
			}
			if fromMe {
				if _, err := user.ExecContext(ctx, id, peer, at+2000, at+30000); err != nil {
					return err
				}
				if _, err := dev.ExecContext(ctx, id, device, at+2500); err != nil {
					return err
				}
			}
			if typ == 1 {
				if _, err := media.ExecContext(ctx, id, fmt.Sprintf("Media/WhatsApp Images/IMG-%d.jpg", i), 123456,
					123456, "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="); err != nil {
					return err
				}
			}
		}
		return nil
	}())
}
