package web

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/attesta/attesta/capture/web/webtest"
)

// BenchmarkSession50x20 captures a generated account of 50 chats × 20 messages, each chat's whole span, N = 20:
// linking, history, receipts, media, screenshots and MHTML. It reports the time per chat and Chromium's peak
// resident memory (the sum of each Chromium process's VmHWM: an upper bound of the true peak).
func BenchmarkSession50x20(b *testing.B) {
	sc := webtest.Generate(50, 20, 1)
	targets := make([]Target, len(sc.Chats))
	for i := range sc.Chats {
		targets[i] = target(&sc.Chats[i], "2026-01-10", "2026-01-31", 20)
	}
	var perChat time.Duration
	for b.Loop() {
		b.StopTimer()
		f := newFixture(b, sc, Options{})
		ctx := testCtx(b)
		f.link(ctx)
		b.StartTimer()
		start := time.Now()
		res, err := f.s.Capture(ctx, targets)
		if err != nil {
			b.Fatal(err)
		}
		perChat = time.Since(start) / time.Duration(len(targets))
		b.StopTimer()
		for _, c := range res.Chats {
			if c.Status != StatusComplete {
				b.Fatalf("%s: %s %s", c.Target.Phone, c.Status, c.Reason)
			}
		}
		if r := f.srv.Receipts(); len(r) != 0 {
			b.Fatalf("receipts %+v", r)
		}
		b.StartTimer()
	}
	b.ReportMetric(perChat.Seconds()*1000, "ms/chat")
	if mb := chromiumPeakMB(testBrowser(b).profile); mb > 0 {
		b.ReportMetric(mb, "chromium-peak-MB")
	}
}

// chromiumPeakMB sums VmHWM over the processes whose command line names the profile directory.
func chromiumPeakMB(profile string) float64 {
	procs, _ := filepath.Glob("/proc/[0-9]*")
	var kb int64
	for _, p := range procs {
		cmd, err := os.ReadFile(filepath.Join(p, "cmdline"))
		if err != nil || !strings.Contains(string(cmd), profile) {
			continue
		}
		f, err := os.Open(filepath.Join(p, "status"))
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
				n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
				kb += n
			}
		}
		f.Close()
	}
	return float64(kb) / 1024
}
