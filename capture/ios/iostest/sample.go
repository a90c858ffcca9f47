package iostest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"time"

	"github.com/attesta/attesta/evidence"
)

// Domains of WhatsApp's app group in a backup.
const (
	DomainWhatsApp = "AppDomainGroup-group.net.whatsapp.WhatsApp.shared"
	DomainBusiness = "AppDomainGroup-group.net.whatsapp.WhatsAppSMB.shared"
)

// The people of Sample.
const (
	ClientJID   = "393331112222@s.whatsapp.net"
	ClientPhone = "+393331112222"
	OwnerJID    = "393470000000@s.whatsapp.net"
	LIDJID      = "210987654321098@lid" // the second client, known by a LID
	LIDPhone    = "+393334445555"
	GroupJID    = "120363000000000001@g.us"
	OtherJID    = "393339998888@s.whatsapp.net" // a group member who is not the client
)

// Photo returns a small file standing for a photo, the same every time.
func Photo(n int) []byte { return bytes.Repeat([]byte{0xFF, 0xD8, byte(n), 0x42}, 300+n) }

// Expected is what the manifest must say about one message of Sample.
type Expected struct {
	SentAt    time.Time
	FromMe    bool
	Status    evidence.Status
	Basis     evidence.Basis // "" for an incoming message
	ReplyID   string
	Anomalies []string // capture and rule anomaly codes, in order
	// Attachment is the SHA-256 of the delivered file, or the Unavailable reason; "" when there is none.
	Attachment string
}

// Sample is the scripted phone of the tests and the demo, on day: a one-to-one chat with the client with every
// scenario (read, played, replied, delivered only, edited, revoked, media present, missing and altered; one message
// only in the WAL), a chat with a second client known by a LID, and a group. Expect gives the manifest each message must
// get under the receipt contract: readings of ZRECEIPTINFO and ZMESSAGESTATUS are inferred and never carry a
// verdict; a reply quoting the message establishes its delivery and proves it.
func Sample(day time.Time) Truth {
	at := func(min int) time.Time { return day.Add(time.Duration(min) * time.Minute) }
	rcpt := func(min, code int) *Receipt {
		return &Receipt{Recipient: ClientJID, Owner: OwnerJID, Time: at(min), Code: code}
	}
	return Truth{
		LIDs: map[string]string{LIDJID: "393334445555@s.whatsapp.net"},
		Chats: []Chat{
			{JID: ClientJID, Name: "Mario Rossi", Messages: []Message{
				{ID: "OUT-READ", FromMe: true, Time: at(0), Status: 8, Text: "Le comunico la disdetta del contratto.", Receipt: rcpt(5, 2)},
				{ID: "OUT-PLAYED", FromMe: true, Time: at(2), Type: 3, Status: 8, Receipt: rcpt(6, 3),
					Media: &Media{LocalPath: "Media/393331112222@s.whatsapp.net/a/b/voice-1.opus", Data: Photo(9)}},
				{ID: "OUT-REPLIED", FromMe: true, Time: at(10), Status: 6, Text: "Allego il preventivo.", Receipt: rcpt(11, 1)},
				{ID: "OUT-PHOTO", FromMe: true, Time: at(20), Type: 1, Status: 8, Receipt: rcpt(25, 2),
					Media: &Media{LocalPath: "Media/393331112222@s.whatsapp.net/c/d/photo-1.jpg", Title: "La foto del contatore.", Data: Photo(1)}},
				{ID: "IN-REPLY", Time: at(30), Text: "Ricevuto, grazie", Quoted: "OUT-REPLIED"},
				{ID: "IN-PHOTO-REPLY", Time: at(31), Text: "Vista la foto", Quoted: "OUT-PHOTO"},
				{ID: "OUT-DELIVERED", FromMe: true, Time: at(40), Status: 6, Text: "Mi conferma?", Receipt: rcpt(41, 1)},
				{ID: "OUT-REVOKED", FromMe: true, Time: at(42), Type: 14, Status: 8},
				{ID: "OUT-MISSING", FromMe: true, Time: at(44), Type: 1, Status: 6,
					Media: &Media{LocalPath: "Media/393331112222@s.whatsapp.net/e/f/photo-2.jpg", Size: 5000}},
				{ID: "OUT-ALTERED", FromMe: true, Time: at(46), Type: 1, Status: 6,
					Media: &Media{LocalPath: "Media/393331112222@s.whatsapp.net/e/f/photo-3.jpg", Size: 999, Data: Photo(3)}},
				{ID: "OUT-EDITED", FromMe: true, Time: at(47), Status: 8, Text: "Il canone è di 550 euro al mese.",
					EditedFrom: "Il canone è di 500 euro al mese.", Receipt: rcpt(48, 2)},
				{ID: "IN-EDITED", Time: at(49), Text: "D'accordo, 500 euro.", Quoted: "OUT-EDITED"},
				{ID: "OUT-WAL", FromMe: true, Time: at(50), Status: 6, Text: "Ultimo avviso.", InWAL: true},
				{ID: "IN-WAL", Time: at(55), Text: "Ok, ultimo avviso ricevuto", Quoted: "OUT-WAL", InWAL: true},
			}},
			{JID: LIDJID, Name: "Anna Bianchi", Messages: []Message{
				{ID: "LID-OUT", FromMe: true, Time: at(60), Status: 6, Text: "Buongiorno, le scrivo per la pratica."},
				{ID: "LID-IN", Time: at(65), Text: "Buongiorno a lei", Quoted: "LID-OUT"},
			}},
			{JID: GroupJID, Name: "Condominio", Members: []string{ClientJID, OtherJID}, Messages: []Message{
				{ID: "GRP-OUT", FromMe: true, Time: at(70), Status: 6, Text: "Convocazione dell'assemblea."},
				{ID: "GRP-OTHER", Time: at(71), Text: "Ci sarò", Author: OtherJID, Quoted: "GRP-OUT"},
				{ID: "GRP-OUT2", FromMe: true, Time: at(72), Status: 6, Text: "Ordine del giorno allegato."},
				{ID: "GRP-CLIENT", Time: at(73), Text: "Ricevuto", Author: ClientJID, Quoted: "GRP-OUT2"},
			}},
		},
	}
}

func sum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// Expect is the manifest each message of Sample's one-to-one chat with the client must get, by id, on day.
func Expect(day time.Time) map[string]Expected {
	const (
		inferred, assumed, quote = "ios-receipt-inferred", "ios-status-assumed", "ios-delivered-by-quote"
		missing, size, unquoted  = "receipt-time-missing", "ios-media-size", "ios-unquoted-reply"
		edited                   = "ios-edit-inferred"
	)
	none, sent, in := evidence.BasisNone, evidence.StatusSent, evidence.StatusDelivered
	return withTimes(Sample(day).Chats[0], map[string]Expected{
		"OUT-READ":       {Status: sent, Basis: none, Anomalies: []string{inferred, inferred, assumed, unquoted}},
		"OUT-PLAYED":     {Status: sent, Basis: none, Anomalies: []string{inferred, inferred, assumed, unquoted}, Attachment: sum(Photo(9))},
		"OUT-REPLIED":    {Status: in, Basis: evidence.BasisReply, ReplyID: "IN-REPLY", Anomalies: []string{inferred, quote, missing}},
		"OUT-PHOTO":      {Status: in, Basis: evidence.BasisReply, ReplyID: "IN-PHOTO-REPLY", Anomalies: []string{inferred, inferred, quote, missing}, Attachment: sum(Photo(1))},
		"IN-REPLY":       {Status: in},
		"IN-PHOTO-REPLY": {Status: in},
		"OUT-DELIVERED":  {Status: sent, Basis: none, Anomalies: []string{inferred, assumed, unquoted}},
		"OUT-REVOKED":    {Status: sent, Basis: none, Anomalies: []string{inferred, assumed}},
		"OUT-MISSING":    {Status: sent, Basis: none, Anomalies: []string{assumed, unquoted}, Attachment: "not-in-backup"},
		"OUT-ALTERED":    {Status: sent, Basis: none, Anomalies: []string{assumed, unquoted, size}, Attachment: sum(Photo(3))},
		"OUT-EDITED":     {Status: in, Basis: evidence.BasisReply, ReplyID: "IN-EDITED", Anomalies: []string{inferred, inferred, quote, edited, missing}},
		"IN-EDITED":      {Status: in},
		"OUT-WAL":        {Status: in, Basis: evidence.BasisReply, ReplyID: "IN-WAL", Anomalies: []string{quote, missing}},
		"IN-WAL":         {Status: in},
	})
}

// ExpectLID is the manifest of Sample's chat with the client known by a LID, on day.
func ExpectLID(day time.Time) map[string]Expected {
	return withTimes(Sample(day).Chats[1], map[string]Expected{
		"LID-OUT": {Status: evidence.StatusDelivered, Basis: evidence.BasisReply, ReplyID: "LID-IN",
			Anomalies: []string{"ios-delivered-by-quote", "receipt-time-missing"}},
		"LID-IN": {Status: evidence.StatusDelivered},
	})
}

// ExpectGroup is the manifest of Sample's group chat certified for the client (ClientPhone), on day: the other
// member's quote establishes nothing for the client; the client's own quote does.
func ExpectGroup(day time.Time) map[string]Expected {
	none := evidence.BasisNone
	return withTimes(Sample(day).Chats[2], map[string]Expected{
		"GRP-OUT":    {Status: evidence.StatusSent, Basis: none, Anomalies: []string{"ios-status-assumed", "ios-unquoted-reply"}},
		"GRP-OTHER":  {Status: evidence.StatusDelivered},
		"GRP-OUT2":   {Status: evidence.StatusDelivered, Basis: evidence.BasisReply, ReplyID: "GRP-CLIENT", Anomalies: []string{"ios-delivered-by-quote", "receipt-time-missing"}},
		"GRP-CLIENT": {Status: evidence.StatusDelivered},
	})
}

// withTimes fills each expectation's time and direction from the scripted chat.
func withTimes(c Chat, want map[string]Expected) map[string]Expected {
	for _, m := range c.Messages {
		if w, ok := want[m.ID]; ok {
			w.SentAt, w.FromMe = m.Time, m.FromMe
			want[m.ID] = w
		}
	}
	return want
}

// WhatsAppOptions says how to write a WhatsApp backup.
type WhatsAppOptions struct {
	BackupOptions
	Business      bool // WhatsApp Business's app group instead of WhatsApp's
	NoChatStorage bool // leave ChatStorage.sqlite out, as WhatsApp's end-to-end encrypted backups do
}

// WriteWhatsAppBackup writes a backup folder at dir holding truth as WhatsApp's ChatStorage.sqlite (with its WAL),
// LID.sqlite and the media files of truth that have data, beside a few files of other apps.
func WriteWhatsAppBackup(ctx context.Context, dir string, truth Truth, opts WhatsAppOptions) error {
	domain := DomainWhatsApp
	if opts.Business {
		domain = DomainBusiness
	}
	work, err := os.MkdirTemp("", "iostest-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	files := []BackupFile{
		{Domain: "HomeDomain", RelativePath: "Library/Preferences/com.apple.springboard.plist", Data: []byte("<plist/>")},
		{Domain: "AppDomain-com.apple.mobilesafari", RelativePath: "Library/Safari/History.db", Data: []byte("other app")},
	}
	if !opts.NoChatStorage {
		written, err := WriteChatStorage(ctx, filepath.Join(work, "ChatStorage.sqlite"), truth)
		if err != nil {
			return err
		}
		if err := WriteLID(ctx, filepath.Join(work, "LID.sqlite"), truth.LIDs); err != nil {
			return err
		}
		for _, p := range append(written, filepath.Join(work, "LID.sqlite")) {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			files = append(files, BackupFile{Domain: domain, RelativePath: filepath.Base(p), Data: b})
		}
	}
	for _, c := range truth.Chats {
		for _, m := range c.Messages {
			if m.Media != nil && m.Media.Data != nil {
				files = append(files, BackupFile{Domain: domain, RelativePath: "Message/" + m.Media.LocalPath, Data: m.Media.Data})
			}
		}
	}
	return WriteBackup(ctx, dir, files, opts.BackupOptions)
}
