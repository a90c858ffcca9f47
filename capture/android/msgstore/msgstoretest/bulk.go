package msgstoretest

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// BulkJID is the chat WriteBulk fills: BulkChatJID(0).
const BulkJID = "393330000001@s.whatsapp.net"

// BulkChatJID is the JID of chat c (0-based) of a bulk database: +39 333 000 0001, 0002, ...
func BulkChatJID(c int) string { return fmt.Sprintf("39333%07d@s.whatsapp.net", c+1) }

// BulkStart is the time of a bulk database's first message; message i is sent i minutes later.
var BulkStart = time.Date(2025, 1, 1, 8, 0, 0, 0, time.UTC)

// Bulk shapes a database written by WriteBulkChats.
type Bulk struct {
	// Messages is the number of messages, dealt to the chats in turn (message i goes to chat i % Chats).
	Messages int
	// Chats is the number of one-to-one chats; at least 1.
	Chats int
	// Words is the mean number of words of a message's text, drawn from a fixed Italian vocabulary by a
	// generator with a fixed seed (the same database every time); 0 means the short fixed text of WriteBulk.
	Words int
}

// WriteBulk writes a modern msgstore.db with one one-to-one chat of n messages, for benchmarks: every other message
// is sent by the owner with a receipt_user row (delivered and read) and a receipt_device row, and every tenth
// carries media.
func WriteBulk(ctx context.Context, path string, n int) error {
	return WriteBulkChats(ctx, path, Bulk{Messages: n, Chats: 1})
}

// WriteBulkChats is WriteBulk over b.Chats chats with texts of b.Words words: the database of the performance
// benchmarks (1,000,000 messages over 200 chats). It is deterministic: the same b gives the same rows.
func WriteBulkChats(ctx context.Context, path string, b Bulk) error {
	if b.Chats < 1 || b.Messages < 0 {
		return fmt.Errorf("msgstoretest: bulk of %d messages over %d chats", b.Messages, b.Chats)
	}
	db, tx, err := open(ctx, path, ModernDDL+NewerDDL, 1)
	if err != nil {
		return err
	}
	return finish(db, tx, writeBulk(ctx, &modernWriter{ctx: ctx, tx: tx, jids: map[string]int64{}}, b))
}

// bulkChat is one chat's rows: the peer's JID row and its device's.
type bulkChat struct{ peer, device int64 }

func writeBulk(ctx context.Context, w *modernWriter, b Bulk) error {
	chats := make([]bulkChat, b.Chats)
	for c := range chats {
		var err error
		if chats[c].peer, err = w.jid(BulkChatJID(c)); err != nil {
			return err
		}
		if chats[c].device, err = w.jid(deviceJID(BulkChatJID(c), 3)); err != nil {
			return err
		}
		if _, err := exec(ctx, w.tx, "INSERT INTO chat (_id, jid_row_id, hidden) VALUES (?, ?, 0)", c+1, chats[c].peer); err != nil {
			return err
		}
	}
	st, err := prepareBulk(ctx, w.tx)
	if err != nil {
		return err
	}
	defer st.close()
	text := newBulkText(b.Words)
	start := BulkStart.UnixMilli()
	for i := range b.Messages {
		if i%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		c, k := i%b.Chats, i/b.Chats
		if err := st.message(ctx, int64(i+2), int64(c+1), chats[c], start+int64(i)*60_000, k, text.next(i)); err != nil {
			return fmt.Errorf("msgstoretest: bulk message %d: %w", i, err)
		}
	}
	return nil
}

// bulkStatements are the prepared inserts of a bulk database.
type bulkStatements struct{ msg, user, dev, media *sql.Stmt }

func prepareBulk(ctx context.Context, tx *sql.Tx) (*bulkStatements, error) {
	var st bulkStatements
	queries := []struct {
		s **sql.Stmt
		q string
	}{
		{&st.msg, `INSERT INTO message (_id, chat_row_id, from_me, key_id, status, timestamp, received_timestamp,
			message_type, text_data, sort_id) VALUES (?,?,?,?,?,?,?,?,?,?)`},
		{&st.user, `INSERT INTO receipt_user (message_row_id, receipt_user_jid_row_id, receipt_timestamp,
			read_timestamp, played_timestamp) VALUES (?,?,?,?,0)`},
		{&st.dev, `INSERT INTO receipt_device (message_row_id, receipt_device_jid_row_id, receipt_device_timestamp,
			primary_device_version) VALUES (?,?,?,0)`},
		{&st.media, `INSERT INTO message_media (message_row_id, chat_row_id, file_path, file_size, mime_type,
			file_length, file_hash) VALUES (?,?,?,?,'image/jpeg',?,?)`},
	}
	for _, q := range queries {
		s, err := tx.PrepareContext(ctx, q.q)
		if err != nil {
			st.close()
			return nil, err
		}
		*q.s = s
	}
	return &st, nil
}

func (st *bulkStatements) close() {
	for _, s := range []*sql.Stmt{st.msg, st.user, st.dev, st.media} {
		if s != nil {
			s.Close()
		}
	}
}

// message inserts message id, the k-th of chat chatID, sent at (ms): every other one of the chat is the owner's,
// with receipts; every tenth an image.
func (st *bulkStatements) message(ctx context.Context, id, chatID int64, c bulkChat, at int64, k int, text string) error {
	fromMe, typ, status := k%2 == 0, 0, 0
	if fromMe {
		status = 13
	}
	if k%10 == 0 {
		typ = 1
	}
	if _, err := st.msg.ExecContext(ctx, id, chatID, b2i(fromMe), fmt.Sprintf("3EB0%016X", id), status, at, at+50,
		typ, text, id); err != nil {
		return err
	}
	if fromMe {
		if _, err := st.user.ExecContext(ctx, id, c.peer, at+2000, at+30000); err != nil {
			return err
		}
		if _, err := st.dev.ExecContext(ctx, id, c.device, at+2500); err != nil {
			return err
		}
	}
	if typ == 1 {
		if _, err := st.media.ExecContext(ctx, id, chatID, fmt.Sprintf("Media/WhatsApp Images/IMG-%d.jpg", id-2), 123456,
			123456, "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="); err != nil {
			return err
		}
	}
	return nil
}

// bulkVocabulary is what bulk texts are made of.
var bulkVocabulary = strings.Fields(`ciao buongiorno buonasera grazie prego allora domani oggi ieri stasera
	sì no forse certo va bene ok perfetto ricevuto arrivo subito dopo prima ancora sempre mai quando dove come perché
	il la lo gli le un una di da in con su per tra fra e o ma però quindi anche solo già
	casa lavoro ufficio studio avvocato udienza tribunale contratto fattura pagamento bonifico documento firma copia
	appuntamento riunione telefonata messaggio chiamata email lettera pratica cliente notaio banca conto affitto
	macchina treno stazione aeroporto strada centro città mare montagna cena pranzo colazione caffè pizza
	ti ho mandato il file ci vediamo alle tre ti richiamo appena posso fammi sapere quando sei libero
	lunedì martedì mercoledì giovedì venerdì sabato domenica gennaio febbraio marzo aprile maggio giugno
	mamma papà fratello sorella amico collega capo dottore farmacia ospedale scuola bambini
	ricordati di portare i documenti per la firma del contratto domattina alle nove in studio`)

// bulkText makes the deterministic texts of a bulk database.
type bulkText struct {
	words int
	rng   *rand.Rand
	buf   strings.Builder
}

func newBulkText(words int) *bulkText {
	return &bulkText{words: words, rng: rand.New(rand.NewPCG(0x617474, 0x657374))}
}

func (t *bulkText) next(i int) string {
	if t.words == 0 {
		return fmt.Sprintf("message %d with some ordinary text in it", i)
	}
	t.buf.Reset()
	n := 1 + t.rng.IntN(2*t.words)
	for k := range n {
		if k > 0 {
			t.buf.WriteByte(' ')
		}
		t.buf.WriteString(bulkVocabulary[t.rng.IntN(len(bulkVocabulary))])
	}
	return t.buf.String()
}
