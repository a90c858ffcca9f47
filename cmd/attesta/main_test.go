package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/attesta/attesta/internal/testwait"
)

// attesta runs one command line in-process and returns its exit code and output. The simulator TPM is one per
// process, so these tests do not run in parallel.
func attesta(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(t.Context(), &env{stdout: &out, stderr: &errb}, args)
	return code, out.String(), errb.String()
}

// demoDir runs the demo once and returns its directory.
func demoDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if code, out, errs := attesta(t, "demo", "--dir", dir); code != 0 {
		t.Fatalf("demo exit %d\n%s\n%s", code, out, errs)
	}
	return dir
}

// listFiles returns every path below dir, to check that a failed command wrote nothing.
func listFiles(t *testing.T, dir string) []string {
	t.Helper()
	var paths []string
	filepath.WalkDir(dir, func(p string, _ os.DirEntry, err error) error {
		paths = append(paths, p)
		return err
	})
	return paths
}

func TestUsageErrorsExit2AndWriteNothing(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no command", nil, "usage"},
		{"unknown command", []string{"frobnicate"}, "unknown command"},
		{"unknown flag", []string{"demo", "--frob"}, "flag provided but not defined"},
		{"demo stray argument", []string{"demo", "extra"}, "want 0 argument"},
		{"attest without out", []string{"attest", "--data", data, "--tpm", "sim"}, "--out is required"},
		{"attest bad nonce", []string{"attest", "--nonce", "xyz", "--out", filepath.Join(dir, "a"), "--data", data}, "not hex"},
		{"attest nonce too long", []string{"attest", "--nonce", strings.Repeat("ab", 65), "--out", filepath.Join(dir, "a"), "--data", data}, "at most 64"},
		{"journal without subcommand", []string{"journal"}, "want a subcommand"},
		{"journal unknown subcommand", []string{"journal", "rewrite"}, "unknown subcommand"},
		{"journal export without out", []string{"journal", "export", "--data", data}, "--out is required"},
		{"verify without path", []string{"verify"}, "want 1 argument"},
		{"verify missing path", []string{"verify", filepath.Join(dir, "nope")}, "no such file"},
		{"verify missing checkpoint file", []string{"verify", "--checkpoint", filepath.Join(dir, "nope"), dir}, "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errs := attesta(t, tt.args...)
			if code != exitUsage {
				t.Errorf("exit %d, want %d; stderr: %s", code, exitUsage, errs)
			}
			if !strings.Contains(errs, tt.want) {
				t.Errorf("stderr %q does not contain %q", errs, tt.want)
			}
			if got := listFiles(t, dir); len(got) != 1 {
				t.Errorf("a usage error wrote files: %v", got)
			}
		})
	}
}

func TestReadCommandsOnMissingDataCreateNothing(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	for _, args := range [][]string{
		{"journal", "verify", "--data", data, "--tpm", "sim"},
		{"journal", "show", "--data", data},
		{"journal", "export", "--data", data, "--out", filepath.Join(dir, "x")},
	} {
		code, _, errs := attesta(t, args...)
		if code != exitFailure || !strings.Contains(errs, "no journal") {
			t.Errorf("%v: exit %d, stderr %q; want 1 and 'no journal'", args, code, errs)
		}
	}
	if got := listFiles(t, dir); len(got) != 1 {
		t.Errorf("read-only commands created files: %v", got)
	}
}

func TestDemoThenVerifyShowExportAttest(t *testing.T) {
	dir := demoDir(t)
	data := filepath.Join(dir, "data")

	code, out, errs := attesta(t, "journal", "verify", "--data", data, "--tpm", "sim")
	if code != 0 || !strings.Contains(out, "VALID") {
		t.Fatalf("journal verify: exit %d\n%s%s", code, out, errs)
	}
	code, out, _ = attesta(t, "verify", filepath.Join(data, "journal.db"))
	if code != 0 || !strings.Contains(out, "VALID") || !strings.Contains(out, "pin it with --key") {
		t.Fatalf("verify: exit %d\n%s", code, out)
	}
	code, out, _ = attesta(t, "journal", "show", "--data", data, "--from", "0", "--to", "2")
	if code != 0 || !strings.Contains(out, `"type":"provision"`) || !strings.Contains(out, `"type":"boot"`) {
		t.Fatalf("journal show: exit %d\n%s", code, out)
	}
	exp := filepath.Join(dir, "export")
	if code, _, errs := attesta(t, "journal", "export", "--data", data, "--out", exp); code != 0 {
		t.Fatalf("journal export: exit %d: %s", code, errs)
	}
	for _, f := range []string{"checkpoint", "vkey"} {
		if _, err := os.Stat(filepath.Join(exp, f)); err != nil {
			t.Errorf("export lacks %s: %v", f, err)
		}
	}
	vkey, _ := os.ReadFile(filepath.Join(exp, "vkey"))
	code, out, _ = attesta(t, "verify", "--key", strings.TrimSpace(string(vkey)), data)
	if code != 0 || strings.Contains(out, "pin it with --key") {
		t.Fatalf("verify with pinned key: exit %d\n%s", code, out)
	}

	att := filepath.Join(dir, "att")
	code, out, errs = attesta(t, "attest", "--nonce", "c0ffee", "--out", att, "--data", data, "--tpm", "sim")
	if code != 0 || !strings.Contains(out, "c0ffee") {
		t.Fatalf("attest: exit %d\n%s%s", code, out, errs)
	}
	if code, _, errs := attesta(t, "attest", "--out", att, "--data", data, "--tpm", "sim"); code != exitUsage || !strings.Contains(errs, "never overwritten") {
		t.Fatalf("attest over an existing folder: exit %d %s", code, errs)
	}
}

// demoJournal runs the demo and returns its folder, the path of its journal and the journal file's bytes.
func demoJournal(t *testing.T) (dir, db string, data []byte) {
	t.Helper()
	dir = demoDir(t)
	db = filepath.Join(dir, "data", "journal.db")
	data, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	return dir, db, data
}

func TestVerifyDetectsTamperedLeaf(t *testing.T) {
	_, db, b := demoJournal(t)
	// Change what a leaf says in the file itself: the acquisition's method. bbolt copies pages on write, so the
	// file may hold stale copies of the leaf in free pages: change every copy.
	n := bytes.Count(b, []byte(`"method":"demo"`))
	if n == 0 {
		t.Fatal("leaf text not found in the database file")
	}
	b = bytes.ReplaceAll(b, []byte(`"method":"demo"`), []byte(`"method":"Demo"`))
	if err := os.WriteFile(db, b, 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errs := attesta(t, "verify", db)
	if code != exitFailure {
		t.Fatalf("verify of a tampered journal: exit %d, want 1\n%s%s", code, out, errs)
	}
	if !strings.Contains(errs, "INVALID") || !strings.Contains(errs, "leaf 3") {
		t.Errorf("error does not name the tampered leaf 3: %s", errs)
	}
}

func TestVerifyDetectsRollback(t *testing.T) {
	dir, db, old := demoJournal(t)
	if code, out, errs := attesta(t, "demo", "--dir", dir); code != 0 {
		t.Fatalf("second demo: exit %d\n%s%s", code, out, errs)
	}
	newest := newestCheckpointFile(t, filepath.Join(dir, "out"))

	// Put the older copy back, as a restored backup would.
	if err := os.WriteFile(db, old, 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out, _ := attesta(t, "verify", db); code != 0 {
		t.Fatalf("the older copy alone should verify (it is a valid, shorter journal): exit %d\n%s", code, out)
	}
	code, _, errs := attesta(t, "verify", "--checkpoint", newest, db)
	if code != exitFailure || !strings.Contains(errs, "roll") {
		t.Fatalf("rolled-back journal against a newer checkpoint: exit %d, stderr %q", code, errs)
	}
}

// newestCheckpointFile returns the demo's checkpoint file with the largest tree.
func newestCheckpointFile(t *testing.T, out string) string {
	t.Helper()
	matches, _ := filepath.Glob(filepath.Join(out, "checkpoint-*"))
	if len(matches) < 2 {
		t.Fatalf("want two checkpoint files from two demo runs, got %v", matches)
	}
	best, bestSize := "", -1
	for _, m := range matches {
		var n int
		if _, err := fmtSscan(filepath.Base(m), &n); err == nil && n > bestSize {
			best, bestSize = m, n
		}
	}
	return best
}

func fmtSscan(name string, n *int) (int, error) {
	return fmt.Sscanf(name, "checkpoint-%d", n)
}

func TestServeRunsAttestationAndTheUI(t *testing.T) {
	t.Setenv("ATTESTA_TECHNICIAN_PIN", "246810")
	dir := t.TempDir()
	ctx, cancel := testwait.Context(t)
	defer cancel()
	var stdout, stderr testwait.Buffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, &env{stdout: &stdout, stderr: &stderr}, []string{"serve", "--data", dir, "--tpm", "sim",
			"--attest-every", "300ms", "--listen", "127.0.0.1:0", "--public-listen", "127.0.0.1:0"})
	}()
	base := waitForUI(t, &stderr, done)

	// The technician logs in with the PIN and sees the appliance's state.
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	resp, err := client.PostForm(base+"login", url.Values{"pin": {"246810"}})
	if err != nil {
		t.Fatal(err)
	}
	home, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/home" {
		t.Fatalf("login: %d at %s", resp.StatusCode, resp.Request.URL)
	}
	// The public side serves links only: not the technician's screens, even to a logged-in browser.
	_, rest, _ := strings.Cut(stderr.String(), `"public":"`)
	public, _, _ := strings.Cut(rest, `"`)
	for path, want := range map[string]int{"home": http.StatusNotFound, "cases": http.StatusNotFound,
		"static/style.css": http.StatusOK, "s/unknown/": http.StatusNotFound} {
		resp, err := client.Get(public + path)
		if err != nil {
			t.Fatalf("public side %q: %v", public, err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("public side GET /%s: %d, want %d", path, resp.StatusCode, want)
		}
	}
	id, _ := os.ReadFile(filepath.Join(dir, "appliance.json"))
	var ident struct{ ID string }
	json.Unmarshal(id, &ident)
	if ident.ID == "" || !strings.Contains(string(home), ident.ID) {
		t.Errorf("the home screen does not show the appliance id %q", ident.ID)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("serve exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stderr.String(), "appliance stopping") {
		t.Errorf("serve log lacks the stop:\n%s", stderr.String())
	}
	_, shown, _ := attesta(t, "journal", "show", "--data", dir)
	if n := strings.Count(shown, `"type":"attestation"`); n < 1 {
		t.Fatalf("serve journaled %d attestation checks, want at least the one at start", n)
	}
}

// waitForUI returns the touch UI's URL once serve has logged it.
func waitForUI(t *testing.T, stderr *testwait.Buffer, done chan int) string {
	t.Helper()
	wait, cancel := testwait.Context(t)
	defer cancel()
	for {
		if i := strings.Index(stderr.String(), `"ui":"`); i >= 0 {
			rest := stderr.String()[i+len(`"ui":"`):]
			return rest[:strings.Index(rest, `"`)]
		}
		select {
		case <-wait.Done():
			t.Fatalf("serve did not start its UI:\n%s", stderr.String())
		case code := <-done:
			t.Fatalf("serve ended with %d:\n%s", code, stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func TestServeWithoutPINRefuses(t *testing.T) {
	t.Setenv("ATTESTA_TECHNICIAN_PIN", "")
	code, _, errs := attesta(t, "serve", "--data", t.TempDir(), "--tpm", "sim", "--listen", "127.0.0.1:0")
	if code != exitFailure || !strings.Contains(errs, "ATTESTA_TECHNICIAN_PIN") {
		t.Fatalf("serve without a PIN: exit %d, %q", code, errs)
	}
}

func TestServeAndUnlockUsage(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "bad.json")
	os.WriteFile(cfg, []byte(`{"data_dir": "x", "tmp": "typo"}`), 0o600)
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"serve", "--config", cfg}, "unknown field"},
		{[]string{"serve", "--attest-every", "-1s", "--data", dir}, "must be positive"},
		{[]string{"unlock", "--data", dir, "--tpm", "sim"}, "--admin and --reason are required"},
	} {
		code, _, errs := attesta(t, tt.args...)
		if code != exitUsage || !strings.Contains(errs, tt.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tt.args, code, errs, tt.want)
		}
	}
	code, out, _ := attesta(t, "unlock", "--admin", "anna", "--reason", "test", "--data", dir, "--tpm", "sim")
	if code != 0 || !strings.Contains(out, "not locked") {
		t.Fatalf("unlock of an unlocked appliance: exit %d %s", code, out)
	}
}
