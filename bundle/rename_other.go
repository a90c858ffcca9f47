//go:build !linux

package bundle

// renameNoReplace renames oldpath to newpath, failing with fs.ErrExist when newpath exists. Without an atomic
// primitive, a folder created between the check and the rename can be replaced if it is empty.
func renameNoReplace(oldpath, newpath string) error {
	return renameChecked(oldpath, newpath)
}
