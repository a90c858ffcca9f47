package blob_test

import (
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/attesta/attesta/internal/testwait"
	"github.com/attesta/attesta/journal/blob"
	"github.com/attesta/attesta/journal/blob/blobtest"
)

const crashDirEnv = "BLOB_TEST_CRASH_DIR"

// TestCrashDuringPut kills a process in the middle of a Put and checks that reopening the store leaves no trace of
// the interrupted write and loses nothing stored before.
func TestCrashDuringPut(t *testing.T) {
	if dir := os.Getenv(crashDirEnv); dir != "" {
		crashingPut(dir) // the child: killed by the parent, never returns
	}
	f := newFixture(t)
	kept := f.put("c", randomBytes(50, chunkSize*2+3))
	f.s.Close()

	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(t.Context(), exe, "-test.run=^TestCrashDuringPut$")
	cmd.Env = append(os.Environ(), crashDirEnv+"="+f.dir)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	marker := filepath.Join(f.dir, "writing")
	if err := testwait.UntilCtx(t, t.Context(), func() bool { _, err := os.Stat(marker); return err == nil }); err != nil {
		cmd.Process.Kill()
		t.Fatalf("the child never started writing: %v", err)
	}
	cmd.Process.Kill()
	cmd.Wait()
	os.Remove(marker)

	crashBlobs := filepath.Join(f.dir, "crash", "blobs")
	if temps, _ := filepath.Glob(filepath.Join(crashBlobs, ".tmp-*")); len(temps) == 0 {
		t.Fatal("the killed Put left no temporary: the test did not interrupt a write")
	}
	s := f.reopen(f.w)
	if left, _ := os.ReadDir(crashBlobs); len(left) != 0 {
		t.Errorf("after the crash and reopening, the interrupted case holds %d files", len(left))
	}
	if err := s.CheckBlob(t.Context(), "c", kept.SHA256, kept.Size); err != nil {
		t.Fatalf("blob stored before the crash: %v", err)
	}
}

// crashingPut runs in the child process. Its key wrapper cannot unwrap the parent's keys, so it writes into a case
// of its own; its input stalls after 1 MiB, once it has told the parent (with a marker file) that a write is under way.
func crashingPut(dir string) {
	s, err := blob.Open(dir, blobtest.NewWrapper())
	if err != nil {
		panic(err)
	}
	r := io.MultiReader(io.LimitReader(zeroReader{}, 1<<20), stallReader{marker: filepath.Join(dir, "writing")})
	s.Put(context.Background(), "crash", r)
	panic("Put returned from a stalled reader")
}

type stallReader struct{ marker string }

func (s stallReader) Read([]byte) (int, error) {
	if err := os.WriteFile(s.marker, nil, 0o600); err != nil {
		panic(err)
	}
	time.Sleep(time.Hour) // not select{}: the runtime would call that a deadlock and exit by itself
	return 0, io.EOF
}
