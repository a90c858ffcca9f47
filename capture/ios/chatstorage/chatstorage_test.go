package chatstorage_test

import (
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/attesta/attesta/capture/ios/chatstorage"
	"github.com/attesta/attesta/capture/ios/iostest"
	"github.com/attesta/attesta/evidence"
)

var day = time.Date(2026, 1, 12, 9, 0, 0, 0, time.UTC)

// open writes Sample as a working copy (database, WAL, LID.sqlite) and opens it.
func open(t *testing.T) *chatstorage.DB {
	t.Helper()
	dir := t.TempDir()
	cs := filepath.Join(dir, "ChatStorage.sqlite")
	files, err := iostest.WriteChatStorage(t.Context(), cs, iostest.Sample(day))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 2 {
		t.Fatalf("the sample left no WAL: %v", files)
	}
	lid := filepath.Join(dir, "LID.sqlite")
	if err := iostest.WriteLID(t.Context(), lid, iostest.Sample(day).LIDs); err != nil {
		t.Fatal(err)
	}
	db, err := chatstorage.Open(t.Context(), cs, lid)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func history(t *testing.T, db *chatstorage.DB, chat chatstorage.Chat, client string) map[string]chatstorage.Record {
	t.Helper()
	recs, err := db.History(t.Context(), chat, client)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]chatstorage.Record{}
	for i, r := range recs {
		out[r.Message.ID] = r
		if i > 0 && r.Message.SentAt.Before(recs[i-1].Message.SentAt.Time) {
			t.Errorf("%s is out of time order", r.Message.ID)
		}
		if len(r.RawRow) == 0 {
			t.Errorf("%s has no raw row", r.Message.ID)
		}
	}
	return out
}

func TestOneToOne(t *testing.T) {
	db := open(t)
	chat, err := db.FindChat(t.Context(), iostest.ClientPhone)
	if err != nil {
		t.Fatal(err)
	}
	if chat.Group || chat.Phone != iostest.ClientPhone || chat.Name != "Mario Rossi" {
		t.Errorf("chat: %+v", chat)
	}
	got := history(t, db, chat, iostest.ClientPhone)
	want := iostest.Sample(day).Chats[0].Messages
	if len(got) != len(want) {
		t.Fatalf("%d messages, want %d (the WAL's included)", len(got), len(want))
	}
	for _, w := range want {
		m := got[w.ID].Message
		if m.FromMe != w.FromMe || !m.SentAt.Equal(w.Time) {
			t.Errorf("%s: from_me %v at %v, want %v at %v", w.ID, m.FromMe, m.SentAt, w.FromMe, w.Time)
		}
		if w.Quoted != "" && (m.QuotedID == nil || *m.QuotedID != w.Quoted) {
			t.Errorf("%s: quoted %v, want %s", w.ID, m.QuotedID, w.Quoted)
		}
	}
	for id, typ := range map[string]evidence.MessageType{"OUT-READ": evidence.TypeText, "OUT-PLAYED": evidence.TypeVoice,
		"OUT-PHOTO": evidence.TypeImage, "OUT-REVOKED": evidence.TypeRevoked} {
		if got[id].Message.Type != typ {
			t.Errorf("%s: type %s, want %s", id, got[id].Message.Type, typ)
		}
	}
	if p := got["OUT-PHOTO"].Message.Text; p == nil || *p != "La foto del contatore." {
		t.Errorf("caption: %v", p)
	}
	// The contract: ZRECEIPTINFO and ZMESSAGESTATUS readings are inferred and never become receipts or acks.
	read := got["OUT-READ"]
	if len(read.Message.Receipts) != 0 || read.Message.Ack != evidence.AckSent || len(read.Readings) != 2 || read.Readings[0].Established {
		t.Errorf("OUT-READ: receipts %v, ack %v, readings %+v", read.Message.Receipts, read.Message.Ack, read.Readings)
	}
	if r := read.Readings[0]; r.Kind != evidence.ReceiptUnset || !r.At.Equal(day.Add(5*time.Minute)) || read.Readings[1].Kind != evidence.ReceiptRead {
		t.Errorf("OUT-READ reading: %+v", r)
	}
	if got["OUT-REPLIED"].Message.Ack != evidence.AckReceived || got["OUT-DELIVERED"].Message.Ack != evidence.AckSent {
		t.Errorf("delivery by quote: replied %v, delivered-only %v", got["OUT-REPLIED"].Message.Ack, got["OUT-DELIVERED"].Message.Ack)
	}
	if a := got["OUT-MISSING"].Message.Attachments; len(a) != 1 || a[0].Unavailable != chatstorage.UnavailableNotExtracted {
		t.Errorf("OUT-MISSING attachments: %+v", a)
	}
	if md := got["OUT-ALTERED"].Media; md == nil || md.Size != 999 || md.BackupPath() != "Message/Media/393331112222@s.whatsapp.net/e/f/photo-3.jpg" {
		t.Errorf("OUT-ALTERED media: %+v", md)
	}
}

func TestLIDChat(t *testing.T) {
	db := open(t)
	chat, err := db.FindChat(t.Context(), iostest.LIDPhone)
	if err != nil {
		t.Fatal(err)
	}
	if chat.JID != iostest.LIDJID || chat.Phone != iostest.LIDPhone || chat.Evidence(iostest.LIDPhone, "A").JID != iostest.LIDJID {
		t.Errorf("LID chat: %+v", chat)
	}
	got := history(t, db, chat, iostest.LIDPhone)
	if got["LID-OUT"].Message.Ack != evidence.AckReceived {
		t.Errorf("LID-OUT: ack %v", got["LID-OUT"].Message.Ack)
	}
}

func TestGroup(t *testing.T) {
	db := open(t)
	chat, err := db.FindGroup(t.Context(), iostest.GroupJID)
	if err != nil || !chat.Group {
		t.Fatalf("group: %+v, %v", chat, err)
	}
	got := history(t, db, chat, iostest.ClientPhone)
	if a := got["GRP-CLIENT"].Message.Author; a != iostest.ClientPhone {
		t.Errorf("author: %q", a)
	}
	// Only the client's quote establishes delivery to the client.
	if got["GRP-OUT"].Message.Ack != evidence.AckSent || got["GRP-OUT2"].Message.Ack != evidence.AckReceived {
		t.Errorf("group acks: %v %v", got["GRP-OUT"].Message.Ack, got["GRP-OUT2"].Message.Ack)
	}
}

func TestNotFound(t *testing.T) {
	db := open(t)
	if _, err := db.FindChat(t.Context(), "+390000000000"); !errors.Is(err, chatstorage.ErrChatNotFound) {
		t.Errorf("FindChat: %v", err)
	}
}

func TestNotChatStorage(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "other.sqlite")
	db, err := sql.Open("sqlite", p)
	if err != nil {
		t.Fatal(err)
	}
	db.Exec("CREATE TABLE ZWACHATSESSION (Z_PK INTEGER PRIMARY KEY)")
	db.Close()
	_, err = chatstorage.Open(t.Context(), p, "")
	if !errors.Is(err, chatstorage.ErrNotChatStorage) {
		t.Fatalf("Open: %v", err)
	}
	garbage := filepath.Join(dir, "garbage.sqlite")
	os.WriteFile(garbage, []byte("this is not a database at all, not even close......................................................................"), 0o600)
	if _, err := chatstorage.Open(t.Context(), garbage, ""); !errors.Is(err, chatstorage.ErrNotChatStorage) {
		t.Fatalf("Open garbage: %v", err)
	}
}

func TestReceiptInfo(t *testing.T) {
	r := &iostest.Receipt{Recipient: "19198887386@s.whatsapp.net", Owner: "19195794674@s.whatsapp.net", Time: time.Unix(1683043009, 0), Code: 2}
	ri, err := chatstorage.DecodeReceiptInfo(r.Blob())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ri.Participants, []string{r.Recipient, r.Owner}) || ri.Time.Unix() != 1683043009 || ri.Code != 2 || !ri.HasCode {
		t.Errorf("decoded %+v", ri)
	}
	// The packed JID of the public sample: 81 19 19 88 73 86 f.
	if got := fmt.Sprintf("%x", chatstorage.PackJID("19198887386@s.whatsapp.net")); got != "8119198887386f" {
		t.Errorf("PackJID = %x", got)
	}
	for _, bad := range [][]byte{{0x12, 0x05, 1}, {0x18}, {0x07}, {0x00}} {
		if _, err := chatstorage.DecodeReceiptInfo(bad); !errors.Is(err, chatstorage.ErrProtobuf) {
			t.Errorf("DecodeReceiptInfo(%x): %v", bad, err)
		}
	}
	if q, err := chatstorage.QuotedID(iostest.QuoteMetadata("3A1B2C")); q != "3A1B2C" || err != nil {
		t.Errorf("QuotedID: %q %v", q, err)
	}
}

// TestGroupManifest certifies the group chat for the client as a delivery would: ids, times, statuses, verdicts
// and anomalies are what the generator expects (iostest.ExpectGroup).
func TestGroupManifest(t *testing.T) {
	db := open(t)
	chat, err := db.FindGroup(t.Context(), iostest.GroupJID)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := db.History(t.Context(), chat, iostest.ClientPhone)
	if err != nil {
		t.Fatal(err)
	}
	history := make([]evidence.Message, len(recs))
	for i, r := range recs {
		history[i] = r.Message
	}
	rng := evidence.Range{From: evidence.DateOf(day.AddDate(0, 0, -1)), To: evidence.DateOf(day.AddDate(0, 0, 1))}
	sel := evidence.Certify(chat.Evidence(iostest.ClientPhone, "Condominio"), history, rng, 20)
	want := iostest.ExpectGroup(day)
	if len(sel.Messages) != len(want) {
		t.Fatalf("%d messages, want %d", len(sel.Messages), len(want))
	}
	for _, m := range sel.Messages {
		w, ok := want[m.ID]
		if !ok {
			t.Errorf("unexpected %s", m.ID)
			continue
		}
		var basis evidence.Basis
		var reply string
		if lv := m.LegalValue; lv != nil {
			basis = lv.Basis
			if lv.ReplyID != nil {
				reply = *lv.ReplyID
			}
		}
		var codes []string
		for _, a := range m.Anomalies {
			codes = append(codes, a.Code)
		}
		if m.Status != w.Status || basis != w.Basis || reply != w.ReplyID || !slices.Equal(codes, w.Anomalies) ||
			!m.SentAt.Equal(w.SentAt) || m.FromMe != w.FromMe {
			t.Errorf("%s: %s %q %q %v at %v, want %s %q %q %v at %v", m.ID, m.Status, basis, reply, codes, m.SentAt,
				w.Status, w.Basis, w.ReplyID, w.Anomalies, w.SentAt)
		}
	}
}

// TestEditReading: a reply whose quote carries another text than the quoted message now holds makes that message
// read as edited, as an inferred anomaly naming both texts; a quote of the same text, or no quote, reads nothing.
func TestEditReading(t *testing.T) {
	db := open(t)
	chat, err := db.FindChat(t.Context(), iostest.ClientPhone)
	if err != nil {
		t.Fatal(err)
	}
	got := history(t, db, chat, iostest.ClientPhone)
	codes := func(id string) (out []string, detail string) {
		for _, a := range got[id].Message.Anomalies {
			out = append(out, a.Code)
			if a.Code == chatstorage.AnomalyEditInferred {
				detail = a.Detail
			}
		}
		return out, detail
	}
	c, detail := codes("OUT-EDITED")
	if !slices.Contains(c, chatstorage.AnomalyEditInferred) || got["OUT-EDITED"].Message.Edited {
		t.Fatalf("OUT-EDITED: %v, edited %v (the reading is inferred: Edited stays false)", c, got["OUT-EDITED"].Message.Edited)
	}
	for _, w := range []string{"500 euro al mese", "550 euro al mese", "IN-EDITED", "inferred"} {
		if !strings.Contains(detail, w) {
			t.Errorf("detail lacks %q: %s", w, detail)
		}
	}
	if got["IN-EDITED"].QuotedText != "Il canone è di 500 euro al mese." {
		t.Errorf("quoted text: %q", got["IN-EDITED"].QuotedText)
	}
	for _, id := range []string{"OUT-REPLIED", "OUT-PHOTO", "OUT-READ", "OUT-WAL"} {
		if c, _ := codes(id); slices.Contains(c, chatstorage.AnomalyEditInferred) {
			t.Errorf("%s read as edited: %v", id, c)
		}
	}
}

// TestParseQuoteSample reads the public iOS 15 sample's reply (Z_PK 16): its quote carries the quoted message's
// stanza id, author and text, and that text is Z_PK 15's ZTEXT, which is what the edit rule relies on.
func TestParseQuoteSample(t *testing.T) {
	b, err := os.ReadFile("testdata/metadata/ileapp-zpk1")
	if err != nil {
		t.Fatal(err)
	}
	q, err := chatstorage.ParseQuote(b)
	if err != nil || q.ID != "3A26649A0A496377CB01" || q.Author != "19198887386@s.whatsapp.net" ||
		q.Text != "Makes sense with all the test data you generate." {
		t.Fatalf("ParseQuote = %+v, %v", q, err)
	}
	for _, bad := range [][]byte{
		append(iostest.QuoteMetadata("X"), 0x9a, 0x01, 0x03, 0x0a, 0x05, 'a'),  // field 19's text runs past its end
		append(iostest.QuoteMetadata("X"), 0x9a, 0x01, 0x03, 0x0a, 0x01, 0xff), // not UTF-8
	} {
		if _, err := chatstorage.ParseQuote(bad); !errors.Is(err, chatstorage.ErrProtobuf) {
			t.Errorf("ParseQuote(%x) = %v, want ErrProtobuf", bad, err)
		}
	}
	if q, err := chatstorage.ParseQuote(iostest.QuoteMetadataText("", "a@s.whatsapp.net", "t")[2:]); err != nil || q != (chatstorage.Quote{}) {
		t.Errorf("a blob without a quoted id: %+v %v", q, err)
	}
}

// TestHistoryWithoutRows reads the same records as History, without their rows, and RawRows gives the rows back
// as History has them.
func TestHistoryWithoutRows(t *testing.T) {
	db := open(t)
	chat, err := db.FindChat(t.Context(), iostest.ClientPhone)
	if err != nil {
		t.Fatal(err)
	}
	full, err := db.History(t.Context(), chat, iostest.ClientPhone)
	if err != nil {
		t.Fatal(err)
	}
	lean, err := db.HistoryWithoutRows(t.Context(), chat, iostest.ClientPhone)
	if err != nil {
		t.Fatal(err)
	}
	if len(lean) != len(full) {
		t.Fatalf("%d records, want %d", len(lean), len(full))
	}
	var pks []int64
	for i := range lean {
		if lean[i].RawRow != nil {
			t.Errorf("%s has a raw row", lean[i].Message.ID)
		}
		pks = append(pks, lean[i].PK)
		f := full[i]
		f.RawRow = nil
		if !reflect.DeepEqual(f, lean[i]) {
			t.Errorf("record %d differs:\n%+v\n%+v", i, f, lean[i])
		}
	}
	rows, err := db.RawRows(t.Context(), pks)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range full {
		if string(rows[r.PK]) != string(r.RawRow) {
			t.Errorf("%s: RawRows differs from History's", r.Message.ID)
		}
	}
	if _, err := db.RawRows(t.Context(), []int64{1 << 40}); err == nil {
		t.Error("RawRows of a message that does not exist")
	}
}
