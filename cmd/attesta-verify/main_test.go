package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/attesta/attesta/bundle"
	"github.com/attesta/attesta/bundle/bundletest"
)

// buildVerifier builds this command with cgo off, as make verifier does, and returns the binary's path.
func buildVerifier(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "attesta-verify")
	if runtime.GOOS == "windows" {
		bin += ".exe"
	}
	cmd := exec.CommandContext(t.Context(), "go", "build", "-o", bin, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("CGO_ENABLED=0 go build: %v\n%s", err, out)
	}
	return bin
}

func runBin(t *testing.T, bin string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(t.Context(), bin, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0, stdout.String(), stderr.String()
	case errors.As(err, &ee):
		return ee.ExitCode(), stdout.String(), stderr.String()
	}
	t.Fatalf("run %s: %v", bin, err)
	return 0, "", ""
}

// TestBinary runs the built verifier on a real delivery (a bbolt journal sealed it) and on damaged copies.
func TestBinary(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command to build the verifier")
	}
	ctx := t.Context()
	bin := buildVerifier(t)
	mk, folder := bundletest.Delivered(t, 1)
	zip := folder + ".zip"
	if err := bundle.WriteZipFile(ctx, zip, folder); err != nil {
		t.Fatal(err)
	}

	for _, path := range []string{folder, zip} {
		code, out, errOut := runBin(t, bin, "--key", mk.VKey(), "--lang", "en", path)
		if code != 0 || !strings.HasSuffix(out, "VALID\n") || strings.Contains(out, "FAIL") {
			t.Fatalf("%s: exit %d, want 0\n%s%s", path, code, out, errOut)
		}
	}
	code, out, _ := runBin(t, bin, folder) // Italian by default, the note too
	if code != 0 || !strings.Contains(out, "fissarla con --key") {
		t.Errorf("without --key: exit %d\n%s", code, out)
	}
	code, out, _ = runBin(t, bin, "--lang", "en", folder)
	if code != 0 || !strings.Contains(out, "pin it with --key") {
		t.Errorf("without --key, in English: exit %d\n%s", code, out)
	}

	tampered := copyTree(t, folder)
	art := filepath.Join(tampered, "artifacts", "screenshot.png")
	b, err := os.ReadFile(art)
	if err != nil {
		t.Fatal(err)
	}
	b[0] ^= 1
	if err := os.WriteFile(art, b, 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runBin(t, bin, "--key", mk.VKey(), tampered)
	if code != 1 || !strings.Contains(out, "FAIL artifact") || strings.Contains(out, "VALID") || !strings.Contains(errOut, "artifacts/screenshot.png") {
		t.Errorf("tampered artifact: exit %d, want 1\n%s%s", code, out, errOut)
	}
	other, _ := bundletest.NewMaker(ctx, t.TempDir())
	defer other.Close()
	if code, out, _ := runBin(t, bin, "--key", other.VKey(), folder); code != 1 || !strings.Contains(out, "FAIL pinned-key") {
		t.Errorf("other pinned key: exit %d, want 1\n%s", code, out)
	}

	usage := []struct {
		name string
		args []string
	}{
		{"no path", nil},
		{"two paths", []string{folder, folder}},
		{"missing path", []string{filepath.Join(t.TempDir(), "nothing")}},
		{"not a delivery folder", []string{t.TempDir()}},
		{"journal file", []string{mk.Journal.Path()}},
		{"bad flag", []string{"--nope", folder}},
		{"bad language", []string{"--lang", "de", folder}},
		{"missing TSA roots", []string{"--tsa-ca", filepath.Join(t.TempDir(), "none.pem"), folder}},
	}
	for _, u := range usage {
		t.Run(u.name, func(t *testing.T) {
			code, out, errOut := runBin(t, bin, u.args...)
			if code != 2 || out != "" || errOut == "" {
				t.Errorf("exit %d, want 2 with a message and no output\nstdout: %s\nstderr: %s", code, out, errOut)
			}
		})
	}
	if code, _, errOut := runBin(t, bin, "-h"); code != 0 || !strings.Contains(errOut, "usage: attesta-verify") {
		t.Errorf("-h: exit %d\n%s", code, errOut)
	}
}

func copyTree(t *testing.T, src string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), filepath.Base(src))
	err := os.CopyFS(dst, os.DirFS(src))
	if err != nil {
		t.Fatal(err)
	}
	return dst
}
