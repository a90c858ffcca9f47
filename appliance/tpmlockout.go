package appliance

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/attesta/attesta/journal"
	"github.com/attesta/attesta/tpm"
)

// LeafTPMLockout records a change of the TPM's dictionary-attack parameters (Config.TPMLockout): the values before
// and after, or the TPM's refusal.
const LeafTPMLockout = "tpm-lockout"

// applyLockout sets the TPM's dictionary-attack parameters to the configured ones when they differ, and journals
// it. A refusal (the lockout hierarchy has an authorization the box does not know) is journaled and logged but does
// not stop the start: the appliance works with the TPM's own parameters, only less tolerant of power cuts.
func applyLockout(ctx context.Context, a *Appliance) error {
	want := a.cfg.TPMLockout
	if want == nil {
		return nil
	}
	before, err := a.tpm.Lockout(ctx)
	if err != nil {
		return fmt.Errorf("appliance: tpm_lockout: %w", err)
	}
	if before.SameParameters(*want) {
		return nil
	}
	wanted := lockoutFields(*want)
	delete(wanted, "counter") // read only
	fields := map[string]any{"before": lockoutFields(before), "wanted": wanted}
	if err := a.tpm.SetLockout(ctx, *want); err != nil {
		a.log.ErrorContext(ctx, "the TPM refused the dictionary-attack parameters", slog.Any("error", err))
		fields["error"] = err.Error()
	}
	if _, err := a.record(ctx, journal.Entry{Type: LeafTPMLockout, Fields: fields}); err != nil {
		return fmt.Errorf("appliance: journal the TPM's lockout parameters: %w", err)
	}
	return nil
}

func lockoutFields(l tpm.Lockout) map[string]any {
	return map[string]any{
		"max_tries": int64(l.MaxTries), "recovery_seconds": int64(l.RecoverySeconds),
		"lockout_recovery_seconds": int64(l.LockoutRecovery), "counter": int64(l.Counter),
	}
}
