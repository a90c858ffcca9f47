package web

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/attesta/attesta/capture/web/webtest"
	"github.com/attesta/attesta/internal/ffmpeg"
	"github.com/attesta/attesta/internal/testwait"
)

// BenchmarkSessionVideo measures what the session video costs: a whole session on the replica (open, link by QR,
// capture of every chat of the basic scenario), with and without the recording. It reports per session the wall
// time and the CPU of the whole process tree (this process, Chromium, ffmpeg), and for the recording the
// video's bytes and ffmpeg's CPU per minute of video.
//
//	go test -run '^$' -bench SessionVideo -benchtime 3x ./capture/web/
func BenchmarkSessionVideo(b *testing.B) {
	if err := (ffmpeg.Tools{}).Check(); err != nil {
		b.Skip(err)
	}
	sc := webtest.MustDefaultScenario("basic")
	for _, video := range []bool{false, true} {
		name := "without-video"
		if video {
			name = "with-video"
		}
		b.Run(name, func(b *testing.B) {
			testBrowser(b)
			var videoBytes, videoSeconds float64
			tree0, ffmpeg0 := treeCPU(b), childrenCPU(b)
			n := 0
			for b.Loop() {
				f, ctx := newLinked(b, sc, Options{})
				var v *Video
				if video {
					var err error
					if v, err = f.s.RecordVideo(ctx, VideoOptions{}); err != nil {
						b.Fatal(err)
					}
				}
				for _, tg := range basicTargets(sc) {
					if v != nil {
						if err := v.Chat(ctx, tg.Phone); err != nil {
							b.Fatal(err)
						}
					}
					if _, err := f.s.Capture(ctx, []Target{tg}); err != nil {
						b.Fatal(err)
					}
				}
				if v != nil {
					if err := v.Stop(ctx); err != nil {
						b.Fatal(err)
					}
					events, err := f.rec.Events()
					if err != nil {
						b.Fatal(err)
					}
					for _, e := range events {
						if e.Fields["action"] == "video" {
							videoBytes += e.Fields["bytes"].(float64)
							videoSeconds += e.Fields["duration_ms"].(float64) / 1000
						}
					}
				}
				f.s.Close()
				n++
			}
			tree, ffm := treeCPU(b)-tree0, childrenCPU(b)-ffmpeg0
			b.ReportMetric(tree.Seconds()/float64(n), "cpu-s/op")
			if video && videoSeconds > 0 {
				minutes := videoSeconds / 60
				b.ReportMetric(videoSeconds/float64(n), "video-s/op")
				b.ReportMetric(videoBytes/minutes/1e6, "video-MB/min")
				b.ReportMetric(ffm.Seconds()/minutes, "ffmpeg-cpu-s/min")
			}
		})
	}
}

// selfCPU is the CPU time of this process (the capture, the video's drawing and the replica's server).
func selfCPU(tb testing.TB) time.Duration {
	var u syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &u); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(u.Utime.Nano() + u.Stime.Nano())
}

// childrenCPU is the CPU time of the children this process has waited for (here: the ffmpeg encoders).
func childrenCPU(tb testing.TB) time.Duration {
	var u syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_CHILDREN, &u); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(u.Utime.Nano() + u.Stime.Nano())
}

// treeCPU is the CPU time of this process, of the children it has waited for, and of its live descendants
// (Chromium's processes), from /proc (clock ticks of 10 ms).
func treeCPU(tb testing.TB) time.Duration {
	var self syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &self); err != nil {
		tb.Fatal(err)
	}
	total := time.Duration(self.Utime.Nano()+self.Stime.Nano()) + childrenCPU(tb)
	parent := map[int]int{}
	ticks := map[int]int64{}
	dirs, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, d := range dirs {
		b, err := os.ReadFile(d)
		if err != nil {
			continue
		}
		s := string(b)
		end := strings.LastIndexByte(s, ')')
		if end < 0 {
			continue
		}
		f := strings.Fields(s[end+1:]) // state ppid … utime(12) stime(13) counting from state as 0
		if len(f) < 14 {
			continue
		}
		pid, _ := strconv.Atoi(strings.Fields(s)[0])
		ppid, _ := strconv.Atoi(f[1])
		ut, _ := strconv.ParseInt(f[11], 10, 64)
		st, _ := strconv.ParseInt(f[12], 10, 64)
		parent[pid], ticks[pid] = ppid, ut+st
	}
	me := os.Getpid()
	for pid, t := range ticks {
		for p := parent[pid]; p > 1; p = parent[p] {
			if p == me {
				total += time.Duration(t) * 10 * time.Millisecond
				break
			}
		}
	}
	return total
}

// BenchmarkWebSession50x20 is issue 19's WhatsApp Web target: a whole session on the replica, as the appliance
// runs it (certify/web.go), for a generated account of 50 chats × 20 messages: open the tab, link by QR, record
// the session video (one video per chat, switched when the capture resolves the chat), capture the 50 chats (each
// chat's whole span, N = 20: history, receipts, media, screenshots, MHTML), stop the video and close. Chromium is
// started once, before the timer (the appliance starts it per session: about a second more).
//
// It reports per session the wall time (the target: 2 minutes), the CPU of the whole process tree (this process,
// which also serves the replica; Chromium; ffmpeg), the video recorded, and peak memory: Chromium's (the sum of
// its processes' VmHWM, an upper bound), this process's (the appliance's capture and the replica's server), and
// the largest ffmpeg's.
//
//	go test -run '^$' -bench WebSession50x20 -benchtime 1x ./capture/web/
func BenchmarkWebSession50x20(b *testing.B) {
	if err := (ffmpeg.Tools{}).Check(); err != nil {
		b.Skip(err)
	}
	sc := webtest.Generate(50, 20, 1)
	targets := make([]Target, len(sc.Chats))
	for i := range sc.Chats {
		targets[i] = target(&sc.Chats[i], "2026-01-10", "2026-01-31", 20)
	}
	browser := testBrowser(b)
	var wall, videoSeconds float64
	cpu0, self0, ffmpeg0 := treeCPU(b), selfCPU(b), childrenCPU(b)
	n := 0
	for b.Loop() {
		wall += webSession(b, sc, targets, &videoSeconds).Seconds()
		n++
	}
	cpu, self, ffm := treeCPU(b)-cpu0, selfCPU(b)-self0, childrenCPU(b)-ffmpeg0
	b.ReportMetric(wall/float64(n), "wall-s/op")
	b.ReportMetric(cpu.Seconds()/float64(n), "cpu-s/op")
	b.ReportMetric(self.Seconds()/float64(n), "self-cpu-s/op")
	b.ReportMetric(ffm.Seconds()/float64(n), "ffmpeg-cpu-s/op")
	b.ReportMetric((cpu-self-ffm).Seconds()/float64(n), "chromium-cpu-s/op")
	b.ReportMetric(videoSeconds/float64(n), "video-s/op")
	b.ReportMetric(chromiumPeakMB(browser.profile), "chromium-peak-MB")
	var selfUsage, children syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &selfUsage) == nil {
		b.ReportMetric(float64(selfUsage.Maxrss)/1024, "appliance-peak-MB")
	}
	if syscall.Getrusage(syscall.RUSAGE_CHILDREN, &children) == nil {
		b.ReportMetric(float64(children.Maxrss)/1024, "ffmpeg-peak-MB")
	}
}

// webSession runs one session of BenchmarkWebSession50x20 and returns its wall time; it adds the seconds of video
// recorded to videoSeconds.
func webSession(b *testing.B, sc *webtest.Scenario, targets []Target, videoSeconds *float64) time.Duration {
	srv := webtest.NewServer(sc)
	defer srv.Close()
	rec, err := NewDirRecorder(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := testwait.With(b, context.Background())
	defer cancel()
	start := time.Now()
	var video *Video
	resolved := 0
	progress := func(pr Progress) {
		if pr.Stage == "resolve" {
			resolved++
		}
		if video != nil && pr.Stage == "resolve" {
			if err := video.Chat(ctx, pr.Phone); err != nil {
				b.Errorf("video of %s: %v", pr.Phone, err)
			}
		}
	}
	s, err := Open(ctx, testBrowser(b), srv.URL()+"/", Options{Recorder: rec, Progress: progress})
	if err != nil {
		b.Fatalf("open: %v", err)
	}
	defer s.Close()
	f := &fixture{t: b, srv: srv, s: s, rec: rec, sc: sc}
	f.link(ctx)
	noVideo := os.Getenv("ATTESTA_BENCH_NO_VIDEO") != "" // to see what the video costs
	if !noVideo {
		if video, err = s.RecordVideo(ctx, VideoOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	res, err := s.Capture(ctx, targets)
	if err != nil {
		b.Fatal(err)
	}
	if video != nil {
		if err := video.Stop(ctx); err != nil {
			b.Fatal(err)
		}
	}
	s.Close()
	elapsed := time.Since(start)
	for _, c := range res.Chats {
		if c.Status != StatusComplete {
			b.Fatalf("%s: %s %s", c.Target.Phone, c.Status, c.Reason)
		}
	}
	events, err := rec.Events()
	if err != nil {
		b.Fatal(err)
	}
	videos := 0
	for _, e := range events {
		switch e.Fields["action"] {
		case "video":
			videos++
			*videoSeconds += e.Fields["duration_ms"].(float64) / 1000
		case "video-unavailable":
			b.Logf("video unavailable: %v", e.Fields)
		}
	}
	if videos != len(targets) && !noVideo {
		b.Fatalf("%d videos for %d chats (%d resolved)", videos, len(targets), resolved)
	}
	return elapsed
}
