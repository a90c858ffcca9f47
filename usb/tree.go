package usb

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/attesta/attesta/internal/durable"
	"github.com/attesta/attesta/usb/internal/syncproto"
)

// maxTreeDepth bounds recursion, so a device inventing endless directories
// cannot run the pull forever.
const maxTreeDepth = 64

// FileResult is the outcome for one entry of a PullTree.
type FileResult struct {
	Remote string // device path as listed
	Local  string // destination path; "" when nothing was written
	PullResult
	// Err is nil for a file pulled whole. ErrNotRegular marks links and special
	// files, which are listed but not pulled; ErrHostileName a refused name.
	Err error
}

// ValidName reports whether a device-supplied directory entry name is safe to
// use as a local file name: not empty, ".", "..", and free of "/" and NUL.
func ValidName(name string) bool {
	return name != "" && name != "." && name != ".." && len(name) <= 255 &&
		!strings.ContainsAny(name, "/\x00")
}

// PullTree copies the regular files under remoteDir into localDir (created if
// needed), recursively, and returns one result per entry in listing order.
// Each file is written to a temporary name, fsynced, then linked to its final
// name, which must not exist yet; partial files are removed. Files are created
// with mode 0600 and carry the device's modification time. The error is
// non-nil, joining the failures, if any file failed or any name was refused;
// links and special files are reported but not counted as failures.
func (c *Client) PullTree(ctx context.Context, serial, remoteDir, localDir string) ([]FileResult, error) {
	if err := checkRemotePath(remoteDir); err != nil {
		return nil, fmt.Errorf("adb: device %s: pull tree %q: %w", serial, remoteDir, err)
	}
	if err := durable.MkdirAll(localDir, 0o750); err != nil {
		return nil, fmt.Errorf("adb: pull tree into %s: %w", localDir, err)
	}
	t := &treePull{c: c, serial: serial}
	defer t.close()
	if err := t.checkDir(ctx, remoteDir); err != nil {
		return nil, ctxErr(ctx, fmt.Errorf("adb: device %s: pull tree %s: %w", serial, remoteDir, err))
	}
	walkErr := t.walk(ctx, path.Clean(remoteDir), localDir, 0)
	var errs []error
	for _, r := range t.results {
		if r.Err != nil && !errors.Is(r.Err, ErrNotRegular) {
			errs = append(errs, r.Err)
		}
	}
	if walkErr != nil {
		// Listed entries keep their results; what was not listed is unknown.
		errs = append(errs, fmt.Errorf("tree not fully listed: %w", ctxErr(ctx, walkErr)))
	}
	if len(errs) > 0 {
		return t.results, fmt.Errorf("adb: device %s: pull tree %s: %d problems in %d entries: %w", serial, remoteDir, len(errs), len(t.results), errors.Join(errs...))
	}
	return t.results, nil
}

type treePull struct {
	c       *Client
	serial  string
	s       *syncConn // reopened after a failure breaks the session
	results []FileResult
}

func (t *treePull) session(ctx context.Context) (*syncConn, error) {
	if t.s == nil {
		s, err := t.c.openSync(ctx, t.serial)
		if err != nil {
			return nil, err
		}
		t.s = s
	}
	return t.s, nil
}

// checkDir refuses a missing or non-directory root: adbd answers LIST on a
// missing directory with an empty listing, which must not pass for "no files".
// Without stat_v2 STAT does not follow links (/sdcard is one), so a link is
// accepted there and LIST decides.
func (t *treePull) checkDir(ctx context.Context, dir string) error {
	s, err := t.session(ctx)
	if err != nil {
		return err
	}
	st, err := s.stat(dir)
	if err != nil {
		return fmt.Errorf("stat: %w", err)
	}
	if !st.IsDir() && !(st.IsSymlink() && !s.stat2) {
		return fmt.Errorf("not a directory (mode %#o)", st.Mode)
	}
	return nil
}

func (t *treePull) close() {
	if t.s != nil {
		t.s.Close()
		t.s = nil
	}
}

// walk lists one directory and pulls it; an error here (listing failed) ends
// the whole tree, while per-file failures go into results.
func (t *treePull) walk(ctx context.Context, remoteDir, localDir string, depth int) error {
	if depth > maxTreeDepth {
		return fmt.Errorf("%s: deeper than %d levels", remoteDir, maxTreeDepth)
	}
	s, err := t.session(ctx)
	if err != nil {
		return err
	}
	ents, err := s.list(remoteDir)
	if err != nil {
		t.close()
		return fmt.Errorf("list %s: %w", remoteDir, err)
	}
	for _, d := range ents {
		if err := ctx.Err(); err != nil {
			return err
		}
		if d.Name == "." || d.Name == ".." {
			continue // adbd lists them; they are not entries to copy
		}
		remote := remoteDir + "/" + d.Name
		if remoteDir == "/" {
			remote = "/" + d.Name
		}
		if !ValidName(d.Name) {
			t.c.log.WarnContext(ctx, "adb: refused hostile file name", slog.String("serial", t.serial), slog.String("dir", remoteDir), slog.String("name", d.Name))
			t.results = append(t.results, FileResult{Remote: remote, Err: fmt.Errorf("%s: %w: %q", remoteDir, ErrHostileName, d.Name)})
			continue
		}
		local := filepath.Join(localDir, d.Name)
		switch {
		case d.IsDir():
			if err := durable.MkdirAll(local, 0o750); err != nil {
				t.results = append(t.results, FileResult{Remote: remote, Err: fmt.Errorf("create %s: %w", local, err)})
				continue
			}
			if err := t.walk(ctx, remote, local, depth+1); err != nil {
				return err
			}
		case d.IsRegular():
			t.results = append(t.results, t.pullFile(ctx, remote, local))
		default:
			t.results = append(t.results, FileResult{Remote: remote, Err: fmt.Errorf("%s: %w (mode %#o)", remote, ErrNotRegular, d.Mode)})
		}
	}
	return nil
}

// pullFile writes remote to local durably: temp file, fsync, link, fsync dir.
func (t *treePull) pullFile(ctx context.Context, remote, local string) FileResult {
	fr := FileResult{Remote: remote}
	s, err := t.session(ctx)
	if err != nil {
		fr.Err = fmt.Errorf("pull %s: %w", remote, err)
		return fr
	}
	tmp, err := durable.Create(local, 0o600)
	if err != nil {
		fr.Err = fmt.Errorf("pull %s: %w", remote, err)
		return fr
	}
	defer tmp.Close() // after a commit the final name keeps the data
	res, err := s.pull(ctx, remote, tmp)
	if err != nil {
		var re *syncproto.RemoteError
		if !errors.As(err, &re) || errors.Is(err, ErrIncomplete) {
			t.close() // the session may be mid-frame: start a fresh one for the next file
		}
		fr.Err = fmt.Errorf("pull %s: %w", remote, ctxErr(ctx, err))
		t.c.log.WarnContext(ctx, "adb: pull failed", slog.String("serial", t.serial), slog.String("remote", remote), slog.Any("error", fr.Err))
		return fr
	}
	// The device's mtime goes on before the fsync, so it is durable too.
	if err := os.Chtimes(tmp.TempName(), res.MTime, res.MTime); err != nil {
		fr.Err = fmt.Errorf("pull %s: set time of %s: %w", remote, tmp.TempName(), err)
		return fr
	}
	if err := tmp.Commit(); err != nil {
		fr.Err = fmt.Errorf("pull %s: %w", remote, err)
		return fr
	}
	t.c.log.DebugContext(ctx, "adb: pulled file", slog.String("serial", t.serial), slog.String("remote", remote),
		slog.String("local", local), slog.Int64("size", res.Size), slog.String("sha256", hex.EncodeToString(res.SHA256[:])))
	fr.Local, fr.PullResult = local, res
	return fr
}
