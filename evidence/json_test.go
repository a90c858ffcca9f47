package evidence

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/attesta/attesta/internal/golden"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

// sampleDelivery is the manifest content this package owns, for one chat: it pins the shape of the JSON.
type sampleDelivery struct {
	Acquisition Acquisition `json:"acquisition"`
	Chat        Chat        `json:"chat"`
	Range       Range       `json:"range"`
	Messages    []Message   `json:"messages"`
	Artifacts   []Artifact  `json:"artifacts"`
}

func sample() sampleDelivery {
	const client = "393771151946@c.us"
	hash := func(c byte) string { return strings.Repeat(string(c), 64) }
	history := []Message{
		{ID: "3EB0A1", FromMe: true, SentAt: mins(0), Type: TypeText, SourceType: "chat", Text: ptr("Le confermo l'appuntamento di lunedì."),
			Ack: AckRead, Receipts: []Receipt{{client, ReceiptDelivered, mins(1)}, {client, ReceiptRead, mins(4)}}},
		{ID: "3EB0A2", FromMe: true, SentAt: mins(10), Type: TypeVoice, SourceType: "ptt", Ack: AckPlayed,
			DeliveredAt: mins(11), ReadAt: mins(12), PlayedAt: mins(13),
			Attachments: Attachments{{Path: "artifacts/media/3EB0A2.ogg", SHA256: hash('a'), Size: 18342, MIME: "audio/ogg; codecs=opus", WhatsAppHashOK: ptr(true)}}},
		{ID: "3EB0A3", FromMe: true, SentAt: mins(20), Type: TypeImage, SourceType: "image", Text: ptr("La fattura"), Ack: AckReceived,
			DeliveredAt: mins(21), Attachments: Attachments{{Path: "artifacts/media/3EB0A3.jpg", SHA256: hash('b'), Size: 204800, MIME: "image/jpeg", WhatsAppHashOK: ptr(false)}}},
		{ID: "ABCD01", SentAt: mins(30), Type: TypeText, SourceType: "chat", Text: ptr("Ricevuta, grazie"), QuotedID: ptr("3EB0A3"), Author: client},
		{ID: "3EB0A4", FromMe: true, SentAt: mins(40), Type: TypeRevoked, SourceType: "revoked", Ack: AckRead, ReadAt: mins(41)},
		{ID: "3EB0A5", FromMe: true, SentAt: mins(50), Type: TypeDocument, SourceType: "document", Ack: AckSent,
			Attachments: Attachments{{MIME: "application/pdf", Unavailable: "gone"}},
			Anomalies:   []Anomaly{{Code: "media-gone", Detail: "media download answered 404"}}},
		{ID: "3EB0A6", FromMe: true, SentAt: mins(60), Type: TypeText, SourceType: "chat", Text: ptr("Mi richiami"), Ack: AckPeer, Edited: true},
		{ID: "SYS001", SentAt: mins(70), Type: TypeSystem, SourceType: "e2e_notification"},
	}
	chat := Chat{Phone: "+393771151946", Name: "Emanuel Celano", JID: client}
	Apply(chat, history)
	return sampleDelivery{
		Acquisition: Acquisition{ID: "acq-20260115-0001", Method: MethodWhatsAppWeb,
			StartedAt: At(time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC)), FinishedAt: At(time.Date(2026, 1, 15, 9, 12, 30, 500_000_000, time.UTC)),
			Operator: "tecnico1", ApplianceID: "attesta-0001", ToolVersion: "0.1.0", SourceVersion: "2.3000.1031980585",
			SenderReadReceipts: ReadReceiptsOn},
		Chat:     chat,
		Range:    Range{day(2026, 1, 14), day(2026, 1, 14)},
		Messages: history,
		Artifacts: []Artifact{
			{Path: "artifacts/screenshots/0001.png", SHA256: hash('c'), Size: 93211, Kind: ArtifactScreenshot},
			{Path: "artifacts/chat.mhtml", SHA256: hash('d'), Size: 1200311, Kind: ArtifactMHTML},
		},
	}
}

func TestGoldenJSON(t *testing.T) {
	got, err := json.MarshalIndent(sample(), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	path := filepath.Join("testdata", "messages.golden")
	golden.Check(t, path, got, *update)
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}

	var back sampleDelivery
	dec := json.NewDecoder(bytes.NewReader(want))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&back); err != nil {
		t.Fatalf("read back %s: %v", path, err)
	}
	again, err := json.MarshalIndent(back, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(append(again, '\n'), want) {
		t.Errorf("round trip changed the JSON:\n%s", again)
	}
	for i := range back.Messages {
		if err := back.Messages[i].Validate(); err != nil {
			t.Error(err)
		}
	}
	for _, a := range back.Artifacts {
		if err := a.Validate(); err != nil {
			t.Error(err)
		}
	}
}

// TestManifestKeys pins the v1 key set: a message with nothing beyond v1 has exactly these keys.
func TestManifestKeys(t *testing.T) {
	m := out("m", 0, AckClock) // ack 0 is omitted like every other empty extra
	m.Status, m.LegalValue = StatusPending, &LegalValue{Basis: BasisNone}
	keys := jsonKeys(t, m)
	want := []string{"attachments", "delivered_at", "from_me", "id", "legal_value", "played_at", "quoted_id",
		"read_at", "sent_at", "status", "text", "type"}
	if !slices.Equal(keys, want) {
		t.Errorf("message keys = %v, want %v", keys, want)
	}
	if keys := jsonKeys(t, *m.LegalValue); !slices.Equal(keys, []string{"basis", "proven", "reply_id"}) {
		t.Errorf("legal_value keys = %v", keys)
	}
	if keys := jsonKeys(t, Attachment{}); !slices.Equal(keys, []string{"mime", "path", "sha256", "size", "whatsapp_hash_ok"}) {
		t.Errorf("attachment keys = %v", keys)
	}
	if keys := jsonKeys(t, Acquisition{}); !slices.Equal(keys, []string{"appliance_id", "finished_at", "id", "method",
		"operator", "source_version", "started_at", "tool_version"}) {
		t.Errorf("acquisition keys = %v", keys)
	}
	b, _ := json.Marshal(m)
	for _, null := range []string{`"delivered_at":null`, `"quoted_id":null`, `"attachments":[]`, `"reply_id":null`} {
		if !bytes.Contains(b, []byte(null)) {
			t.Errorf("%s missing from %s", null, b)
		}
	}
}

func jsonKeys(t *testing.T, v any) []string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return slices.Sorted(maps.Keys(m))
}

func TestTimeJSON(t *testing.T) {
	rome := time.Date(2026, 1, 15, 0, 30, 0, 0, Location())
	b, err := json.Marshal(At(rome))
	if err != nil || string(b) != `"2026-01-14T23:30:00Z"` {
		t.Errorf("marshal = %s, %v", b, err)
	}
	if b, _ := json.Marshal(Time{}); string(b) != "null" {
		t.Errorf("unknown time = %s", b)
	}
	if Unix(0).Known() || !Unix(1768435200).Known() {
		t.Error("Unix(0) must be unknown and a real time known")
	}
	for _, bad := range []string{`"2026-01-14T23:30:00+01:00"`, `"2026-01-14 23:30:00Z"`, `"yesterday"`, `12`, `"2026-13-01T00:00:00Z"`} {
		var tm Time
		if err := json.Unmarshal([]byte(bad), &tm); err == nil {
			t.Errorf("%s accepted as %v", bad, tm)
		}
	}
	var tm Time
	if err := json.Unmarshal([]byte(`null`), &tm); err != nil || tm.Known() {
		t.Errorf("null: %v %v", tm, err)
	}
}

func TestEnumsJSON(t *testing.T) {
	for s := StatusFailed; s <= StatusPlayed; s++ {
		b, err := s.MarshalText()
		var back Status
		if err != nil || back.UnmarshalText(b) != nil || back != s || s.String() != string(b) {
			t.Errorf("status %d: %s %v", s, b, err)
		}
	}
	if _, err := StatusUnset.MarshalText(); !errors.Is(err, ErrStatus) {
		t.Errorf("unset status marshalled: %v", err)
	}
	var s Status
	for _, bad := range []string{"", "Read", "received", "unset"} {
		if err := s.UnmarshalText([]byte(bad)); !errors.Is(err, ErrStatus) {
			t.Errorf("status %q: %v", bad, err)
		}
	}
	var m Message
	for _, bad := range []string{`{"type":"chat"}`, `{"status":"seen"}`, `{"legal_value":{"basis":"maybe"}}`,
		`{"receipts":[{"kind":"seen"}]}`, `{"sent_at":"2026-01-14T23:30:00"}`} {
		if err := json.Unmarshal([]byte(bad), &m); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
	var a Acquisition
	if err := json.Unmarshal([]byte(`{"method":"telepathy"}`), &a); !errors.Is(err, ErrMethod) {
		t.Errorf("unknown method: %v", err)
	}
}

func TestValidate(t *testing.T) {
	good := func() Message {
		m := out("m", 0, AckRead)
		m.Status, m.LegalValue = StatusRead, &LegalValue{Proven: true, Basis: BasisRead}
		return m
	}
	tests := []struct {
		name  string
		spoil func(*Message)
	}{
		{"empty id", func(m *Message) { m.ID = "" }},
		{"unknown time", func(m *Message) { m.SentAt = Time{} }},
		{"bad type", func(m *Message) { m.Type = "chat" }},
		{"unset status", func(m *Message) { m.Status = StatusUnset }},
		{"proven without basis", func(m *Message) { m.LegalValue.Basis = BasisNone }},
		{"reply without id", func(m *Message) { m.LegalValue.Basis = BasisReply }},
		{"id without reply", func(m *Message) { m.LegalValue.ReplyID = ptr("x") }},
		{"legal value on incoming", func(m *Message) { m.FromMe = false }},
		{"absolute path", func(m *Message) { m.Attachments = Attachments{{Path: "/etc/passwd", SHA256: strings.Repeat("a", 64)}} }},
		{"escaping path", func(m *Message) {
			m.Attachments = Attachments{{Path: "artifacts/../../x", SHA256: strings.Repeat("a", 64)}}
		}},
		{"upper-case hash", func(m *Message) { m.Attachments = Attachments{{Path: "a.jpg", SHA256: strings.Repeat("A", 64)}} }},
		{"short hash", func(m *Message) { m.Attachments = Attachments{{Path: "a.jpg", SHA256: "abcd"}} }},
		{"unavailable with a file", func(m *Message) { m.Attachments = Attachments{{Path: "a.jpg", Unavailable: "gone"}} }},
	}
	if m := good(); m.Validate() != nil {
		t.Fatalf("good message refused: %v", m.Validate())
	}
	for _, tt := range tests {
		m := good()
		tt.spoil(&m)
		if err := m.Validate(); err == nil {
			t.Errorf("%s: accepted", tt.name)
		}
	}
}
