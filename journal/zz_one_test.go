package journal

import (
	"os"
	"testing"
)

func TestHostileOne(t *testing.T) {
	p := os.Getenv("HOSTILE_DB")
	if p == "" {
		t.Skip()
	}
	jj, err := Open(t.Context(), p, Options{})
	if err != nil {
		t.Log("open:", err)
		return
	}
	v, _ := NewNoteVerifier(jj.VerifierKey())
	_, err = jj.Verify(t.Context(), VerifyOptions{Verifier: v})
	t.Log("verify:", err)
}
