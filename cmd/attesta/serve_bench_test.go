package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/attesta/attesta/capture/web/webtest"
)

// BenchmarkServeMemory runs the real `attesta serve` binary (simulator TPM) and reports its resident memory idle,
// at its peak while a technician runs a whole WhatsApp Web session (seven chats of the replica) through the UI,
// and the peak of the Chromium processes the session starts — each measured from /proc, in MB.
//
//	go test -run '^$' -bench ServeMemory -benchtime 1x ./cmd/attesta/
func BenchmarkServeMemory(b *testing.B) {
	bin := filepath.Join(b.TempDir(), "attesta")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		b.Fatalf("build attesta: %v\n%s", err, out)
	}
	wa := webtest.NewServer(webtest.MustDefaultScenario("basic"))
	b.Cleanup(wa.Close)
	var idle, peak, browser, after float64
	for b.Loop() {
		s := startServe(b, bin, wa.URL())
		time.Sleep(3 * time.Second) // settled: attestation at start done, UI listening
		idle = rssMB(s.pid)
		c := s.login(b)
		job := s.startSession(b, c, wa.Scenario().AcquisitionList("2026-01-12", "2026-01-14"))
		peak, browser = s.followSession(b, c, job, wa)
		after = rssMB(s.pid)
		s.stop(b)
	}
	b.ReportMetric(idle, "idle-MB")
	b.ReportMetric(peak, "session-peak-MB")
	b.ReportMetric(after, "after-session-MB")
	b.ReportMetric(browser, "chromium-peak-MB")
}

const benchPIN = "246810"

type serveProc struct {
	cmd  *exec.Cmd
	pid  int
	base string // the UI's URL, ending in "/"
}

func startServe(b *testing.B, bin, waURL string) *serveProc {
	b.Helper()
	cmd := exec.Command(bin, "serve", "--data", b.TempDir(), "--tpm", "sim", "--listen", "127.0.0.1:0",
		"--whatsapp-web-url", waURL)
	cmd.Env = append(os.Environ(), "ATTESTA_TECHNICIAN_PIN="+benchPIN)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	lines := bufio.NewScanner(stderr)
	for lines.Scan() {
		if _, rest, ok := strings.Cut(lines.Text(), `"ui":"`); ok {
			base, _, _ := strings.Cut(rest, `"`)
			go io.Copy(io.Discard, stderr)
			return &serveProc{cmd: cmd, pid: cmd.Process.Pid, base: base}
		}
	}
	b.Fatalf("serve ended before its UI started: %v", lines.Err())
	return nil
}

func (s *serveProc) login(b *testing.B) *http.Client {
	b.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: time.Minute,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	s.post(b, c, "login", url.Values{"pin": {benchPIN}})
	return c
}

// post sends a form and returns where the answer redirects to.
func (s *serveProc) post(b *testing.B, c *http.Client, path string, form url.Values) string {
	b.Helper()
	resp, err := c.PostForm(s.base+path, form)
	if err != nil {
		b.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		body, _ := io.ReadAll(resp.Body)
		b.Fatalf("POST %s: %s\n%s", path, resp.Status, body)
	}
	return strings.TrimPrefix(resp.Header.Get("Location"), "/")
}

func (s *serveProc) startSession(b *testing.B, c *http.Client, list string) string {
	b.Helper()
	casePath := s.post(b, c, "cases", url.Values{"client": {"Studio Legale Bianchi"}, "phone": {"3771151946"},
		"purpose": {"Diffida"}, "plan": {"20"}, "service": {"6"}})
	s.acceptNotice(b, c, casePath)
	jobPath := s.post(b, c, casePath+"/session", url.Values{"list": {list}})
	return strings.TrimPrefix(jobPath, "jobs/")
}

// acceptNotice makes the case's link for the client, and the client's browser claims it and accepts the notice:
// a remote session starts only then.
func (s *serveProc) acceptNotice(b *testing.B, c *http.Client, casePath string) {
	b.Helper()
	resp, err := c.PostForm(s.base+casePath+"/remote", nil)
	if err != nil {
		b.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	_, rest, ok := strings.Cut(string(body), "/r/")
	token, _, _ := strings.Cut(rest, "<")
	if !ok {
		b.Fatalf("no client link on the case page: %s", resp.Status)
	}
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, Timeout: time.Minute}
	link := s.base + "r/" + token
	if resp, err = client.PostForm(link, nil); err != nil { // the claim, then the notice page
		b.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	_, rest, _ = strings.Cut(string(page), `name="sha256" value="`)
	sum, _, _ := strings.Cut(rest, `"`)
	if resp, err = client.PostForm(link+"/accept", url.Values{"sha256": {sum}, "lang": {"it"}}); err != nil {
		b.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b.Fatalf("the client's acceptance: %s", resp.Status)
	}
}

// followSession lets the client's phone scan the code once it is shown, then samples memory until the job ends.
func (s *serveProc) followSession(b *testing.B, c *http.Client, job string, wa *webtest.Server) (peak, browser float64) {
	b.Helper()
	ctx, cancel := context.WithTimeout(b.Context(), 5*time.Minute)
	defer cancel()
	scanned := false
	for ctx.Err() == nil {
		peak = max(peak, rssMB(s.pid))
		browser = max(browser, descendantsRSSMB(s.pid))
		if !scanned && s.status(c, "progress/"+job+"/qr.png") == http.StatusOK {
			wa.ScanAs("393771151946") // the phone of the case's client, as the appliance expects
			scanned = true
		}
		if page := s.page(b, c, "jobs/"+job); strings.Contains(page, `class="tag state done"`) {
			return peak, browser
		} else if strings.Contains(page, `class="tag state failed"`) {
			b.Fatalf("the session failed:\n%s", page)
		}
		time.Sleep(100 * time.Millisecond)
	}
	b.Fatal("the session did not end in 5 minutes")
	return 0, 0
}

func (s *serveProc) status(c *http.Client, path string) int {
	resp, err := c.Get(s.base + path)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

func (s *serveProc) page(b *testing.B, c *http.Client, path string) string {
	b.Helper()
	resp, err := c.Get(s.base + path)
	if err != nil {
		b.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return string(body)
}

func (s *serveProc) stop(b *testing.B) {
	b.Helper()
	s.cmd.Process.Signal(os.Interrupt)
	if err := s.cmd.Wait(); err != nil {
		b.Errorf("serve did not stop cleanly: %v", err)
	}
}

// rssMB is a process's resident set size in MB, from /proc; 0 once it is gone.
func rssMB(pid int) float64 {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(data)) {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}

// descendantsRSSMB sums the resident memory of every process below pid (the session's Chromium). Shared pages
// count once per process, so this is an upper bound.
func descendantsRSSMB(pid int) float64 {
	parent := map[int]int{}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// The command name is in parentheses and may hold spaces: the fields after it are what counts.
		_, rest, _ := strings.Cut(string(stat), ") ")
		if f := strings.Fields(rest); len(f) > 1 {
			parent[p], _ = strconv.Atoi(f[1])
		}
	}
	var sum float64
	for p := range parent {
		for q := parent[p]; q > 1; q = parent[q] {
			if q == pid {
				sum += rssMB(p)
				break
			}
		}
	}
	return sum
}
