package report_test

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
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
	return bigChat(tb, n, media{images: images})
}

// media says how many attachments of each kind a big chat has.
type media struct{ images, videos, voices int }

// bigChat is bigInput with videos (distinct MP4s of 5 s at 848×480, as phones send them, made by ffmpeg) and voice
// notes (one Ogg Opus recording under distinct names) too, spread evenly over the chat.
func bigChat(tb testing.TB, n int, want media) (report.Input, *heapProbe) {
	tb.Helper()
	in, files := sample(tb)
	probe := &heapProbe{memFiles: files}
	var photos []evidence.Attachment
	for i := range 3 {
		img := testImage(1600+i, 1200)
		sha, size := files.put(encodeJPEG(tb, img))
		photos = append(photos, evidence.Attachment{SHA256: sha, Size: size, MIME: "image/jpeg"})
	}
	var videos []evidence.Attachment
	for i := range want.videos {
		sha, size := files.put(phoneVideo(tb, i))
		videos = append(videos, evidence.Attachment{SHA256: sha, Size: size, MIME: "video/mp4"})
	}
	var voice evidence.Attachment
	if want.voices > 0 {
		data, err := os.ReadFile("testdata/audio/voice-7.4s.opus")
		if err != nil {
			tb.Fatal(err)
		}
		sha, size := files.put(data)
		voice = evidence.Attachment{SHA256: sha, Size: size, MIME: "audio/ogg; codecs=opus"}
	}
	// Each kind spread evenly over the chat: the j-th of c at (j+½)/c of the way, in that order.
	type place struct {
		at   float64
		kind evidence.MessageType
	}
	var places []place
	for kind, c := range map[evidence.MessageType]int{evidence.TypeImage: want.images, evidence.TypeVideo: want.videos,
		evidence.TypeVoice: want.voices} {
		for j := range c {
			places = append(places, place{(float64(j) + 0.5) / float64(c), kind})
		}
	}
	slices.SortFunc(places, func(a, b place) int {
		return cmp.Or(cmp.Compare(a.at, b.at), strings.Compare(string(a.kind), string(b.kind)))
	})
	kinds := make([]evidence.MessageType, len(places))
	for i, p := range places {
		kinds[i] = p.kind
	}
	chat := in.Manifest.Chat
	start := time.Date(2026, 1, 14, 0, 0, 0, 0, evidence.Location())
	history := make([]evidence.Message, n)
	slot := map[int]int{} // message index → index in kinds
	for k := range kinds {
		slot[k*n/max(1, len(kinds))] = k
	}
	nImg, nVid := 0, 0
	for i := range history {
		text := fmt.Sprintf("Messaggio %d: è tutto confermato per la consegna di domani, costo 120 € più IVA.", i)
		m := evidence.Message{ID: fmt.Sprintf("ID%05d", i), FromMe: i%5 != 4,
			SentAt: evidence.At(start.Add(time.Duration(i) * 20 * time.Second)), Type: evidence.TypeText,
			Text: &text, Ack: evidence.AckReceived}
		if m.FromMe {
			m.DeliveredAt = evidence.At(m.SentAt.Add(5 * time.Second))
		}
		if k, ok := slot[i]; ok && len(kinds) > 0 {
			var a evidence.Attachment
			switch kinds[k] {
			case evidence.TypeImage:
				a = photos[nImg%len(photos)]
				a.Path = fmt.Sprintf("artifacts/media/IMG-%05d.jpg", i)
				nImg++
			case evidence.TypeVideo:
				a = videos[nVid]
				a.Path = fmt.Sprintf("artifacts/media/VID-%05d.mp4", i)
				nVid++
			case evidence.TypeVoice:
				a = voice
				a.Path = fmt.Sprintf("artifacts/media/PTT-%05d.opus", i)
			}
			m.Type, m.Attachments = kinds[k], evidence.Attachments{a}
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

// phoneVideo is the i-th of a set of distinct videos as phones send them: H.264 in MP4, 848×480 at 30 frames per
// second, 5 s.
func phoneVideo(tb testing.TB, i int) []byte {
	return makeMP4(tb, 5, "testsrc2=size=848x480:rate=30", fmt.Sprintf("hue=h=%d", i*17))
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

// BenchmarkRenderBar is issue 16's performance bar: a chat of 2,000 messages with 100 photos, 20 videos and 50
// voice notes renders, with thumbnails, poster frames and durations, in under 10 s and 500 MB. It reports the CPU
// time of the process and of its ffmpeg children per render, and the process's peak resident set (the report
// runs in it; ffmpeg's runs, at most one per core at a time, take about 70 MB each, measured with /usr/bin/time -v).
func BenchmarkRenderBar(b *testing.B) {
	in, _ := bigChat(b, 2000, media{images: 100, videos: 20, voices: 50})
	b.ReportAllocs()
	var size int64
	self0, children0 := usage(b, syscall.RUSAGE_SELF), usage(b, syscall.RUSAGE_CHILDREN)
	n := 0
	for b.Loop() {
		var out countWriter
		if err := report.Render(b.Context(), &out, in, report.Options{Kind: report.Personalizzata, Now: now}); err != nil {
			b.Fatal(err)
		}
		size = out.n
		n++
	}
	self, children := usage(b, syscall.RUSAGE_SELF), usage(b, syscall.RUSAGE_CHILDREN)
	b.ReportMetric(float64(size), "pdf-bytes")
	b.ReportMetric((cpu(self)-cpu(self0)).Seconds()/float64(n), "cpu-s/op")
	b.ReportMetric((cpu(children)-cpu(children0)).Seconds()/float64(n), "ffmpeg-cpu-s/op")
	// The children's peak resident set is not reported: a child counts the parent's pages until it runs ffmpeg.
	b.ReportMetric(float64(self.Maxrss)/1024, "peak-rss-MB")
}

func usage(tb testing.TB, who int) syscall.Rusage {
	var u syscall.Rusage
	if err := syscall.Getrusage(who, &u); err != nil {
		tb.Fatal(err)
	}
	return u
}

// cpu is the user and system time of u.
func cpu(u syscall.Rusage) time.Duration {
	return time.Duration(u.Utime.Nano() + u.Stime.Nano())
}
