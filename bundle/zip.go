package bundle

import (
	"archive/zip"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"time"

	"github.com/attesta/attesta/internal/durable"
)

// zipTime is the modification time of every ZIP entry, so that the same folder always gives the same bytes.
var zipTime = time.Date(1980, time.January, 1, 0, 0, 0, 0, time.UTC)

// WriteZip writes the delivery folder as a ZIP to w: one entry per regular file, named <folder>/<path>, sorted by
// path, deflated, mode 0644, all with the same fixed time (1980-01-01), so that the archive is a function of the
// folder's contents and name only. Symbolic links and other special files are refused (ErrUnsafePath).
func WriteZip(ctx context.Context, w io.Writer, folder string) error {
	t, err := openDirTree(folder)
	if err != nil {
		return fmt.Errorf("bundle: zip %s: %w", folder, err)
	}
	defer t.close()
	if bad := t.problems(); len(bad) > 0 {
		return fmt.Errorf("bundle: zip %s: %s: %w: %s", folder, bad[0].File, ErrUnsafePath, bad[0].EN)
	}
	zw := zip.NewWriter(w)
	for _, p := range sortedPaths(t.sizes()) {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := zipFile(ctx, zw, t, p); err != nil {
			return fmt.Errorf("bundle: zip %s: %s: %w", folder, p, err)
		}
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("bundle: zip %s: %w", folder, err)
	}
	return nil
}

func zipFile(ctx context.Context, zw *zip.Writer, t *dirTree, p string) error {
	h := &zip.FileHeader{Name: path.Join(t.name(), p), Method: zip.Deflate, Modified: zipTime}
	h.SetMode(0o644)
	out, err := zw.CreateHeader(h)
	if err != nil {
		return err
	}
	in, err := t.open(p)
	if err != nil {
		return err
	}
	defer in.Close()
	_, err = io.Copy(out, ctxReader{ctx, in})
	return err
}

// WriteZipFile writes the ZIP of folder to the file zipPath durably (internal/durable: temporary file, fsync, link),
// refusing to overwrite an existing file (ErrExists).
func WriteZipFile(ctx context.Context, zipPath, folder string) error {
	if _, err := os.Lstat(zipPath); err == nil {
		return fmt.Errorf("bundle: zip %s: %w", zipPath, ErrExists)
	}
	f, err := durable.Create(zipPath, 0o644)
	if err != nil {
		return fmt.Errorf("bundle: zip %s: %w", zipPath, err)
	}
	defer f.Close()
	if err := WriteZip(ctx, f, folder); err != nil {
		return err
	}
	if err := f.Commit(); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("bundle: zip %s: %w", zipPath, ErrExists)
		}
		return fmt.Errorf("bundle: zip %s: %w", zipPath, err)
	}
	return nil
}
