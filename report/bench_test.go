package report_test

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/attesta/attesta/evidence"
	"github.com/attesta/attesta/report"
)

// heapProbe is an Opener that measures the live heap each time the report opens a picture: if the report held
// the originals (or their decoded pixels), the live heap would grow with every one.
type heapProbe struct {
	memFiles
	mu   sync.Mutex
	peak uint64
	n    int
}

func (p *heapProbe) Open(ctx context.Context, sha string) (io.ReadCloser, error) {
	p.sample()
	return p.memFiles.Open(ctx, sha)
}

func (p *heapProbe) sample() {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.n++
	p.peak = max(p.peak, ms.HeapAlloc)
}

// bigInput is a chat of n messages, every fifth sent by the sender, with images photos of 1600×1200 pixels (a
// few distinct contents under distinct names, as WhatsApp stores forwarded photos).
func bigInput(tb testing.TB, n, images int) (report.Input, *heapProbe) {
	tb.Helper()
	in, files := sample(tb)
	probe := &heapProbe{memFiles: files}
	var photos []evidence.Attachment
	for i := range 3 {
		img := testImage(1600+i, 1200)
		sha, size := files.put(encodeJPEG(tb, img))
		photos = append(photos, evidence.Attachment{SHA256: sha, Size: size, MIME: "image/jpeg"})
	}
	chat := in.Manifest.Chat
	start := time.Date(2026, 1, 14, 0, 0, 0, 0, evidence.Location())
	history := make([]evidence.Message, n)
	every := max(1, n/max(1, images))
	for i := range history {
		text := fmt.Sprintf("Messaggio %d: è tutto confermato per la consegna di domani, costo 120 € più IVA.", i)
		m := evidence.Message{ID: fmt.Sprintf("ID%05d", i), FromMe: i%5 != 4,
			SentAt: evidence.At(start.Add(time.Duration(i) * 20 * time.Second)), Type: evidence.TypeText,
			Text: &text, Ack: evidence.AckReceived}
		if m.FromMe {
			m.DeliveredAt = evidence.At(m.SentAt.Add(5 * time.Second))
		}
		if i%every == 0 && i/every < images {
			a := photos[i%len(photos)]
			a.Path = fmt.Sprintf("artifacts/media/IMG-%05d.jpg", i)
			m.Type, m.Attachments = evidence.TypeImage, evidence.Attachments{a}
		}
		history[i] = m
	}
	evidence.Apply(chat, history)
	m := *in.Manifest
	m.Messages = history
	in.Manifest = &m
	in.Files = probe
	return in, probe
}

// TestLargeChatBoundedMemory renders 2,000 messages with 100 photos of 1600×1200 pixels (5.5 MB each once
// decoded, 550 MB if they were all held) and checks that the live heap stays far below that.
func TestLargeChatBoundedMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("renders 2,000 messages with 100 photos; run without -short")
	}
	in, probe := bigInput(t, 2000, 100)
	probe.sample()
	base := probe.peak
	var out countWriter
	if err := report.Render(t.Context(), &out, in, report.Options{Kind: report.Personalizzata, Now: now}); err != nil {
		t.Fatal(err)
	}
	probe.sample()
	grow := probe.peak - base
	t.Logf("2000 messages, %d pictures opened: %d bytes of PDF, live heap grew at most %.1f MB",
		probe.n-2, out.n, float64(grow)/(1<<20))
	if probe.n-2 != 101 { // 100 photos and the screenshot
		t.Errorf("%d pictures opened, want 101", probe.n-2)
	}
	if grow > 96<<20 {
		t.Errorf("live heap grew by %d MB while rendering: pictures are being held", grow>>20)
	}
	if out.n > 40<<20 {
		t.Errorf("report of %d bytes: thumbnails are not being scaled down", out.n)
	}
}

type countWriter struct{ n int64 }

func (w *countWriter) Write(p []byte) (int, error) { w.n += int64(len(p)); return len(p), nil }

func benchRender(b *testing.B, n int) {
	in, probe := bigInput(b, n, n/20)
	b.ReportAllocs()
	var size int64
	for b.Loop() {
		var out countWriter
		if err := report.Render(b.Context(), &out, in, report.Options{Kind: report.Personalizzata, Now: now}); err != nil {
			b.Fatal(err)
		}
		size = out.n
	}
	b.ReportMetric(float64(size), "pdf-bytes")
	b.ReportMetric(float64(probe.peak)/(1<<20), "peak-live-MB")
}

func BenchmarkRender20(b *testing.B)   { benchRender(b, 20) }
func BenchmarkRender200(b *testing.B)  { benchRender(b, 200) }
func BenchmarkRender2000(b *testing.B) { benchRender(b, 2000) }
