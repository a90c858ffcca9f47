package bundle

import (
	"archive/zip"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/attesta/attesta/evidence"
)

// tree is a delivery folder as Verify reads it: on disk or inside its ZIP. Paths are slash-separated and relative
// to the folder.
type tree interface {
	name() string            // the folder's name
	sizes() map[string]int64 // every regular file and its size
	open(p string) (io.ReadCloser, error)
	problems() []Check // entries refused: unsafe paths, links, duplicates
	close() error
}

// dirTree reads a folder through an os.Root, so that no path, not even a symbolic link, can lead outside it.
type dirTree struct {
	root  *os.Root
	base  string
	files map[string]int64
	bad   []Check
}

func openDirTree(dir string) (*dirTree, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	t := &dirTree{root: root, base: filepath.Base(filepath.Clean(dir)), files: map[string]int64{}}
	err = fs.WalkDir(root.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			return nil
		case !d.Type().IsRegular():
			t.bad = append(t.bad, unsafeEntry(p, "container.not-regular", d.Type().String()))
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		t.files[p] = info.Size()
		return nil
	})
	if err != nil {
		root.Close()
		return nil, err
	}
	return t, nil
}

func (t *dirTree) name() string            { return t.base }
func (t *dirTree) sizes() map[string]int64 { return t.files }
func (t *dirTree) problems() []Check       { return t.bad }
func (t *dirTree) close() error            { return t.root.Close() }
func (t *dirTree) open(p string) (io.ReadCloser, error) {
	f, err := t.root.Open(filepath.FromSlash(p))
	if err != nil {
		return nil, err
	}
	if info, err := f.Stat(); err != nil || !info.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("%s: %w: not a regular file", p, ErrUnsafePath)
	}
	return f, nil
}

// zipTree reads a delivery ZIP: one top-level folder holding the delivery, every entry a regular file (or an
// empty directory entry) under it, with a safe relative name given once.
type zipTree struct {
	zr    *zip.ReadCloser
	top   string
	files map[string]*zip.File
	size  map[string]int64
	bad   []Check
}

func openZipTree(path string) (*zipTree, error) {
	zr, err := zip.OpenReader(path)
	if err != nil && err != zip.ErrInsecurePath {
		return nil, err
	}
	t := &zipTree{zr: zr, files: map[string]*zip.File{}, size: map[string]int64{}}
	for _, f := range zr.File {
		t.add(f)
	}
	return t, nil
}

func (t *zipTree) add(f *zip.File) {
	name := f.Name
	top, rest, _ := strings.Cut(name, "/")
	if t.top == "" && evidence.ValidRelPath(top) == nil {
		t.top = top
	}
	if evidence.ValidRelPath(strings.TrimSuffix(name, "/")) != nil || top != t.top {
		t.bad = append(t.bad, unsafeEntry(name, "container.unsafe-name"))
		return
	}
	if strings.HasSuffix(name, "/") || rest == "" {
		if !f.Mode().IsDir() || f.UncompressedSize64 != 0 {
			t.bad = append(t.bad, unsafeEntry(name, "container.directory-content"))
		}
		return
	}
	if !f.Mode().IsRegular() {
		t.bad = append(t.bad, unsafeEntry(rest, "container.not-regular", f.Mode().String()))
		return
	}
	if _, dup := t.files[rest]; dup {
		t.bad = append(t.bad, unsafeEntry(rest, "container.duplicate"))
		return
	}
	t.files[rest] = f
	t.size[rest] = int64(f.UncompressedSize64)
}

func (t *zipTree) name() string            { return t.top }
func (t *zipTree) sizes() map[string]int64 { return t.size }
func (t *zipTree) problems() []Check       { return t.bad }
func (t *zipTree) close() error            { return t.zr.Close() }
func (t *zipTree) open(p string) (io.ReadCloser, error) {
	f, ok := t.files[p]
	if !ok {
		return nil, fmt.Errorf("%s: %w", p, fs.ErrNotExist)
	}
	return f.Open()
}

// unsafeEntry is a failed container check on p, its detail the catalog's text of key with args.
func unsafeEntry(p, key string, args ...any) Check {
	it, en := texts(key, args...)
	return Check{Name: CheckContainer, Outcome: Fail, File: p, EN: en, IT: it}
}

// sortedPaths returns the keys of m in byte order.
func sortedPaths[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
