package drive

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"strings"
	"time"

	"github.com/attesta/attesta/journal"
)

// process brings one job forward as far as it goes: the folders, every file, the permissions, the link, done.
func (q *Queue) process(ctx context.Context, id string) error {
	rec := q.snapshot(id)
	client, err := q.deps.Tokens.HTTPClient(ctx, rec.Account, q.deps.Base)
	if err != nil {
		return err
	}
	r, err := newRemote(ctx, q.deps.Endpoint, client)
	if err != nil {
		return err
	}
	err = q.upload(ctx, r, id)
	if errors.Is(err, ErrUnauthorized) {
		q.deps.Tokens.Invalidate(rec.Account)
	}
	return err
}

func (q *Queue) upload(ctx context.Context, r *remote, id string) error {
	rec := q.snapshot(id)
	top, err := q.folder(ctx, r, id, "")
	if err != nil {
		return err
	}
	for i, f := range rec.Files {
		if f.DriveID != "" {
			continue
		}
		dir := pathDir(f.Path)
		parent, err := q.folder(ctx, r, id, dir)
		if err != nil {
			return err
		}
		u, err := r.upload(ctx, parent, pathBase(f.Path), filepath.Join(rec.Dir, filepath.FromSlash(f.Path)), id, f.Path, f.SHA256)
		if err != nil {
			return err
		}
		if _, err := q.deps.Recorder.Record(ctx, journal.Entry{Type: LeafUpload, Case: rec.Case, Fields: map[string]any{
			"job": id, "folder_id": top, "file_id": u.ID, "sha256": f.SHA256, "md5": u.MD5, "size": u.Size,
			"sha256_by_drive": u.SHA256 != ""}}); err != nil {
			return err
		}
		if err := q.update(id, func(c *jobRecord) { c.Files[i].DriveID, c.Files[i].MD5 = u.ID, u.MD5 }); err != nil {
			return err
		}
	}
	if err := q.shareFolder(ctx, r, id, top); err != nil {
		return err
	}
	rec = q.snapshot(id)
	link := rec.Link
	if link == "" {
		if link, err = r.link(ctx, top); err != nil {
			return err
		}
	}
	if _, err := q.deps.Recorder.Record(ctx, journal.Entry{Type: LeafFolderDone, Case: rec.Case, Fields: map[string]any{
		"job": id, "folder_id": top, "files": len(rec.Files), "delivery_leaf": rec.Leaf}}); err != nil {
		return err
	}
	if err := q.update(id, func(c *jobRecord) { c.Link, c.Done = link, time.Now().UTC() }); err != nil {
		return err
	}
	q.log.InfoContext(ctx, "delivery on Drive", slog.String("case", rec.Case), slog.String("folder_id", top),
		slog.Int("files", len(rec.Files)))
	if q.OnDone != nil {
		q.OnDone(q.snapshot(id).link())
	}
	return nil
}

func pathDir(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[:i]
	}
	return ""
}

func pathBase(p string) string { return p[strings.LastIndexByte(p, '/')+1:] }

// folder returns the Drive id of the job's folder at path ("" the delivery folder), creating it (and its parents)
// when needed; a new delivery folder is journaled.
func (q *Queue) folder(ctx context.Context, r *remote, id, path string) (string, error) {
	rec := q.snapshot(id)
	if fid, ok := rec.Folders[path]; ok {
		return fid, nil
	}
	parent, name := q.deps.Parent, rec.Name
	if path != "" {
		var err error
		if parent, err = q.folder(ctx, r, id, pathDir(path)); err != nil {
			return "", err
		}
		name = pathBase(path)
	}
	fid, driveName, err := r.folder(ctx, name, parent, id, path)
	if err != nil {
		return "", err
	}
	if path == "" {
		if _, err := q.deps.Recorder.Record(ctx, journal.Entry{Type: LeafFolder, Case: rec.Case, Fields: map[string]any{
			"job": id, "folder_id": fid, "account": accountKind(rec.Account), "delivery_leaf": rec.Leaf,
			"files": len(rec.Files)}}); err != nil {
			return "", err
		}
	}
	if err := q.update(id, func(c *jobRecord) {
		c.Folders[path] = fid
		if path == "" && driveName != c.Name {
			c.DriveName = driveName
		}
	}); err != nil {
		return "", err
	}
	return fid, nil
}

// shareFolder creates the folder's permissions not yet created, each journaled.
func (q *Queue) shareFolder(ctx context.Context, r *remote, id, top string) error {
	rec := q.snapshot(id)
	want := []string{""} // anyone with the link
	if len(rec.Emails) > 0 {
		want = rec.Emails
	}
	for i := len(rec.Permissions); i < len(want); i++ {
		p, err := r.share(ctx, top, want[i] == "", want[i])
		if err != nil {
			return err
		}
		if _, err := q.deps.Recorder.Record(ctx, journal.Entry{Type: LeafLink, Case: rec.Case, Fields: map[string]any{
			"job": id, "folder_id": top, "permission_id": p.ID, "permission_type": p.Type, "role": "reader"}}); err != nil {
			return err
		}
		if err := q.update(id, func(c *jobRecord) { c.Permissions = append(c.Permissions, p) }); err != nil {
			return err
		}
	}
	return nil
}
