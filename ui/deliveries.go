package ui

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Delivery is one delivery folder.
type Delivery struct {
	Name     string // the folder's name, e.g. 3771151946-15-gennaio-2026
	Modified time.Time
}

// Deliveries lists delivery folders and opens one for reading. Open returns an error matching fs.ErrNotExist for
// an unknown name; the root it returns confines every access to that one folder.
type Deliveries interface {
	List(ctx context.Context) ([]Delivery, error)
	Open(ctx context.Context, name string) (*os.Root, error)
}

var _ Deliveries = DirDeliveries("")

// DirDeliveries is the directory holding the delivery folders, one subdirectory each.
type DirDeliveries string

// List returns the folders, newest first.
func (d DirDeliveries) List(context.Context) ([]Delivery, error) {
	ents, err := os.ReadDir(string(d))
	if err != nil {
		return nil, fmt.Errorf("ui: list deliveries in %s: %w", d, err)
	}
	var out []Delivery
	for _, e := range ents {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue // removed meanwhile
		}
		out = append(out, Delivery{Name: e.Name(), Modified: info.ModTime()})
	}
	slices.SortFunc(out, func(a, b Delivery) int { return b.Modified.Compare(a.Modified) })
	return out, nil
}

// Open opens the folder name as a root.
func (d DirDeliveries) Open(_ context.Context, name string) (*os.Root, error) {
	if !validDeliveryName(name) || strings.HasPrefix(name, ".") {
		return nil, fmt.Errorf("ui: open delivery %q: %w", name, fs.ErrNotExist)
	}
	p := filepath.Join(string(d), name)
	if info, err := os.Lstat(p); err != nil || !info.IsDir() {
		return nil, fmt.Errorf("ui: open delivery %q: %w", name, fs.ErrNotExist)
	}
	return os.OpenRoot(p)
}

type deliveriesData struct {
	Deliveries []deliveryRow
}

type deliveryRow struct {
	Delivery
	Shares []shareRow
}

type shareRow struct {
	Share
	Short  string
	Active bool
	Status string
}

func (s *Server) deliveries(w http.ResponseWriter, r *http.Request) {
	ds, err := s.cfg.Deliveries.List(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	shares, err := s.cfg.Shares.List(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	now := s.now()
	byName := map[string][]shareRow{}
	for _, sh := range shares {
		row := shareRow{Share: sh, Short: sh.Hash[:12], Active: sh.Active(now), Status: tr(r, "core.active")}
		switch {
		case !sh.Revoked.IsZero():
			row.Status = tr(r, "core.revoked")
		case !now.Before(sh.Expires):
			row.Status = tr(r, "core.expired")
		}
		byName[sh.Delivery] = append(byName[sh.Delivery], row)
	}
	var data deliveriesData
	for _, d := range ds {
		data.Deliveries = append(data.Deliveries, deliveryRow{Delivery: d, Shares: byName[d.Name]})
	}
	s.render(w, r, http.StatusOK, "deliveries", data)
}

type sharedData struct {
	Delivery string
	URL      string
	Expires  time.Time
}

// Share lifetimes the technician can pick, in days.
var shareDays = []int{1, 7, 30, 90}

// createShare makes a new link for one delivery and shows it once: only its hash is kept.
func (s *Server) createShare(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	root, err := s.cfg.Deliveries.Open(r.Context(), name)
	if err != nil {
		httpError(w, r, "core.not-found", http.StatusNotFound)
		return
	}
	root.Close()
	ttl := s.cfg.ShareTTL
	if days := r.PostFormValue("days"); days != "" {
		var n int
		if _, err := fmt.Sscan(days, &n); err != nil || !slices.Contains(shareDays, n) {
			httpError(w, r, "core.invalid-lifetime", http.StatusBadRequest)
			return
		}
		ttl = time.Duration(n) * 24 * time.Hour
	}
	token, hash, err := newToken()
	if err != nil {
		s.fail(w, r, err)
		return
	}
	now := s.now().UTC()
	sh := Share{Hash: hash, Delivery: name, Created: now, Expires: now.Add(ttl)}
	if err := s.cfg.Shares.Put(r.Context(), sh); errors.Is(err, ErrInvalid) {
		httpError(w, r, "privacy.sharing-refused-the-case", http.StatusConflict)
		return
	} else if err != nil {
		s.fail(w, r, err)
		return
	}
	if reason := r.PostFormValue("reason"); reason != "" && s.cfg.Privacy != nil {
		if err := s.cfg.Privacy.RecordAccessReason(r.Context(), AccessReason{Delivery: name, What: "share",
			Role: roleOf(r).String(), Reason: reason}); err != nil {
			s.log.WarnContext(r.Context(), "share reason not recorded", slog.String("hash", hash), slog.Any("error", err))
		}
	}
	// The folder's name holds the chat's number: the log, which outlives the delivery, names the link only.
	s.log.InfoContext(r.Context(), "share link created", slog.String("hash", hash))
	u := s.linkBase(r) + "/s/" + token + "/"
	s.render(w, r, http.StatusOK, "shared", sharedData{Delivery: name, URL: u, Expires: sh.Expires})
}

// revokeShare revokes a link once: a link already revoked (a double tap, a second screen) is left as it is, so
// that the revocation is journaled once.
func (s *Server) revokeShare(w http.ResponseWriter, r *http.Request) {
	hash := r.PathValue("hash")
	s.revokeMu.Lock()
	defer s.revokeMu.Unlock()
	if sh, err := s.cfg.Shares.Get(r.Context(), hash); err == nil && !sh.Revoked.IsZero() {
		http.Redirect(w, r, "/deliveries", http.StatusSeeOther)
		return
	}
	if err := s.cfg.Shares.Revoke(r.Context(), hash, s.now()); errors.Is(err, ErrShareNotFound) {
		httpError(w, r, "core.not-found", http.StatusNotFound)
		return
	} else if err != nil {
		s.fail(w, r, err)
		return
	}
	s.log.InfoContext(r.Context(), "share link revoked", slog.String("hash", hash))
	http.Redirect(w, r, "/deliveries", http.StatusSeeOther)
}

// openShareDelivery opens the delivery a share link gives access to; when it is gone it answers 410 and returns false.
func (s *Server) openShareDelivery(w http.ResponseWriter, r *http.Request, sh Share) (*os.Root, bool) {
	root, err := s.cfg.Deliveries.Open(r.Context(), sh.Delivery)
	if err != nil {
		httpError(w, r, "core.delivery-no-longer-available", http.StatusGone)
		return nil, false
	}
	return root, true
}

// shareFor resolves a link token: unknown → 404, revoked or expired → 410.
func (s *Server) shareFor(w http.ResponseWriter, r *http.Request) (Share, bool) {
	sh, err := s.cfg.Shares.Get(r.Context(), tokenHash(r.PathValue("token")))
	switch {
	case errors.Is(err, ErrShareNotFound):
		httpError(w, r, "core.unknown-link", http.StatusNotFound)
		return Share{}, false
	case err != nil:
		s.fail(w, r, err)
		return Share{}, false
	case !sh.Revoked.IsZero():
		httpError(w, r, "core.link-revoked", http.StatusGone)
		return Share{}, false
	case !s.now().Before(sh.Expires):
		httpError(w, r, "core.link-expired", http.StatusGone)
		return Share{}, false
	}
	return sh, true
}

type shareIndexData struct {
	Delivery string
	Files    []string
}

// shareIndex lists the files of the shared delivery: the one page a recipient needs to find them.
func (s *Server) shareIndex(w http.ResponseWriter, r *http.Request) {
	sh, ok := s.shareFor(w, r)
	if !ok {
		return
	}
	root, ok := s.openShareDelivery(w, r, sh)
	if !ok { // erased or removed: nothing is served, so nothing is recorded
		return
	}
	defer root.Close()
	if !s.logAccess(w, r, sh, "") {
		return
	}
	var files []string
	err := fs.WalkDir(root.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		s.fail(w, r, fmt.Errorf("list delivery %s: %w", sh.Delivery, err))
		return
	}
	s.render(w, r, http.StatusOK, "share", shareIndexData{Delivery: sh.Delivery, Files: files})
}

// ErrBadPath means a share link asked for a path outside its delivery folder, or for something that is not a
// plain file in it.
var ErrBadPath = errors.New("path not allowed")

// cleanSharePath checks a requested path (already percent-decoded) and returns it slash-separated and relative.
func cleanSharePath(p string) (string, error) {
	switch {
	case p == "", strings.ContainsAny(p, "\\\x00"), strings.HasPrefix(p, "/"),
		!fs.ValidPath(p), path.Clean(p) != p:
		return "", fmt.Errorf("%w: %q", ErrBadPath, p)
	}
	return p, nil
}

// openShared opens p in root refusing symbolic links anywhere on the way, and anything but a regular file.
func openShared(root *os.Root, p string) (*os.File, fs.FileInfo, error) {
	parts := strings.Split(p, "/")
	for i := range parts {
		info, err := root.Lstat(strings.Join(parts[:i+1], "/"))
		if err != nil {
			return nil, nil, err
		}
		if info.Mode()&fs.ModeSymlink != 0 {
			return nil, nil, fmt.Errorf("%w: %q is a symbolic link", ErrBadPath, p)
		}
	}
	f, err := root.Open(p)
	if err != nil {
		return nil, nil, err
	}
	info, err := f.Stat()
	if err != nil || !info.Mode().IsRegular() {
		f.Close()
		return nil, nil, fmt.Errorf("%w: %q is not a file", ErrBadPath, p)
	}
	return f, info, nil
}

func (s *Server) shareFile(w http.ResponseWriter, r *http.Request) {
	sh, ok := s.shareFor(w, r)
	if !ok {
		return
	}
	p, err := cleanSharePath(r.PathValue("path"))
	if err != nil {
		s.log.WarnContext(r.Context(), "share link: path refused", slog.String("hash", sh.Hash), slog.Any("error", err))
		httpError(w, r, "core.path-not-allowed", http.StatusBadRequest)
		return
	}
	root, ok := s.openShareDelivery(w, r, sh)
	if !ok {
		return
	}
	defer root.Close()
	f, info, err := openShared(root, p)
	if err != nil {
		s.log.WarnContext(r.Context(), "share link: file refused", slog.String("hash", sh.Hash), slog.Any("error", err))
		httpError(w, r, "core.not-found", http.StatusNotFound)
		return
	}
	defer f.Close()
	if !s.logAccess(w, r, sh, p) {
		return
	}
	if path.Ext(p) != ".pdf" {
		// Served files are evidence to keep, never pages to run in the appliance's origin.
		w.Header().Set("Content-Disposition", "attachment")
	}
	w.Header().Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'; sandbox")
	http.ServeContent(w, r, info.Name(), info.ModTime(), f)
}
