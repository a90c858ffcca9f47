package desk

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/attesta/attesta/certify"
	"github.com/attesta/attesta/internal/durable"
	"github.com/attesta/attesta/journal"
)

// LeafDeliveriesRemoved records that the appliance's own copies of an erased case's delivery folders were deleted:
// how many folders and ZIPs. The client keeps the deliveries it was given; they verify without the appliance.
const LeafDeliveriesRemoved = "deliveries-removed"

// removeDeliveries deletes, from the deliveries folder, every delivery folder of caseID and the ZIP beside it:
// they hold the chats in clear, and the case's retention has ended. A folder belongs to the case when its
// proofs/delivery-leaf.json — the delivery's journal leaf, byte for byte — names the case. First the folders'
// share links are revoked and forgotten (links answers for them), so that none serves a folder being removed;
// last the session index is listed again without them, so that no index names them. The removal is journaled.
func removeDeliveries(ctx context.Context, rec certify.Recorder, links DeliveryLinks, outDir, caseID string) error {
	entries, err := os.ReadDir(outDir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("appliance: remove deliveries of %s: %w", caseID, err)
	}
	var names []string
	for _, e := range entries {
		if e.IsDir() && deliveryOfCase(filepath.Join(outDir, e.Name()), caseID) {
			names = append(names, e.Name())
		}
	}
	if err := links.ForgetDeliveries(ctx, caseID, outDir, names); err != nil {
		return err
	}
	if entries == nil {
		return nil // no deliveries folder
	}
	zips := 0
	for _, name := range names {
		folder := filepath.Join(outDir, name)
		if err := os.RemoveAll(folder); err != nil {
			return fmt.Errorf("appliance: remove delivery %s of %s: %w", folder, caseID, err)
		}
		switch err := os.Remove(folder + ".zip"); {
		case err == nil:
			zips++
		case !errors.Is(err, fs.ErrNotExist):
			return fmt.Errorf("appliance: remove delivery %s.zip of %s: %w", folder, caseID, err)
		}
	}
	if err := certify.RewriteIndex(outDir); err != nil {
		return fmt.Errorf("appliance: remove deliveries of %s: %w", caseID, err)
	}
	if err := durable.SyncDir(outDir); err != nil {
		return fmt.Errorf("appliance: remove deliveries of %s: %w", caseID, err)
	}
	_, err = rec.Record(ctx, journal.Entry{Type: LeafDeliveriesRemoved, Case: caseID, Fields: map[string]any{
		"folders": len(names), "zips": zips,
	}})
	return err
}

// deliveryOfCase reports whether folder is a delivery whose journal leaf names caseID.
func deliveryOfCase(folder, caseID string) bool {
	_, c, ok := DeliveryLeaf(folder)
	return ok && c == caseID
}

// DeliveryLeaf reads a delivery folder's journal leaf (proofs/delivery-leaf.json, byte for byte as journaled):
// its index and its case.
func DeliveryLeaf(folder string) (uint64, string, bool) {
	data, err := os.ReadFile(filepath.Join(folder, "proofs", "delivery-leaf.json"))
	if err != nil {
		return 0, "", false
	}
	seq, e, err := journal.DecodeLeaf(data)
	return seq, e.Case, err == nil
}
