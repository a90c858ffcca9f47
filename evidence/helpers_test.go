package evidence

import (
	"time"
)

// base is 14 January 2026, 10:00 UTC (11:00 in Rome).
var base = time.Date(2026, 1, 14, 10, 0, 0, 0, time.UTC)

// mins returns base plus n minutes as a Time.
func mins(n int) Time { return At(base.Add(time.Duration(n) * time.Minute)) }

func ptr[T any](v T) *T { return &v }

// out is a text message the sender sent n minutes after base with the given ack.
func out(id string, n int, ack Ack) Message {
	return Message{ID: id, FromMe: true, SentAt: mins(n), Type: TypeText, Text: ptr("testo " + id), Ack: ack}
}

// in is a text message the recipient sent n minutes after base.
func in(id string, n int) Message {
	return Message{ID: id, SentAt: mins(n), Type: TypeText, Text: ptr("risposta " + id)}
}

func with(m Message, f func(*Message)) Message {
	f(&m)
	return m
}

func quoting(m Message, id string) Message { return with(m, func(m *Message) { m.QuotedID = ptr(id) }) }
