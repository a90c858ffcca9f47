package appliance

import (
	"fmt"
	"io"
	"log/slog"
	"testing"

	"github.com/attesta/attesta/tpm"
)

// TestTPMLockoutConfigured: with tpm_lockout set, the first start sets the TPM's dictionary-attack parameters and
// journals them with the values before; a start that finds them already set journals nothing more.
func TestTPMLockoutConfigured(t *testing.T) {
	want := tpm.Lockout{MaxTries: 32, RecoverySeconds: 60, LockoutRecovery: 3600}
	a, err := Open(t.Context(), Config{DataDir: t.TempDir(), TPM: "sim", TPMLockout: &want,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	got, err := a.TPM().Lockout(t.Context())
	if err != nil || !got.SameParameters(want) {
		t.Fatalf("the TPM's lockout parameters after the start: %+v, %v; want %+v", got, err, want)
	}
	leaves := lockoutLeaves(t, a)
	if len(leaves) != 1 {
		t.Fatalf("%d tpm-lockout leaves after the first start, want 1", len(leaves))
	}
	wanted, _ := leaves[0]["wanted"].(map[string]any)
	before, _ := leaves[0]["before"].(map[string]any)
	if fmt.Sprint(wanted["max_tries"]) != "32" || before == nil || fmt.Sprint(before["max_tries"]) == "32" || leaves[0]["error"] != nil {
		t.Errorf("tpm-lockout leaf %v: want the values before, the 32 tries wanted and no error", leaves[0])
	}
	if err := applyLockout(t.Context(), a); err != nil {
		t.Fatal(err)
	}
	if n := len(lockoutLeaves(t, a)); n != 1 {
		t.Errorf("%d tpm-lockout leaves once the parameters are in place, want still 1", n)
	}
}

func lockoutLeaves(t *testing.T, a *Appliance) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, e := range leavesOfType(t, a, LeafTPMLockout) {
		out = append(out, e.Fields)
	}
	return out
}
