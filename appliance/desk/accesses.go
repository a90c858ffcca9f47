package desk

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/attesta/attesta/journal"
	"github.com/attesta/attesta/ui"
)

// maxReasonLen bounds a reason typed on a screen.
const maxReasonLen = 500

// reasonRecord is a reason a person gave for an access: the register keeps its text, erased with the case; the
// journal leaf keeps its digest.
type reasonRecord struct {
	ID     string    `json:"id"`
	At     time.Time `json:"at"`
	What   string    `json:"what"`
	Role   string    `json:"role"`
	Reason string    `json:"reason"`
}

// accessTypes are the leaves that record an access to, or a disclosure of, a case's personal data.
var accessTypes = []string{"share-created", "share-access", "share-revoked", LeafAccessReason, LeafNoticeAccepted,
	LeafSubjectExport, LeafRestriction, "deliveries-removed", "erasure"}

// RecordAccessReason journals why a person viewed or exported a case's personal data: the leaf carries the
// reason's digest, the case register its text (erased with the case).
func (k *Desk) RecordAccessReason(ctx context.Context, a ui.AccessReason) error {
	a.Reason = strings.Join(strings.Fields(a.Reason), " ")
	if a.Reason == "" {
		return nil
	}
	if !utf8.ValidString(a.Reason) || utf8.RuneCountInString(a.Reason) > maxReasonLen {
		return fmt.Errorf("%w: the reason is longer than %d characters", ui.ErrInvalid, maxReasonLen)
	}
	d, err := k.work(ctx)
	if err != nil {
		return err
	}
	if a.Case == "" && a.Delivery != "" {
		d.jobs.mu.Lock()
		outDir := d.jobs.outDir
		d.jobs.mu.Unlock()
		_, a.Case, _ = DeliveryLeaf(filepath.Join(outDir, filepath.Base(a.Delivery)))
	}
	if _, ok := d.lookup(a.Case); !ok {
		return fmt.Errorf("case of %q: %w", a.Case+a.Delivery, ui.ErrNotFound)
	}
	var raw [6]byte
	rand.Read(raw[:])
	r := reasonRecord{ID: hex.EncodeToString(raw[:]), At: time.Now().UTC(), What: a.What, Role: a.Role, Reason: a.Reason}
	sum := sha256.Sum256([]byte(r.Reason))
	if _, err := k.deps.Recorder.Record(ctx, journal.Entry{Type: LeafAccessReason, Case: a.Case, Fields: map[string]any{
		"what": a.What, "by_role": a.Role, "reason_id": r.ID, "reason_sha256": hex.EncodeToString(sum[:]),
	}}); err != nil {
		return fmt.Errorf("appliance: access reason for %s: %w", a.Case, err)
	}
	return d.update(a.Case, func(c *caseRecord) { c.Reasons = append(c.Reasons, r) })
}

// AccessReport lists, oldest first, the journal's leaves that record an access to a case's personal data (links
// made, opened and revoked, the notice accepted, exports, reasons, restriction, erasure), with the reasons given.
func (k *Desk) AccessReport(ctx context.Context, caseID string) ([]ui.AccessEntry, error) {
	_, c, err := k.workCase(ctx, caseID)
	if err != nil {
		return nil, err
	}
	if k.deps.Journal == nil {
		return nil, fmt.Errorf("appliance: access report: no journal")
	}
	var out []ui.AccessEntry
	const batch = 1000
	for from := uint64(0); ; from += batch {
		leaves, size, err := k.deps.Journal.Leaves(ctx, from, batch)
		if err != nil {
			return out, err
		}
		for _, l := range leaves {
			if e, ok := accessEntry(l, caseID, c.Reasons); ok {
				out = append(out, e)
			}
		}
		if from+batch >= size {
			return out, nil
		}
	}
}

// accessEntry reads one leaf as an access to caseID, when it is one.
func accessEntry(l ui.LeafInfo, caseID string, reasons []reasonRecord) (ui.AccessEntry, bool) {
	if !slices.Contains(accessTypes, l.Type) || !strings.Contains(l.Fields, `"`+caseID+`"`) {
		return ui.AccessEntry{}, false
	}
	var f map[string]any
	if err := json.Unmarshal([]byte(l.Fields), &f); err != nil || f["case"] != caseID {
		return ui.AccessEntry{}, false
	}
	e := ui.AccessEntry{Leaf: l.Index, Time: l.Time, Type: l.Type}
	var what []string
	for _, k := range []string{"what", "by_role", "kind", "channel", "reason", "requested_by", "request"} {
		if v, ok := f[k].(string); ok && v != "" {
			what = append(what, k+": "+v)
		}
	}
	if h, ok := f["token_sha256"].(string); ok && len(h) >= 8 {
		what = append(what, "link "+h[:8]+"…")
	}
	e.What = strings.Join(what, "; ")
	if id, ok := f["reason_id"].(string); ok {
		if i := slices.IndexFunc(reasons, func(r reasonRecord) bool { return r.ID == id }); i >= 0 {
			e.Reason = reasons[i].Reason
		}
	}
	return e, true
}
