package web

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/attesta/attesta/capture/web/webtest"
	"github.com/attesta/attesta/internal/ffmpeg"
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
