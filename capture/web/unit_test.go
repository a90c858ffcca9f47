package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/attesta/attesta/evidence"
)

func TestTickAgrees(t *testing.T) {
	for _, tc := range []struct {
		ack         evidence.Ack
		icon, label string
		ok          bool
	}{
		{3, "msg-dblcheck", " Letto ", true},
		{3, "msg-dblcheck", " Read ", true},
		{4, "msg-dblcheck", " Letto ", true},
		{2, "msg-dblcheck", " Consegnato ", true},
		{2, "msg-dblcheck", " Delivered ", true},
		{1, "msg-check", " Inviato ", true},
		{0, "msg-time", " In attesa ", true},
		{-1, "msg-error", " Non inviato ", true},
		{3, "msg-dblcheck", " Consegnato ", false}, // the screen claims less than the ack
		{2, "msg-dblcheck", " Letto ", false},
		{1, "msg-dblcheck", " Consegnato ", false},
		{3, "msg-dblcheck", " Gelesen ", false}, // a language the capture does not know is not agreement
		{3, "", "", false},
	} {
		ok, detail := tickAgrees(tc.ack, tc.icon, tc.label)
		if ok != tc.ok || (!ok && !strings.Contains(detail, tc.ack.String())) {
			t.Errorf("tickAgrees(%v, %q, %q) = %t %q, want %t", tc.ack, tc.icon, tc.label, ok, detail, tc.ok)
		}
	}
}

func TestRecipient(t *testing.T) {
	for in, want := range map[string]string{
		"393771151946@c.us":   "+393771151946",
		"100200300400500@lid": "100200300400500@lid", // an unmapped LID stays a JID
		"@c.us":               "@c.us",
		"39a@c.us":            "39a@c.us",
	} {
		if got := recipient(in); got != want {
			t.Errorf("recipient(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestExtension(t *testing.T) {
	for _, tc := range []struct {
		md   jsMedia
		want string
	}{
		{jsMedia{Filename: "contatore.JPG", MIME: "image/jpeg"}, ".jpg"},
		{jsMedia{MIME: "image/jpeg"}, ".jpg"},
		{jsMedia{MIME: "audio/ogg; codecs=opus"}, ".ogg"},
		{jsMedia{Filename: "../../etc/passwd", MIME: "application/pdf"}, ".pdf"},
		{jsMedia{Filename: "a.b/c", MIME: "x/unknown"}, ".bin"},
	} {
		if got := extension(&tc.md); got != tc.want {
			t.Errorf("extension(%+v) = %q, want %q", tc.md, got, tc.want)
		}
	}
}

func TestHashMatches(t *testing.T) {
	data := []byte("media bytes")
	sum := sha256.Sum256(data)
	good := base64.StdEncoding.EncodeToString(sum[:])
	if !hashMatches(data, good) || hashMatches(append(data, 0), good) || hashMatches(data, "not base64!") || hashMatches(data, "") {
		t.Error("hashMatches")
	}
}

func TestDecodeReply(t *testing.T) {
	var v struct{ A int }
	for _, tc := range []struct {
		raw     string
		wantErr string
		module  bool
	}{
		{`{"ok":{"A":1}}`, "", false},
		{`{"ok":null}`, "", false},
		{`{"err":"no chat x"}`, "bridge m: no chat x", false},
		{`{"err":"module X missing","module":"X","build":"2.3000.1"}`, "module X missing: WhatsApp Web 2.3000.1 is not supported by bridge v1", true},
		{`{"err":"","module":"X"}`, "(unknown build)", true},
		{`{"ok":`, "malformed reply", false},
		{`{"ok":"string"}`, "malformed value", false},
		{``, "malformed reply", false},
	} {
		err := decodeReply("m", []byte(tc.raw), &v)
		if tc.wantErr == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.raw, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.wantErr) || errors.Is(err, ErrUnsupportedBuild) != tc.module {
			t.Errorf("%s: error %v, want %q (module %t)", tc.raw, err, tc.wantErr, tc.module)
		}
	}
}

func TestToEvidence(t *testing.T) {
	s := func(v string) *string { return &v }
	for _, tc := range []struct {
		name    string
		in      jsMessage
		text    *string
		wantErr string
	}{
		{"text", jsMessage{ID: "A", T: 1, Type: "chat", Body: s("ciao")}, s("ciao"), ""},
		{"image caption, never the thumbnail", jsMessage{ID: "A", T: 1, Type: "image", Body: s("/9j/4AAQ"), Caption: s("foto")}, s("foto"), ""},
		{"image without caption", jsMessage{ID: "A", T: 1, Type: "image", Body: s("/9j/4AAQ")}, nil, ""},
		{"revoked", jsMessage{ID: "A", T: 1, Type: "revoked", Body: s("x")}, nil, ""},
		{"unknown type kept", jsMessage{ID: "A", T: 1, Type: "poll_creation"}, nil, ""},
		{"no id", jsMessage{T: 1, Type: "chat"}, nil, "without id"},
		{"no time", jsMessage{ID: "A", Type: "chat"}, nil, "not a unix time"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := toEvidence(&tc.in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if deref(m.Text) != deref(tc.text) || (m.Text == nil) != (tc.text == nil) || m.SourceType != tc.in.Type {
				t.Errorf("text %v source %q", m.Text, m.SourceType)
			}
		})
	}
}

func TestDirRecorder(t *testing.T) {
	ctx := t.Context()
	rec, err := NewDirRecorder(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	sum, n, err := rec.Artifact(ctx, "media", "chats/1/media/a.jpg", strings.NewReader("abc"))
	want := sha256.Sum256([]byte("abc"))
	if err != nil || n != 3 || sum != hexOf(want[:]) {
		t.Fatalf("artifact: %s %d %v", sum, n, err)
	}
	if _, _, err := rec.Artifact(ctx, "media", "chats/1/media/a.jpg", strings.NewReader("other")); err == nil {
		t.Error("an existing artifact was overwritten")
	}
	if data, _ := os.ReadFile(filepath.Join(rec.Dir, "chats/1/media/a.jpg")); !bytes.Equal(data, []byte("abc")) {
		t.Errorf("stored %q", data)
	}
	for _, bad := range []string{"", "../x", "/etc/x", ".", "events.jsonl", "a/../../x"} {
		if _, _, err := rec.Artifact(ctx, "media", bad, strings.NewReader("x")); err == nil {
			t.Errorf("name %q accepted", bad)
		}
	}
	if _, _, err := rec.Artifact(ctx, "media", "b", iotestErrReader{}); err == nil {
		t.Error("a failing reader was recorded")
	}
	if err := rec.Event(ctx, "action", map[string]any{"action": "open"}); err != nil {
		t.Fatal(err)
	}
	if err := rec.Event(ctx, "bad", map[string]any{"f": func() {}}); err == nil {
		t.Error("unencodable event accepted")
	}
	evs, err := rec.Events()
	if err != nil || len(evs) != 1 || evs[0].Kind != "action" || evs[0].Fields["action"] != "open" {
		t.Fatalf("events %+v %v", evs, err)
	}
	// A torn last line is reported with its line number.
	f, _ := os.OpenFile(filepath.Join(rec.Dir, "events.jsonl"), os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"time":`)
	f.Close()
	if _, err := rec.Events(); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("torn events: %v", err)
	}
}

func TestArtifactNamesUnique(t *testing.T) {
	s := &Session{}
	s.reserveNames(&Result{Chats: []ChatResult{{Artifacts: []evidence.Artifact{{Path: "chats/1/chat.mhtml"}}}}})
	for _, want := range []string{"chats/1/chat-2.mhtml", "chats/1/chat-3.mhtml"} {
		if got := s.artifactName("chats/1/chat.mhtml"); got != want {
			t.Errorf("got %s, want %s", got, want)
		}
	}
	if got := s.artifactName("chats/1/x.png"); got != "chats/1/x.png" {
		t.Errorf("got %s", got)
	}
}

func TestStatusFinal(t *testing.T) {
	for s, final := range map[Status]bool{StatusComplete: true, StatusNotFound: true, StatusOutOfReach: true,
		StatusPartial: false, StatusPending: false} {
		if s.Final() != final {
			t.Errorf("%s.Final() = %t", s, !final)
		}
	}
}

func TestBridgeExpr(t *testing.T) {
	expr, err := bridgeExpr("resolve", "39'\"`${x}")
	if err != nil {
		t.Fatal(err)
	}
	// Arguments travel as JSON, never spliced into code.
	if !strings.Contains(expr, `["39'\"`+"`${x}"+`"]`) || !strings.Contains(expr, "__attestaBridgeV1") {
		t.Errorf("expression tail: %s", expr[len(expr)-120:])
	}
	if _, err := bridgeExpr("m", func() {}); err == nil {
		t.Error("unencodable argument accepted")
	}
}

type iotestErrReader struct{}

func (iotestErrReader) Read([]byte) (int, error) { return 0, errors.New("disk gone") }

func hexOf(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}
