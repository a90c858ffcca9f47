package report_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/attesta/attesta/evidence"
	"github.com/attesta/attesta/report"
)

// extractChat is a chat as `attesta extract android` prints it from a phone backup: n messages of ten to forty
// everyday words (one in fifty sent by the sender, with its delivery and read receipts), and one photo.
func extractChat(tb testing.TB, n int) report.Input {
	tb.Helper()
	in, files := sample(tb)
	sha, size := files.put(encodeJPEG(tb, testImage(1600, 1200)))
	words := strings.Fields("alle la nove sorella copia pizza papà buonasera ancora mercoledì perfetto per martedì " +
		"cliente casa no ti ma prego domattina dove ufficio bene affitto certo e ho un sabato treno fammi capo " +
		"quando su pranzo il caffè fra allora aprile già subito sei maggio sapere libero studio città")
	rng := rand.New(rand.NewPCG(19, 2))
	chat := in.Manifest.Chat
	start := time.Date(2025, 1, 1, 12, 21, 0, 0, evidence.Location())
	history := make([]evidence.Message, n)
	for i := range history {
		ws := make([]string, 10+rng.IntN(31))
		for j := range ws {
			ws[j] = words[rng.IntN(len(words))]
		}
		text := strings.Join(ws, " ")
		sent := start.Add(time.Duration(i) * 6 * time.Hour)
		m := evidence.Message{ID: fmt.Sprintf("3EB0%016X", i*400+203), SentAt: evidence.At(sent),
			Type: evidence.TypeText, Text: &text, Author: chat.Phone}
		if i%(n/min(n, 50)) == n/min(n, 50)-1 {
			m.FromMe, m.Author, m.Ack = true, "", evidence.AckRead
			m.DeliveredAt, m.ReadAt = evidence.At(sent.Add(time.Minute)), evidence.At(sent.Add(9*time.Minute))
			m.Receipts = []evidence.Receipt{{Recipient: chat.JID, Kind: evidence.ReceiptDelivered, At: m.DeliveredAt},
				{Recipient: chat.JID, Kind: evidence.ReceiptRead, At: m.ReadAt}}
		}
		if i == n/2 {
			m.Type = evidence.TypeImage
			m.Attachments = evidence.Attachments{{Path: fmt.Sprintf("artifacts/media/IMG-%05d.jpg", i), SHA256: sha,
				Size: size, MIME: "image/jpeg"}}
		}
		history[i] = m
	}
	evidence.Apply(chat, history)
	m := *in.Manifest
	m.Messages = history
	in.Manifest = &m
	return in
}

func benchExtract(b *testing.B, n int) {
	in := extractChat(b, n)
	b.ReportAllocs()
	self0, runs := usage(b, syscall.RUSAGE_SELF), 0
	for b.Loop() {
		var out countWriter
		if err := report.Render(b.Context(), &out, in, report.Options{Kind: report.Personalizzata, Now: now}); err != nil {
			b.Fatal(err)
		}
		runs++
	}
	// CPU time, user and system, of the whole process (the garbage collector's too): on a loaded machine, steadier
	// than the wall time.
	b.ReportMetric(float64((cpu(usage(b, syscall.RUSAGE_SELF))-cpu(self0)).Milliseconds())/float64(runs), "cpu-ms/op")
}

// BenchmarkRenderExtract50 renders a chat of 50 messages with receipts and a photo.
func BenchmarkRenderExtract50(b *testing.B) { benchExtract(b, 50) }

// BenchmarkRenderExtract2550 renders a chat the size `attesta extract android --max-messages 50` prints from the
// generated 1,000,000-message backup: 2,550 messages in the delivery, 50 of them certified.
func BenchmarkRenderExtract2550(b *testing.B) { benchExtract(b, 2550) }
