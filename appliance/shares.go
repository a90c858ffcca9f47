package appliance

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/attesta/attesta/appliance/desk"
	"github.com/attesta/attesta/certify"
	"github.com/attesta/attesta/journal"
	"github.com/attesta/attesta/ui"
)

// Leaf types of share links: a link made for a delivery, and a link revoked. They carry the SHA-256 of the link's
// token and the delivery's journal leaf, never the folder's name, which holds the chat's number.
const (
	LeafShareCreated = "share-created"
	LeafShareRevoked = "share-revoked"
)

// shareLinks is the appliance's one store of share links, DataDir/shares.json, opened on first use: the touch UI
// gives links out and revokes them through it, and the erasure of a case revokes and forgets its deliveries'.
type shareLinks struct {
	path string
	rec  certify.Recorder

	mu    sync.Mutex
	store *ui.FileShareStore
}

func (l *shareLinks) open() (*ui.FileShareStore, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.store == nil {
		st, err := ui.OpenFileShareStore(l.path)
		if err != nil {
			return nil, err
		}
		l.store = st
	}
	return l.store, nil
}

// ForgetDeliveries revokes every link of the delivery folders named (those of caseID, being erased) and of the
// folders no longer in outDir, journals each revocation once (a link revoked earlier is not journaled again), and
// renames their delivery [ui.ErasedDelivery], so that the store keeps no folder name.
func (l *shareLinks) ForgetDeliveries(ctx context.Context, caseID, outDir string, folders []string) error {
	st, err := l.open()
	if err != nil {
		return fmt.Errorf("appliance: forget the links of %s: %w", caseID, err)
	}
	links, err := st.List(ctx)
	if err != nil {
		return err
	}
	names := slices.Clone(folders)
	for _, sh := range links {
		if _, err := os.Lstat(filepath.Join(outDir, sh.Delivery)); sh.Delivery != ui.ErasedDelivery &&
			errors.Is(err, fs.ErrNotExist) && !slices.Contains(names, sh.Delivery) {
			names = append(names, sh.Delivery) // removed earlier: the link is dead, its name must go too
		}
	}
	for _, name := range names {
		revoked, err := st.ForgetDelivery(ctx, name, time.Now())
		if err != nil {
			return fmt.Errorf("appliance: forget the links of %s: %w", caseID, err)
		}
		e := journal.Entry{Type: LeafShareRevoked}
		if slices.Contains(folders, name) {
			e.Case = caseID
		}
		for _, sh := range revoked {
			e.Fields = map[string]any{"token_sha256": sh.Hash, "reason": "delivery erased"}
			if _, err := l.rec.Record(ctx, e); err != nil {
				return fmt.Errorf("appliance: forget the links of %s: %w", caseID, err)
			}
		}
	}
	return nil
}

// CountLinks counts the links ever made to the delivery folders named, for the record of processing.
func (l *shareLinks) CountLinks(ctx context.Context, folders []string) (int, error) {
	st, err := l.open()
	if err != nil {
		return 0, err
	}
	links, err := st.List(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, sh := range links {
		if slices.Contains(folders, sh.Delivery) {
			n++
		}
	}
	return n, nil
}

// journaledShares keeps the share links in a store and journals each one made or revoked.
type journaledShares struct {
	ui.ShareStore
	rec        certify.Recorder
	deliveries string
	// restricted reports a case a data subject's request restricted: its deliveries are not shared anew.
	restricted func(ctx context.Context, caseID string) bool
}

var _ ui.ShareStore = journaledShares{}

// Put stores a new link, then journals it; a link that cannot be journaled is revoked at once and not given out.
func (s journaledShares) Put(ctx context.Context, sh ui.Share) error {
	if _, caseID, ok := desk.DeliveryLeaf(filepath.Join(s.deliveries, filepath.Base(sh.Delivery))); ok &&
		s.restricted != nil && s.restricted(ctx, caseID) {
		return fmt.Errorf("%w: case %s is restricted by a data subject's request: its deliveries are not shared", ui.ErrInvalid, caseID)
	}
	if err := s.ShareStore.Put(ctx, sh); err != nil {
		return err
	}
	fields := map[string]any{"token_sha256": sh.Hash, "expires": sh.Expires.UTC().Format(time.RFC3339)}
	e := journal.Entry{Type: LeafShareCreated, Fields: fields}
	if seq, caseID, ok := desk.DeliveryLeaf(filepath.Join(s.deliveries, filepath.Base(sh.Delivery))); ok {
		fields["delivery_leaf"], e.Case = seq, caseID
	}
	if _, err := s.rec.Record(ctx, e); err != nil {
		return fmt.Errorf("appliance: share link not journaled, so not given out: %w",
			errors.Join(err, s.ShareStore.Revoke(context.WithoutCancel(ctx), sh.Hash, time.Now())))
	}
	return nil
}

// Revoke revokes a link and journals it; a link already revoked is left as it is, and not journaled again.
func (s journaledShares) Revoke(ctx context.Context, hash string, at time.Time) error {
	if sh, err := s.ShareStore.Get(ctx, hash); err == nil && !sh.Revoked.IsZero() {
		return nil
	}
	if err := s.ShareStore.Revoke(ctx, hash, at); err != nil {
		return err
	}
	_, err := s.rec.Record(ctx, journal.Entry{Type: LeafShareRevoked, Fields: map[string]any{"token_sha256": hash}})
	return err
}
