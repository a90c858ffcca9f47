package durable

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestWriteNewNeverReplaces(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "evidence")
	if err := WriteNew(p, []byte("first"), 0o600); err != nil {
		t.Fatal(err)
	}
	err := WriteNew(p, []byte("second"), 0o600)
	if !errors.Is(err, fs.ErrExist) {
		t.Fatalf("second WriteNew = %v, want fs.ErrExist", err)
	}
	assertContent(t, p, "first", "after a refused WriteNew")
	assertOnly(t, dir, "evidence")
	assertMode(t, p, 0o600)
}

func TestReplace(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "state")
	for _, v := range []string{"one", "two"} {
		if err := Replace(p, []byte(v), 0o640); err != nil {
			t.Fatal(err)
		}
		assertContent(t, p, v, "after Replace")
	}
	assertOnly(t, dir, "state")
}

func TestWriteIntoMissingDirFailsCleanly(t *testing.T) {
	p := filepath.Join(t.TempDir(), "missing", "f")
	if err := WriteNew(p, []byte("x"), 0o600); err == nil {
		t.Fatal("WriteNew into a missing directory succeeded")
	}
	if err := Replace(p, []byte("x"), 0o600); err == nil {
		t.Fatal("Replace into a missing directory succeeded")
	}
}

func TestRemoveTemps(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{TempPrefix + "a-1", TempPrefix + "b-2", "keep", ".other"} {
		os.WriteFile(filepath.Join(dir, n), nil, 0o600)
	}
	os.Mkdir(filepath.Join(dir, TempPrefix+"dir"), 0o700) // directories are not temp files
	n, err := RemoveTemps(dir)
	if err != nil || n != 2 {
		t.Fatalf("RemoveTemps = %d, %v; want 2, nil", n, err)
	}
	assertOnly(t, dir, ".other", TempPrefix+"dir", "keep")
	if n, err := RemoveTemps(filepath.Join(dir, "absent")); n != 0 || err != nil {
		t.Fatalf("RemoveTemps on a missing dir = %d, %v", n, err)
	}
}

// assertContent checks that the file at p holds want; when says at which step.
func assertContent(t *testing.T, p, want, when string) {
	t.Helper()
	if b, err := os.ReadFile(p); err != nil || string(b) != want {
		t.Fatalf("%s: %s holds %q (%v), want %q", when, p, b, err, want)
	}
}

func assertMode(t *testing.T, p string, want fs.FileMode) {
	t.Helper()
	if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != want {
		t.Errorf("%s: stat %v, %v; want mode %v", p, fi, err, want)
	}
}

func assertOnly(t *testing.T, dir string, names ...string) {
	t.Helper()
	entries, _ := os.ReadDir(dir)
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	if !slices.Equal(got, names) {
		t.Fatalf("dir holds %v, want %v", got, names)
	}
}

func TestAppend(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "events.jsonl")
	for _, line := range []string{"one\n", "two\n"} {
		if err := Append(p, []byte(line), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	assertContent(t, p, "one\ntwo\n", "after two Appends")
	assertMode(t, p, 0o600)
	missing := filepath.Join(dir, "missing", "log")
	if err := Append(missing, []byte("x"), 0o600); !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), missing) {
		t.Fatalf("Append into a missing directory = %v", err)
	}
}

// A second link to the file shows what Shred left in its blocks: not the secret.
func TestShred(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "key")
	secret := strings.Repeat("wrapped key ", 10)
	if err := WriteNew(p, []byte(secret), 0o600); err != nil {
		t.Fatal(err)
	}
	peek := filepath.Join(t.TempDir(), "peek")
	if err := os.Link(p, peek); err != nil {
		t.Skipf("no hard link to look through: %v", err)
	}
	if found, err := Shred(p); !found || err != nil {
		t.Fatalf("Shred = %v, %v; want true, nil", found, err)
	}
	assertOnly(t, dir)
	if b, err := os.ReadFile(peek); err != nil || len(b) != len(secret) || strings.Contains(string(b), "wrapped") {
		t.Fatalf("after Shred the blocks hold %q (%v), want %d random bytes", b, err, len(secret))
	}
	if found, err := Shred(p); found || err != nil {
		t.Errorf("Shred of a missing file = %v, %v; want false, nil", found, err)
	}
	if _, err := Shred(dir); err == nil || !strings.Contains(err.Error(), dir) {
		t.Errorf("Shred of a directory = %v, want an error naming it", err)
	}
}

func TestJSON(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "register.json")
	v := map[string]any{"format": "register-v1", "cases": []string{"C-1"}}
	if err := WriteNewJSON(p, v, 0o600); err != nil {
		t.Fatal(err)
	}
	assertContent(t, p, "{\n  \"cases\": [\n    \"C-1\"\n  ],\n  \"format\": \"register-v1\"\n}\n", "after WriteNewJSON")
	assertMode(t, p, 0o600)
	if err := WriteNewJSON(p, v, 0o600); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("second WriteNewJSON = %v, want fs.ErrExist", err)
	}
	if err := ReplaceJSON(p, []int{1}, 0o600); err != nil {
		t.Fatal(err)
	}
	assertContent(t, p, "[\n  1\n]\n", "after ReplaceJSON")
	if err := ReplaceJSON(p, map[string]any{"bad": make(chan int)}, 0o600); err == nil || !strings.Contains(err.Error(), p) {
		t.Fatalf("ReplaceJSON of an unencodable value = %v, want an error naming %s", err, p)
	}
	assertContent(t, p, "[\n  1\n]\n", "after a refused ReplaceJSON")
	assertOnly(t, dir, "register.json")
}
