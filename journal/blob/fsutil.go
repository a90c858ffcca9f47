package blob

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/attesta/attesta/internal/durable"
)

// tmpPrefix starts the names of temporary files: internal/durable's, which Put uses too.
const tmpPrefix = durable.TempPrefix

// mkdirDurable creates dir (and its parents) if missing and makes the new entries durable.
func mkdirDurable(dir string) error { return durable.MkdirAll(dir, 0o700) }

// writeFileOnce durably creates dir/name with content data. It never replaces an existing file: if the name
// exists it returns an error wrapping fs.ErrExist and leaves the existing file alone.
func writeFileOnce(dir, name string, data []byte) error {
	return durable.WriteNew(filepath.Join(dir, name), data, 0o600)
}

// removeTemps deletes leftover temporaries in dir (a crash between create and link leaves them) and returns how
// many it removed. A missing dir is not an error.
func removeTemps(dir string) (int, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("list %s: %w", dir, err)
	}
	n := 0
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), tmpPrefix) {
			continue
		}
		if err := os.Remove(filepath.Join(dir, e.Name())); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return n, fmt.Errorf("remove temporary: %w", err)
		}
		n++
	}
	if n > 0 {
		return n, durable.SyncDir(dir)
	}
	return 0, nil
}
