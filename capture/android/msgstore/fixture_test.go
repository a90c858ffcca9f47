package msgstore_test

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/attesta/attesta/capture/android/msgstore"
	"github.com/attesta/attesta/capture/android/msgstore/msgstoretest"
	"github.com/attesta/attesta/evidence"
)

type layoutCase struct {
	name   string
	write  func(context.Context, string, msgstoretest.Truth) error
	layout msgstore.Layout
	adjust func(id string, w want) want
	chats  []string // JIDs expected, in Chats order
}

var layouts = []layoutCase{
	{"modern", msgstoretest.WriteModern, msgstore.LayoutModern, func(_ string, w want) want { return w },
		[]string{jidClient, jidLID, jidGroup, jidLIDChat}},
	{"legacy", msgstoretest.WriteLegacy, msgstore.LayoutLegacy, legacyWant,
		[]string{jidGroup, jidClient}},
}

// TestScriptedTruth writes the scripted chats in each layout, parses them back and compares every message field by
// field with the truth, then applies the legal-value rule and checks each verdict.
func TestScriptedTruth(t *testing.T) {
	truth, wants := scripted()
	for _, lc := range layouts {
		t.Run(lc.name, func(t *testing.T) {
			db := openDB(t, writeFixture(t, lc.write, truth))
			if got := db.Schema().Layout; got != lc.layout {
				t.Fatalf("layout %s, want %s", got, lc.layout)
			}
			chats, err := db.Chats(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			var jids []string
			for _, c := range chats {
				jids = append(jids, c.JID)
			}
			if !slices.Equal(jids, lc.chats) {
				t.Fatalf("chats %v, want %v", jids, lc.chats)
			}
			seen := 0
			for _, c := range chats {
				client := c.Phone
				if c.IsGroup() {
					client = phoneA
				}
				seen += checkChat(t, db, c, client, wants, lc.adjust)
			}
			if lc.layout == msgstore.LayoutModern && seen != len(wants) {
				t.Errorf("parsed %d scripted messages, the truth has %d", seen, len(wants))
			}
		})
	}
}

func checkChat(t *testing.T, db *msgstore.DB, c msgstore.ChatInfo, client string, wants map[string]want,
	adjust func(string, want) want) int {
	t.Helper()
	var history []evidence.Message
	var records []*msgstore.Record
	for r, err := range db.Messages(t.Context(), c, time.Time{}, time.Time{}) {
		if err != nil {
			t.Fatalf("chat %s: %v", c.JID, err)
		}
		records = append(records, r)
		history = append(history, r.Message)
	}
	for _, r := range records {
		w, ok := wants[r.Message.ID]
		if !ok {
			t.Errorf("chat %s: unexpected message %q", c.JID, r.Message.ID)
			continue
		}
		checkParsed(t, r, adjust(r.Message.ID, w))
	}
	evidence.Apply(c.Evidence(client, "cliente"), history)
	for _, m := range history {
		w := adjust(m.ID, wants[m.ID])
		if err := m.Validate(); err != nil {
			t.Errorf("%s: after Apply: %v", m.ID, err)
		}
		if !m.FromMe {
			continue
		}
		if m.Status != w.status {
			t.Errorf("%s: status %s, want %s", m.ID, m.Status, w.status)
		}
		if m.LegalValue == nil || m.LegalValue.Basis != w.basis {
			t.Errorf("%s: legal value %+v, want basis %s", m.ID, m.LegalValue, w.basis)
			continue
		}
		reply := ""
		if m.LegalValue.ReplyID != nil {
			reply = *m.LegalValue.ReplyID
		}
		if reply != w.reply {
			t.Errorf("%s: reply_id %q, want %q", m.ID, reply, w.reply)
		}
	}
	return len(records)
}

func checkParsed(t *testing.T, r *msgstore.Record, w want) {
	t.Helper()
	m := r.Message
	id := m.ID
	if m.Type != w.typ {
		t.Errorf("%s: type %s, want %s", id, m.Type, w.typ)
	}
	if m.SourceType != w.source {
		t.Errorf("%s: source type %q, want %q", id, m.SourceType, w.source)
	}
	if got := deref(m.Text); got != w.text || (m.Text != nil && *m.Text == "") {
		t.Errorf("%s: text %q, want %q", id, got, w.text)
	}
	if m.FromMe && m.Ack != w.ack {
		t.Errorf("%s: ack %v, want %v", id, m.Ack, w.ack)
	}
	if !m.FromMe && m.Author != w.author {
		t.Errorf("%s: author %q, want %q", id, m.Author, w.author)
	}
	if got := deref(m.QuotedID); got != w.quoted {
		t.Errorf("%s: quoted %q, want %q", id, got, w.quoted)
	}
	if m.Edited != w.edited {
		t.Errorf("%s: edited %t, want %t", id, m.Edited, w.edited)
	}
	if !m.SentAt.Known() || m.SentAt.UnixMilli() == 0 {
		t.Errorf("%s: sent_at unknown", id)
	}
	if got, want := sortedReceipts(m.Receipts), sortedReceipts(w.receipts); !slices.Equal(got, want) {
		t.Errorf("%s: receipts\n got %v\nwant %v", id, got, want)
	}
	var codes []string
	for _, a := range m.Anomalies {
		codes = append(codes, a.Code)
	}
	if !slices.Equal(codes, w.anomaly) {
		t.Errorf("%s: anomalies %v, want %v", id, m.Anomalies, w.anomaly)
	}
	checkMedia(t, r, w.media)
	if len(r.RawRow) == 0 || !strings.Contains(string(r.RawRow), `"key_id":`+quote(id)) {
		t.Errorf("%s: raw row does not carry the key id: %s", id, r.RawRow)
	}
}

func checkMedia(t *testing.T, r *msgstore.Record, w *mediaWant) {
	t.Helper()
	id := r.Message.ID
	if w == nil {
		if r.Media != nil || len(r.Message.Attachments) != 0 {
			t.Errorf("%s: media %+v, attachments %v; want none", id, r.Media, r.Message.Attachments)
		}
		return
	}
	if r.Media == nil {
		t.Errorf("%s: no media, want %+v", id, *w)
		return
	}
	got := *r.Media
	if got.PhonePath != w.path || got.MIME != w.mime || got.FileHash != w.hash || got.Size != w.size {
		t.Errorf("%s: media %+v, want %+v", id, got, *w)
	}
	if len(r.Message.Attachments) != 1 || r.Message.Attachments[0].Unavailable != w.placeholder ||
		r.Message.Attachments[0].MIME != w.mime {
		t.Errorf("%s: attachments %+v, want one placeholder %q", id, r.Message.Attachments, w.placeholder)
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func quote(s string) string { return `"` + s + `"` }

func sortedReceipts(rs []evidence.Receipt) []evidence.Receipt {
	out := slices.Clone(rs)
	slices.SortFunc(out, func(a, b evidence.Receipt) int {
		return cmp.Or(cmp.Compare(a.Recipient, b.Recipient), cmp.Compare(a.Kind, b.Kind), a.At.Compare(b.At.Time))
	})
	return out
}

// TestCertifyVerdicts runs the whole selection over chat A for the day of the script and checks the verdicts the
// delivery would carry.
func TestCertifyVerdicts(t *testing.T) {
	truth, _ := scripted()
	db := openDB(t, writeFixture(t, msgstoretest.WriteModern, truth))
	chat := mustFindChat(t, db, phoneA)
	history := mustHistory(t, db, chat)
	day := evidence.DateOf(t0)
	sel := evidence.Certify(chat.Evidence(phoneA, "Emanuel"), history, evidence.Range{From: day, To: day}, 5)
	want := map[string]evidence.Basis{"A13": evidence.BasisNone, "A14": evidence.BasisRead,
		"A15": evidence.BasisRead, "A16": evidence.BasisNone, "A17": evidence.BasisNone}
	if len(sel.Verdicts) != len(want) {
		t.Fatalf("%d verdicts, want %d: %v", len(sel.Verdicts), len(want), sel.Certified)
	}
	for _, v := range sel.Verdicts {
		if v.LegalValue.Basis != want[v.MessageID] {
			t.Errorf("%s: basis %s, want %s", v.MessageID, v.LegalValue.Basis, want[v.MessageID])
		}
	}
}

// TestFindChat resolves phone numbers to chats, through jid_map for a LID chat.
func TestFindChat(t *testing.T) {
	truth, _ := scripted()
	db := openDB(t, writeFixture(t, msgstoretest.WriteModern, truth))
	tests := []struct {
		phone   string
		jid     string
		lid     string
		wantErr error
	}{
		{phoneA, jidClient, "", nil},
		{"+39 377 115 1946", jidClient, "", nil},
		{phoneB, jidLID, jidLID, nil},
		{"+393479999999", "", "", msgstore.ErrChatNotFound}, // only in a group
		{"+39340000000", "", "", msgstore.ErrChatNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.phone, func(t *testing.T) {
			c, err := db.FindChat(t.Context(), tt.phone)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("error %v, want %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if c.JID != tt.jid || c.LID != tt.lid || c.Kind != msgstore.ChatPerson {
				t.Errorf("chat %+v, want JID %s LID %q", c, tt.jid, tt.lid)
			}
		})
	}
	if _, err := db.FindChat(t.Context(), "not a number"); err == nil {
		t.Error("FindChat accepted a non-number")
	}
}

func TestFindChatAmbiguous(t *testing.T) {
	truth := msgstoretest.Truth{Chats: []msgstoretest.Chat{
		{JID: jidLIDPN, Messages: []msgstoretest.Message{{KeyID: "P1", Time: at(0), Text: "old chat"}}},
		{JID: jidLID, PhoneJID: jidLIDPN, Messages: []msgstoretest.Message{{KeyID: "L1", Time: at(1), Text: "new"}}},
	}}
	db := openDB(t, writeFixture(t, msgstoretest.WriteModern, truth))
	_, err := db.FindChat(t.Context(), phoneB)
	if !errors.Is(err, msgstore.ErrAmbiguousChat) || !strings.Contains(err.Error(), jidLID) {
		t.Fatalf("error %v, want ErrAmbiguousChat naming both chats", err)
	}
}

// TestChatInfo checks what Chats says about each kind of chat.
func TestChatInfo(t *testing.T) {
	truth, _ := scripted()
	db := openDB(t, writeFixture(t, msgstoretest.WriteModern, truth))
	chats, err := db.Chats(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	want := []msgstore.ChatInfo{
		{RowID: 1, JID: jidClient, Kind: msgstore.ChatPerson, Phone: phoneA, PhoneJID: jidClient},
		{RowID: 2, JID: jidLID, Kind: msgstore.ChatPerson, Phone: phoneB, PhoneJID: jidLIDPN, LID: jidLID},
		{RowID: 3, JID: jidGroup, Kind: msgstore.ChatGroup, Subject: "Studio Rossi"},
		{RowID: 4, JID: jidLIDChat, Kind: msgstore.ChatPerson, LID: jidLIDChat},
	}
	if !slices.Equal(chats, want) {
		t.Errorf("chats\n got %+v\nwant %+v", chats, want)
	}
	if got := chats[0].Evidence(phoneA, "Emanuel").JID; got != "393771151946@c.us" {
		t.Errorf("evidence JID %q, want the c.us form", got)
	}
}

// TestMessagesRange checks the time window and that stopping early is clean.
func TestMessagesRange(t *testing.T) {
	truth, _ := scripted()
	db := openDB(t, writeFixture(t, msgstoretest.WriteModern, truth))
	chat := mustFindChat(t, db, phoneA)
	var ids []string
	for r, err := range db.Messages(t.Context(), chat, at(30), at(36)) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.Message.ID)
	}
	if want := []string{"A04", "A05", "A06", "A06b"}; !slices.Equal(ids, want) {
		t.Errorf("range gave %v, want %v", ids, want)
	}
	n := 0
	for range db.Messages(t.Context(), chat, time.Time{}, time.Time{}) {
		n++
		if n == 2 {
			break
		}
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	for _, err := range db.Messages(ctx, chat, time.Time{}, time.Time{}) {
		if err == nil {
			t.Fatal("a cancelled context still yields messages")
		}
		if !errors.Is(err, context.Canceled) {
			t.Errorf("error %v, want context.Canceled", err)
		}
	}
}

// TestRawRowCanonical checks that RawRow is valid JSON, deterministic, and keeps bytes that are not text.
func TestRawRowCanonical(t *testing.T) {
	truth, _ := scripted()
	path := writeFixture(t, msgstoretest.WriteModern, truth)
	read := func() map[string][]byte {
		db := openDB(t, path)
		chat := mustFindChat(t, db, phoneA)
		out := map[string][]byte{}
		for r, err := range db.Messages(t.Context(), chat, time.Time{}, time.Time{}) {
			if err != nil {
				t.Fatal(err)
			}
			out[r.Message.ID] = r.RawRow
		}
		return out
	}
	first, second := read(), read()
	for id, raw := range first {
		if string(second[id]) != string(raw) {
			t.Errorf("%s: raw row differs between two reads", id)
		}
		checkJSON(t, id, raw)
	}
	if !strings.Contains(string(first["A17"]), `"text_data":{"blob_base64":"/2H+"}`) {
		t.Errorf("A17: raw row lost the non-text bytes: %s", first["A17"])
	}
	for _, want := range []string{`"receipt_device":[`, `"receipt_user":[`, `"message_edit_info":{`} {
		if !strings.Contains(string(first["A01"])+string(first["A08"]), want) {
			t.Errorf("raw rows lack %s", want)
		}
	}
	if !strings.HasPrefix(string(first["A01"]), `{"layout":"modern","rows":{"message":{"_id":`) ||
		!strings.HasSuffix(string(first["A01"]), `,"v":1}`) {
		t.Errorf("A01: raw row shape: %s", first["A01"])
	}
}
