package appliance

import (
	"context"
	"fmt"

	"github.com/attesta/attesta/journal"
)

// EraseCase erases a case's evidence at the end of its retention, or on a data subject's request: the case key is
// destroyed (so every copy of its blobs, backups included, becomes unreadable), the blobs are deleted, and the
// erasure is journaled with who asked and why. The journal stays verifiable: its leaves hold only digests and ids,
// and verification skips the blobs of a case erased after them.
//
// The order is blob store first, then journal: if the journal write fails after the key is gone, a second call
// finds the case already erased (the store completes interrupted erasures) and journals it then.
func (a *Appliance) EraseCase(ctx context.Context, caseID, requestedBy, reason string) (journal.Leaf, error) {
	if requestedBy == "" || reason == "" {
		return journal.Leaf{}, fmt.Errorf("appliance: erase %s: who asked and why are required", caseID)
	}
	er, err := a.blobs.EraseCase(ctx, caseID)
	if err != nil {
		return journal.Leaf{}, fmt.Errorf("appliance: erase %s: %w", caseID, err)
	}
	leaf, err := a.record(ctx, journal.Entry{Type: journal.TypeErasure, Case: caseID, Fields: map[string]any{
		"key_id":       er.KeyID,
		"blobs":        er.Blobs,
		"bytes":        er.Bytes,
		"requested_by": requestedBy,
		"reason":       reason,
	}})
	if err != nil {
		return leaf, fmt.Errorf("appliance: erase %s: key destroyed and blobs deleted, but the erasure is not journaled: %w", caseID, err)
	}
	a.log.InfoContext(ctx, "case erased", "case", caseID, "key_id", er.KeyID, "blobs", er.Blobs, "leaf", leaf.Index)
	return leaf, nil
}
