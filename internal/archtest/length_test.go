package archtest

import (
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// maxFileLines is the most lines a non-test Go file of the module may have: past it a file holds more than one
// topic, and is split into files of the same package named after what each holds.
const maxFileLines = 500

// longFileExceptions are the files allowed past maxFileLines, each with why (a message catalog is data, not code,
// and may be excepted by name; none is now: report's catalog is in three parts).
var longFileExceptions = map[string]string{}

// moduleRoot is the directory of the module's go.mod.
func moduleRoot(t *testing.T) string {
	t.Helper()
	out, err := exec.CommandContext(t.Context(), "go", "env", "GOMOD").Output()
	if err != nil {
		t.Fatalf("go env GOMOD: %v", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		t.Fatalf("go env GOMOD: not in a module (%q)", gomod)
	}
	return filepath.Dir(gomod)
}

// longFiles returns the non-test Go files under root (the directories the go tool reads: no testdata, none whose
// name starts with "." or "_") that have more than limit lines, by path relative to root, with their line counts.
func longFiles(root string, limit int) (map[string]int, error) {
	long := map[string]int{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if path != root && (name == "testdata" || name == "vendor" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		n := bytes.Count(data, []byte("\n"))
		if len(data) > 0 && data[len(data)-1] != '\n' {
			n++
		}
		if n > limit {
			rel, err := filepath.Rel(root, path)
			if err != nil {
				return err
			}
			long[filepath.ToSlash(rel)] = n
		}
		return nil
	})
	return long, err
}

func TestNoFileOverMaxLines(t *testing.T) {
	long, err := longFiles(moduleRoot(t), maxFileLines)
	if err != nil {
		t.Fatal(err)
	}
	var over []string
	for path := range long {
		if _, ok := longFileExceptions[path]; !ok {
			over = append(over, path)
		}
	}
	sort.Strings(over)
	for _, path := range over {
		t.Errorf("%s has %d lines, more than %d: split it into files of one topic each", path, long[path], maxFileLines)
	}
	for path, why := range longFileExceptions {
		if _, ok := long[path]; !ok {
			t.Errorf("%s is excepted from the %d-line limit (%s) but is not over it: remove the exception", path, maxFileLines, why)
		}
	}
}

func TestLongFilesCounts(t *testing.T) {
	dir := t.TempDir()
	write := func(rel string, lines int, trailingNewline bool) {
		t.Helper()
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		text := strings.Repeat("//\n", lines)
		if !trailingNewline {
			text = strings.TrimSuffix(text, "\n")
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("a/long.go", 11, true)
	write("a/nonl.go", 11, false) // the last line counts without its newline
	write("a/fits.go", 10, true)
	write("a/long_test.go", 50, true)
	write("a/testdata/long.go", 50, true)
	write("a/_old/long.go", 50, true)
	write(".hidden/long.go", 50, true)
	write("a/notes.txt", 50, true)
	got, err := longFiles(dir, 10)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"a/long.go": 11, "a/nonl.go": 11}
	if len(got) != len(want) {
		t.Fatalf("longFiles = %v, want %v", got, want)
	}
	for p, n := range want {
		if got[p] != n {
			t.Errorf("longFiles[%s] = %d, want %d (all: %v)", p, got[p], n, got)
		}
	}
}
