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

const tmpPrefix = ".tmp-"

// mkdirDurable creates dir (and its parent, recursively) if missing and makes the new entries durable.
func mkdirDurable(dir string) error {
	if _, err := os.Stat(dir); err == nil {
		return nil
	}
	parent := filepath.Dir(dir)
	if err := mkdirDurable(parent); err != nil {
		return err
	}
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("create directory: %w", err)
	}
	return durable.SyncDir(parent)
}

// writeFileOnce durably creates dir/name with content data. It never replaces an existing file: if the name
// exists it returns an error wrapping fs.ErrExist and leaves the existing file alone.
func writeFileOnce(dir, name string, data []byte) (err error) {
	tmp, err := os.CreateTemp(dir, tmpPrefix+"*")
	if err != nil {
		return fmt.Errorf("create temporary: %w", err)
	}
	defer func() {
		if rerr := os.Remove(tmp.Name()); rerr != nil && err == nil {
			err = fmt.Errorf("remove temporary: %w", rerr)
		}
	}()
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", tmp.Name(), err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("sync %s: %w", tmp.Name(), err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("close %s: %w", tmp.Name(), err)
	}
	if err := os.Link(tmp.Name(), filepath.Join(dir, name)); err != nil {
		return fmt.Errorf("link %s: %w", name, err)
	}
	return durable.SyncDir(dir)
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
