package evidence

import (
	"fmt"
	"slices"
	"strings"
)

// Verdict is the legal-value rule's outcome for one message the sender sent.
type Verdict struct {
	MessageID  string
	Index      int // position of the message in the history given to Judge
	Status     Status
	LegalValue LegalValue
	Reason     Reason // why the basis is what it is, for the report
	ReplyIndex int    // position in the history of the reply when the basis is reply, else -1
	// The receipt times the rule used: the message's own field when known, else the earliest receipt of that kind
	// from the recipient.
	DeliveredAt, ReadAt, PlayedAt Time
	Anomalies                     []Anomaly
}

// Reason explains a verdict in one word the report translates.
type Reason string

// Reasons.
const (
	ReasonPlayed       Reason = "played"
	ReasonRead         Reason = "read"
	ReasonReply        Reason = "reply"
	ReasonRevoked      Reason = "revoked"       // deleted for everyone: content gone, never proven
	ReasonFailed       Reason = "failed"        // the send failed
	ReasonPending      Reason = "pending"       // never left the sender's device
	ReasonNotDelivered Reason = "not-delivered" // accepted by the server, no delivery known
	ReasonNoReply      Reason = "no-reply"      // delivered, not read, no later message from the recipient
)

// Judge applies the legal-value rule to every message the sender sent in history (from_me, not a system
// notification) and returns one verdict each, in history order. history is the whole chat as available, in any
// order: replies are looked for among all incoming messages later than the message, inside the selected range or
// not. Judge does not modify history; [Apply] writes the verdicts back.
func Judge(chat Chat, history []Message) []Verdict {
	j := newJudge(chat, history)
	var out []Verdict
	for i := range history {
		if m := &history[i]; m.FromMe && m.Type != TypeSystem {
			out = append(out, j.verdict(i))
		}
	}
	return out
}

// Apply judges history and writes the outcome into it: for each message the sender sent, Status, LegalValue, the
// receipt times the rule derived from Receipts, and the rule's anomalies (replacing those of an earlier Apply,
// keeping the capture's own). Incoming messages become status delivered, with no legal value: they reached the
// sender's account, where they were captured. It returns Judge's verdicts.
func Apply(chat Chat, history []Message) []Verdict {
	verdicts := Judge(chat, history)
	for _, v := range verdicts {
		m := &history[v.Index]
		m.Status = v.Status
		lv := v.LegalValue
		m.LegalValue = &lv
		m.DeliveredAt, m.ReadAt, m.PlayedAt = v.DeliveredAt, v.ReadAt, v.PlayedAt
		m.Anomalies = mergeAnomalies(m.Anomalies, v.Anomalies)
	}
	for i := range history {
		m := &history[i]
		switch {
		case !m.FromMe:
			m.Status, m.LegalValue = StatusDelivered, nil
		case m.Type == TypeSystem:
			m.LegalValue = nil
			if m.Status == StatusUnset {
				m.Status = StatusSent
			}
		}
	}
	return verdicts
}

func mergeAnomalies(old, rule []Anomaly) []Anomaly {
	out := slices.DeleteFunc(slices.Clone(old), func(a Anomaly) bool { return ruleAnomalies[a.Code] })
	out = append(out, rule...)
	if len(out) == 0 {
		return nil
	}
	return out
}

type judge struct {
	chat    Chat
	history []Message
	client  string // digits of the recipient in a group chat
	pos     []int  // pos[i] is message i's place in time order; -1 when its time is unknown
	byTime  []int  // indices of messages with a known time, in time order (ties keep history order)
	// next[p] is the first message from the recipient at time-order place p or later, -1 when none.
	next []int
	// quotes[id] are the time-order places of the recipient's messages quoting id, ascending.
	quotes map[string][]int
}

// newJudge indexes the history once, so that finding a reply costs O(log n) rather than a scan.
func newJudge(chat Chat, history []Message) *judge {
	j := &judge{chat: chat, history: history, pos: make([]int, len(history)), quotes: make(map[string][]int)}
	if chat.IsGroup() {
		j.client = phoneDigits(chat.Phone)
	}
	for i := range j.pos {
		j.pos[i] = -1
	}
	j.byTime = inTimeOrder(history, func(*Message) bool { return true })
	j.next = make([]int, len(j.byTime)+1)
	j.next[len(j.byTime)] = -1
	for p := len(j.byTime) - 1; p >= 0; p-- {
		i := j.byTime[p]
		j.pos[i], j.next[p] = p, j.next[p+1]
		if c := &history[i]; j.isReply(c) {
			j.next[p] = i
		}
	}
	for p, i := range j.byTime {
		if c := &history[i]; j.isReply(c) && c.QuotedID != nil {
			j.quotes[*c.QuotedID] = append(j.quotes[*c.QuotedID], p)
		}
	}
	return j
}

func (j *judge) verdict(i int) Verdict {
	m := &j.history[i]
	v := Verdict{MessageID: m.ID, Index: i, ReplyIndex: -1}
	v.DeliveredAt = j.receiptTime(m, ReceiptDelivered, m.DeliveredAt)
	v.ReadAt = j.receiptTime(m, ReceiptRead, m.ReadAt)
	v.PlayedAt = j.receiptTime(m, ReceiptPlayed, m.PlayedAt)
	v.Status, v.Anomalies = status(m, v.DeliveredAt, v.ReadAt, v.PlayedAt)
	v.LegalValue, v.Reason, v.ReplyIndex = j.basis(i, v.Status)
	return v
}

// basis walks the rule's cases in order; status is already the strongest of ack and receipts.
func (j *judge) basis(i int, st Status) (LegalValue, Reason, int) {
	m := &j.history[i]
	none := LegalValue{Basis: BasisNone}
	switch {
	case m.Revoked():
		return none, ReasonRevoked, -1
	case st == StatusPlayed && m.Type.Playable():
		return LegalValue{Proven: true, Basis: BasisPlayed}, ReasonPlayed, -1
	case st >= StatusRead: // a played receipt on anything else still means it was opened
		return LegalValue{Proven: true, Basis: BasisRead}, ReasonRead, -1
	case st == StatusDelivered:
		if r := j.reply(i); r >= 0 {
			id := j.history[r].ID
			return LegalValue{Proven: true, Basis: BasisReply, ReplyID: &id}, ReasonReply, r
		}
		return none, ReasonNoReply, -1
	case st == StatusSent:
		return none, ReasonNotDelivered, -1
	case st == StatusPending:
		return none, ReasonPending, -1
	}
	return none, ReasonFailed, -1
}

// reply returns the index of the earliest later incoming message from the recipient that quotes message i, else
// the earliest later one, else -1.
func (j *judge) reply(i int) int {
	p := j.pos[i]
	if p < 0 {
		return -1
	}
	quoting := j.quotes[j.history[i].ID]
	if k, _ := slices.BinarySearch(quoting, p+1); k < len(quoting) {
		return j.byTime[quoting[k]]
	}
	return j.next[p+1]
}

// isReply: a message the recipient wrote (not the sender, not WhatsApp). In a 1:1 chat every incoming message is
// the recipient's; in a group only the client's.
func (j *judge) isReply(m *Message) bool {
	if m.FromMe || m.Type == TypeSystem {
		return false
	}
	if !j.chat.IsGroup() {
		return true
	}
	return j.client != "" && phoneDigits(m.Author) == j.client
}

// receiptTime is the message's own field when known, else the earliest receipt of kind k from the recipient.
func (j *judge) receiptTime(m *Message, k ReceiptKind, field Time) Time {
	if field.Known() {
		return field
	}
	var best Time
	for _, r := range m.Receipts {
		if r.Kind != k || !r.At.Known() {
			continue
		}
		if j.chat.IsGroup() && (j.client == "" || phoneDigits(r.Recipient) != j.client) {
			continue
		}
		if !best.Known() || r.At.Before(best.Time) {
			best = r.At
		}
	}
	return best
}

// status is the strongest of the ack and the known receipt times, with an anomaly for every disagreement.
func status(m *Message, delivered, read, played Time) (Status, []Anomaly) {
	var an []Anomaly
	add := func(code, format string, args ...any) {
		an = append(an, Anomaly{Code: code, Detail: fmt.Sprintf(format, args...)})
	}
	fromReceipts, strongest := StatusUnset, ""
	for _, r := range []struct {
		t    Time
		s    Status
		name string
	}{{delivered, StatusDelivered, "delivery"}, {read, StatusRead, "read"}, {played, StatusPlayed, "played"}} {
		if r.t.Known() {
			fromReceipts, strongest = r.s, r.name
		}
	}
	fromAck, ackOK := m.Ack.Status()
	if !ackOK { // proves nothing: an unknown error value is still an error, anything else is at most sent
		fromAck = StatusSent
		if m.Ack < 0 {
			fromAck = StatusFailed
		}
	}
	st := max(fromAck, fromReceipts)
	switch {
	case !ackOK:
		add(AnomalyAckUnknown, "ack %v is not a receipt level and proves nothing", m.Ack)
	case fromReceipts > fromAck:
		add(AnomalyAckBelowReceipts, "ack %v but a %s time is known", m.Ack, strongest)
	case fromAck >= StatusDelivered && missing(fromAck, delivered, read, played):
		add(AnomalyReceiptMissing, "ack %v but no %s time is known", m.Ack, ackTimeName(fromAck))
	}
	if msg := receiptOrder(m.SentAt, delivered, read, played); msg != "" {
		add(AnomalyReceiptOrder, "%s", msg)
	}
	if st == StatusPlayed && !m.Type.Playable() && !m.Revoked() {
		add(AnomalyPlayedNotPlayable, "played on a %s message, which has no played receipt; counted as read", m.Type)
	}
	if m.Edited {
		add(AnomalyEdited, "the message was edited: receipts were reset then, those shown concern the last version")
	}
	return st, an
}

func missing(s Status, delivered, read, played Time) bool {
	switch s {
	case StatusDelivered:
		return !delivered.Known()
	case StatusRead:
		return !read.Known()
	case StatusPlayed:
		return !played.Known()
	}
	return false
}

func ackTimeName(s Status) string {
	if s == StatusDelivered {
		return "delivery"
	}
	return s.String()
}

// receiptOrder describes receipt times that cannot be true together: before the message, or read before delivered,
// or played before read.
func receiptOrder(sent, delivered, read, played Time) string {
	var bad []string
	named := []struct {
		name string
		t    Time
	}{{"delivered", delivered}, {"read", read}, {"played", played}}
	for _, r := range named {
		if sent.Known() && r.t.Known() && r.t.Before(sent.Time) {
			bad = append(bad, fmt.Sprintf("%s %s before sent %s", r.name, r.t, sent))
		}
	}
	for k := 0; k+1 < len(named); k++ {
		a, b := named[k], named[k+1]
		if a.t.Known() && b.t.Known() && b.t.Before(a.t.Time) {
			bad = append(bad, fmt.Sprintf("%s %s before %s %s", b.name, b.t, a.name, a.t))
		}
	}
	return strings.Join(bad, "; ")
}

// phoneDigits reduces an E.164 number or a JID ("393771151946:12@s.whatsapp.net") to its digits.
func phoneDigits(s string) string {
	if at := strings.IndexByte(s, '@'); at >= 0 {
		s = s[:at]
	}
	if colon := strings.IndexByte(s, ':'); colon >= 0 {
		s = s[:colon]
	}
	var b strings.Builder
	for _, c := range s {
		if c >= '0' && c <= '9' {
			b.WriteRune(c)
		}
	}
	return b.String()
}
