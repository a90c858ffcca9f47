package journal

import (
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// TestDamagedFile corrupts random bytes anywhere in the used part of a real
// journal file (page headers, branch elements, meta pages, free pages) and
// checks that Open and Verify never crash or hang: they either report
// ErrCorrupt (or a bad signature), or the damage hit unused bytes and the
// journal verifies.
func TestDamagedFile(t *testing.T) {
	j, _, _ := tamperFixture(t)
	orig, err := os.ReadFile(j.path)
	if err != nil {
		t.Fatal(err)
	}
	used := usedSize(t, j.path)
	v := testVerifier(t, j.key)
	rng := rand.New(rand.NewPCG(2026, 11))
	var openFailed, verifyFailed, intact int
	for trial := range 300 {
		data := append([]byte(nil), orig...)
		for range 1 + rng.IntN(4) {
			data[rng.IntN(int(used))] ^= byte(1 + rng.IntN(255))
		}
		p := filepath.Join(t.TempDir(), "damaged.db")
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		jj, err := Open(t.Context(), p, Options{})
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("trial %d: open: %v, want ErrCorrupt", trial, err)
			}
			openFailed++
			continue
		}
		_, err = jj.Verify(t.Context(), VerifyOptions{Verifier: v})
		jj.Close()
		switch {
		case err == nil:
			intact++
		case errors.Is(err, ErrCorrupt) || errors.Is(err, ErrBadSignature):
			verifyFailed++
		default:
			t.Fatalf("trial %d: verify: %v, want ErrCorrupt", trial, err)
		}
	}
	t.Logf("300 damaged files: %d refused by Open, %d by Verify, %d damaged only unused bytes", openFailed, verifyFailed, intact)
}
