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
	"strings"
	"sync"
	"time"

	"github.com/klauspost/compress/flate"

	"github.com/attesta/attesta/internal/durable"
)

// zipTime is the modification time of every ZIP entry, so that the same folder always gives the same bytes.
var zipTime = time.Date(1980, time.January, 1, 0, 0, 0, 0, time.UTC)

// WriteZip writes the delivery folder as a ZIP to w: one entry per regular file, named <folder>/<path>, sorted by
// path, mode 0644, all with the same fixed time (1980-01-01), so that the archive is a function of the folder's
// contents and name only. Files already compressed (the report, photos, videos, audio: [storedExt]) are stored;
// the rest is deflated at [zipLevel]. Symbolic links and other special files are refused (ErrUnsafePath).
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
	zw.RegisterCompressor(zip.Deflate, newDeflater)
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
	method := zip.Deflate
	if storedExt[strings.ToLower(path.Ext(p))] {
		method = zip.Store
	}
	h := &zip.FileHeader{Name: path.Join(t.name(), p), Method: method, Modified: zipTime}
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

// zipLevel is the deflate level of the ZIPs' entries: github.com/klauspost/compress's level 3 deflates the
// manifest and the raw rows (JSON) about ten times faster than the standard library's default level, into about 8 %
// more bytes.
const zipLevel = 3

// deflaters are reused deflate writers: a new one allocates and clears its tables (hundreds of KB).
var deflaters sync.Pool

// newDeflater is the ZIP writer's deflate compressor: a pooled writer at zipLevel, back in the pool once closed.
func newDeflater(w io.Writer) (io.WriteCloser, error) {
	if fw, ok := deflaters.Get().(*flate.Writer); ok {
		fw.Reset(w)
		return pooledDeflater{fw}, nil
	}
	fw, err := flate.NewWriter(w, zipLevel)
	if err != nil {
		return nil, err
	}
	return pooledDeflater{fw}, nil
}

type pooledDeflater struct{ *flate.Writer }

func (d pooledDeflater) Close() error {
	err := d.Writer.Close()
	deflaters.Put(d.Writer)
	return err
}

// storedExt are the extensions of the files a delivery holds that are compressed already: deflating them again
// costs time and saves next to nothing (the report's streams are deflated; photos, videos and audio are coded).
var storedExt = map[string]bool{
	".pdf": true, ".jpg": true, ".jpeg": true, ".png": true, ".webp": true, ".gif": true, ".heic": true,
	".mp4": true, ".m4v": true, ".mov": true, ".3gp": true, ".webm": true, ".mkv": true,
	".opus": true, ".ogg": true, ".oga": true, ".m4a": true, ".aac": true, ".mp3": true, ".amr": true,
	".zip": true, ".gz": true,
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
