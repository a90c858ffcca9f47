package webtest

import (
	"slices"
	"strings"
	"testing"
	"time"
)

var appModules = []string{
	"WAWebCollections", "WAWebChatLoadMessages", "WAWebApiMessageInfoStore", "WAWebDownloadManager",
	"WAWebApiContact", "WAWebSendNonMessageDataRequest",
}

func TestLinkByQR(t *testing.T) {
	sc := MustDefaultScenario("basic")
	s := newTestServer(t, sc, WithQRRotation(400*time.Millisecond), WithQRIdleAfter(0))
	tb := openTab(t, s)

	tb.waitFor(`document.querySelector('[data-ref] canvas')`)
	ref := eval[string](tb, `document.querySelector('[data-ref]').getAttribute('data-ref')`)
	if !strings.HasPrefix(ref, "2@") {
		t.Errorf("data-ref = %q, want a 2@ ref", ref)
	}
	if got := eval[string](tb, `require('WAWebConnModel').Conn.ref`); got != ref {
		t.Errorf("Conn.ref = %q, data-ref = %q", got, ref)
	}
	if got := eval[string](tb, `require('WAWebSocketModel').Socket.state`); got != "UNPAIRED" {
		t.Errorf("Socket.state before linking = %q, want UNPAIRED", got)
	}
	if got := eval[string](tb, `window.Debug.VERSION`); got != sc.Account.Version {
		t.Errorf("Debug.VERSION = %q, want %q", got, sc.Account.Version)
	}
	for _, name := range appModules {
		msg := tb.evalErr(`require('` + name + `')`)
		if !strings.Contains(msg, `unknown module "`+name+`"`) {
			t.Errorf("require(%s) before linking: %q", name, msg)
		}
	}
	// The canvas shows the code (TestQRCodeDecodes decodes it).
	dark := eval[int](tb, `(() => { const c = document.querySelector('[data-ref] canvas');
		const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let n = 0;
		for (let i = 0; i < d.length; i += 4) if (d[i] < 128) n++; return n; })()`)
	if dark < 1000 {
		t.Errorf("QR canvas has %d dark pixels; nothing drawn", dark)
	}

	// The ref rotates, with change:ref events and the DOM following.
	eval[bool](tb, `(() => { window.__refs = []; window.__states = [];
		require('WAWebConnModel').Conn.on('change:ref', (_, r) => __refs.push(r));
		require('WAWebSocketModel').Socket.on('change:state', (_, s) => __states.push(s)); return true; })()`)
	tb.waitFor(`__refs.length >= 1`)
	if !eval[bool](tb, `(() => { const r = document.querySelector('[data-ref]').getAttribute('data-ref');
		return r !== `+jsString(ref)+` && r === require('WAWebConnModel').Conn.ref && __refs.includes(r); })()`) {
		t.Errorf("after rotation data-ref, Conn.ref and change:ref disagree: %v", eval[[]string](tb, `__refs`))
	}

	tb.link()
	if got := eval[[]string](tb, `__states`); !slices.Equal(got, []string{"OPENING", "PAIRING", "CONNECTED"}) {
		t.Errorf("state changes = %v, want OPENING, PAIRING, CONNECTED", got)
	}
	if got := eval[string](tb, `require('WAWebConnModel').Conn.wid._serialized`); got != sc.Account.OwnWid() {
		t.Errorf("Conn.wid = %q, want %q", got, sc.Account.OwnWid())
	}
	for _, name := range appModules {
		if !eval[bool](tb, `typeof require('`+name+`') === 'object'`) {
			t.Errorf("module %s missing after linking", name)
		}
	}

	// The phone logs the device out mid-capture: back to the QR.
	s.Unlink()
	tb.waitFor(`document.querySelector('[data-ref] canvas') && require('WAWebSocketModel').Socket.state === 'UNPAIRED'`)
	if msg := tb.evalErr(`require('WAWebCollections')`); !strings.Contains(msg, "unknown module") {
		t.Errorf("after unlink require(WAWebCollections): %q", msg)
	}
}

func TestMissingModule(t *testing.T) {
	s := newTestServer(t, MustDefaultScenario("basic"), WithMissingModule("WAWebApiMessageInfoStore"))
	tb := openTab(t, s)
	tb.link()
	msg := tb.evalErr(`require('WAWebApiMessageInfoStore')`)
	if msg != `Requiring unknown module "WAWebApiMessageInfoStore"` {
		t.Errorf("require of the missing module: %q", msg)
	}
	for _, name := range appModules {
		if name != "WAWebApiMessageInfoStore" && !eval[bool](tb, `typeof require('`+name+`') === 'object'`) {
			t.Errorf("module %s missing too", name)
		}
	}
}

func TestLinkedSessionSurvivesReload(t *testing.T) {
	s := newTestServer(t, MustDefaultScenario("english"))
	tb := openTab(t, s)
	tb.link()
	eval[bool](tb, `(location.reload(), true)`)
	time.Sleep(100 * time.Millisecond)
	tb.waitFor(`typeof window.require === 'function' && require('WAWebSocketModel').Socket.state === 'CONNECTED'`)
	if n := eval[int](tb, `require('WAWebCollections').Chat.getModelsArray().length`); n != len(s.Scenario().Chats) {
		t.Errorf("after reload %d chats, want %d", n, len(s.Scenario().Chats))
	}
}

func TestQRGoesIdleAndReloads(t *testing.T) {
	s := newTestServer(t, MustDefaultScenario("english"), WithQRRotation(150*time.Millisecond), WithQRIdleAfter(2))
	tb := openTab(t, s)
	tb.waitFor(`require('WAWebSocketModel').Socket.state === 'UNPAIRED_IDLE'`)
	if eval[bool](tb, `!!document.querySelector('[data-ref]')`) {
		t.Error("idle page still shows a QR code")
	}
	tb.click(`button[aria-label="Click to reload QR code"]`)
	tb.waitFor(`require('WAWebSocketModel').Socket.state === 'UNPAIRED' && document.querySelector('[data-ref] canvas')`)
	if !eval[bool](tb, `document.querySelector('[data-ref]').getAttribute('data-ref') === require('WAWebConnModel').Conn.ref`) {
		t.Error("data-ref and Conn.ref differ after reload")
	}
	tb.link()
}
