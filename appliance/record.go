package appliance

import (
	"context"
	"errors"
	"log/slog"

	"github.com/attesta/attesta/journal"
)

// record appends one leaf. A leaf that is durable but whose checkpoint could not be signed (the signing key is
// unusable after a tamper event, or the TPM failed) counts as recorded: the event must not be lost for want of a
// signature, the failure is logged, and the attestation check locks certification when the key stays unusable.
func (a *Appliance) record(ctx context.Context, e journal.Entry) (journal.Leaf, error) {
	leaf, err := a.journal.Append(ctx, e)
	if err != nil && errors.Is(err, journal.ErrCheckpoint) {
		a.log.WarnContext(ctx, "leaf recorded without a new checkpoint", slog.String("type", e.Type),
			slog.Uint64("leaf", leaf.Index), slog.Any("error", err))
		return leaf, nil
	}
	return leaf, err
}
