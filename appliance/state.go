package appliance

import (
	"context"
	"fmt"
	"strings"

	"github.com/attesta/attesta/journal"
	"github.com/attesta/attesta/tpm"
)

// readState recovers, from the newest leaves backwards, the certification lock and the newest TPM clock reading.
// The journal is the only source of this state, so deleting a file cannot unlock the appliance.
func readState(ctx context.Context, a *Appliance) error {
	var haveLock, haveClock bool
	for i := a.journal.Size(); i > 0 && !(haveLock && haveClock); i-- {
		data, err := a.journal.LeafBytes(ctx, i-1)
		if err != nil {
			return fmt.Errorf("appliance: read state: %w", err)
		}
		_, e, err := journal.DecodeLeaf(data)
		if err != nil {
			return fmt.Errorf("appliance: read state: leaf %d: %w", i-1, err)
		}
		if !haveLock {
			switch e.Type {
			case LeafLock:
				a.lockedBy, haveLock = stringField(e, "lock_reason"), true
				if a.lockedBy == "" {
					a.lockedBy = stringField(e, "reason")
				}
			case LeafUnlock:
				haveLock = true
			case LeafBoot:
				a.lockedBy, haveLock = stringField(e, "lock_reason"), true
			}
		}
		if !haveClock && e.Type == LeafRestore {
			haveClock = true // the clock readings before a restore are the old box's TPM's
		}
		if !haveClock && (e.Type == LeafBoot || e.Type == LeafAttestation) {
			if c, ok := clockFromFields(e.Fields["tpm_clock"]); ok {
				a.lastClock, haveClock = &c, true
			}
		}
	}
	return nil
}

// clockCheck is the comparison of a fresh TPM clock reading with the newest one recorded.
type clockCheck struct {
	// problem says why the clock cannot be trusted: the TPM's state was rolled back or replaced. It locks
	// certification.
	problem string
	// note records a break in continuity that the TPM itself admits (an unorderly shutdown restored the clock to
	// its last saved value, Safe = NO) or a new simulator epoch. It is journaled, not locked on.
	note string
	// newEpoch is set when the simulator restarted: it keeps its clock in the process, so each start begins at zero.
	newEpoch bool
}

// checkClock orders TPM clock readings by (resetCount, restartCount, clock). Within one reset and restart the clock
// only moves forward. A TPM reset (a reboot) may bring the clock back to its last saved value only when the TPM says
// so with Safe = NO; an honest TPM never lowers its reset count.
func (a *Appliance) checkClock(now tpm.Clock) clockCheck {
	a.mu.Lock()
	last := a.lastClock
	a.mu.Unlock()
	if last == nil {
		return clockCheck{}
	}
	behind := now.ResetCount < last.ResetCount ||
		now.ResetCount == last.ResetCount && (now.RestartCount < last.RestartCount ||
			now.RestartCount == last.RestartCount && now.Clock < last.Clock)
	switch {
	case a.cfg.TPM == "sim" && (behind || now.Clock < last.Clock):
		return clockCheck{note: simEpochNote, newEpoch: true}
	case now.ResetCount < last.ResetCount:
		return clockCheck{problem: fmt.Sprintf("TPM reset count went backwards (%d after %d): its state was rolled back or replaced", now.ResetCount, last.ResetCount)}
	case behind:
		return clockCheck{problem: fmt.Sprintf("TPM clock went backwards (%d ms after %d ms) without a reset", now.Clock, last.Clock)}
	case now.Clock < last.Clock && now.Safe:
		return clockCheck{problem: fmt.Sprintf("TPM clock went backwards across a reset (%d ms after %d ms) while claiming to be safe", now.Clock, last.Clock)}
	case now.Clock < last.Clock:
		return clockCheck{note: fmt.Sprintf("clock continuity broken: unorderly TPM shutdown restored the clock to %d ms (was %d ms)", now.Clock, last.Clock)}
	case now.ResetCount > last.ResetCount && !now.Safe:
		// The restored clock has already run past the last reading (a slow boot, or a save newer than it): the
		// TPM still says that it lost time.
		return clockCheck{note: fmt.Sprintf("clock continuity broken: unorderly TPM shutdown, the TPM reports its clock not safe (%d ms, was %d ms)", now.Clock, last.Clock)}
	}
	return clockCheck{}
}

// checkBootClock is checkClock for the reading at boot. Each Open of the simulator manufactures it anew, so a boot
// on it always begins a new epoch, however far its clock has run by the time it is read.
func (a *Appliance) checkBootClock(now tpm.Clock) clockCheck {
	a.mu.Lock()
	known := a.lastClock != nil
	a.mu.Unlock()
	if a.cfg.TPM == "sim" && known {
		return clockCheck{note: simEpochNote, newEpoch: true}
	}
	return a.checkClock(now)
}

const simEpochNote = "new simulator epoch: the development TPM restarted from zero"

func (a *Appliance) setClock(c tpm.Clock) {
	a.mu.Lock()
	a.lastClock = &c
	a.mu.Unlock()
}

func (a *Appliance) lockReason() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.lockedBy
}

// lockCertification journals a certification lock and applies it. The lock is applied even when the journal write
// fails: refusing to certify is always the safe side.
func (a *Appliance) lockCertification(ctx context.Context, reason string) error {
	a.mu.Lock()
	// The first cause stays the lock's reason, except that an opened case outranks anything: opening the case
	// disables the signing key, so the attestation check that follows fails too, and must not hide the tamper.
	if a.lockedBy == "" || isTamperReason(reason) && !isTamperReason(a.lockedBy) {
		a.lockedBy = reason
	}
	effective := a.lockedBy
	a.mu.Unlock()
	a.log.ErrorContext(ctx, "certification locked", "reason", reason)
	fields := map[string]any{"reason": reason}
	if effective != reason {
		fields["lock_reason"] = effective // what a restart restores
	}
	if _, err := a.record(ctx, journal.Entry{Type: LeafLock, Fields: fields}); err != nil {
		return fmt.Errorf("appliance: journal certification lock (%s): %w", reason, err)
	}
	return nil
}

// tamperPrefix starts the lock reason of an opened case.
const tamperPrefix = "case opened"

func isTamperReason(reason string) bool { return strings.HasPrefix(reason, tamperPrefix) }

// Unlock lifts the certification lock: an administrator's act, journaled with who did it and why. A set tamper
// index of the TPM is cleared first, journaled before the clear (LeafTamperClear); on a box whose TPM owner is
// locked (LockOwner) that needs the administrator's unlock secret: see UnlockWithSecret. It refuses while the TPM
// still fails the attestation check, so an unlock cannot paper over a live problem.
func (a *Appliance) Unlock(ctx context.Context, admin, why string) error {
	return UnlockWithSecret(ctx, a, admin, why, nil)
}

// UnlockWithSecret is Unlock with the administrator's unlock secret, which the TPM checks before it clears the
// tamper index (a refusal is journaled and clears nothing).
func UnlockWithSecret(ctx context.Context, a *Appliance, admin, why string, secret []byte) error {
	if admin == "" || why == "" {
		return fmt.Errorf("appliance: unlock needs the administrator and the reason")
	}
	if err := clearTamper(ctx, a, admin, why, secret); err != nil {
		return fmt.Errorf("appliance: unlock: %w", err)
	}
	if a.lockReason() == "" {
		return nil
	}
	a.mu.Lock()
	prev := a.lockedBy
	a.lockedBy = "" // let the check run; it relocks on failure
	a.mu.Unlock()
	res, err := a.CheckAttestation(ctx)
	if err != nil || !res.OK {
		a.mu.Lock()
		if a.lockedBy == "" {
			a.lockedBy = prev
		}
		a.mu.Unlock()
		return fmt.Errorf("appliance: unlock refused: attestation still fails: %v%w", res.Failures, err)
	}
	_, err = a.record(ctx, journal.Entry{Type: LeafUnlock, Fields: map[string]any{
		"admin": admin, "reason": why, "was": prev,
	}})
	return err
}

func stringField(e journal.Entry, k string) string {
	s, _ := e.Fields[k].(string)
	return s
}

// clockFromFields reads back the map written by clockFields. Integers come back from the leaf decoder as int64 or
// json.Number depending on the decoder, so both are accepted.
func clockFromFields(v any) (tpm.Clock, bool) {
	m, ok := v.(map[string]any)
	if !ok {
		return tpm.Clock{}, false
	}
	ms, ok1 := asUint(m["clock_ms"])
	rc, ok2 := asUint(m["reset_count"])
	rs, ok3 := asUint(m["restart_count"])
	safe, _ := m["safe"].(bool)
	if !ok1 || !ok2 || !ok3 {
		return tpm.Clock{}, false
	}
	return tpm.Clock{Clock: ms, ResetCount: uint32(rc), RestartCount: uint32(rs), Safe: safe}, true
}

func asUint(v any) (uint64, bool) {
	switch n := v.(type) {
	case int64:
		return uint64(n), n >= 0
	case uint64:
		return n, true
	case int:
		return uint64(n), n >= 0
	case float64:
		return uint64(n), n >= 0
	case interface{ Int64() (int64, error) }:
		i, err := n.Int64()
		return uint64(i), err == nil && i >= 0
	}
	return 0, false
}
