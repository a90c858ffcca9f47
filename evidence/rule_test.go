package evidence

import (
	"slices"
	"testing"
)

func TestJudge(t *testing.T) {
	voice := func(m Message) Message {
		return with(m, func(m *Message) { m.Type, m.Text = TypeVoice, nil })
	}
	tests := []struct {
		name      string
		chat      Chat
		history   []Message
		target    string // id of the message whose verdict is checked
		basis     Basis
		replyID   string // expected reply_id when basis is reply
		status    Status
		reason    Reason
		anomalies []string
	}{
		{
			name:    "played by ack and time",
			history: []Message{with(voice(out("m", 0, AckPlayed)), func(m *Message) { m.PlayedAt = mins(3) })},
			basis:   BasisPlayed, status: StatusPlayed, reason: ReasonPlayed,
		},
		{
			name:    "played by ack only records the missing time",
			history: []Message{voice(out("m", 0, AckPlayed))},
			basis:   BasisPlayed, status: StatusPlayed, reason: ReasonPlayed,
			anomalies: []string{AnomalyReceiptMissing},
		},
		{
			name:    "played by time only, ack lower",
			history: []Message{with(voice(out("m", 0, AckReceived)), func(m *Message) { m.PlayedAt = mins(5) })},
			basis:   BasisPlayed, status: StatusPlayed, reason: ReasonPlayed,
			anomalies: []string{AnomalyAckBelowReceipts},
		},
		{
			name:    "voice note read but not played is read",
			history: []Message{with(voice(out("m", 0, AckRead)), func(m *Message) { m.ReadAt = mins(2) })},
			basis:   BasisRead, status: StatusRead, reason: ReasonRead,
		},
		{
			name:    "played ack on an image counts as read",
			history: []Message{with(out("m", 0, AckPlayed), func(m *Message) { m.Type = TypeImage })},
			basis:   BasisRead, status: StatusPlayed, reason: ReasonRead,
			anomalies: []string{AnomalyReceiptMissing, AnomalyPlayedNotPlayable},
		},
		{
			name:    "read by ack and time",
			history: []Message{with(out("m", 0, AckRead), func(m *Message) { m.DeliveredAt, m.ReadAt = mins(1), mins(2) })},
			basis:   BasisRead, status: StatusRead, reason: ReasonRead,
		},
		{
			name:    "read by time only, ack delivered",
			history: []Message{with(out("m", 0, AckReceived), func(m *Message) { m.DeliveredAt, m.ReadAt = mins(1), mins(2) })},
			basis:   BasisRead, status: StatusRead, reason: ReasonRead,
			anomalies: []string{AnomalyAckBelowReceipts},
		},
		{
			name:    "read by time only, ack sent",
			history: []Message{with(out("m", 0, AckSent), func(m *Message) { m.ReadAt = mins(2) })},
			basis:   BasisRead, status: StatusRead, reason: ReasonRead,
			anomalies: []string{AnomalyAckBelowReceipts},
		},
		{
			name: "read by a per-recipient receipt only",
			history: []Message{with(out("m", 0, AckRead), func(m *Message) {
				m.Receipts = []Receipt{{"393771151946@c.us", ReceiptDelivered, mins(1)}, {"393771151946@c.us", ReceiptRead, mins(4)}}
			})},
			basis: BasisRead, status: StatusRead, reason: ReasonRead,
		},
		{
			name:    "read ack without a read time",
			history: []Message{out("m", 0, AckRead)},
			basis:   BasisRead, status: StatusRead, reason: ReasonRead,
			anomalies: []string{AnomalyReceiptMissing},
		},
		{
			name: "delivered and a quoting reply preferred over an earlier plain one",
			history: []Message{
				with(out("m", 0, AckReceived), func(m *Message) { m.DeliveredAt = mins(1) }),
				in("plain", 5),
				quoting(in("quote", 9), "m"),
				quoting(in("late-quote", 20), "m"),
			},
			basis: BasisReply, replyID: "quote", status: StatusDelivered, reason: ReasonReply,
		},
		{
			name: "delivered and a plain reply",
			history: []Message{
				with(out("m", 0, AckReceived), func(m *Message) { m.DeliveredAt = mins(1) }),
				in("r2", 30),
				in("r1", 7),
				quoting(in("quotes-other", 40), "someone-else"),
			},
			basis: BasisReply, replyID: "r1", status: StatusDelivered, reason: ReasonReply,
		},
		{
			name:    "delivered by time only, ack sent, with reply",
			history: []Message{with(out("m", 0, AckSent), func(m *Message) { m.DeliveredAt = mins(1) }), in("r", 3)},
			basis:   BasisReply, replyID: "r", status: StatusDelivered, reason: ReasonReply,
			anomalies: []string{AnomalyAckBelowReceipts},
		},
		{
			name:    "delivered ack without time, reply days later",
			history: []Message{out("m", 0, AckReceived), in("r", 3*24*60)},
			basis:   BasisReply, replyID: "r", status: StatusDelivered, reason: ReasonReply,
			anomalies: []string{AnomalyReceiptMissing},
		},
		{
			name:    "delivered without reply",
			history: []Message{with(out("m", 0, AckReceived), func(m *Message) { m.DeliveredAt = mins(1) }), out("m2", 5, AckSent)},
			basis:   BasisNone, status: StatusDelivered, reason: ReasonNoReply,
		},
		{
			name: "a reply before the message is not a reply",
			history: []Message{
				in("before", -5),
				with(out("m", 0, AckReceived), func(m *Message) { m.DeliveredAt = mins(1) }),
			},
			basis: BasisNone, status: StatusDelivered, reason: ReasonNoReply,
		},
		{
			name: "a quote sent before the message (clock skew) is not a reply",
			history: []Message{
				quoting(in("odd", -1), "m"),
				with(out("m", 0, AckReceived), func(m *Message) { m.DeliveredAt = mins(1) }),
			},
			basis: BasisNone, status: StatusDelivered, reason: ReasonNoReply,
		},
		{
			name: "same second: order in the history decides",
			history: []Message{
				with(out("m", 0, AckReceived), func(m *Message) { m.DeliveredAt = mins(1) }),
				in("same-second", 0),
			},
			basis: BasisReply, replyID: "same-second", status: StatusDelivered, reason: ReasonReply,
		},
		{
			name: "own messages and system notifications are not replies",
			history: []Message{
				with(out("m", 0, AckReceived), func(m *Message) { m.DeliveredAt = mins(1) }),
				quoting(out("self", 2, AckSent), "m"),
				with(in("sys", 3), func(m *Message) { m.Type, m.Text = TypeSystem, nil }),
			},
			basis: BasisNone, status: StatusDelivered, reason: ReasonNoReply,
		},
		{
			name:    "a revoked incoming message still shows the recipient wrote",
			history: []Message{out("m", 0, AckReceived), with(in("gone", 4), func(m *Message) { m.Type, m.Text = TypeRevoked, nil })},
			basis:   BasisReply, replyID: "gone", status: StatusDelivered, reason: ReasonReply,
			anomalies: []string{AnomalyReceiptMissing},
		},
		{
			name:    "sent only, even with a later message",
			history: []Message{out("m", 0, AckSent), in("r", 3)},
			basis:   BasisNone, status: StatusSent, reason: ReasonNotDelivered,
		},
		{
			name:    "pending",
			history: []Message{out("m", 0, AckClock), in("r", 3)},
			basis:   BasisNone, status: StatusPending, reason: ReasonPending,
		},
		{
			name:    "failed",
			history: []Message{out("m", 0, AckFailed), in("r", 3)},
			basis:   BasisNone, status: StatusFailed, reason: ReasonFailed,
		},
		{
			name:    "failed ack but a delivery time is known",
			history: []Message{with(out("m", 0, AckFailed), func(m *Message) { m.DeliveredAt = mins(1) }), in("r", 3)},
			basis:   BasisReply, replyID: "r", status: StatusDelivered, reason: ReasonReply,
			anomalies: []string{AnomalyAckBelowReceipts},
		},
		{
			name:    "error ack -7 is failed",
			history: []Message{out("m", 0, AckMDDowngrade)},
			basis:   BasisNone, status: StatusFailed, reason: ReasonFailed,
		},
		{
			name:    "revoked keeps receipts and status but is not proven",
			history: []Message{with(out("m", 0, AckRead), func(m *Message) { m.Type, m.Text, m.ReadAt = TypeRevoked, nil, mins(2) }), in("r", 3)},
			basis:   BasisNone, status: StatusRead, reason: ReasonRevoked,
		},
		{
			name:    "revoked voice note that was played",
			history: []Message{with(out("m", 0, AckPlayed), func(m *Message) { m.Type, m.Text, m.PlayedAt = TypeRevoked, nil, mins(2) })},
			basis:   BasisNone, status: StatusPlayed, reason: ReasonRevoked,
		},
		{
			name:    "ack 5 PEER proves nothing",
			history: []Message{out("m", 0, AckPeer), in("r", 3)},
			basis:   BasisNone, status: StatusSent, reason: ReasonNotDelivered,
			anomalies: []string{AnomalyAckUnknown},
		},
		{
			name:    "ack 5 PEER with a read time is read",
			history: []Message{with(out("m", 0, AckPeer), func(m *Message) { m.ReadAt = mins(2) })},
			basis:   BasisRead, status: StatusRead, reason: ReasonRead,
			anomalies: []string{AnomalyAckUnknown},
		},
		{
			name:    "ack -9 is an unknown error",
			history: []Message{out("m", 0, Ack(-9)), in("r", 3)},
			basis:   BasisNone, status: StatusFailed, reason: ReasonFailed,
			anomalies: []string{AnomalyAckUnknown},
		},
		{
			name:    "ack 42 with a delivery time and a reply",
			history: []Message{with(out("m", 0, Ack(42)), func(m *Message) { m.DeliveredAt = mins(1) }), in("r", 3)},
			basis:   BasisReply, replyID: "r", status: StatusDelivered, reason: ReasonReply,
			anomalies: []string{AnomalyAckUnknown},
		},
		{
			name:    "receipts out of order",
			history: []Message{with(out("m", 0, AckRead), func(m *Message) { m.DeliveredAt, m.ReadAt = mins(5), mins(2) })},
			basis:   BasisRead, status: StatusRead, reason: ReasonRead,
			anomalies: []string{AnomalyReceiptOrder},
		},
		{
			name:    "receipt before the message",
			history: []Message{with(out("m", 0, AckReceived), func(m *Message) { m.DeliveredAt = mins(-2) })},
			basis:   BasisNone, status: StatusDelivered, reason: ReasonNoReply,
			anomalies: []string{AnomalyReceiptOrder},
		},
		{
			name:    "edited message: receipts were reset",
			history: []Message{with(out("m", 0, AckReceived), func(m *Message) { m.Edited, m.DeliveredAt = true, mins(1) }), in("r", 3)},
			basis:   BasisReply, replyID: "r", status: StatusDelivered, reason: ReasonReply,
			anomalies: []string{AnomalyEdited},
		},
		{
			name: "group: only the client's reply counts",
			chat: Chat{Phone: "+393771151946", JID: "120363025246125486@g.us"},
			history: []Message{
				with(out("m", 0, AckReceived), func(m *Message) { m.DeliveredAt = mins(1) }),
				with(in("other", 2), func(m *Message) { m.Author = "393330000000@c.us" }),
				in("anonymous", 3),
				with(in("client", 4), func(m *Message) { m.Author = "393771151946@c.us" }),
			},
			basis: BasisReply, replyID: "client", status: StatusDelivered, reason: ReasonReply,
		},
		{
			name: "group: another participant's read receipt does not count",
			chat: Chat{Phone: "+393771151946", JID: "120363025246125486@g.us"},
			history: []Message{with(out("m", 0, AckReceived), func(m *Message) {
				m.Receipts = []Receipt{
					{"393771151946@c.us", ReceiptDelivered, mins(1)},
					{"393330000000@c.us", ReceiptRead, mins(2)},
				}
			})},
			basis: BasisNone, status: StatusDelivered, reason: ReasonNoReply,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := cloneMessages(tt.history)
			verdicts := Judge(tt.chat, tt.history)
			v := findVerdict(t, verdicts, "m")
			lv := v.LegalValue
			if lv.Basis != tt.basis || lv.Proven != (tt.basis != BasisNone) {
				t.Errorf("basis = %s proven=%t, want %s", lv.Basis, lv.Proven, tt.basis)
			}
			if got := deref(lv.ReplyID); got != tt.replyID {
				t.Errorf("reply_id = %q, want %q", got, tt.replyID)
			}
			if v.Status != tt.status {
				t.Errorf("status = %s, want %s", v.Status, tt.status)
			}
			if v.Reason != tt.reason {
				t.Errorf("reason = %s, want %s", v.Reason, tt.reason)
			}
			if got := anomalyCodes(v.Anomalies); !slices.Equal(got, tt.anomalies) {
				t.Errorf("anomalies = %q (%v), want %q", got, v.Anomalies, tt.anomalies)
			}
			if err := (&lv).validate(); err != nil {
				t.Errorf("verdict inconsistent: %v", err)
			}
			if !equalMessages(before, tt.history) {
				t.Error("Judge modified the history")
			}
		})
	}
}

func TestJudgeIncomingOnly(t *testing.T) {
	history := []Message{in("a", 0), in("b", 1), with(in("c", 2), func(m *Message) { m.Type = TypeSystem })}
	if v := Judge(Chat{}, history); len(v) != 0 {
		t.Fatalf("verdicts on an incoming-only chat: %+v", v)
	}
	Apply(Chat{}, history)
	for _, m := range history {
		if m.Status != StatusDelivered || m.LegalValue != nil {
			t.Errorf("%s: status %s legal %v, want delivered and no legal value", m.ID, m.Status, m.LegalValue)
		}
	}
}

func TestJudgeUnknownTime(t *testing.T) {
	history := []Message{with(out("m", 0, AckReceived), func(m *Message) { m.SentAt = Time{} }), in("r", 5)}
	v := findVerdict(t, Judge(Chat{}, history), "m")
	if v.LegalValue.Basis != BasisNone {
		t.Errorf("a message without a time cannot have later replies; got %s", v.LegalValue.Basis)
	}
}

func TestApply(t *testing.T) {
	history := []Message{
		with(out("m", 0, AckReceived), func(m *Message) {
			m.Anomalies = []Anomaly{{Code: "message-info-missing", Detail: "no message info found"}}
			m.Receipts = []Receipt{{"393771151946@c.us", ReceiptDelivered, mins(2)}, {"393771151946@c.us", ReceiptDelivered, mins(1)}}
			m.Edited = true
		}),
		in("r", 5),
		with(out("sys", 6, AckSent), func(m *Message) { m.Type = TypeSystem }),
	}
	for range 2 { // Apply is idempotent
		Apply(Chat{Phone: "+393771151946", JID: "393771151946@c.us"}, history)
	}
	m := history[0]
	if m.LegalValue == nil || m.LegalValue.Basis != BasisReply || deref(m.LegalValue.ReplyID) != "r" {
		t.Fatalf("legal value = %+v, want reply r", m.LegalValue)
	}
	if !m.DeliveredAt.Equal(mins(1).Time) {
		t.Errorf("delivered_at = %s, want the earliest delivery receipt %s", m.DeliveredAt, mins(1))
	}
	if got, want := anomalyCodes(m.Anomalies), []string{"message-info-missing", AnomalyEdited}; !slices.Equal(got, want) {
		t.Errorf("anomalies = %q, want %q (capture's kept, rule's not duplicated)", got, want)
	}
	if history[1].Status != StatusDelivered || history[1].LegalValue != nil {
		t.Errorf("incoming: status %s legal %v", history[1].Status, history[1].LegalValue)
	}
	if history[2].Status != StatusSent || history[2].LegalValue != nil {
		t.Errorf("system: status %s legal %v", history[2].Status, history[2].LegalValue)
	}
	for i := range history {
		if err := history[i].Validate(); err != nil {
			t.Error(err)
		}
	}
}

func TestAckStatus(t *testing.T) {
	for a := Ack(-10); a <= 7; a++ {
		s, ok := a.Status()
		wantOK := a >= -7 && a <= 4
		if ok != wantOK {
			t.Errorf("%v: ok = %t, want %t", a, ok, wantOK)
		}
		if a < 0 && ok && s != StatusFailed {
			t.Errorf("%v: %s, want failed", a, s)
		}
		if a.String() == "" {
			t.Errorf("%d: empty name", int(a))
		}
	}
}

func findVerdict(t *testing.T, vs []Verdict, id string) Verdict {
	t.Helper()
	for _, v := range vs {
		if v.MessageID == id {
			return v
		}
	}
	t.Fatalf("no verdict for %q in %+v", id, vs)
	return Verdict{}
}

func anomalyCodes(as []Anomaly) []string {
	var out []string
	for _, a := range as {
		out = append(out, a.Code)
	}
	return out
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func cloneMessages(ms []Message) []Message {
	out := slices.Clone(ms)
	for i := range out {
		out[i].Receipts = slices.Clone(out[i].Receipts)
		out[i].Anomalies = slices.Clone(out[i].Anomalies)
	}
	return out
}

func equalMessages(a, b []Message) bool {
	return slices.EqualFunc(a, b, func(x, y Message) bool {
		return x.ID == y.ID && x.Status == y.Status && x.LegalValue == y.LegalValue &&
			x.DeliveredAt == y.DeliveredAt && x.ReadAt == y.ReadAt && x.PlayedAt == y.PlayedAt &&
			slices.Equal(x.Anomalies, y.Anomalies)
	})
}
