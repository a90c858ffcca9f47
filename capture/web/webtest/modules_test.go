package webtest

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/attesta/attesta/internal/testwait"
)

// jsWid, jsMsg and jsChat are what the tests read back from the models.
type jsWid struct {
	Server     string `json:"server"`
	User       string `json:"user"`
	Serialized string `json:"_serialized"`
}

type jsMsgKey struct {
	FromMe     bool   `json:"fromMe"`
	Remote     jsWid  `json:"remote"`
	ID         string `json:"id"`
	Serialized string `json:"_serialized"`
}

type jsMsg struct {
	ID               jsMsgKey  `json:"id"`
	T                int64     `json:"t"`
	Type             string    `json:"type"`
	Body             string    `json:"body"`
	Caption          string    `json:"caption"`
	Ack              int       `json:"ack"`
	QuotedStanzaID   string    `json:"quotedStanzaID"`
	IsEdited         bool      `json:"isEdited"`
	LatestEditMsgKey *jsMsgKey `json:"latestEditMsgKey"`
	Mimetype         string    `json:"mimetype"`
	Size             int64     `json:"size"`
	Filename         string    `json:"filename"`
	Filehash         string    `json:"filehash"`
	EncFilehash      string    `json:"encFilehash"`
	MediaKey         string    `json:"mediaKey"`
	DirectPath       string    `json:"directPath"`
	MediaData        *struct {
		MediaStage string `json:"mediaStage"`
	} `json:"mediaData"`
}

type jsChat struct {
	ID                       jsWid   `json:"id"`
	FormattedTitle           string  `json:"formattedTitle"`
	UnreadCount              int     `json:"unreadCount"`
	EndOfHistoryTransferType int     `json:"endOfHistoryTransferType"`
	Msgs                     []jsMsg `json:"msgs"`
}

const dumpChatsJS = `require('WAWebCollections').Chat.getModelsArray().map(c => ({
	id: c.id, formattedTitle: c.formattedTitle, unreadCount: c.unreadCount,
	endOfHistoryTransferType: c.endOfHistoryTransferType, msgs: c.msgs.getModelsArray() }))`

func serialized(chatID string, m *Message) string {
	return fmt.Sprintf("%t_%s_%s", m.FromMe, chatID, m.ID)
}

func TestModuleLayerMatchesScenario(t *testing.T) {
	sc := MustDefaultScenario("basic")
	s := newTestServer(t, sc)
	tb := openTab(t, s)
	tb.link()

	chats := eval[[]jsChat](tb, dumpChatsJS)
	if len(chats) != len(sc.Chats) {
		t.Fatalf("%d chats, want %d", len(chats), len(sc.Chats))
	}
	for i := range sc.Chats {
		want := &sc.Chats[i]
		got := chats[i]
		user, server, _ := strings.Cut(want.ID, "@")
		if got.ID != (jsWid{server, user, want.ID}) {
			t.Errorf("chat %d id = %+v, want %s", i, got.ID, want.ID)
		}
		if got.FormattedTitle != want.Title || got.UnreadCount != want.UnreadCount || got.EndOfHistoryTransferType != endOfHistory(want) {
			t.Errorf("chat %s = %q unread %d eoh %d, want %q %d %d", want.ID, got.FormattedTitle, got.UnreadCount,
				got.EndOfHistoryTransferType, want.Title, want.UnreadCount, endOfHistory(want))
		}
		var linked []*Message
		for j := range want.Messages {
			if want.Messages[j].Tier() == HistoryLinked {
				linked = append(linked, &want.Messages[j])
			}
		}
		if len(got.Msgs) != len(linked) {
			t.Errorf("chat %s has %d loaded messages, want the %d linked ones", want.ID, len(got.Msgs), len(linked))
			continue
		}
		for j, m := range linked {
			checkMessage(t, want.ID, m, &got.Msgs[j])
		}
	}
}

func checkMessage(t *testing.T, chatID string, want *Message, got *jsMsg) {
	t.Helper()
	where := chatID + "/" + want.ID
	if got.ID.Serialized != serialized(chatID, want) || got.ID.ID != want.ID || got.ID.FromMe != want.FromMe ||
		got.ID.Remote.Serialized != chatID {
		t.Errorf("%s: id = %+v", where, got.ID)
	}
	if got.T != want.T || got.Type != want.Type || got.Ack != want.Ack || got.Caption != want.Caption ||
		got.QuotedStanzaID != want.QuotedStanzaID || got.IsEdited != want.IsEdited {
		t.Errorf("%s: model t=%d type=%s ack=%d caption=%q quoted=%q edited=%t, want %d %s %d %q %q %t", where,
			got.T, got.Type, got.Ack, got.Caption, got.QuotedStanzaID, got.IsEdited,
			want.T, want.Type, want.Ack, want.Caption, want.QuotedStanzaID, want.IsEdited)
	}
	if want.IsEdited && (got.LatestEditMsgKey == nil || got.LatestEditMsgKey.ID != want.LatestEditMsgKey) {
		t.Errorf("%s: latestEditMsgKey = %+v, want id %s", where, got.LatestEditMsgKey, want.LatestEditMsgKey)
	}
	switch want.Type {
	case TypeImage, TypeVideo:
		// The body of a media message is its thumbnail, never text.
		thumb, err := base64.StdEncoding.DecodeString(got.Body)
		if err != nil || !bytes.HasPrefix(thumb, []byte{0xFF, 0xD8}) {
			t.Errorf("%s: body is not a base64 JPEG thumbnail: %q", where, short(got.Body))
		}
	default:
		if got.Body != want.Body {
			t.Errorf("%s: body = %q, want %q", where, got.Body, want.Body)
		}
	}
	if md := want.Media; md != nil {
		stage := "RESOLVED"
		if md.State == MediaReuploading {
			stage = "REUPLOADING"
		}
		if got.Mimetype != md.Mimetype || got.Size != md.Len() || got.Filename != md.Filename ||
			got.Filehash != md.FileHash(chatID, want.ID) || got.MediaData == nil || got.MediaData.MediaStage != stage ||
			got.EncFilehash == "" || got.MediaKey == "" || !strings.HasPrefix(got.DirectPath, "/v/") {
			t.Errorf("%s: media fields %+v", where, got)
		}
	}
}

// jsEntry is one recipient's receipt as queryMsgInfo returns it.
type jsEntry struct {
	ID jsWid `json:"id"`
	T  int64 `json:"t"`
}

type jsInfo struct {
	Delivery          []jsEntry `json:"delivery"`
	Read              []jsEntry `json:"read"`
	Played            []jsEntry `json:"played"`
	DeliveryRemaining int       `json:"deliveryRemaining"`
	ReadRemaining     int       `json:"readRemaining"`
	PlayedRemaining   int       `json:"playedRemaining"`
}

func TestQueryMsgInfo(t *testing.T) {
	sc := MustDefaultScenario("basic")
	s := newTestServer(t, sc)
	tb := openTab(t, s)
	tb.link()
	var sawMissing, sawEmpty, sawRead bool
	for _, c := range sc.Chats {
		for _, m := range c.Messages {
			if m.Tier() != HistoryLinked {
				continue
			}
			key := serialized(c.ID, &m)
			call := `require('WAWebApiMessageInfoStore').queryMsgInfo(require('WAWebCollections').Msg.get(` + jsString(key) + `).id)`
			if !m.FromMe || m.Info == nil || m.Info.Missing {
				msg := tb.evalErr(call)
				if msg != "No message info found for "+key {
					t.Errorf("%s: error %q", key, msg)
				}
				sawMissing = sawMissing || m.FromMe
				continue
			}
			got := eval[jsInfo](tb, call)
			check := func(name string, g []jsEntry, w []InfoEntry, remaining int) {
				if len(g) != len(w) || remaining != max(0, 1-len(w)) {
					t.Errorf("%s %s: %d entries (remaining %d), want %d", key, name, len(g), remaining, len(w))
					return
				}
				for k := range w {
					if g[k].ID.Serialized != w[k].ID || g[k].T != w[k].T {
						t.Errorf("%s %s[%d] = %+v, want %+v", key, name, k, g[k], w[k])
					}
				}
			}
			check("delivery", got.Delivery, m.Info.Delivery, got.DeliveryRemaining)
			check("read", got.Read, m.Info.Read, got.ReadRemaining)
			check("played", got.Played, m.Info.Played, got.PlayedRemaining)
			sawEmpty = sawEmpty || len(m.Info.Delivery)+len(m.Info.Read) == 0
			sawRead = sawRead || len(m.Info.Read) > 0
		}
	}
	if !sawMissing || !sawEmpty || !sawRead {
		t.Errorf("basic scenario lacks a case: missing %t empty %t read %t", sawMissing, sawEmpty, sawRead)
	}
	// A plain string key works too, and an unknown key throws.
	if msg := tb.evalErr(`require('WAWebApiMessageInfoStore').queryMsgInfo('true_1@c.us_NOPE')`); msg != "No message info found for true_1@c.us_NOPE" {
		t.Errorf("unknown key: %q", msg)
	}
}

type download struct {
	Bytes string `json:"bytes"`
	Err   string `json:"err"`
	Stat  int    `json:"status"`
	Stage string `json:"stage"`
}

func downloadJS(key string) string {
	return `(async () => {
	const m = require('WAWebCollections').Msg.get(` + jsString(key) + `);
	try {
		const buf = await require('WAWebDownloadManager').downloadManager.downloadAndMaybeDecrypt({
			directPath: m.directPath, encFilehash: m.encFilehash, filehash: m.filehash, mediaKey: m.mediaKey,
			mediaKeyTimestamp: m.mediaKeyTimestamp, type: m.type });
		let s = ''; for (const b of new Uint8Array(buf)) s += String.fromCharCode(b);
		return { bytes: btoa(s), stage: m.mediaData.mediaStage };
	} catch (e) { return { err: e.message, status: e.status || 0, stage: m.mediaData.mediaStage }; }
	})()`
}

func TestDownloadMedia(t *testing.T) {
	sc := MustDefaultScenario("basic")
	s := newTestServer(t, sc)
	tb := openTab(t, s)
	tb.link()
	seen := map[string]bool{}
	for _, c := range sc.Chats {
		for _, m := range c.Messages {
			if m.Media == nil || m.Tier() != HistoryLinked {
				continue
			}
			key := serialized(c.ID, &m)
			got := eval[download](tb, downloadJS(key))
			plain := m.Media.Plaintext(c.ID, m.ID)
			sum := sha256.Sum256(plain)
			good := base64.StdEncoding.EncodeToString(sum[:])
			state := stateOf(m.Media)
			seen[state+"/"+m.Media.Hash] = true
			switch state {
			case MediaOK:
				data, err := base64.StdEncoding.DecodeString(got.Bytes)
				if got.Err != "" || err != nil || !bytes.Equal(data, plain) {
					t.Errorf("%s: download = %d bytes, err %q; want the %d plaintext bytes", key, len(data), got.Err, len(plain))
				}
				hashOK := m.Media.FileHash(c.ID, m.ID) == good
				if hashOK != (m.Media.Hash != "wrong") {
					t.Errorf("%s: filehash matches the served bytes: %t, scenario hash %q", key, hashOK, m.Media.Hash)
				}
			case MediaGone:
				if got.Stat != 404 || got.Stage != "ERROR_MISSING" {
					t.Errorf("%s: gone media: %+v, want status 404 and stage ERROR_MISSING", key, got)
				}
			case MediaReuploading:
				if got.Stat != 404 || got.Stage != "REUPLOADING" {
					t.Errorf("%s: reuploading media: %+v, want status 404 and stage REUPLOADING", key, got)
				}
			}
		}
	}
	for _, k := range []string{"ok/", "ok/wrong", "gone/", "reuploading/"} {
		if !seen[k] {
			t.Errorf("basic scenario lacks media case %s", k)
		}
	}
}

func TestContactLIDMapping(t *testing.T) {
	s := newTestServer(t, MustDefaultScenario("basic"))
	tb := openTab(t, s)
	tb.link()
	for _, tc := range []struct{ call, want string }{
		{`getCurrentLid('393771151946@c.us')`, "100200300400500@lid"},
		{`getPhoneNumber('100200300400500@lid')`, "393771151946@c.us"},
		{`getPhoneNumber(require('WAWebCollections').Chat.get('210987654321098@lid').id)`, "393401112233@c.us"},
		{`getCurrentLid('393401112233@c.us')`, "210987654321098@lid"},
		{`getCurrentLid('393286664444@c.us')`, ""},
	} {
		got := eval[string](tb, `(require('WAWebApiContact').`+tc.call+` || {_serialized: ''})._serialized`)
		if got != tc.want {
			t.Errorf("%s = %q, want %q", tc.call, got, tc.want)
		}
	}
}

func TestHistoryPagesAndOnDemand(t *testing.T) {
	sc := MustDefaultScenario("basic")
	var chat *Chat
	for i := range sc.Chats {
		if sc.Chats[i].PageSize == 5 {
			chat = &sc.Chats[i]
		}
	}
	if chat == nil {
		t.Fatal("basic scenario has no history chat")
	}
	// A long answer time, so that the test can see the phone not having
	// answered yet even on a loaded machine.
	chat.OnDemandDelayMs = 1500
	tiers := map[string]int{}
	for _, m := range chat.Messages {
		tiers[m.Tier()]++
	}
	s := newTestServer(t, sc)
	tb := openTab(t, s)
	tb.link()
	chatJS := `require('WAWebCollections').Chat.get(` + jsString(chat.ID) + `)`
	load := `require('WAWebChatLoadMessages').loadEarlierMsgs(` + chatJS + `).then(a => a.length)`

	if n := eval[int](tb, chatJS+`.msgs.length`); n != tiers[HistoryLinked] {
		t.Fatalf("%d messages loaded at start, want %d", n, tiers[HistoryLinked])
	}
	pages := func() []int {
		var got []int
		for {
			n := eval[int](tb, load)
			got = append(got, n)
			if n == 0 || len(got) > 20 {
				return got
			}
		}
	}
	if got, want := pages(), []int{5, 5, 2, 0}; !slices.Equal(got, want) {
		t.Errorf("earlier pages = %v, want %v", got, want)
	}
	if eoh := eval[int](tb, chatJS+`.endOfHistoryTransferType`); eoh != 0 {
		t.Errorf("endOfHistoryTransferType = %d, want 0 (more on the phone)", eoh)
	}
	eval[bool](tb, `require('WAWebSendNonMessageDataRequest').sendPeerDataOperationRequest(3, {chatId: `+chatJS+`.id}).then(() => true)`)
	if n := eval[int](tb, load); n != 0 {
		t.Errorf("on-demand history arrived at once (%d); the phone answers later", n)
	}
	var first int
	testwait.Until(t, "no on-demand history arrived", func() bool {
		first = eval[int](tb, load)
		return first != 0
	})
	if got, want := append([]int{first}, pages()...), []int{5, 1, 0}; !slices.Equal(got, want) {
		t.Errorf("on-demand pages = %v, want %v", got, want)
	}
	if eoh := eval[int](tb, chatJS+`.endOfHistoryTransferType`); eoh != 1 {
		t.Errorf("endOfHistoryTransferType after on-demand = %d, want 1 (the rest is beyond reach)", eoh)
	}
	var want []string
	for _, m := range chat.Messages {
		if m.Tier() != HistoryUnreachable {
			want = append(want, m.ID)
		}
	}
	if got := eval[[]string](tb, chatJS+`.msgs.getModelsArray().map(m => m.id.id)`); !slices.Equal(got, want) {
		t.Errorf("history ids = %v, want %v", got, want)
	}
	waitServer(t, "the history request in the actions", func() bool {
		for _, a := range s.Actions() {
			if a.Kind == "history-request" && a.Chat == chat.ID {
				return true
			}
		}
		return false
	})
	if msg := tb.evalErr(`require('WAWebSendNonMessageDataRequest').sendPeerDataOperationRequest(7, {chatId: '` + chat.ID + `'})`); !strings.Contains(msg, "unsupported") {
		t.Errorf("operation 7: %q", msg)
	}
}
