package journal

import (
	"time"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

func TestHostileFileSmoke(t *testing.T) {
	j, _, _ := tamperFixture(t)
	orig, _ := os.ReadFile(j.path)
	used := usedSize(t, j.path)
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 2))
	var detected, passed, openFail int
	for i := range 2000 {
		data := append([]byte(nil), orig...)
		for range 1 + rng.IntN(4) {
			data[rng.IntN(int(used))] ^= byte(1 + rng.IntN(255))
		}
		p := filepath.Join(t.TempDir(), "h.db")
		os.WriteFile(p, data, 0o600)
		os.WriteFile("/tmp/hostile-cur.db", data, 0o600)
		os.WriteFile("/tmp/hostile-step", []byte("open"), 0o600)
		jj, err := Open(t.Context(), p, Options{})
		if err != nil {
			openFail++
			continue
		}
		os.WriteFile("/tmp/hostile-step", []byte("verify"), 0o600)
		_, err = jj.Verify(t.Context(), VerifyOptions{Verifier: testVerifier(t, j.key)})
		jj.Close()
		if err != nil {
			detected++
		} else {
			passed++
		}
		_ = i
	}
	t.Logf("open failed %d, verify failed %d, passed %d", openFail, detected, passed)
}
