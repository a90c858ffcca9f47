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
//
// swtpm saves its clock every few seconds: when the restored clock has already run past the last reading by the
// time the appliance reads it and the TPM calls it safe, the loss is invisible to anyone (the appliance rightly
// notes nothing). That depends on how fast a loaded machine restarts, so the power loss is tried again then.
func TestSwtpmPowerLossIsRecordedNotLocked(t *testing.T) {
	sw := tpmtest.Start(t)
	dir := t.TempDir()
	for attempt := 1; ; attempt++ {
		a := openOn(t, sw.Spec, dir)
		if res, err := a.CheckAttestation(t.Context()); err != nil || !res.OK {
			t.Fatalf("attestation on swtpm: %+v %v", res, err)
		}
		time.Sleep(50 * time.Millisecond) // let the clock move past its last saved value
		a.mu.Lock()
		before := *a.lastClock
		a.mu.Unlock()
		a.Close()

		sw.PowerCycle(t)
		b := openOn(t, sw.Spec, dir)
		if err := b.CheckCertify(); err != nil {
			b.Close()
			t.Fatalf("power loss locked certification: %v", err)
		}
		boots := leavesOfType(t, b, LeafBoot)
		boot := boots[len(boots)-1]
		now, _ := clockFromFields(boot.Fields["tpm_clock"])
		note, _ := boot.Fields["clock_note"].(string)
		if now.Safe && now.Clock >= before.Clock && attempt < 5 {
			t.Logf("attempt %d: the TPM reports its clock safe and past the last reading (%d ms after %d ms): "+
				"no loss to see, power loss again", attempt, now.Clock, before.Clock)
			b.Close()
			continue
		}
		if !strings.Contains(note, "continuity broken") {
			t.Errorf("boot after power loss has clock_note %q, want a continuity note (boot %v, last reading %+v)",
				note, boot.Fields, before)
		}
		if res, err := b.CheckAttestation(t.Context()); err != nil || !res.OK {
			t.Fatalf("attestation after power loss: %+v %v", res, err)
		}
		b.Close()
		return
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
