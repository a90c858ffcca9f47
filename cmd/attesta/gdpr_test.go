package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The gdpr commands refuse what they cannot do before they open anything, and write nothing then.
func TestGDPRUsage(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	existing := filepath.Join(dir, "esistente.csv")
	if err := os.WriteFile(existing, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"gdpr"}, "want a subcommand"},
		{[]string{"gdpr", "forget"}, "unknown subcommand"},
		{[]string{"gdpr", "access", "--data", data, "--out", filepath.Join(dir, "x")}, "--phone is required"},
		{[]string{"gdpr", "access", "--data", data, "--phone", "3771151946"}, "--out is required"},
		{[]string{"gdpr", "erase", "--data", data, "--phone", "3771151946", "--out", filepath.Join(dir, "x")}, "access requests only"},
		{[]string{"gdpr", "register", "--data", data}, "--out is required"},
		{[]string{"gdpr", "accesses", "--data", data}, "--case is required"},
		{[]string{"extract", "adb", "--data", data, "--key", strings.Repeat("ab", 32), "--list", existing, "--out", filepath.Join(dir, "o")}, "--mandate is required"},
		{[]string{"extract", "adb", "--data", data, "--mandate", existing, "--key", strings.Repeat("ab", 32), "--list", existing, "--out", filepath.Join(dir, "o")}, "a PDF or a photo"},
		{[]string{"extract", "adb", "--data", data, "--mandate", filepath.Join(dir, "nope.pdf"), "--list", existing}, "no such file"},
		{[]string{"gdpr", "register", "--data", data, "--out", filepath.Join(dir, "r.txt")}, "want a .csv or .pdf"},
		{[]string{"gdpr", "register", "--data", data, "--out", existing}, "already exists"},
	} {
		code, _, errs := attesta(t, tt.args...)
		if code != exitUsage || !strings.Contains(errs, tt.want) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", tt.args, code, errs, exitUsage, tt.want)
		}
	}
	if got := listFiles(t, dir); len(got) != 2 {
		t.Errorf("a usage error wrote files: %v", got)
	}
}

// On an appliance without cases: the register has its header and an empty total, in CSV and in PDF; an access
// request answers with an empty export; an erasure request erases nothing; both requests are registered without
// the number.
func TestGDPRCommands(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	run := func(args ...string) string {
		t.Helper()
		code, out, errs := attesta(t, append(args, "--data", data, "--tpm", "sim")...)
		if code != 0 {
			t.Fatalf("%v: exit %d\n%s\n%s", args, code, out, errs)
		}
		return out
	}
	csvPath, pdfPath := filepath.Join(dir, "registro.csv"), filepath.Join(dir, "registro.pdf")
	run("gdpr", "register", "--out", csvPath)
	run("gdpr", "register", "--out", pdfPath)
	if b, _ := os.ReadFile(csvPath); !strings.HasPrefix(string(b), "caso;aperto;stato;") || !strings.Contains(string(b), "totale: 0 casi") {
		t.Errorf("register CSV:\n%s", b)
	}
	if b, _ := os.ReadFile(pdfPath); !strings.HasPrefix(string(b), "%PDF-") {
		t.Errorf("register PDF starts %.8q", b)
	}
	out := run("gdpr", "access", "--phone", "377 115 1946", "--out", filepath.Join(dir, "accesso"), "--operator", "dpo")
	if !strings.Contains(out, "(access, +39…946)") || !strings.Contains(out, "export written") {
		t.Errorf("access output:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(dir, "accesso", "access.json")); err != nil {
		t.Error(err)
	}
	run("gdpr", "erase", "--phone", "+393771151946")
	b, err := os.ReadFile(filepath.Join(data, "gdpr-requests.json"))
	if err != nil || strings.Count(string(b), `"kind"`) != 2 || strings.Contains(string(b), "1151946") {
		t.Errorf("request register (%v):\n%s", err, b)
	}
}
