package appliance

import (
	"context"
	"log/slog"
	"time"
)

// RunAttestation runs the attestation self-check every cfg.AttestEvery until ctx ends. The first check runs at
// once, so a freshly started appliance is attested before it certifies anything.
func (a *Appliance) RunAttestation(ctx context.Context) {
	every(ctx, time.Duration(a.cfg.AttestEvery), func(ctx context.Context) {
		if _, err := a.CheckAttestation(ctx); err != nil {
			a.log.ErrorContext(ctx, "attestation check not recorded", slog.Any("error", err))
		}
	})
}

// every calls fn now and then once per period until ctx ends. A run that overruns the period delays the next one
// rather than stacking runs up.
func every(ctx context.Context, period time.Duration, fn func(context.Context)) {
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			fn(ctx)
			t.Reset(period)
		}
	}
}
