package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/attesta/attesta/capture/web/webtest"
	"github.com/attesta/attesta/evidence"
	"github.com/attesta/attesta/internal/testwait"
)

// basicTargets lists every chat of the basic scenario: the January days for all but the long chat, whose range
// needs older history behind loadEarlierMsgs.
func basicTargets(sc *webtest.Scenario) []Target {
	var targets []Target
	for i := range sc.Chats {
		c := &sc.Chats[i]
		if c.Title == "Avv. Marta Rossi" {
			targets = append(targets, target(c, "2025-11-01", "2025-12-31", 5))
			continue
		}
		targets = append(targets, target(c, "2026-01-12", "2026-01-14", 20))
	}
	return targets
}

func TestCaptureBasicMatchesScenario(t *testing.T) {
	sc := webtest.MustDefaultScenario("basic")
	var progress []Progress
	f, ctx := newLinked(t, sc, Options{Progress: func(p Progress) { progress = append(progress, p) }})

	env := f.s.Environment()
	if env.WhatsAppBuild != sc.Account.BuildVersion() || env.BridgeVersion != BridgeVersion ||
		!strings.Contains(env.Chromium, "Chrome") || env.UserAgent == "" || env.OwnWid != sc.Account.OwnWid() {
		t.Errorf("environment %+v", env)
	}
	if env.ClockOffset > 5*time.Second || env.ClockOffset < -5*time.Second {
		t.Errorf("clock offset %v against the same machine", env.ClockOffset)
	}

	targets := basicTargets(sc)
	res, err := f.s.Capture(ctx, targets)
	if err != nil {
		t.Fatalf("capture: %v", err)
	}
	if r := f.srv.Receipts(); len(r) != 0 {
		t.Errorf("the capture caused receipts: %+v", r)
	}
	for i, tg := range targets {
		got := &res.Chats[i]
		sct := &sc.Chats[i]
		t.Run(sct.Title, func(t *testing.T) {
			if got.Status != StatusComplete || got.Chat.JID != sct.ID {
				t.Fatalf("status %s (%s), jid %s; want complete, %s", got.Status, got.Reason, got.Chat.JID, sct.ID)
			}
			checkSelection(t, f, sct, tg, got)
		})
	}

	unread := chatResult(t, res, "+393355556666")
	if unread.Opened || unread.ScreenshotsSkipped == "" || len(unread.Artifacts) != 0 {
		t.Errorf("unread chat: opened %t, skipped %q, %d artifacts", unread.Opened, unread.ScreenshotsSkipped, len(unread.Artifacts))
	}
	for _, a := range f.srv.Actions() {
		if a.Kind == "open-chat" && a.Chat == "393355556666@c.us" {
			t.Errorf("the unread chat was opened in the UI: %+v", a)
		}
	}
	if len(progress) == 0 || progress[len(progress)-1].Stage != "done" || progress[len(progress)-1].Chat != len(targets) {
		t.Errorf("progress ends with %+v", progress[len(progress)-1])
	}
	if last := progress[len(progress)-1]; last.Messages == 0 {
		t.Errorf("progress counts no messages: %+v", last)
	}
	checkEvents(t, f.rec, "environment", "capture-start", "action", "chat-status", "capture-end")
	checkBubbles(t, f.rec)
}

// checkSelection compares a chat's capture with the scenario's ground truth.
func checkSelection(t *testing.T, f *fixture, sct *webtest.Chat, tg Target, got *ChatResult) {
	t.Helper()
	wantCertified, wantIncoming := truthSelection(sct, tg)
	if !slices.Equal(got.Selection.Certified, wantCertified) {
		t.Errorf("certified %v, want %v", got.Selection.Certified, wantCertified)
	}
	for _, id := range wantIncoming {
		if find(got.Selection.Messages, id) == nil {
			t.Errorf("incoming %s in range missing from the selection", id)
		}
	}
	for i := range got.Selection.Messages {
		m := &got.Selection.Messages[i]
		sm := sct.Message(m.ID)
		if sm == nil {
			t.Errorf("message %s is not in the scenario", m.ID)
			continue
		}
		checkMessage(t, f, sct, sm, m)
	}
	if got.Opened {
		var shots, mhtml int
		for _, a := range got.Artifacts {
			switch a.Kind {
			case evidence.ArtifactScreenshot:
				shots++
			case evidence.ArtifactMHTML:
				mhtml++
				data := readArtifact(t, f.rec, a.Path)
				if !bytes.Contains(data, []byte("MIME-Version")) {
					t.Errorf("%s is not MHTML", a.Path)
				}
			}
			if err := a.Validate(); err != nil {
				t.Errorf("artifact: %v", err)
			}
		}
		if shots != len(got.Selection.Messages) || mhtml != 1 {
			t.Errorf("%d screenshots for %d messages, %d MHTML", shots, len(got.Selection.Messages), mhtml)
		}
	}
}

// checkBubbles checks that each message brought into view records where it is on its screenshot (the report
// frames it on a copy): a box "x,y,width,height" inside the screenshot.
func checkBubbles(t *testing.T, rec *DirRecorder) {
	t.Helper()
	evs, err := rec.Events()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range evs {
		if e.Kind != "action" || e.Fields["action"] != "scroll-to" || e.Fields["found"] != true {
			continue
		}
		n++
		var x, y, w, h int
		b, _ := e.Fields["bubble"].(string)
		if k, err := fmt.Sscanf(b, "%d,%d,%d,%d", &x, &y, &w, &h); k != 4 || err != nil || w <= 0 || h <= 0 || x < 0 || y < 0 {
			t.Errorf("scroll-to %v: bubble %q, want x,y,width,height", e.Fields["id"], b)
			continue
		}
		digits := strings.TrimPrefix(fmt.Sprint(e.Fields["phone"]), "+")
		png, err := os.ReadFile(filepath.Join(rec.Dir, "chats", digits, "screenshots", fmt.Sprint(e.Fields["id"])+".png"))
		if err != nil {
			t.Errorf("scroll-to %v: %v", e.Fields["id"], err)
			continue
		}
		cfg, err := pngConfig(png)
		if err != nil || x+w > cfg.Width+1 || y+h > cfg.Height+1 {
			t.Errorf("scroll-to %v: bubble %q outside its %dx%d screenshot (%v)", e.Fields["id"], b, cfg.Width, cfg.Height, err)
		}
	}
	if n == 0 {
		t.Error("no message was brought into view")
	}
}

func pngConfig(b []byte) (image.Config, error) { return png.DecodeConfig(bytes.NewReader(b)) }

// truthSelection computes, from the scenario alone, the ids to certify and the incoming ids in the range.
func truthSelection(c *webtest.Chat, tg Target) (certified, incoming []string) {
	start, end := tg.Range.Bounds()
	for _, m := range c.Messages {
		at := time.Unix(m.T, 0)
		if at.Before(start) || !at.Before(end) {
			continue
		}
		if m.FromMe {
			certified = append(certified, m.ID)
		} else {
			incoming = append(incoming, m.ID)
		}
	}
	if len(certified) > tg.N {
		certified = certified[len(certified)-tg.N:]
	}
	return certified, incoming
}

func checkMessage(t *testing.T, f *fixture, c *webtest.Chat, sm *webtest.Message, m *evidence.Message) {
	t.Helper()
	where := describe(m)
	if m.FromMe != sm.FromMe || m.SentAt.Unix() != sm.T || m.Type != evidence.TypeFromWhatsApp(sm.Type) || m.SourceType != sm.Type {
		t.Errorf("%s: from_me %t t %d type %s/%s; want %t %d %s", where, m.FromMe, m.SentAt.Unix(), m.Type, m.SourceType, sm.FromMe, sm.T, sm.Type)
	}
	wantText := sm.Body
	if sm.Type != webtest.TypeChat {
		wantText = sm.Caption
	}
	if sm.Type == webtest.TypeRevoked {
		wantText = ""
	}
	if gotText := deref(m.Text); gotText != wantText || (wantText == "") != (m.Text == nil) {
		t.Errorf("%s: text %q, want %q", where, gotText, wantText)
	}
	if deref(m.QuotedID) != sm.QuotedStanzaID || m.Edited != sm.IsEdited {
		t.Errorf("%s: quoted %q edited %t; want %q %t", where, deref(m.QuotedID), m.Edited, sm.QuotedStanzaID, sm.IsEdited)
	}
	if sm.FromMe {
		checkOwn(t, c, sm, m)
	} else if m.LegalValue != nil || m.Status != evidence.StatusDelivered {
		t.Errorf("%s: incoming with status %s, legal value %+v", where, m.Status, m.LegalValue)
	}
	checkMedia(t, f, c, sm, m)
}

func checkOwn(t *testing.T, c *webtest.Chat, sm *webtest.Message, m *evidence.Message) {
	t.Helper()
	where := describe(m)
	if int(m.Ack) != sm.Ack {
		t.Errorf("%s: ack %d, want %d", where, m.Ack, sm.Ack)
	}
	if sm.Info == nil || sm.Info.Missing {
		if !hasAnomaly(m, AnomalyNoMessageInfo) || len(m.Receipts) != 0 {
			t.Errorf("%s: no message info on the device, got receipts %v anomalies %v", where, m.Receipts, m.Anomalies)
		}
	} else {
		for _, r := range []struct {
			name string
			got  evidence.Time
			want []webtest.InfoEntry
		}{{"delivered", m.DeliveredAt, sm.Info.Delivery}, {"read", m.ReadAt, sm.Info.Read}, {"played", m.PlayedAt, sm.Info.Played}} {
			var want int64
			if len(r.want) > 0 {
				want = r.want[0].T
			}
			if (want == 0) != !r.got.Known() || (want != 0 && r.got.Unix() != want) {
				t.Errorf("%s: %s at %v, want unix %d", where, r.name, r.got, want)
			}
		}
		if n := len(sm.Info.Delivery) + len(sm.Info.Read) + len(sm.Info.Played); len(m.Receipts) != n {
			t.Errorf("%s: %d receipts, want %d", where, len(m.Receipts), n)
		}
		for _, r := range m.Receipts {
			if r.Recipient != "+"+strings.TrimSuffix(c.ID, "@c.us") && c.Phone != "" && r.Recipient != "+"+c.Phone {
				t.Errorf("%s: receipt from %s", where, r.Recipient)
			}
		}
	}
	basis, reply := truthVerdict(c, sm)
	if m.LegalValue == nil || string(m.LegalValue.Basis) != basis || deref(m.LegalValue.ReplyID) != reply ||
		m.LegalValue.Proven != (basis != "none") {
		t.Errorf("%s: legal value %+v (reply %q), want basis %s reply %q", where, m.LegalValue, deref(m.LegalValue.ReplyID), basis, reply)
	}
}

// truthVerdict is the legal-value rule written out against the scenario, independently of evidence.Judge.
func truthVerdict(c *webtest.Chat, m *webtest.Message) (basis, replyID string) {
	info := m.Info
	known := func(l func(*webtest.Info) []webtest.InfoEntry) bool {
		return info != nil && !info.Missing && len(l(info)) > 0
	}
	played := m.Ack >= 4 || known(func(i *webtest.Info) []webtest.InfoEntry { return i.Played })
	read := played || m.Ack >= 3 || known(func(i *webtest.Info) []webtest.InfoEntry { return i.Read })
	delivered := read || m.Ack >= 2 || known(func(i *webtest.Info) []webtest.InfoEntry { return i.Delivery })
	switch {
	case m.Type == webtest.TypeRevoked:
		return "none", ""
	case played && m.Type == webtest.TypePTT:
		return "played", ""
	case read:
		return "read", ""
	case delivered:
		var first string
		for _, x := range c.Messages {
			if x.FromMe || x.T <= m.T {
				continue
			}
			if x.QuotedStanzaID == m.ID {
				return "reply", x.ID
			}
			if first == "" {
				first = x.ID
			}
		}
		if first != "" {
			return "reply", first
		}
	}
	return "none", ""
}

func checkMedia(t *testing.T, f *fixture, c *webtest.Chat, sm *webtest.Message, m *evidence.Message) {
	t.Helper()
	where := describe(m)
	if sm.Media == nil {
		if len(m.Attachments) != 0 {
			t.Errorf("%s: attachments %+v on a message without media", where, m.Attachments)
		}
		return
	}
	if len(m.Attachments) != 1 {
		t.Fatalf("%s: %d attachments, want 1", where, len(m.Attachments))
	}
	a := m.Attachments[0]
	switch sm.Media.State {
	case webtest.MediaGone, webtest.MediaReuploading:
		code := map[string]string{webtest.MediaGone: AnomalyMediaGone, webtest.MediaReuploading: AnomalyMediaReuploading}[sm.Media.State]
		if a.Unavailable != sm.Media.State || a.Path != "" || a.WhatsAppHashOK != nil || !hasAnomaly(m, code) {
			t.Errorf("%s: media %s recorded as %+v, anomalies %v", where, sm.Media.State, a, m.Anomalies)
		}
		return
	}
	if err := a.Validate(); err != nil {
		t.Errorf("%s: %v", where, err)
	}
	data := readArtifact(t, f.rec, a.Path)
	want := sm.Media.Plaintext(c.ID, sm.ID)
	sum := sha256.Sum256(data)
	if !bytes.Equal(data, want) || hex.EncodeToString(sum[:]) != a.SHA256 || a.Size != int64(len(want)) || a.MIME != sm.Media.Mimetype {
		t.Errorf("%s: media bytes or record differ from the scenario: %+v", where, a)
	}
	wantOK := sm.Media.Hash != "wrong"
	if a.WhatsAppHashOK == nil || *a.WhatsAppHashOK != wantOK || hasAnomaly(m, AnomalyHashMismatch) == wantOK {
		t.Errorf("%s: whatsapp_hash_ok %v, want %t", where, a.WhatsAppHashOK, wantOK)
	}
}

func readArtifact(t *testing.T, rec *DirRecorder, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(rec.Dir, filepath.FromSlash(name)))
	if err != nil {
		t.Fatalf("artifact %s: %v", name, err)
	}
	return data
}

func checkEvents(t *testing.T, rec *DirRecorder, kinds ...string) []RecordedEvent {
	t.Helper()
	evs, err := rec.Events()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, e := range evs {
		seen[e.Kind] = true
	}
	for _, k := range kinds {
		if !seen[k] {
			t.Errorf("no %s event recorded", k)
		}
	}
	return evs
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// TestCaptureEnglishUI checks the tick labels of the English UI agree with the acks.
func TestCaptureEnglishUI(t *testing.T) {
	sc := webtest.MustDefaultScenario("english")
	f, ctx := newLinked(t, sc, Options{})
	c := sc.ChatByTitle("Emanuel Celano")
	if c == nil {
		t.Skip("english scenario has no such chat")
	}
	res, err := f.s.Capture(ctx, []Target{target(c, "2026-01-12", "2026-01-14", 20)})
	if err != nil {
		t.Fatal(err)
	}
	got := &res.Chats[0]
	if got.Status != StatusComplete || !got.Opened {
		t.Fatalf("status %s, opened %t", got.Status, got.Opened)
	}
	for i := range got.Selection.Messages {
		if m := &got.Selection.Messages[i]; hasAnomaly(m, AnomalyTickDisagrees) || hasAnomaly(m, AnomalyRowNotFound) {
			t.Errorf("%s: %v", describe(m), m.Anomalies)
		}
	}
}

// TestConsentToOpenUnread: with the operator's consent the unread chat is opened, the consent is recorded, and
// the read receipt the replica saw is the one the consent allowed.
func TestConsentToOpenUnread(t *testing.T) {
	sc := webtest.MustDefaultScenario("basic")
	var asked []ChatInfo
	f, ctx := newLinked(t, sc, Options{AllowOpenUnread: func(c ChatInfo) bool { asked = append(asked, c); return true }})
	c := sc.ChatByTitle("Sara Gallo")
	res, err := f.s.Capture(ctx, []Target{target(c, "2026-01-14", "2026-01-14", 5)})
	if err != nil {
		t.Fatal(err)
	}
	got := &res.Chats[0]
	if !got.Opened || !got.Consent || got.ScreenshotsSkipped != "" || len(asked) != 1 || asked[0].Unread != 2 {
		t.Fatalf("opened %t consent %t skipped %q asked %+v", got.Opened, got.Consent, got.ScreenshotsSkipped, asked)
	}
	evs := checkEvents(t, f.rec, "consent")
	for _, e := range evs {
		if e.Kind == "consent" && e.Fields["chat"] != c.ID {
			t.Errorf("consent recorded for %v", e.Fields["chat"])
		}
	}
	waitFor(t, "the read receipts of the consented opening", func() bool { return len(f.srv.Receipts()) == 2 })
	for _, r := range f.srv.Receipts() {
		if r.Kind != "read" || r.Chat != c.ID {
			t.Errorf("receipt %+v", r)
		}
	}
}

// TestTickDisagreementRecorded: when the screen shows another tick than the ack, the record says so.
func TestTickDisagreementRecorded(t *testing.T) {
	sc := webtest.MustDefaultScenario("basic")
	f, ctx := newLinked(t, sc, Options{})
	// The page's own UI is altered to show "delivered" on a read message, as a stale or broken UI would.
	const id = "3EB05713D1AE71EB316E"
	if err := f.s.callEval(ctx, `new MutationObserver(() => {
		const s = document.querySelector('[data-id="`+id+`"]')?.closest('[role=row]')?.querySelector('span[data-icon^="msg-"]');
		if (s && s.getAttribute('aria-label') !== ' Consegnato ') s.setAttribute('aria-label', ' Consegnato ');
	}).observe(document.body, {subtree: true, childList: true, attributes: true}); true`); err != nil {
		t.Fatal(err)
	}
	c := sc.ChatByTitle("Emanuel Celano")
	res, err := f.s.Capture(ctx, []Target{target(c, "2026-01-12", "2026-01-12", 5)})
	if err != nil {
		t.Fatal(err)
	}
	m := find(res.Chats[0].Selection.Messages, id)
	if m == nil || !hasAnomaly(m, AnomalyTickDisagrees) {
		t.Fatalf("no tick disagreement recorded: %+v", m)
	}
	for _, other := range res.Chats[0].Selection.Messages {
		if other.ID != id && hasAnomaly(&other, AnomalyTickDisagrees) {
			t.Errorf("%s: unexpected disagreement %v", other.ID, other.Anomalies)
		}
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	testwait.Until(t, "timed out waiting for "+what, cond)
}
