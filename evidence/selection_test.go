package evidence

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"
)

func day(y int, m time.Month, d int) Date { return Date{y, m, d} }

func msgAt(id string, fromMe bool, utc string) Message {
	t, err := time.Parse(time.RFC3339, utc)
	if err != nil {
		panic(err)
	}
	return Message{ID: id, FromMe: fromMe, SentAt: At(t), Type: TypeText, Ack: AckRead}
}

func TestSelectRomeDayBoundaries(t *testing.T) {
	tests := []struct {
		name  string
		rng   Range
		utc   string
		keeps bool
	}{
		{"23:30 UTC on the 14th is the 15th in Rome", Range{day(2026, 1, 15), day(2026, 1, 15)}, "2026-01-14T23:30:00Z", true},
		{"22:59:59 UTC on the 14th is still the 14th", Range{day(2026, 1, 15), day(2026, 1, 15)}, "2026-01-14T22:59:59Z", false},
		{"23:00 UTC on the 14th is midnight of the 15th", Range{day(2026, 1, 15), day(2026, 1, 15)}, "2026-01-14T23:00:00Z", true},
		{"22:59:59 UTC on the 15th is the last second", Range{day(2026, 1, 15), day(2026, 1, 15)}, "2026-01-15T22:59:59Z", true},
		{"23:30 UTC on the 15th is the 16th in Rome", Range{day(2026, 1, 15), day(2026, 1, 15)}, "2026-01-15T23:30:00Z", false},
		{"multi-day range, last day", Range{day(2026, 1, 12), day(2026, 1, 14)}, "2026-01-14T20:00:00Z", true},
		// 29 March 2026: clocks go from 02:00 CET to 03:00 CEST, the day lasts 23 hours.
		{"spring DST day starts at 23:00 UTC", Range{day(2026, 3, 29), day(2026, 3, 29)}, "2026-03-28T23:00:00Z", true},
		{"spring DST day ends at 22:00 UTC", Range{day(2026, 3, 29), day(2026, 3, 29)}, "2026-03-29T21:59:59Z", true},
		{"spring DST: 22:30 UTC is the 30th", Range{day(2026, 3, 29), day(2026, 3, 29)}, "2026-03-29T22:30:00Z", false},
		// 25 October 2026: clocks go from 03:00 CEST back to 02:00 CET, the day lasts 25 hours.
		{"autumn DST day starts at 22:00 UTC", Range{day(2026, 10, 25), day(2026, 10, 25)}, "2026-10-24T22:00:00Z", true},
		{"autumn DST: 21:59:59 UTC is the 24th", Range{day(2026, 10, 25), day(2026, 10, 25)}, "2026-10-24T21:59:59Z", false},
		{"autumn DST: 22:30 UTC is still the 25th", Range{day(2026, 10, 25), day(2026, 10, 25)}, "2026-10-25T22:30:00Z", true},
		{"autumn DST day ends at 23:00 UTC", Range{day(2026, 10, 25), day(2026, 10, 25)}, "2026-10-25T23:00:00Z", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, fromMe := range []bool{true, false} {
				sel := Select([]Message{msgAt("m", fromMe, tt.utc)}, tt.rng, 10)
				if got := len(sel.Messages) == 1; got != tt.keeps {
					t.Errorf("from_me=%t: kept = %t, want %t", fromMe, got, tt.keeps)
				}
				if fromMe && (len(sel.Certified) == 1) != tt.keeps {
					t.Errorf("certified = %v", sel.Certified)
				}
			}
		})
	}
}

func TestRangeBoundsDST(t *testing.T) {
	for _, tt := range []struct {
		d     Date
		hours float64
	}{{day(2026, 3, 29), 23}, {day(2026, 10, 25), 25}, {day(2026, 1, 15), 24}} {
		start, end := Range{tt.d, tt.d}.Bounds()
		if got := end.Sub(start).Hours(); got != tt.hours {
			t.Errorf("%s lasts %v hours, want %v", tt.d, got, tt.hours)
		}
	}
}

func TestSelectLastN(t *testing.T) {
	var history []Message
	// 12 sent and 6 received in range (13-15 January), one sent on each side of it, shuffled by pairs.
	history = append(history, out("before", -2*24*60, AckRead), out("after", 2*24*60, AckRead))
	for i := range 12 {
		history = append(history, out(fmt.Sprintf("s%02d", i), i*60-24*60, AckRead))
		if i%2 == 0 {
			history = append(history, in(fmt.Sprintf("r%02d", i), i*60+30-24*60))
		}
	}
	history = append(history, with(out("notice", 0, AckSent), func(m *Message) { m.Type = TypeSystem }))
	slices.Reverse(history)
	rng := Range{day(2026, 1, 13), day(2026, 1, 15)}

	for _, n := range []int{5, 10, 20, 50} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			sel := Select(history, rng, n)
			if sel.SentInRange != 12 {
				t.Errorf("SentInRange = %d, want 12", sel.SentInRange)
			}
			want := min(n, 12)
			if len(sel.Certified) != want {
				t.Fatalf("certified %d, want %d: %v", len(sel.Certified), want, sel.Certified)
			}
			if first := sel.Certified[0]; first != fmt.Sprintf("s%02d", 12-want) {
				t.Errorf("first certified %s, want the %dth from the end", first, want)
			}
			incoming := 0
			for i, m := range sel.Messages {
				if i > 0 && m.SentAt.Before(sel.Messages[i-1].SentAt.Time) {
					t.Errorf("messages out of time order at %d", i)
				}
				if !m.FromMe {
					incoming++
				} else if !slices.Contains(sel.Certified, m.ID) {
					t.Errorf("uncertified sent message %s kept", m.ID)
				}
			}
			if incoming != 6 {
				t.Errorf("incoming kept %d, want every one of the 6 in range", incoming)
			}
		})
	}
	if sel := Select(history, rng, 0); len(sel.Certified) != 0 {
		t.Errorf("n=0 certified %v", sel.Certified)
	}
}

func TestCertifyReplyAfterRange(t *testing.T) {
	history := []Message{
		in("ctx", -10),
		with(out("m", 0, AckReceived), func(m *Message) { m.DeliveredAt = mins(1) }),
		in("next-day", 24*60),              // outside the range: the reply
		quoting(in("quote", 3*24*60), "m"), // outside too, later, but quotes: preferred
		in("unrelated", 4*24*60),
	}
	chat := Chat{Phone: "+393771151946", Name: "Emanuel Celano", JID: "393771151946@c.us"}
	rng := Range{day(2026, 1, 14), day(2026, 1, 14)}
	before := cloneMessages(history)
	sel := Certify(chat, history, rng, 5)

	if len(sel.Verdicts) != 1 || deref(sel.Verdicts[0].LegalValue.ReplyID) != "quote" {
		t.Fatalf("verdicts = %+v, want reply quote", sel.Verdicts)
	}
	var ids []string
	for _, m := range sel.Messages {
		ids = append(ids, m.ID)
		if err := m.Validate(); err != nil {
			t.Error(err)
		}
	}
	if want := []string{"ctx", "m", "quote"}; !slices.Equal(ids, want) {
		t.Errorf("selection = %v, want %v (the reply outside the range brought in)", ids, want)
	}
	if !equalMessages(before, history) {
		t.Error("Certify modified the history")
	}
}

func TestParsePlan(t *testing.T) {
	for _, s := range []string{"5", "10", " 20 ", "50"} {
		if _, err := ParsePlan(s); err != nil {
			t.Errorf("%q: %v", s, err)
		}
	}
	for _, s := range []string{"0", "1", "15", "51", "100", "-5", "dieci", ""} {
		if _, err := ParsePlan(s); !errors.Is(err, ErrPlan) {
			t.Errorf("%q: %v, want ErrPlan", s, err)
		}
	}
	var c Case
	if err := json.Unmarshal([]byte(`{"id":"c1","plan":20}`), &c); err != nil || c.Plan != Plan20 {
		t.Errorf("plan 20 from JSON: %v %v", c.Plan, err)
	}
	if err := json.Unmarshal([]byte(`{"id":"c1","plan":7}`), &c); !errors.Is(err, ErrPlan) {
		t.Errorf("plan 7 from JSON: %v", err)
	}
}
