package drive

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/attesta/attesta/internal/durable"
	"github.com/attesta/attesta/journal"
)

// ForgetCase ends what the appliance keeps on Drive for a case whose retention is over. On the studio's Drive it
// deletes each of the case's folders (drive-deleted); on the client's own Drive it deletes nothing, since the
// folders are the client's, but journals each as released (drive-released) and revokes the appliance's access
// (drive-revoked): it returns the names of those folders, for the studio to tell the client that they are no
// longer kept by the studio. The case's job records, which hold its e-mail addresses, are removed last.
func (q *Queue) ForgetCase(ctx context.Context, caseID string) (released []string, err error) {
	q.mu.Lock()
	var recs []jobRecord
	for _, rec := range q.sorted() {
		if rec.Case == caseID {
			recs = append(recs, *rec)
		}
	}
	q.mu.Unlock()
	clientAccount := false
	var studio *remote
	for _, rec := range recs {
		top, started := rec.Folders[""]
		switch {
		case !started:
		case rec.Account == StudioAccount:
			if studio == nil {
				client, err := q.deps.Tokens.HTTPClient(ctx, StudioAccount, q.deps.Base)
				if err != nil {
					return nil, fmt.Errorf("drive: forget case %s: %w", caseID, err)
				}
				if studio, err = newRemote(ctx, q.deps.Endpoint, client); err != nil {
					return nil, err
				}
			}
			if err := studio.delete(ctx, top); err != nil {
				return nil, fmt.Errorf("drive: forget case %s: %w", caseID, err)
			}
			if _, err := q.deps.Recorder.Record(ctx, journal.Entry{Type: LeafDeleted, Case: caseID, Fields: map[string]any{
				"job": rec.ID, "folder_id": top, "reason": "retention ended"}}); err != nil {
				return nil, err
			}
		default:
			clientAccount = true
			if _, err := q.deps.Recorder.Record(ctx, journal.Entry{Type: LeafReleased, Case: caseID, Fields: map[string]any{
				"job": rec.ID, "folder_id": top, "reason": "retention ended: the folder stays on the client's Drive"}}); err != nil {
				return nil, err
			}
			released = append(released, rec.Name)
		}
	}
	if clientAccount || q.deps.Tokens.Authorized(caseID) {
		if err := q.deps.Tokens.Revoke(ctx, caseID, caseID, "retention ended"); err != nil {
			return nil, fmt.Errorf("drive: forget case %s: %w", caseID, err)
		}
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, rec := range recs {
		if err := os.Remove(filepath.Join(q.dir, rec.ID+".json")); err != nil && !errors.Is(err, os.ErrNotExist) {
			return released, fmt.Errorf("drive: forget case %s: %w", caseID, err)
		}
		delete(q.jobs, rec.ID)
		delete(q.state, rec.ID)
	}
	if err := durable.SyncDir(q.dir); err != nil {
		return released, fmt.Errorf("drive: forget case %s: %w", caseID, err)
	}
	return released, nil
}

// FormatLinks is the list of links as the service sends it: one line per folder, its name on Drive, a tab, its
// link.
func FormatLinks(links []Link) string {
	var b strings.Builder
	for _, l := range links {
		name := l.DriveName
		if name == "" {
			name = l.Name
		}
		fmt.Fprintf(&b, "%s\t%s\n", name, l.URL)
	}
	return b.String()
}

// WriteLinks writes the list of links (FormatLinks) to path, replacing an older list atomically.
func WriteLinks(path string, links []Link) error {
	if err := durable.Replace(path, []byte(FormatLinks(links)), 0o644); err != nil {
		return fmt.Errorf("drive: links: %w", err)
	}
	return nil
}

// RevokeLinks removes the permissions the appliance gave on the case's folders, each journaled (drive-link-revoked):
// the links stop working; the folders stay.
func (q *Queue) RevokeLinks(ctx context.Context, caseID string) error {
	q.mu.Lock()
	var ids []string
	for _, rec := range q.sorted() {
		if rec.Case == caseID && len(rec.Permissions) > 0 {
			ids = append(ids, rec.ID)
		}
	}
	q.mu.Unlock()
	for _, id := range ids {
		rec := q.snapshot(id)
		client, err := q.deps.Tokens.HTTPClient(ctx, rec.Account, q.deps.Base)
		if err != nil {
			return fmt.Errorf("drive: revoke links of %s: %w", caseID, err)
		}
		r, err := newRemote(ctx, q.deps.Endpoint, client)
		if err != nil {
			return err
		}
		top := rec.Folders[""]
		for _, p := range rec.Permissions {
			if err := r.unshare(ctx, top, p.ID); err != nil {
				return err
			}
			if _, err := q.deps.Recorder.Record(ctx, journal.Entry{Type: LeafLinkRevoked, Case: caseID, Fields: map[string]any{
				"job": id, "folder_id": top, "permission_id": p.ID}}); err != nil {
				return err
			}
		}
		if err := q.update(id, func(c *jobRecord) { c.Permissions, c.Link = nil, "" }); err != nil {
			return err
		}
	}
	return nil
}
