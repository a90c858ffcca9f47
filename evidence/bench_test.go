package evidence

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

// BenchmarkParseList measures a full 50-chat list and hostile inputs at the size limit.
func BenchmarkParseList(b *testing.B) {
	inputs := map[string]string{
		"50-chats":      listOf(50),
		"1MiB-dups":     "numero;nominativo;dal;al\n" + strings.Repeat("3771151946;Emanuel Celano;2026-01-12;2026-01-14\n", MaxListBytes/50),
		"1MiB-one-line": "numero: " + strings.Repeat("3", MaxListBytes-20),
		"1MiB-fields":   "numero;nominativo;dal;al\n" + strings.Repeat(";", MaxListBytes-30),
		"1MiB-quotes":   "numero,nominativo,dal,al\n" + strings.Repeat("\"", MaxListBytes-30),
		"1MiB-text":     strings.Repeat("numero: 1; ", MaxListBytes/12),
	}
	for name, in := range inputs {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(in)))
			for b.Loop() {
				_, _ = ParseList(bytes.NewReader([]byte(in)), ListOptions{Now: listNow})
			}
		})
	}
}

// BenchmarkCertify measures judging and selecting a long chat history.
func BenchmarkCertify(b *testing.B) {
	for _, size := range []int{1_000, 100_000} {
		history := make([]Message, 0, size)
		for i := range size {
			if i%3 == 0 {
				history = append(history, in(fmt.Sprint("r", i), i))
			} else {
				history = append(history, with(out(fmt.Sprint("s", i), i, AckReceived), func(m *Message) { m.DeliveredAt = mins(i + 1) }))
			}
		}
		rng := Range{DateOf(base), DateOf(base.Add(48 * 60 * 60e9))}
		b.Run(fmt.Sprint(size), func(b *testing.B) {
			for b.Loop() {
				Certify(Chat{Phone: "+393771151946", JID: "393771151946@c.us"}, history, rng, 50)
			}
		})
	}
}
