package android

import (
	"crypto/sha256"
	"fmt"
	"io"
	"path/filepath"

	"github.com/attesta/attesta/internal/durable"
)

// copyNew copies r into a new file at dst, never overwriting (an error matching fs.ErrExist when dst exists), and
// creates dst's missing parent directories. It writes durably: dst appears complete or not at all. It copies through
// also (may be nil) and hashes what it writes; n counts real bytes, whatever a header declared. More than limit bytes
// fail with ErrTooLarge. created reports whether dst now holds the copy.
func copyNew(dst string, r io.Reader, limit int64, also io.Writer) (created bool, n int64, sum [sha256.Size]byte, err error) {
	if err := durable.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		return false, 0, sum, err
	}
	out, err := durable.Create(dst, 0o600)
	if err != nil {
		return false, 0, sum, err
	}
	defer out.Close()
	h := sha256.New()
	w := io.MultiWriter(out, h)
	if also != nil {
		w = io.MultiWriter(out, h, also)
	}
	n, err = io.Copy(w, io.LimitReader(r, limit+1))
	h.Sum(sum[:0])
	switch {
	case err != nil:
		return false, n, sum, err
	case n > limit:
		return false, n, sum, fmt.Errorf("more than %d bytes: %w", limit, ErrTooLarge)
	}
	if err := out.Commit(); err != nil {
		return false, n, sum, err
	}
	return true, n, sum, nil
}
