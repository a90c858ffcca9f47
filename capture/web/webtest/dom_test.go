package webtest

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

type domRow struct {
	ID    string `json:"id"`
	Pre   string `json:"pre"`
	Icon  string `json:"icon"`
	Label string `json:"label"`
}

const rowsJS = `[...document.querySelectorAll('#main div[role="row"]')].map(r => {
	const tick = r.querySelector('span[data-icon^="msg-"]');
	return { id: r.querySelector('[data-id]').getAttribute('data-id'),
		pre: r.querySelector('div[data-pre-plain-text]').getAttribute('data-pre-plain-text'),
		icon: tick ? tick.getAttribute('data-icon') : '', label: tick ? tick.getAttribute('aria-label') : '' };
})`

// wantTick is the tick the UI shows for an own message's ack.
func wantTick(lang string, ack int) (icon, label string) {
	labels := map[string][5]string{
		"it": {" Non inviato ", " In attesa ", " Inviato ", " Consegnato ", " Letto "},
		"en": {" Not sent ", " Pending ", " Sent ", " Delivered ", " Read "},
	}[lang]
	switch {
	case ack < 0:
		return "msg-error", labels[0]
	case ack == 0:
		return "msg-time", labels[1]
	case ack == 1:
		return "msg-check", labels[2]
	case ack == 2:
		return "msg-dblcheck", labels[3]
	}
	return "msg-dblcheck", labels[4]
}

func wantPre(t *testing.T, sc *Scenario, c *Chat, m *Message) string {
	t.Helper()
	rome, err := time.LoadLocation("Europe/Rome")
	if err != nil {
		t.Fatal(err)
	}
	at := time.Unix(m.T, 0).In(rome)
	name := c.Title
	if m.FromMe {
		name = sc.Account.PushName
	}
	return fmt.Sprintf("[%02d:%02d, %d/%d/%d] %s: ", at.Hour(), at.Minute(), at.Day(), at.Month(), at.Year(), name)
}

func TestDOMRowsTicksAndTimes(t *testing.T) {
	for _, name := range []string{"basic", "english"} {
		t.Run(name, func(t *testing.T) {
			sc := MustDefaultScenario(name)
			s := newTestServer(t, sc)
			tb := openTab(t, s)
			tb.link()
			if lang := eval[string](tb, `document.documentElement.lang`); lang != sc.Account.Language {
				t.Errorf("page language %q, want %q", lang, sc.Account.Language)
			}
			ticks := map[string]bool{}
			for ci := range sc.Chats {
				c := &sc.Chats[ci]
				tb.openChat(c.Title)
				byID := map[string]*Message{}
				for j := range c.Messages {
					byID[c.Messages[j].ID] = &c.Messages[j]
				}
				for _, r := range eval[[]domRow](tb, rowsJS) {
					m, ok := byID[r.ID]
					if !ok {
						t.Errorf("%s: row data-id %q is not a bare id of the chat", c.Title, r.ID)
						continue
					}
					if pre := wantPre(t, sc, c, m); r.Pre != pre {
						t.Errorf("%s/%s: data-pre-plain-text %q, want %q", c.Title, r.ID, r.Pre, pre)
					}
					icon, label := "", ""
					if m.FromMe {
						icon, label = wantTick(sc.Account.Language, m.Ack)
						ticks[icon+label] = true
					}
					if r.Icon != icon || r.Label != label {
						t.Errorf("%s/%s (ack %d, fromMe %t): tick %q %q, want %q %q", c.Title, r.ID, m.Ack, m.FromMe, r.Icon, r.Label, icon, label)
					}
				}
			}
			for ack := -1; ack <= 3; ack++ {
				icon, label := wantTick(sc.Account.Language, ack)
				if !ticks[icon+label] {
					t.Errorf("no row showed the tick for ack %d (%s%q)", ack, icon, label)
				}
			}
			if n := eval[int](tb, `document.querySelectorAll('.message-in, .message-out').length`); n != 0 {
				t.Errorf("%d elements carry message-in/message-out classes", n)
			}
		})
	}
}

func TestVirtualizedList(t *testing.T) {
	sc := Generate(1, 80, 7)
	c := &sc.Chats[0]
	var linked []string
	for _, m := range c.Messages {
		if m.Tier() == HistoryLinked {
			linked = append(linked, m.ID)
		}
	}
	s := newTestServer(t, sc)
	tb := openTab(t, s)
	tb.link()
	tb.openChat(c.Title)

	ids := func() []string {
		return eval[[]string](tb, `[...document.querySelectorAll('#main div[role="row"] [data-id]')].map(e => e.dataset.id)`)
	}
	first := ids()
	if len(first) == 0 || len(first) >= len(linked)/2 {
		t.Fatalf("%d of %d rows in the DOM; want only a window near the viewport", len(first), len(linked))
	}
	if !slices.Contains(first, linked[len(linked)-1]) || slices.Contains(first, linked[0]) {
		t.Errorf("the chat opens at its newest message; rows %v", first)
	}
	eval[bool](tb, `(() => { const l = document.querySelector('#main ._ml'); l.scrollTop = l.scrollHeight / 2; return true; })()`)
	tb.waitFor(`!document.querySelector('#main [data-id="` + linked[len(linked)-1] + `"]')`)
	mid := ids()
	if len(mid) == 0 || slices.Contains(mid, first[len(first)-1]) {
		t.Errorf("after scrolling to the middle the rows are %v (before: %v)", mid, first)
	}
	for _, id := range mid {
		if !slices.Contains(linked, id) {
			t.Errorf("row %s is not a linked message", id)
		}
	}
	// Scrolling to the top shows the oldest linked message, then the UI
	// loads an earlier page as the real site does.
	eval[bool](tb, `(document.querySelector('#main ._ml').scrollTop = 0, true)`)
	waitServer(t, "a load-earlier action after scrolling to the top", func() bool {
		return slices.ContainsFunc(s.Actions(), func(a Action) bool { return a.Kind == "load-earlier" })
	})
	waitServer(t, "scroll actions", func() bool {
		return slices.ContainsFunc(s.Actions(), func(a Action) bool { return a.Kind == "scroll" && a.Chat == c.ID })
	})
	tb.waitFor(`document.querySelector('#main [data-id="` + linked[0] + `"]')`)
	if n := eval[int](tb, `require('WAWebCollections').Chat.get('`+c.ID+`').msgs.length`); n <= len(linked) {
		t.Errorf("%d messages loaded after the UI reached the top, want more than %d", n, len(linked))
	}
}

func TestReceiptsOnlyFromTheUI(t *testing.T) {
	sc := MustDefaultScenario("basic")
	s := newTestServer(t, sc)
	tb := openTab(t, s)
	tb.link()
	var unread *Chat
	for i := range sc.Chats {
		if sc.Chats[i].UnreadCount > 0 {
			unread = &sc.Chats[i]
		}
	}
	chatJS := `require('WAWebCollections').Chat.get(` + jsString(unread.ID) + `)`

	// Reading through the module layer leaves no trace on the other side.
	eval[int](tb, `(async () => { const c = `+chatJS+`; let n = 0;
		for (const m of c.msgs.getModelsArray()) { n += (m.body || '').length;
			if (m.id.fromMe) await require('WAWebApiMessageInfoStore').queryMsgInfo(m.id).catch(() => null); }
		return n; })()`)
	tb.openChat(sc.Chats[0].Title) // a chat with nothing unread
	time.Sleep(300 * time.Millisecond)
	if r := s.Receipts(); len(r) != 0 {
		t.Fatalf("receipts without opening the unread chat in the UI: %+v", r)
	}
	if n := eval[int](tb, chatJS+`.unreadCount`); n != unread.UnreadCount {
		t.Errorf("unreadCount after module reads = %d, want %d", n, unread.UnreadCount)
	}

	tb.openChat(unread.Title)
	var want []string
	for _, m := range unread.Messages {
		if !m.FromMe {
			want = append(want, m.ID)
		}
	}
	want = want[len(want)-unread.UnreadCount:]
	waitServer(t, "read receipts", func() bool { return len(s.Receipts()) == len(want) })
	for i, r := range s.Receipts() {
		if r.Kind != "read" || r.Chat != unread.ID || r.MsgID != want[i] {
			t.Errorf("receipt %d = %+v, want read of %s in %s", i, r, want[i], unread.ID)
		}
	}
	if n := eval[int](tb, chatJS+`.unreadCount`); n != 0 {
		t.Errorf("unreadCount after opening in the UI = %d, want 0", n)
	}
	if !slices.ContainsFunc(s.Actions(), func(a Action) bool { return a.Kind == "open-chat" && a.Chat == unread.ID }) {
		t.Errorf("actions lack open-chat %s: %+v", unread.ID, s.Actions())
	}
}

func TestPlayVoiceNoteSendsPlayed(t *testing.T) {
	sc := MustDefaultScenario("basic")
	s := newTestServer(t, sc)
	tb := openTab(t, s)
	tb.link()
	c := &sc.Chats[0]
	var in, own string
	for _, m := range c.Messages {
		if m.Type == TypePTT && m.FromMe {
			own = m.ID
		} else if m.Type == TypePTT {
			in = m.ID
		}
	}
	tb.openChat(c.Title)
	// Bring the own voice note into view and play it: no receipt goes out.
	eval[bool](tb, `(document.querySelector('#main ._ml').scrollTop = 0, true)`)
	tb.waitFor(`document.querySelector('#main [data-id="` + own + `"] button')`)
	tb.click(`#main [data-id="` + own + `"] button`)
	eval[bool](tb, `(() => { const l = document.querySelector('#main ._ml'); l.scrollTop = l.scrollHeight; return true; })()`)
	tb.waitFor(`document.querySelector('#main [data-id="` + in + `"] button')`)
	label := eval[string](tb, `document.querySelector('#main [data-id="`+in+`"] button').getAttribute('aria-label')`)
	if label != "Riproduci messaggio vocale" {
		t.Errorf("play button label %q", label)
	}
	tb.click(`#main [data-id="` + in + `"] button`)
	waitServer(t, "a played receipt", func() bool { return len(s.Receipts()) > 0 })
	time.Sleep(200 * time.Millisecond)
	got := s.Receipts()
	if len(got) != 1 || got[0].Kind != "played" || got[0].MsgID != in || got[0].Chat != c.ID {
		t.Errorf("receipts = %+v, want one played receipt for %s", got, in)
	}
}

func TestReadReceiptsOff(t *testing.T) {
	t0 := time.Date(2026, 1, 12, 9, 0, 0, 0, time.UTC)
	b := NewBuilder("receipts-off").Language("en").ReadReceipts(false)
	c := b.Chat("393209998888@c.us", "Anna Riva").Unread(1)
	c.Out("3EB0000000000001", t0, "Hello").Delivered(t0.Add(time.Second))
	c.In("AA00000000000002", t0.Add(time.Hour), "Hi")
	s := newTestServer(t, b.MustBuild())
	tb := openTab(t, s)
	tb.link()
	tb.openChat("Anna Riva")
	waitServer(t, "the open-chat action", func() bool {
		return slices.ContainsFunc(s.Actions(), func(a Action) bool { return a.Kind == "open-chat" })
	})
	time.Sleep(300 * time.Millisecond)
	if r := s.Receipts(); len(r) != 0 {
		t.Errorf("read receipts sent with read receipts off: %+v", r)
	}
	if n := eval[int](tb, `require('WAWebCollections').Chat.get('393209998888@c.us').unreadCount`); n != 0 {
		t.Errorf("unreadCount = %d after opening, want 0", n)
	}
	if !strings.HasPrefix(eval[string](tb, `document.querySelector('#pane-side').getAttribute('aria-label')`), "Chat") {
		t.Errorf("English UI expected")
	}
}

// Scenario text is data, never markup: a hostile title or body shows as
// text and runs nothing.
func TestHostileTextIsInert(t *testing.T) {
	t0 := time.Date(2026, 1, 12, 9, 0, 0, 0, time.UTC)
	title := `<img src=x onerror="window.__pwned=1">"Eve"`
	body := `</span><script>window.__pwned=2</script><img src=y onerror="window.__pwned=3">`
	b := NewBuilder("hostile")
	c := b.Chat("393209998888@c.us", title)
	c.In("AA01", t0, body)
	c.Out("3EB0AA02", t0.Add(time.Minute), body).Delivered(t0.Add(2 * time.Minute))
	s := newTestServer(t, b.MustBuild())
	tb := openTab(t, s)
	tb.link()
	tb.openChat(title)
	time.Sleep(200 * time.Millisecond)
	if got := eval[string](tb, `String(window.__pwned)`); got != "undefined" {
		t.Errorf("scenario text ran as code: __pwned = %s", got)
	}
	texts := eval[[]string](tb, `[...document.querySelectorAll('#main div[role="row"] span[dir="ltr"]')].map(e => e.textContent)`)
	if len(texts) != 2 || texts[0] != body || texts[1] != body {
		t.Errorf("row texts = %q, want the body verbatim", texts)
	}
	pre := eval[string](tb, `document.querySelector('#main div[data-pre-plain-text]').getAttribute('data-pre-plain-text')`)
	if !strings.HasSuffix(pre, "] "+title+": ") {
		t.Errorf("data-pre-plain-text %q does not carry the title verbatim", pre)
	}
}
