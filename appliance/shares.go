package appliance

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/attesta/attesta/journal"
	"github.com/attesta/attesta/ui"
)

// Leaf types of share links: a link made for a delivery, and a link revoked. They carry the SHA-256 of the link's
// token and the delivery's journal leaf, never the folder's name, which holds the chat's number.
const (
	LeafShareCreated = "share-created"
	LeafShareRevoked = "share-revoked"
)

// journaledShares keeps the share links in a store and journals each one made or revoked.
type journaledShares struct {
	ui.ShareStore
	a          *Appliance
	deliveries string
}

var _ ui.ShareStore = journaledShares{}

// Put stores a new link, then journals it; a link that cannot be journaled is revoked at once and not given out.
func (s journaledShares) Put(ctx context.Context, sh ui.Share) error {
	if err := s.ShareStore.Put(ctx, sh); err != nil {
		return err
	}
	fields := map[string]any{"token_sha256": sh.Hash, "expires": sh.Expires.UTC().Format(time.RFC3339)}
	e := journal.Entry{Type: LeafShareCreated, Fields: fields}
	if seq, caseID, ok := deliveryLeaf(filepath.Join(s.deliveries, filepath.Base(sh.Delivery))); ok {
		fields["delivery_leaf"], e.Case = seq, caseID
	}
	if _, err := s.a.record(ctx, e); err != nil {
		return fmt.Errorf("appliance: share link not journaled, so not given out: %w",
			errors.Join(err, s.ShareStore.Revoke(context.WithoutCancel(ctx), sh.Hash, time.Now())))
	}
	return nil
}

// Revoke revokes a link and journals it.
func (s journaledShares) Revoke(ctx context.Context, hash string, at time.Time) error {
	if err := s.ShareStore.Revoke(ctx, hash, at); err != nil {
		return err
	}
	_, err := s.a.record(ctx, journal.Entry{Type: LeafShareRevoked, Fields: map[string]any{"token_sha256": hash}})
	return err
}
