package webtest

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestDefaultScenariosLoadAndRoundTrip(t *testing.T) {
	names := DefaultScenarioNames()
	if !reflectEqual(names, []string{"basic", "english"}) {
		t.Fatalf("default scenarios = %v", names)
	}
	for _, name := range names {
		sc, err := DefaultScenario(name)
		if err != nil {
			t.Fatal(err)
		}
		data, err := sc.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		back, err := LoadScenario(data)
		if err != nil {
			t.Fatalf("%s: reload: %v", name, err)
		}
		if !reflect.DeepEqual(sc, back) {
			t.Errorf("%s: round trip changed the scenario", name)
		}
	}
	if _, err := DefaultScenario("nope"); err == nil || !strings.Contains(err.Error(), "basic, english") {
		t.Errorf("unknown default scenario: %v", err)
	}
	if en := MustDefaultScenario("english"); en.Account.Language != "en" {
		t.Errorf("english scenario language %q", en.Account.Language)
	}
}

func reflectEqual(a, b []string) bool { return reflect.DeepEqual(a, b) }

// TestBasicScenarioCoversTheCases keeps the ground truth honest: every case
// the capture's tests rely on is in the basic scenario.
func TestBasicScenarioCoversTheCases(t *testing.T) {
	sc := MustDefaultScenario("basic")
	if sc.Account.Language != "it" {
		t.Errorf("basic UI language %q, want it", sc.Account.Language)
	}
	has := map[string]bool{}
	for _, c := range sc.Chats {
		incoming, outgoing := 0, 0
		for i, m := range c.Messages {
			if m.FromMe {
				outgoing++
			} else {
				incoming++
			}
			laterIncoming := false
			for _, n := range c.Messages[i+1:] {
				laterIncoming = laterIncoming || !n.FromMe
				if !n.FromMe && n.QuotedStanzaID == m.ID && m.FromMe && m.Ack == AckReceived {
					has["delivered+quoting reply"] = true
				}
			}
			switch {
			case !m.FromMe:
			case m.Type == TypeRevoked:
				has["revoked"] = true
			case m.Type == TypePTT && m.Ack == AckPlayed && m.Info != nil && len(m.Info.Played) > 0:
				has["voice note played"] = true
			case m.Ack == AckRead && m.Type == TypeChat && m.Info != nil && len(m.Info.Read) > 0:
				has["read"] = true
			case m.Ack == AckReceived && m.Type == TypeChat && !laterIncoming:
				has["delivered, no reply"] = true
			case m.Ack == AckSent:
				has["sent only"] = true
			case m.Ack == AckPending:
				has["pending"] = true
			case m.Ack == AckFailed:
				has["failed"] = true
			}
			if m.IsEdited {
				has["edited"] = true
			}
			if md := m.Media; md != nil {
				switch {
				case m.Type == TypeImage && m.Caption != "" && md.Hash != "wrong" && stateOf(md) == MediaOK:
					has["image with caption, good hash"] = true
				case m.Type == TypeImage && md.Hash == "wrong":
					has["image, wrong hash"] = true
				case m.Type == TypeVideo && md.State == MediaGone:
					has["video gone"] = true
				case m.Type == TypeDocument && md.State == MediaReuploading:
					has["document reuploading"] = true
				}
			}
			if m.FromMe && m.Info != nil && !m.Info.Missing && len(m.Info.Delivery)+len(m.Info.Read)+len(m.Info.Played) == 0 && m.Ack >= AckRead {
				has["empty message info"] = true
			}
			if m.Tier() == HistoryEarlier {
				has["loadEarlierMsgs pages"] = true
			}
			if m.Tier() == HistoryOnDemand {
				has["on-demand history"] = true
			}
		}
		if outgoing == 0 && incoming > 0 {
			has["incoming-only chat"] = true
		}
		if c.Server() == "lid" && c.Phone != "" {
			has["LID chat"] = true
		}
		if c.UnreadCount > 0 {
			has["unread chat"] = true
		}
	}
	for _, k := range []string{"read", "delivered+quoting reply", "delivered, no reply", "sent only", "pending", "failed",
		"voice note played", "image with caption, good hash", "image, wrong hash", "video gone", "document reuploading",
		"edited", "revoked", "incoming-only chat", "LID chat", "unread chat", "empty message info",
		"loadEarlierMsgs pages", "on-demand history"} {
		if !has[k] {
			t.Errorf("basic scenario lacks: %s", k)
		}
	}
}

func TestLoadScenarioRejects(t *testing.T) {
	base, err := DefaultScenarioBytes("basic")
	if err != nil {
		t.Fatal(err)
	}
	mutate := func(f func(sc *Scenario)) []byte {
		sc, err := LoadScenario(base)
		if err != nil {
			t.Fatal(err)
		}
		f(sc)
		data, err := sc.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	msg := func(sc *Scenario, c, m int) *Message { return &sc.Chats[c].Messages[m] }
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "truncated JSON"},
		{"truncated", base[:len(base)/2], "truncated JSON"},
		{"syntax", []byte("{\n\"format\": \"x\",\n\"name\": ,\n}"), "line 3"},
		{"type", []byte("{\n\"format\": \"attesta.waweb.scenario/v1\",\n\"chats\": 5}"), "line 3: field chats"},
		{"unknown field", bytes.Replace(base, []byte(`"name"`), []byte(`"nome"`), 1), `unknown field "nome"`},
		{"trailing data", append(bytes.Clone(base), "{}"...), "data after the scenario"},
		{"stray brace", append(bytes.Clone(base), "\n}"...), "data after the scenario"},
		{"format", mutate(func(sc *Scenario) { sc.Format = "attesta.waweb.scenario/v2" }), "format: \"attesta.waweb.scenario/v2\""},
		{"phone", mutate(func(sc *Scenario) { sc.Account.Phone = "+39 333" }), "account.phone"},
		{"language", mutate(func(sc *Scenario) { sc.Account.Language = "fr" }), "account.language"},
		{"zone", mutate(func(sc *Scenario) { sc.Account.TimeZone = "Mars/Olympus" }), "account.timeZone"},
		{"server", mutate(func(sc *Scenario) { sc.Chats[0].ID = "393771151946@s.whatsapp.net" }), `chats[0].id: "393771151946@s.whatsapp.net": server`},
		{"duplicate chat", mutate(func(sc *Scenario) { sc.Chats[1].ID = sc.Chats[0].ID }), "chats[1].id"},
		{"bad lid", mutate(func(sc *Scenario) { sc.Chats[0].LID = "abc@lid" }), "chats[0].lid"},
		{"title", mutate(func(sc *Scenario) { sc.Chats[2].Title = " " }), "chats[2].formattedTitle: empty"},
		{"order", mutate(func(sc *Scenario) { msg(sc, 0, 1).T = 1 }), "chats[0].messages[1] (" + MustDefaultScenario("basic").Chats[0].Messages[1].ID + ").t"},
		{"duplicate id", mutate(func(sc *Scenario) { msg(sc, 0, 1).ID = msg(sc, 0, 0).ID }), "id appears twice"},
		{"bad id", mutate(func(sc *Scenario) { msg(sc, 0, 0).ID = "true_x@c.us_1" }), "chats[0].messages[0].id"},
		{"ack", mutate(func(sc *Scenario) { msg(sc, 0, 0).Ack = 9 }), "ack: 9 outside -7..5"},
		{"type", mutate(func(sc *Scenario) { msg(sc, 0, 0).Type = "poll" }), `type: "poll"`},
		{"media body", mutate(func(sc *Scenario) { msg(sc, 0, 4).Body = "text" }), "only chat messages have a text body"},
		{"media missing", mutate(func(sc *Scenario) { msg(sc, 0, 4).Media = nil }), "a image message needs media"},
		{"media on text", mutate(func(sc *Scenario) { msg(sc, 0, 0).Media = &Media{Mimetype: "a/b", Size: 1} }), "a chat message has no media"},
		{"media size", mutate(func(sc *Scenario) { msg(sc, 0, 4).Media.Size = maxMediaBytes + 1 }), "over the"},
		{"media hash", mutate(func(sc *Scenario) { msg(sc, 0, 4).Media.Hash = "maybe" }), "media.hash"},
		{"media state", mutate(func(sc *Scenario) { msg(sc, 0, 4).Media.State = "lost" }), "media.state"},
		{"caption on ptt", mutate(func(sc *Scenario) { msg(sc, 0, 3).Caption = "x" }), "a ptt message has no caption"},
		{"quote", mutate(func(sc *Scenario) { msg(sc, 0, 2).QuotedStanzaID = "NOPE" }), `quotedStanzaID: "NOPE"`},
		{"edit key", mutate(func(sc *Scenario) { msg(sc, 0, 0).LatestEditMsgKey = "X1" }), "not edited"},
		{"info incoming", mutate(func(sc *Scenario) { msg(sc, 0, 2).Info = &Info{} }), "only for own messages"},
		{"info time", mutate(func(sc *Scenario) { msg(sc, 0, 0).Info.Read[0].T = 0 }), "info.read[0].t"},
		{"tier", mutate(func(sc *Scenario) { msg(sc, 0, 1).History = HistoryEarlier }), "tiers go unreachable"},
		{"tier name", mutate(func(sc *Scenario) { msg(sc, 0, 0).History = "cloud" }), `history: "cloud"`},
		{"unread", mutate(func(sc *Scenario) { sc.Chats[0].UnreadCount = 99 }), "chats[0].unreadCount"},
		{"info string", bytes.Replace(base, []byte(`"ack": -1`), []byte(`"ack": -1, "info": "lost"`), 1), `info "lost"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sc, err := LoadScenario(tc.data)
			if err == nil {
				t.Fatalf("accepted: %+v", sc.Name)
			}
			if !errors.Is(err, ErrInvalidScenario) {
				t.Errorf("error %v does not wrap ErrInvalidScenario", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not say %q", err, tc.want)
			}
		})
	}
}

func TestLoadScenarioFileNamesTheFile(t *testing.T) {
	path := t.TempDir() + "/broken.json"
	if err := writeFile(path, []byte(`{"format": 1}`)); err != nil {
		t.Fatal(err)
	}
	_, err := LoadScenarioFile(path)
	if err == nil || !strings.Contains(err.Error(), "broken.json") {
		t.Errorf("error %v does not name the file", err)
	}
}

func TestBuilder(t *testing.T) {
	t0 := time.Date(2026, 1, 12, 9, 0, 0, 0, time.UTC)
	b := NewBuilder("built")
	c := b.Chat("393771151946@c.us", "Emanuel").LID("12345@lid")
	out := c.Out("3EB0AA01", t0, "Pay by Friday").Delivered(t0.Add(time.Minute))
	c.In("A1B2C3", t0.Add(time.Hour), "OK").Quote(out.ID())
	c.OutMedia("3EB0AA02", t0.Add(2*time.Hour), TypePTT, Media{Mimetype: "audio/ogg", Size: 100}).Played(t0.Add(3 * time.Hour))
	c.Out("3EB0AA03", t0.Add(4*time.Hour), "gone").Revoked().NoInfo()
	sc, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	ms := sc.Chats[0].Messages
	if ms[0].Ack != AckReceived || len(ms[0].Info.Delivery) != 1 || ms[1].QuotedStanzaID != "3EB0AA01" ||
		ms[2].Ack != AckPlayed || ms[3].Type != TypeRevoked || !ms[3].Info.Missing {
		t.Errorf("built messages %+v", ms)
	}
	c.In("A1B2C4", t0.Add(5*time.Hour), "x").Quote("NOPE")
	if _, err := b.Build(); err == nil || !strings.Contains(err.Error(), "quotedStanzaID") {
		t.Errorf("invalid build: %v", err)
	}
}

func TestLookups(t *testing.T) {
	sc := MustDefaultScenario("basic")
	c := sc.ChatByTitle("Luca Ferri")
	if c == nil || sc.Chat(c.ID) != c || c.Server() != "lid" {
		t.Fatalf("lookup of the LID chat: %+v", c)
	}
	m := &c.Messages[0]
	if c.Message(m.ID) != m || c.Serialized(m) != "true_210987654321098@lid_"+m.ID {
		t.Errorf("message lookup: %s", c.Serialized(m))
	}
	if sc.Chat("1@c.us") != nil || sc.ChatByTitle("nobody") != nil || c.Message("NOPE") != nil {
		t.Error("lookups of absent things found something")
	}
}

func TestGenerate(t *testing.T) {
	a, b := Generate(50, 20, 1), Generate(50, 20, 1)
	if !reflect.DeepEqual(a, b) {
		t.Error("same seed, different scenarios")
	}
	if reflect.DeepEqual(a, Generate(50, 20, 2)) {
		t.Error("different seeds, same scenario")
	}
	if len(a.Chats) != 50 {
		t.Fatalf("%d chats", len(a.Chats))
	}
	kinds := map[string]int{}
	for _, c := range a.Chats {
		if len(c.Messages) != 20 {
			t.Fatalf("chat %s has %d messages", c.ID, len(c.Messages))
		}
		for _, m := range c.Messages {
			kinds[m.Type]++
			kinds[m.Tier()]++
		}
	}
	for _, k := range []string{TypeChat, TypeImage, TypePTT, HistoryEarlier, HistoryLinked} {
		if kinds[k] == 0 {
			t.Errorf("generated scenario has no %s", k)
		}
	}
	if err := a.Validate(); err != nil {
		t.Error(err)
	}
}

func TestMediaPlaintextAndHash(t *testing.T) {
	md := &Media{Mimetype: "image/jpeg", Size: 1000}
	p1, p2 := md.Plaintext("c@c.us", "M1"), md.Plaintext("c@c.us", "M1")
	if len(p1) != 1000 || !bytes.Equal(p1, p2) || bytes.Equal(p1, md.Plaintext("c@c.us", "M2")) {
		t.Error("generated media is not deterministic per message")
	}
	wrong := &Media{Mimetype: "image/jpeg", Size: 1000, Hash: "wrong"}
	if md.FileHash("c@c.us", "M1") == wrong.FileHash("c@c.us", "M1") {
		t.Error("a wrong hash equals the right one")
	}
	data := &Media{Mimetype: "text/plain", Data: []byte("hello")}
	if got := data.FileHash("x", "y"); got != "LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ=" {
		t.Errorf("filehash of inline data = %s", got)
	}
}
