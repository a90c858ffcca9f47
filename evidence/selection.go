package evidence

import (
	"slices"
)

// Selection is what one list line acquires from a chat: the messages certified and the incoming context.
type Selection struct {
	Range Range
	N     int
	// Messages are the certified messages and the context, in time order (ties keep history order).
	Messages []Message
	// Certified are the ids of the certified messages, in time order: the last N the sender sent in the range.
	Certified []string
	// SentInRange counts the messages the sender sent in the range; more than N means the earliest were left out.
	SentInRange int
	// Verdicts are the rule's verdicts on the certified messages, in the order of Certified; Index and ReplyIndex
	// refer to the history given to Certify. Only Certify fills it.
	Verdicts []Verdict
}

// Select certifies the last n messages the sender sent whose time falls in rng (whole days in Europe/Rome, both
// ends included) and keeps every incoming message in rng as context, system notifications included. Messages
// without a known time cannot be placed in a range and are left out. n is a plan sold (see [Plan]); it is checked
// where it is configured, and n ≤ 0 certifies nothing. Select copies the messages it keeps and does not judge
// them: [Certify] does both.
func Select(history []Message, rng Range, n int) Selection {
	sel, _, _ := selectIndices(history, rng, n)
	return sel
}

// selectIndices is Select, also returning the history positions of the kept and of the certified messages.
func selectIndices(history []Message, rng Range, n int) (sel Selection, kept, certified []int) {
	sel = Selection{Range: rng, N: n}
	inRange := inTimeOrder(history, func(m *Message) bool { return rng.Contains(m.SentAt.Time) })
	for _, i := range inRange {
		if certifiable(&history[i]) {
			certified = append(certified, i)
		}
	}
	sel.SentInRange = len(certified)
	certified = certified[len(certified)-min(max(n, 0), len(certified)):]
	for _, i := range inRange {
		m := &history[i]
		if m.FromMe && !slices.Contains(certified, i) {
			continue
		}
		kept = append(kept, i)
		sel.Messages = append(sel.Messages, *m)
	}
	for _, i := range certified {
		sel.Certified = append(sel.Certified, history[i].ID)
	}
	return sel, kept, certified
}

// Certify selects as [Select] does and judges the certified messages against the whole history, as [Apply] does,
// without modifying history. An incoming message a verdict names as the reply but that lies outside the range is
// added to the selection, so that every reply_id refers to a message in it.
func Certify(chat Chat, history []Message, rng Range, n int) Selection {
	judged := slices.Clone(history)
	verdicts := Apply(chat, judged)
	sel, kept, certified := selectIndices(judged, rng, n)

	byIndex := make(map[int]Verdict, len(verdicts))
	for _, v := range verdicts {
		byIndex[v.Index] = v
	}
	for _, i := range certified {
		v := byIndex[i]
		sel.Verdicts = append(sel.Verdicts, v)
		if r := v.ReplyIndex; r >= 0 && !slices.Contains(kept, r) {
			kept = append(kept, r)
		}
	}
	slices.SortStableFunc(kept, func(a, b int) int { return judged[a].SentAt.Compare(judged[b].SentAt.Time) })
	sel.Messages = sel.Messages[:0]
	for _, i := range kept {
		sel.Messages = append(sel.Messages, judged[i])
	}
	return sel
}

// inTimeOrder returns the positions of the messages with a known time that satisfy keep, in time order (ties keep
// history order).
func inTimeOrder(history []Message, keep func(*Message) bool) []int {
	var idx []int
	for i := range history {
		if m := &history[i]; m.SentAt.Known() && keep(m) {
			idx = append(idx, i)
		}
	}
	slices.SortStableFunc(idx, func(a, b int) int { return history[a].SentAt.Compare(history[b].SentAt.Time) })
	return idx
}

// certifiable: a message the sender sent, not a notification WhatsApp wrote itself.
func certifiable(m *Message) bool { return m.FromMe && m.Type != TypeSystem }
