package blob

import (
	"path/filepath"

	"github.com/attesta/attesta/internal/durable"
)

// tmpPrefix starts the names of temporary files: internal/durable's, which every write here uses; Open and
// EraseCase remove leftovers with durable.RemoveTemps.
const tmpPrefix = durable.TempPrefix

// mkdirDurable creates dir (and its parents) if missing and makes the new entries durable.
func mkdirDurable(dir string) error { return durable.MkdirAll(dir, 0o700) }

// writeFileOnce durably creates dir/name with content data. It never replaces an existing file: if the name
// exists it returns an error wrapping fs.ErrExist and leaves the existing file alone.
func writeFileOnce(dir, name string, data []byte) error {
	return durable.WriteNew(filepath.Join(dir, name), data, 0o600)
}
