package appliance

import (
	"context"
	"fmt"
	"time"

	"github.com/attesta/attesta/appliance/panel"
	"github.com/attesta/attesta/journal"
)

// LeafTamper records a case-intrusion event.
const LeafTamper = "tamper"

var _ panel.TamperSink = (*Appliance)(nil)

// Tamper handles a case opening reported by the front panel: it records the opening in the TPM first (tpm.Tamper:
// the tamper index, which only an administrator's Unlock clears, or, for a key under the literal PCR policy, the
// application PCR), so that the signing key stops working at once, then journals the event and locks
// certification. The panel delivers each opening at least once; a repeat (same time and count) is journaled again,
// which is harmless, and the TPM's record is idempotent in effect (the key stays unusable).
func (a *Appliance) Tamper(ctx context.Context, ev panel.Event) error {
	event := fmt.Sprintf("attesta case-intrusion at %s count %d", ev.At.UTC().Format(time.RFC3339Nano), ev.Count)
	if err := a.tpm.Tamper(ctx, []byte(event)); err != nil {
		return fmt.Errorf("appliance: tamper: %w", err)
	}
	if _, err := a.record(ctx, journal.Entry{Type: LeafTamper, Time: ev.At, Fields: map[string]any{
		"source": "intrusion-switch", "count": ev.Count,
	}}); err != nil {
		return fmt.Errorf("appliance: tamper: journal: %w", err)
	}
	return a.lockCertification(ctx, fmt.Sprintf("%s at %s", tamperPrefix, ev.At.UTC().Format(time.RFC3339)))
}
