package durable

import (
	"crypto/sha256"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCreateCommitStreams(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "artifact.bin")
	f := mustCreate(t, p, 0o640)
	h := sha256.New()
	w := io.MultiWriter(f, h)
	for range 3 {
		if _, err := io.WriteString(w, "chunk;"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := os.Stat(p); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("target visible before commit: %v", err)
	}
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(p)
	if string(b) != "chunk;chunk;chunk;" || sha256.Sum256(b) != [32]byte(h.Sum(nil)) {
		t.Fatalf("content = %q", b)
	}
	assertMode(t, p, 0o640)
	if err := f.Close(); err != nil {
		t.Errorf("Close after Commit = %v", err)
	}
	if _, err := f.Write([]byte("late")); !errors.Is(err, ErrFinished) {
		t.Errorf("Write after Commit = %v, want ErrFinished", err)
	}
	if err := f.Commit(); !errors.Is(err, ErrFinished) {
		t.Errorf("second Commit = %v, want ErrFinished", err)
	}
	assertOnly(t, dir, "artifact.bin")
}

// A target that appears while the file is being written (another writer, or a file recovered after a crash) is never
// overwritten: the commit fails with fs.ErrExist and leaves no temporary file.
func TestCommitAfterTargetAppears(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "evidence")
	f := mustCreate(t, p, 0o600)
	f.Write([]byte("mine"))
	if err := os.WriteFile(p, []byte("theirs"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := f.Commit(); !errors.Is(err, fs.ErrExist) || !strings.Contains(err.Error(), p) {
		t.Fatalf("Commit = %v, want fs.ErrExist naming %s", err, p)
	}
	assertContent(t, p, "theirs", "after a refused Commit")
	assertOnly(t, dir, "evidence")
}

func TestCommitReplace(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "state")
	os.WriteFile(p, []byte("old"), 0o600)
	f := mustCreate(t, p, 0o600)
	f.Write([]byte("new"))
	assertContent(t, p, "old", "before CommitReplace")
	if err := f.CommitReplace(); err != nil {
		t.Fatal(err)
	}
	assertContent(t, p, "new", "after CommitReplace")
	assertOnly(t, dir, "state")
}

// A content-addressed store learns the name at the end, fills in a header last, and may find the name taken: the
// refused CommitAs keeps the content for another try, and the existing file is untouched.
func TestCommitAsNameKnownAtTheEnd(t *testing.T) {
	dir := t.TempDir()
	f := mustCreate(t, filepath.Join(dir, "blob"), 0o600)
	defer f.Close()
	f.Write([]byte("....body"))
	if _, err := f.WriteAt([]byte("head"), 0); err != nil {
		t.Fatal(err)
	}
	f.StartWriteback(0, 8)
	taken := filepath.Join(dir, "taken")
	os.WriteFile(taken, []byte("theirs"), 0o600)
	if err := f.CommitAs(taken); !errors.Is(err, fs.ErrExist) || !strings.Contains(err.Error(), taken) {
		t.Fatalf("CommitAs(existing) = %v, want fs.ErrExist naming %s", err, taken)
	}
	assertContent(t, taken, "theirs", "after a refused CommitAs")
	if _, err := f.Write([]byte("more")); !errors.Is(err, ErrFinished) {
		t.Errorf("Write after a refused CommitAs = %v, want ErrFinished", err)
	}
	if err := f.CommitAs(filepath.Join(t.TempDir(), "elsewhere")); err == nil {
		t.Error("CommitAs into another directory succeeded")
	}
	final := filepath.Join(dir, "sha")
	if err := f.CommitAs(final); err != nil {
		t.Fatal(err)
	}
	assertContent(t, final, "headbody", "after CommitAs")
	assertMode(t, final, 0o600)
	if err := f.CommitAs(filepath.Join(dir, "again")); !errors.Is(err, ErrFinished) {
		t.Errorf("second CommitAs = %v, want ErrFinished", err)
	}
	assertOnly(t, dir, "sha", "taken")
}

// Close after a refused CommitAs removes the temporary file.
func TestCloseAfterRefusedCommitAs(t *testing.T) {
	dir := t.TempDir()
	f := mustCreate(t, filepath.Join(dir, "blob"), 0o600)
	f.Write([]byte("mine"))
	os.WriteFile(filepath.Join(dir, "taken"), []byte("theirs"), 0o600)
	if err := f.CommitAs(filepath.Join(dir, "taken")); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("CommitAs(existing) = %v, want fs.ErrExist", err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	assertOnly(t, dir, "taken")
}

// Abort is what a crash before the commit amounts to, minus the leftover that RemoveTemps cleans.
func TestCloseAbortsLeavingNothing(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "half")
	f := mustCreate(t, p, 0o600)
	f.Write([]byte("half of it"))
	if !strings.HasPrefix(filepath.Base(f.TempName()), TempPrefix) || filepath.Dir(f.TempName()) != dir {
		t.Fatalf("temporary file %s not beside the target with prefix %s", f.TempName(), TempPrefix)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Errorf("second Close = %v", err)
	}
	if err := f.Commit(); !errors.Is(err, ErrFinished) {
		t.Errorf("Commit after Close = %v, want ErrFinished", err)
	}
	assertOnly(t, dir)
}

// A crash mid-write leaves a temporary file and no target; the store's start-up removes the leftover.
func TestCrashBeforeCommitLeavesOnlyATemp(t *testing.T) {
	dir := t.TempDir()
	f := mustCreate(t, filepath.Join(dir, "x"), 0o600)
	f.Write([]byte("torn"))
	f.f.Close() // the process dies: no commit, no abort
	if n, err := RemoveTemps(dir); n != 1 || err != nil {
		t.Fatalf("RemoveTemps = %d, %v; want 1, nil", n, err)
	}
	assertOnly(t, dir)
}

func TestFailedWriteIsNeverCommitted(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "lost")
	f := mustCreate(t, p, 0o600)
	f.f.Close() // every later write fails
	if _, err := f.Write([]byte("x")); err == nil {
		t.Fatal("Write to a closed file succeeded")
	}
	if err := f.Commit(); err == nil || !strings.Contains(err.Error(), p) {
		t.Fatalf("Commit after a failed write = %v, want an error naming %s", err, p)
	}
	assertOnly(t, dir)
}

func TestCreateLongNameKeepsTempWithinNameMax(t *testing.T) {
	dir := t.TempDir()
	name := strings.Repeat("n", 250)
	if err := WriteNew(filepath.Join(dir, name), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	assertOnly(t, dir, name)
}

func TestMkdirAll(t *testing.T) {
	root := t.TempDir()
	deep := filepath.Join(root, "a", "b", "c")
	if err := MkdirAll(deep, 0o750); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"a", "a/b", "a/b/c"} {
		fi, err := os.Stat(filepath.Join(root, d))
		if err != nil || !fi.IsDir() || fi.Mode().Perm()&^0o750 != 0 {
			t.Fatalf("%s: %v, %v", d, fi, err)
		}
	}
	if err := MkdirAll(deep, 0o750); err != nil {
		t.Fatalf("MkdirAll on an existing tree = %v", err)
	}
	if err := WriteNew(filepath.Join(deep, "f"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(root, "a", "file")
	os.WriteFile(file, nil, 0o600)
	if err := MkdirAll(filepath.Join(file, "sub"), 0o750); err == nil || !strings.Contains(err.Error(), file) {
		t.Fatalf("MkdirAll through a file = %v, want an error naming %s", err, file)
	}
	if err := MkdirAll(file, 0o750); err == nil {
		t.Fatal("MkdirAll on a file succeeded")
	}
}

func TestCreateInMissingDirFails(t *testing.T) {
	p := filepath.Join(t.TempDir(), "missing", "f")
	if _, err := Create(p, 0o600); !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), p) {
		t.Fatalf("Create = %v, want fs.ErrNotExist naming %s", err, p)
	}
}

// mustCreate starts a durable file at p and aborts it when the test ends, if it was not committed.
func mustCreate(t *testing.T, p string, mode fs.FileMode) *File {
	t.Helper()
	f, err := Create(p, mode)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}
