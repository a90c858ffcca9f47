package usb

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/attesta/attesta/usb/adbtest"
)

// TestPullDisconnect cuts the phone's connection mid-file, as a pulled cable
// would. Each case gets its own phone: the server's reconnection is not tested.
func TestPullDisconnect(t *testing.T) {
	t.Run("Pull", func(t *testing.T) {
		e := startEnv(t, adbtest.Config{}, StateDevice)
		ctx := ctxFor(t)
		e.phone.SetDisconnectAfter(100 * 1024)
		var buf bytes.Buffer
		if _, err := e.client.Pull(ctx, e.serial, dbDir+"/msgstore.db.crypt15", &buf); !errors.Is(err, ErrIncomplete) {
			t.Fatalf("Pull cut mid-transfer: %v, want ErrIncomplete", err)
		}
	})
	t.Run("PullTree", func(t *testing.T) {
		e := startEnv(t, adbtest.Config{}, StateDevice)
		ctx := ctxFor(t)
		e.phone.SetDisconnectAfter(70 * 1024)
		out := t.TempDir()
		results, err := e.client.PullTree(ctx, e.serial, dbDir, out)
		if !errors.Is(err, ErrIncomplete) {
			t.Fatalf("PullTree cut mid-transfer: %v, want ErrIncomplete", err)
		}
		var cut int
		for _, r := range results {
			rel := strings.TrimPrefix(r.Remote, dbDir+"/")
			local := filepath.Join(out, filepath.FromSlash(rel))
			data, statErr := os.ReadFile(local)
			if r.Err != nil {
				cut++
				if statErr == nil {
					t.Errorf("%s failed (%v) but %s exists", rel, r.Err, local)
				}
				continue
			}
			if statErr != nil || sha256.Sum256(data) != e.sums[rel] {
				t.Errorf("%s reported complete but the local copy is wrong (%v)", rel, statErr)
			}
		}
		if cut == 0 {
			t.Error("no file reported the disconnect")
		}
		assertNoPartials(t, out)
	})
}

func TestHostileNames(t *testing.T) {
	hostile := []string{"../../escape", "a/b", "nul\x00name", "..", "."}
	e := startEnv(t, adbtest.Config{ListHook: func(dir string, ents []adbtest.DirEntry) []adbtest.DirEntry {
		if dir != dbDir {
			return ents
		}
		for _, n := range hostile {
			ents = append(ents, adbtest.DirEntry{Name: n, Mode: 0o100644, Size: 3})
		}
		return ents
	}}, StateDevice)
	ctx := ctxFor(t)
	parent := t.TempDir()
	out := filepath.Join(parent, "out")
	results, err := e.client.PullTree(ctx, e.serial, dbDir, out)
	if !errors.Is(err, ErrHostileName) {
		t.Fatalf("PullTree = %v, want ErrHostileName", err)
	}
	var refused int
	for _, r := range results {
		if errors.Is(r.Err, ErrHostileName) {
			refused++
			if r.Local != "" {
				t.Errorf("hostile %q written to %s", r.Remote, r.Local)
			}
		}
	}
	if refused != 3 { // "." and ".." are skipped like adbd's own entries
		t.Errorf("%d names refused, want 3: %+v", refused, results)
	}
	if ents, _ := os.ReadDir(parent); len(ents) != 1 {
		t.Errorf("something was written beside the destination: %v", ents)
	}
}
