package appliance

import (
	"errors"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/attesta/attesta/tpm/tpmtest"
)

func openOn(t *testing.T, spec, dir string) *Appliance {
	t.Helper()
	a, err := Open(t.Context(), Config{DataDir: dir, TPM: spec, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatalf("Open on %s: %v", spec, err)
	}
	return a
}

// On a TPM whose state persists, a power loss breaks clock continuity in a way the TPM admits: journaled, not
// locked. The attestation check passes before and after.
func TestSwtpmPowerLossIsRecordedNotLocked(t *testing.T) {
	sw := tpmtest.Start(t)
	dir := t.TempDir()
	a := openOn(t, sw.Spec, dir)
	if res, err := a.CheckAttestation(t.Context()); err != nil || !res.OK {
		t.Fatalf("attestation on swtpm: %+v %v", res, err)
	}
	time.Sleep(50 * time.Millisecond) // let the clock move past its last saved value
	a.Close()

	sw.PowerCycle(t)
	b := openOn(t, sw.Spec, dir)
	defer b.Close()
	if err := b.CheckCertify(); err != nil {
		t.Fatalf("power loss locked certification: %v", err)
	}
	boots := leavesOfType(t, b, LeafBoot)
	note, _ := boots[len(boots)-1].Fields["clock_note"].(string)
	if !strings.Contains(note, "continuity broken") {
		t.Errorf("boot after power loss has clock_note %q, want a continuity note", note)
	}
	if res, err := b.CheckAttestation(t.Context()); err != nil || !res.OK {
		t.Fatalf("attestation after power loss: %+v %v", res, err)
	}
}

// Restoring an older copy of the TPM's state (to undo a tamper event, say) takes its reset count or its clock
// back: the appliance locks certification at boot.
func TestSwtpmStateRollbackLocks(t *testing.T) {
	sw := tpmtest.Start(t)
	snapshot := t.TempDir()
	sw.Stopped(t, func() { copyDir(t, sw.StateDir, snapshot) })
	sw.PowerCycle(t)
	sw.PowerCycle(t)

	dir := t.TempDir()
	a := openOn(t, sw.Spec, dir)
	a.Close()

	sw.Stopped(t, func() {
		os.RemoveAll(sw.StateDir)
		copyDir(t, snapshot, sw.StateDir)
	})
	b := openOn(t, sw.Spec, dir)
	defer b.Close()
	// Depending on which increments swtpm had persisted when it stopped, the restored state shows a lower reset
	// count, or the same one with an older clock: both are a rollback, and both must lock.
	err := b.CheckCertify()
	if !errors.Is(err, ErrLocked) ||
		!strings.Contains(err.Error(), "reset count went backwards") && !strings.Contains(err.Error(), "clock went backwards") {
		t.Fatalf("after TPM state rollback CheckCertify = %v, want a lock naming the reset count or the clock", err)
	}
}

func copyDir(t *testing.T, from, to string) {
	t.Helper()
	if err := os.CopyFS(to, os.DirFS(from)); err != nil {
		t.Fatalf("copy %s to %s: %v", from, to, err)
	}
}
