package iostest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Big says what [WriteBigBackup] writes: the backup of the performance benchmarks.
type Big struct {
	Messages int // messages besides the client's chat, dealt over Chats one-to-one chats of strangers
	Chats    int
	// MediaBytes is the total size of the media files the messages carry, in the backup as WhatsApp keeps them
	// (Message/Media/…): photos of 80–400 KB and one video in ten of 2–16 MB, as many as make this size.
	MediaBytes int64
	Day        time.Time // the day of the client's chat (Sample's); the strangers' messages lead up to it
	BackupOptions
}

// BigResult is what [WriteBigBackup] wrote.
type BigResult struct {
	Files      int   // files in the backup
	MediaFiles int   // of which media files of messages
	MediaBytes int64 // their total size
	DBBytes    int64 // ChatStorage.sqlite's size
	// Chats are the strangers' chat JIDs in order; Chats[i] holds every Chats-th message from the i-th.
	Chats []string
}

// BulkJID is the JID of the i-th stranger's chat of the bulk databases.
func BulkJID(i int) string { return fmt.Sprintf("39380%07d@s.whatsapp.net", i) }

// WriteBigBackup writes at dir (created) a WhatsApp backup holding Sample's client chat on b.Day and b.Messages
// more messages over b.Chats chats, about b.MediaBytes of them in media files. Everything but the keys is
// deterministic: the same Big gives the same database and the same media files, whose content is a JPEG's or an
// MP4's signature around incompressible bytes drawn from ChaCha8 seeded by the file's number. Nothing large is
// held in memory: the files are generated and encrypted a megabyte at a time.
func WriteBigBackup(ctx context.Context, dir string, b Big) (BigResult, error) {
	var res BigResult
	if b.Chats < 1 || b.Messages < b.Chats {
		return res, fmt.Errorf("iostest: big backup: want 1 <= chats <= messages, got %d chats, %d messages", b.Chats, b.Messages)
	}
	media := planMedia(b.MediaBytes)
	if len(media) > b.Messages {
		return res, fmt.Errorf("iostest: big backup: %d media files for %d messages", len(media), b.Messages)
	}
	work, err := os.MkdirTemp("", "iostest-big-")
	if err != nil {
		return res, err
	}
	defer os.RemoveAll(work)
	cs := filepath.Join(work, "ChatStorage.sqlite")
	every := b.Messages / max(len(media), 1)
	if err := writeBulk(ctx, cs, b.Messages, b.Chats, b.Day, media, every); err != nil {
		return res, err
	}
	lid := filepath.Join(work, "LID.sqlite")
	if err := WriteLID(ctx, lid, Sample(b.Day).LIDs); err != nil {
		return res, err
	}
	var files []BackupFile
	for _, p := range []string{cs, lid} {
		fi, err := os.Stat(p)
		if err != nil {
			return res, err
		}
		files = append(files, BackupFile{Domain: DomainWhatsApp, RelativePath: filepath.Base(p), Size: fi.Size(), Open: opener(p)})
	}
	res.DBBytes = files[0].Size
	for _, m := range Sample(b.Day).Chats[0].Messages {
		if m.Media != nil && m.Media.Data != nil {
			files = append(files, BackupFile{Domain: DomainWhatsApp, RelativePath: "Message/" + m.Media.LocalPath, Data: m.Media.Data})
		}
	}
	for k, m := range media {
		files = append(files, BackupFile{Domain: DomainWhatsApp, RelativePath: "Message/" + m.path(k*every, b.Chats), Size: m.size,
			Open: func() (io.ReadCloser, error) { return io.NopCloser(MediaContent(k, m.size)), nil }})
		res.MediaBytes += m.size
	}
	res.Files, res.MediaFiles = len(files), len(media)
	for i := range b.Chats {
		res.Chats = append(res.Chats, BulkJID(i))
	}
	return res, WriteBackup(ctx, dir, files, b.BackupOptions)
}

func opener(p string) func() (io.ReadCloser, error) {
	return func() (io.ReadCloser, error) { return os.Open(p) }
}

// bigMedia is one planned media file.
type bigMedia struct {
	size  int64
	video bool
}

// path is where WhatsApp keeps the file of message i (relative to Message/).
func (m bigMedia) path(i, chats int) string {
	ext := ".jpg"
	if m.video {
		ext = ".mp4"
	}
	h := sha256.Sum256(binary.BigEndian.AppendUint64(nil, uint64(i)))
	return fmt.Sprintf("Media/%s/%x/%x/%x%s", BulkJID(i%chats), h[0]&0xf, h[1]&0xf, h[2:18], ext)
}

// planMedia deals sizes until they add up to total: photos of 80–400 KB, one file in ten a video of 2–16 MB.
func planMedia(total int64) []bigMedia {
	rng := rand.New(rand.NewPCG(0x1057, 0xB16))
	var out []bigMedia
	for left := total; left > 0; {
		m := bigMedia{size: 80<<10 + rng.Int64N(320<<10)}
		if rng.IntN(10) == 0 {
			m = bigMedia{size: 2<<20 + rng.Int64N(14<<20), video: true}
		}
		m.size = min(m.size, left)
		if m.size < 64 {
			m.size = 64
		}
		left -= m.size
		out = append(out, m)
	}
	return out
}

// MediaContent is the k-th media file of a big backup, size bytes: a JPEG's start and end markers around ChaCha8's
// stream seeded by k (an MP4's ftyp box for the videos, which are the files of 2 MB or more).
func MediaContent(k int, size int64) io.Reader {
	head, tail := []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"), []byte("\xff\xd9")
	if size >= 2<<20 {
		head, tail = []byte("\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"), nil
	}
	var seed [32]byte
	binary.BigEndian.PutUint64(seed[:], uint64(k))
	body := size - int64(len(head)+len(tail))
	return io.MultiReader(bytes.NewReader(head), io.LimitReader(rand.NewChaCha8(seed), body), bytes.NewReader(tail))
}

// writeBulk writes a ChatStorage.sqlite at path: Sample's client chat on day (without its WAL-only messages) and n
// messages over chats chats of strangers; every every-th message carries media[i/every].
func writeBulk(ctx context.Context, path string, n, chats int, day time.Time, media []bigMedia, every int) error {
	truth := Sample(day)
	truth.Chats = truth.Chats[:1]
	msgs := truth.Chats[0].Messages[:0:0]
	for _, m := range truth.Chats[0].Messages {
		if !m.InWAL {
			msgs = append(msgs, m)
		}
	}
	truth.Chats[0].Messages = msgs
	if _, err := WriteChatStorage(ctx, path, truth); err != nil {
		return err
	}
	db, err := sql.Open("sqlite", path+"?_pragma=journal_mode(DELETE)&_pragma=synchronous(OFF)")
	if err != nil {
		return err
	}
	defer db.Close()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for c := range chats {
		if _, err := tx.ExecContext(ctx, "INSERT INTO ZWACHATSESSION (Z_PK, Z_ENT, Z_OPT, ZCONTACTJID, ZSESSIONTYPE) VALUES (?, 4, 1, ?, 0)",
			c+10, BulkJID(c)); err != nil {
			return err
		}
	}
	msg, err := tx.PrepareContext(ctx, `INSERT INTO ZWAMESSAGE (Z_ENT, Z_OPT, ZCHATSESSION, ZISFROMME, ZMESSAGEDATE, ZMESSAGETYPE,
		ZMESSAGESTATUS, ZSTANZAID, ZTEXT) VALUES (9, 1, ?, ?, ?, ?, 8, ?, ?)`)
	if err != nil {
		return err
	}
	defer msg.Close()
	item, err := tx.PrepareContext(ctx, "INSERT INTO ZWAMEDIAITEM (Z_ENT, Z_OPT, ZMESSAGE, ZMEDIALOCALPATH, ZFILESIZE) VALUES (7, 1, ?, ?, ?)")
	if err != nil {
		return err
	}
	defer item.Close()
	link, err := tx.PrepareContext(ctx, "UPDATE ZWAMESSAGE SET ZMEDIAITEM = ? WHERE Z_PK = ?")
	if err != nil {
		return err
	}
	defer link.Close()
	base := appleSeconds(day.AddDate(0, -6, 0))
	for i := range n {
		var m *bigMedia
		if every > 0 && i%every == 0 && i/every < len(media) {
			m = &media[i/every]
		}
		typ, text := 0, any("Messaggio di prova numero "+fmt.Sprint(i))
		if m != nil {
			typ, text = 1, nil
			if m.video {
				typ = 2
			}
		}
		res, err := msg.ExecContext(ctx, 10+i%chats, (i/chats)%2, base+float64(i), typ, fmt.Sprintf("BULK%016X", i), text)
		if err != nil {
			return fmt.Errorf("iostest: message %d: %w", i, err)
		}
		if m == nil {
			continue
		}
		id, _ := res.LastInsertId()
		ires, err := item.ExecContext(ctx, id, m.path(i, chats), m.size)
		if err != nil {
			return fmt.Errorf("iostest: media of message %d: %w", i, err)
		}
		iid, _ := ires.LastInsertId()
		if _, err := link.ExecContext(ctx, iid, id); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	return db.Close()
}

// BulkList is an acquisition list (the CSV `attesta extract` reads) of the client's chat and the first listed
// strangers' chats of a big backup, over the six months before day.
func BulkList(day time.Time, listed int) string {
	var b strings.Builder
	from, to := day.AddDate(0, -6, -1).Format(time.DateOnly), day.AddDate(0, 0, 1).Format(time.DateOnly)
	fmt.Fprintf(&b, "numero;nominativo;dal;al\n%s;Mario Rossi;%s;%s\n", strings.TrimPrefix(ClientPhone, "+39"), from, to)
	for i := range listed {
		fmt.Fprintf(&b, "%s;Contatto %d;%s;%s\n", strings.TrimSuffix(strings.TrimPrefix(BulkJID(i), "39"), "@s.whatsapp.net"), i, from, to)
	}
	return b.String()
}
