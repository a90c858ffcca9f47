package bundle

import (
	"fmt"
	"io/fs"
	"os"
)

func renameChecked(oldpath, newpath string) error {
	if _, err := os.Lstat(newpath); err == nil {
		return fmt.Errorf("rename %s to %s: %w", oldpath, newpath, fs.ErrExist)
	}
	return os.Rename(oldpath, newpath)
}
