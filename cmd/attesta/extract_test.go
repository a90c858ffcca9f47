package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestExtractAndroidThenVerifyDelivery(t *testing.T) {
	dir := t.TempDir()
	folder, stdout := extractOnce(t, filepath.Join(dir, "data"), filepath.Join(dir, "out"))
	if !strings.Contains(stdout, "4 certified") {
		t.Errorf("extract output lacks the certified count:\n%s", stdout)
	}
	folders := []string{folder}

	verifyThenAlter(t, folders[0])
}

// verifyThenAlter checks that verify accepts a delivery, then that it rejects it once a verdict is changed.
func verifyThenAlter(t *testing.T, folder string) {
	t.Helper()
	code, stdout, errs := attesta(t, "verify", folder)
	if code != 0 || !strings.Contains(stdout, "VALID") || !strings.Contains(stdout, "legal-value") {
		t.Fatalf("verify delivery: exit %d\n%s%s", code, stdout, errs)
	}
	manifest := filepath.Join(folder, "manifest.json")
	b, _ := os.ReadFile(manifest)
	altered := strings.Replace(string(b), `"basis": "none"`, `"basis": "read"`, 1)
	if altered == string(b) {
		t.Fatal("the manifest has no message with basis none to alter")
	}
	os.WriteFile(manifest, []byte(altered), 0o644)
	code, stdout, errs = attesta(t, "verify", folder)
	if code != exitFailure || !strings.Contains(stdout, "FAIL") {
		t.Fatalf("verify of an altered manifest: exit %d\n%s%s", code, stdout, errs)
	}
}

func TestExtractAndroidBadInputWritesNothing(t *testing.T) {
	dir := t.TempDir()
	backup, key := androidBackup(t, dir)
	good := writeList(t, dir, "good.csv", rossi)
	bad := writeList(t, dir, "bad.csv", rossi, "abc;X;2026-01-10;2026-01-20")
	data, out := filepath.Join(dir, "data"), filepath.Join(dir, "out")
	common := []string{"--backup", backup, "--out", out, "--data", data, "--tpm", "sim"}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{append([]string{"--key", key.RootHex(), "--list", bad}, common...), "line 3"},
		{append([]string{"--key", "12", "--list", good}, common...), "--key"},
		{append([]string{"--key", key.RootHex(), "--key-file", backup, "--list", good}, common...), "exactly one"},
		{append([]string{"--key", key.RootHex(), "--list", good, "--max-messages", "7"}, common...), "--max-messages"},
	} {
		code, _, errs := attesta(t, append([]string{"extract", "android"}, tt.args...)...)
		if code != exitUsage || !strings.Contains(errs, tt.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tt.args, code, errs, tt.want)
		}
	}
	for _, p := range []string{data, out} {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("a refused extraction created %s", p)
		}
	}
}

// deliveryFolders returns the delivery folders matching pattern, leaving out their ZIPs.
func deliveryFolders(t *testing.T, pattern string) []string {
	t.Helper()
	matches, err := filepath.Glob(pattern)
	if err != nil {
		t.Fatal(err)
	}
	var dirs []string
	for _, m := range matches {
		if fi, err := os.Stat(m); err == nil && fi.IsDir() {
			dirs = append(dirs, m)
		}
	}
	return dirs
}
