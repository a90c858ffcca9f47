package msgstore_test

import (
	"time"

	"github.com/attesta/attesta/capture/android/msgstore/msgstoretest"
	"github.com/attesta/attesta/evidence"
)

// The scripted truth: who is who.
const (
	jidClient  = "393771151946@s.whatsapp.net" // the client of chat A, and in group C
	phoneA     = "+393771151946"
	jidOther   = "393479999999@s.whatsapp.net" // another group participant
	jidOwnDev  = "393330009999@s.whatsapp.net" // the owner's own account (its linked device receipts are foreign)
	jidLID     = "987654321012345@lid"         // chat B, mapped to jidLIDPN
	jidLIDPN   = "393401234567@s.whatsapp.net"
	phoneB     = "+393401234567"
	jidGroup   = "120363000000000001@g.us"
	jidLIDAnon = "111122223333444@lid" // a group participant with no mapping
	jidLIDChat = "555566667777888@lid" // a chat with no mapping
)

var t0 = time.Date(2026, 1, 12, 9, 0, 0, 123_000_000, time.UTC)

func at(min float64) time.Time { return t0.Add(time.Duration(min * float64(time.Minute))) }

// want is what one scripted message must parse to, and the rule's verdict on it.
type want struct {
	typ      evidence.MessageType
	source   string
	text     string // "" means nil
	ack      evidence.Ack
	author   string
	quoted   string
	edited   bool
	receipts []evidence.Receipt
	media    *mediaWant
	anomaly  []string // capture anomaly codes (before Apply)
	// after evidence.Apply, for messages the owner sent
	status evidence.Status
	basis  evidence.Basis
	reply  string
}

type mediaWant struct {
	path, mime, hash, placeholder string
	size                          int64
}

const (
	hashVoice = "n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg="
	hashImage = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
)

func rcpt(who string, k evidence.ReceiptKind, t time.Time) evidence.Receipt {
	return evidence.Receipt{Recipient: who, Kind: k, At: evidence.At(t)}
}

const (
	del    = evidence.ReceiptDelivered
	read   = evidence.ReceiptRead
	played = evidence.ReceiptPlayed
)

// scripted returns the truth to write and, per key id, what it must parse to in the modern layout.
func scripted() (msgstoretest.Truth, map[string]want) {
	w := map[string]want{}
	out := func(id string, typ int, status int, text string, m msgstoretest.Message, wt want) msgstoretest.Message {
		m.KeyID, m.FromMe, m.Type, m.Status, m.Text = id, true, typ, status, text
		if m.Time.IsZero() {
			panic("scripted message without a time: " + id)
		}
		wt.text = text
		if wt.typ == evidence.TypeOther || wt.typ == evidence.TypeContact || wt.typ == evidence.TypeRevoked ||
			wt.typ == evidence.TypeSystem || wt.typ == evidence.TypeLocation || wt.typ == evidence.TypeSticker {
			wt.text = ""
		}
		if wt.source == "" {
			wt.source = "message_type:" + itoa(typ)
		}
		w[id] = wt
		return m
	}
	in := func(id string, when time.Time, text, author, quoted string, wt want) msgstoretest.Message {
		wt.text, wt.quoted = text, quoted
		if wt.typ == "" {
			wt.typ, wt.source = evidence.TypeText, "message_type:0"
		}
		if wt.typ == evidence.TypeSystem {
			wt.text = ""
		}
		w[id] = wt
		return msgstoretest.Message{KeyID: id, Time: when, Text: text, Author: author, Quoted: quoted}
	}
	voice := &msgstoretest.Media{Path: "Media/WhatsApp Voice Notes/202603/PTT-20260112-WA0001.opus",
		MIME: "audio/ogg; codecs=opus", Size: 4242, FileHash: hashVoice}
	image := &msgstoretest.Media{Path: "Media/WhatsApp Images/Sent/IMG-20260112-WA0002.jpg", MIME: "image/jpeg",
		Size: 123456, FileHash: hashImage}
	chatA := msgstoretest.Chat{JID: jidClient, Messages: []msgstoretest.Message{
		out("A01", 0, 13, "Buongiorno, le invio il preventivo.", msgstoretest.Message{Time: at(0),
			Receipts: []msgstoretest.Receipt{{JID: jidClient, Delivered: at(1), Read: at(5)}},
			Devices:  []msgstoretest.DeviceReceipt{{JID: jidClient, Device: 2, At: at(0.5)}}},
			want{typ: evidence.TypeText, ack: evidence.AckRead, status: evidence.StatusRead, basis: evidence.BasisRead,
				receipts: []evidence.Receipt{rcpt(phoneA, del, at(1)), rcpt(phoneA, read, at(5)), rcpt(phoneA, del, at(0.5))}}),
		out("A02", 2, 8, "", msgstoretest.Message{Time: at(10), Media: voice,
			Receipts: []msgstoretest.Receipt{{JID: jidClient, Delivered: at(11), Read: at(12), Played: at(13)}}},
			want{typ: evidence.TypeVoice, ack: evidence.AckPlayed, status: evidence.StatusPlayed,
				basis: evidence.BasisPlayed, media: &mediaWant{voice.Path, voice.MIME, hashVoice, "not-extracted", 4242},
				receipts: []evidence.Receipt{rcpt(phoneA, del, at(11)), rcpt(phoneA, read, at(12)), rcpt(phoneA, played, at(13))}}),
		out("A03", 1, 5, "Il preventivo firmato", msgstoretest.Message{Time: at(20), Media: image,
			Receipts: []msgstoretest.Receipt{{JID: jidClient, Delivered: at(21)}}},
			want{typ: evidence.TypeImage, ack: evidence.AckReceived, status: evidence.StatusDelivered,
				basis: evidence.BasisReply, reply: "A04", media: &mediaWant{image.Path, image.MIME, hashImage, "not-extracted", 123456},
				receipts: []evidence.Receipt{rcpt(phoneA, del, at(21))}}),
		in("A04", at(30), "Ricevuto, grazie", "", "A03", want{author: phoneA}),
		out("A05", 3, 5, "Il video del sopralluogo", msgstoretest.Message{Time: at(32),
			Media:    &msgstoretest.Media{Path: "Media/WhatsApp Video/Sent/VID-1.mp4", MIME: "video/mp4", Size: 99},
			Receipts: []msgstoretest.Receipt{{JID: jidClient, Delivered: at(33)}}},
			want{typ: evidence.TypeVideo, ack: evidence.AckReceived, status: evidence.StatusDelivered,
				basis: evidence.BasisReply, reply: "A07", media: &mediaWant{"Media/WhatsApp Video/Sent/VID-1.mp4", "video/mp4", "", "not-extracted", 99},
				receipts: []evidence.Receipt{rcpt(phoneA, del, at(33))}}),
		out("A06", 9, 13, "", msgstoretest.Message{Time: at(34),
			Media:    &msgstoretest.Media{MIME: "application/pdf", Name: "contratto.pdf", Size: 2048},
			Receipts: []msgstoretest.Receipt{{JID: jidClient, Delivered: at(34.5), Read: at(35)}}},
			want{typ: evidence.TypeDocument, ack: evidence.AckRead, status: evidence.StatusRead, basis: evidence.BasisRead,
				media:    &mediaWant{"", "application/pdf", "", "not-on-phone", 2048},
				receipts: []evidence.Receipt{rcpt(phoneA, del, at(34.5)), rcpt(phoneA, read, at(35))}}),
		out("A06b", 20, 13, "", msgstoretest.Message{Time: at(36),
			Media:    &msgstoretest.Media{Path: "Media/WhatsApp Stickers/STK-1.webp", MIME: "image/webp", Size: 10},
			Receipts: []msgstoretest.Receipt{{JID: jidClient, Delivered: at(36.2), Read: at(36.5)}}},
			want{typ: evidence.TypeSticker, ack: evidence.AckRead, status: evidence.StatusRead, basis: evidence.BasisRead,
				media:    &mediaWant{"Media/WhatsApp Stickers/STK-1.webp", "image/webp", "", "not-extracted", 10},
				receipts: []evidence.Receipt{rcpt(phoneA, del, at(36.2)), rcpt(phoneA, read, at(36.5))}}),
		out("A06c", 4, 13, "BEGIN:VCARD", msgstoretest.Message{Time: at(37),
			Receipts: []msgstoretest.Receipt{{JID: jidClient, Delivered: at(37.2), Read: at(37.5)}}},
			want{typ: evidence.TypeContact, ack: evidence.AckRead, status: evidence.StatusRead, basis: evidence.BasisRead,
				receipts: []evidence.Receipt{rcpt(phoneA, del, at(37.2)), rcpt(phoneA, read, at(37.5))}}),
		out("A06d", 5, 5, "", msgstoretest.Message{Time: at(38),
			Receipts: []msgstoretest.Receipt{{JID: jidClient, Delivered: at(38.5)}}},
			want{typ: evidence.TypeLocation, ack: evidence.AckReceived, status: evidence.StatusDelivered,
				basis: evidence.BasisReply, reply: "A07", receipts: []evidence.Receipt{rcpt(phoneA, del, at(38.5))}}),
		out("A06e", 81, 8, "", msgstoretest.Message{Time: at(39),
			Media:    &msgstoretest.Media{Path: "Media/WhatsApp Video/Sent/PTV-1.mp4", MIME: "video/mp4", Size: 7},
			Receipts: []msgstoretest.Receipt{{JID: jidClient, Delivered: at(39.2), Played: at(39.5)}}},
			want{typ: evidence.TypeVideoNote, ack: evidence.AckPlayed, status: evidence.StatusPlayed,
				basis: evidence.BasisPlayed, media: &mediaWant{"Media/WhatsApp Video/Sent/PTV-1.mp4", "video/mp4", "", "not-extracted", 7},
				receipts: []evidence.Receipt{rcpt(phoneA, del, at(39.2)), rcpt(phoneA, played, at(39.5))}}),
		in("A07", at(40), "Ok", "", "", want{author: phoneA}),
		func() msgstoretest.Message {
			m := in("A07b", at(41), "1736672400", "", "", want{typ: evidence.TypeSystem, source: "message_type:7", author: phoneA})
			m.Type, m.System, m.Status = 7, true, 6
			return m
		}(),
		out("A08", 0, 13, "Testo corretto", msgstoretest.Message{Time: at(42), Edited: true,
			Receipts: []msgstoretest.Receipt{{JID: jidClient, Delivered: at(42.5), Read: at(43)}}},
			want{typ: evidence.TypeText, ack: evidence.AckRead, edited: true, status: evidence.StatusRead,
				basis: evidence.BasisRead, receipts: []evidence.Receipt{rcpt(phoneA, del, at(42.5)), rcpt(phoneA, read, at(43))}}),
		out("A09", 0, 13, "", msgstoretest.Message{Time: at(44), Revoked: true,
			Receipts: []msgstoretest.Receipt{{JID: jidClient, Delivered: at(44.5), Read: at(45)}}},
			want{typ: evidence.TypeRevoked, source: "message_type:15", ack: evidence.AckRead, status: evidence.StatusRead,
				basis: evidence.BasisNone, receipts: []evidence.Receipt{rcpt(phoneA, del, at(44.5)), rcpt(phoneA, read, at(45))}}),
		out("A10", 0, 5, "Resto in attesa", msgstoretest.Message{Time: at(50),
			Receipts: []msgstoretest.Receipt{{JID: jidClient, Delivered: at(50.5)}}},
			want{typ: evidence.TypeText, ack: evidence.AckReceived, status: evidence.StatusDelivered,
				basis: evidence.BasisNone, receipts: []evidence.Receipt{rcpt(phoneA, del, at(50.5))}}),
		out("A11", 0, 4, "Solo inviato", msgstoretest.Message{Time: at(51),
			Devices: []msgstoretest.DeviceReceipt{{JID: jidOwnDev, Device: 1, At: at(51.5)}}},
			want{typ: evidence.TypeText, ack: evidence.AckSent, status: evidence.StatusSent, basis: evidence.BasisNone,
				anomaly: []string{"android-receipt-foreign"}}),
		out("A12", 0, 0, "In coda", msgstoretest.Message{Time: at(52)},
			want{typ: evidence.TypeText, ack: evidence.AckClock, status: evidence.StatusPending, basis: evidence.BasisNone}),
		out("A13", 0, 7, "Non partito", msgstoretest.Message{Time: at(53)},
			want{typ: evidence.TypeText, ack: 6, status: evidence.StatusSent, basis: evidence.BasisNone,
				anomaly: []string{"android-status-unknown"}}),
		out("A14", 13, 13, "", msgstoretest.Message{Time: at(54),
			Media:    &msgstoretest.Media{Path: "Media/WhatsApp Animated Gifs/Sent/GIF-1.mp4", MIME: "video/mp4", Size: 5},
			Receipts: []msgstoretest.Receipt{{JID: jidClient, Delivered: at(54.2), Read: at(54.5)}}},
			want{typ: evidence.TypeVideo, ack: evidence.AckRead, status: evidence.StatusRead, basis: evidence.BasisRead,
				media:    &mediaWant{"Media/WhatsApp Animated Gifs/Sent/GIF-1.mp4", "video/mp4", "", "not-extracted", 5},
				receipts: []evidence.Receipt{rcpt(phoneA, del, at(54.2)), rcpt(phoneA, read, at(54.5))}}),
		out("A15", 66, 13, "Quale data preferisce?", msgstoretest.Message{Time: at(55),
			Receipts: []msgstoretest.Receipt{{JID: jidClient, Delivered: at(55.2), Read: at(55.5)}}},
			want{typ: evidence.TypeOther, ack: evidence.AckRead, status: evidence.StatusRead, basis: evidence.BasisRead,
				receipts: []evidence.Receipt{rcpt(phoneA, del, at(55.2)), rcpt(phoneA, read, at(55.5))}}),
		out("A16", 0, 4, "\u202Eevil\x00\"<script>'; DROP TABLE message;--", msgstoretest.Message{Time: at(56)},
			want{typ: evidence.TypeText, ack: evidence.AckSent, status: evidence.StatusSent, basis: evidence.BasisNone}),
		func() msgstoretest.Message {
			m := out("A17", 0, 4, "x", msgstoretest.Message{Time: at(57), Raw: map[string]any{"text_data": []byte{0xff, 'a', 0xfe}}},
				want{typ: evidence.TypeText, ack: evidence.AckSent, status: evidence.StatusSent, basis: evidence.BasisNone,
					anomaly: []string{"android-text-not-utf8"}})
			wt := w["A17"]
			wt.text = "\uFFFDa\uFFFD"
			w["A17"] = wt
			return m
		}(),
	}}
	chatB := msgstoretest.Chat{JID: jidLID, PhoneJID: jidLIDPN, Messages: []msgstoretest.Message{
		out("B01", 0, 5, "Documenti ricevuti?", msgstoretest.Message{Time: at(0),
			Receipts: []msgstoretest.Receipt{{JID: jidLID, Delivered: at(1)}}},
			want{typ: evidence.TypeText, ack: evidence.AckReceived, status: evidence.StatusDelivered,
				basis: evidence.BasisReply, reply: "B02", receipts: []evidence.Receipt{rcpt(phoneB, del, at(1))}}),
		in("B02", at(5), "Sì", "", "", want{author: phoneB}),
		out("B03", 0, 13, "Perfetto", msgstoretest.Message{Time: at(6),
			Receipts: []msgstoretest.Receipt{{JID: jidLIDPN, Delivered: at(6.5), Read: at(7)}},
			Devices:  []msgstoretest.DeviceReceipt{{JID: jidLID, Device: 3, At: at(6.2)}}},
			want{typ: evidence.TypeText, ack: evidence.AckRead, status: evidence.StatusRead, basis: evidence.BasisRead,
				receipts: []evidence.Receipt{rcpt(phoneB, del, at(6.5)), rcpt(phoneB, read, at(7)), rcpt(phoneB, del, at(6.2))}}),
	}}
	chatC := msgstoretest.Chat{JID: jidGroup, Subject: "Studio Rossi", Messages: []msgstoretest.Message{
		out("C01", 0, 13, "Convocazione", msgstoretest.Message{Time: at(0), Receipts: []msgstoretest.Receipt{
			{JID: jidClient, Delivered: at(1), Read: at(2)}, {JID: jidOther, Delivered: at(1)}}},
			want{typ: evidence.TypeText, ack: evidence.AckRead, status: evidence.StatusRead, basis: evidence.BasisRead,
				receipts: []evidence.Receipt{rcpt(phoneA, del, at(1)), rcpt(phoneA, read, at(2)), rcpt("+393479999999", del, at(1))}}),
		out("C02", 0, 5, "Ordine del giorno", msgstoretest.Message{Time: at(10), Receipts: []msgstoretest.Receipt{
			{JID: jidOther, Delivered: at(10.5), Read: at(11)}, {JID: jidClient, Delivered: at(12)}}},
			want{typ: evidence.TypeText, ack: evidence.AckReceived, status: evidence.StatusDelivered,
				basis: evidence.BasisReply, reply: "C04",
				receipts: []evidence.Receipt{rcpt("+393479999999", del, at(10.5)), rcpt("+393479999999", read, at(11)), rcpt(phoneA, del, at(12))}}),
		in("C03", at(20), "Presente", jidOther, "", want{author: "+393479999999"}),
		in("C04", at(30), "Ci sarò", jidClient, "C02", want{author: phoneA}),
		in("C05", at(40), "Chi sono?", jidLIDAnon, "", want{author: jidLIDAnon, anomaly: []string{"android-lid-unmapped"}}),
		out("C06", 0, 5, "Verbale", msgstoretest.Message{Time: at(50), Receipts: []msgstoretest.Receipt{
			{JID: jidOther, Delivered: at(50.5), Read: at(51)}}},
			want{typ: evidence.TypeText, ack: evidence.AckReceived, status: evidence.StatusDelivered, basis: evidence.BasisNone,
				receipts: []evidence.Receipt{rcpt("+393479999999", del, at(50.5)), rcpt("+393479999999", read, at(51))}}),
	}}
	chatD := msgstoretest.Chat{JID: jidLIDChat, Messages: []msgstoretest.Message{
		in("D01", at(0), "ciao", "", "", want{author: jidLIDChat, anomaly: []string{"android-lid-unmapped"}}),
	}}
	return msgstoretest.Truth{UserVersion: 1, Chats: []msgstoretest.Chat{chatA, chatB, chatC, chatD}}, w
}

// legacyWant adjusts a modern expectation to what the legacy layout can record: no per-device receipts, no
// edits, no video notes (an unknown media_wa_type), system messages by status 6, no LID chats.
func legacyWant(id string, w want) want {
	w.source = "media_wa_type:" + w.source[len("message_type:"):]
	var kept []evidence.Receipt
	for _, r := range w.receipts {
		if !(id == "A01" && r.At.Equal(at(0.5))) {
			kept = append(kept, r)
		}
	}
	w.receipts = kept
	w.edited = false
	w.anomaly = without(w.anomaly, "android-receipt-foreign")
	if w.media != nil {
		m := *w.media
		m.path, m.placeholder = "", "not-extracted"
		w.media = &m
	}
	if id == "A06e" {
		w.typ, w.status, w.basis, w.media = evidence.TypeOther, evidence.StatusPlayed, evidence.BasisRead, nil
	}
	return w
}

func without(list []string, s string) []string {
	var out []string
	for _, v := range list {
		if v != s {
			out = append(out, v)
		}
	}
	return out
}

func itoa(n int) string {
	const digits = "0123456789"
	if n < 10 {
		return digits[n : n+1]
	}
	return itoa(n/10) + digits[n%10:n%10+1]
}
