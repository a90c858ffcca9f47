package durable

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// ErrFinished is returned by a write or commit on a [File] already committed or closed.
var ErrFinished = errors.New("durable: file already committed or closed")

// File is a file being written durably: a temporary file beside its target, which gets the target's name only when
// committed. It is not safe for concurrent use.
type File struct {
	f      *os.File
	path   string
	failed error // the first write error: a file that lost bytes is never committed
	done   bool
}

// Create starts writing path with mode. The directory of path must exist (see [MkdirAll]). The caller must
// eventually call Commit, CommitReplace or Close; Close after a commit does nothing, so `defer f.Close()` is the
// habit.
func Create(path string, mode fs.FileMode) (*File, error) {
	base := filepath.Base(path)
	if len(base) > maxTempBase {
		base = base[:maxTempBase]
	}
	f, err := os.CreateTemp(filepath.Dir(path), TempPrefix+base+"-*")
	if err != nil {
		return nil, fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Chmod(mode); err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, fmt.Errorf("write %s: %w", path, err)
	}
	return &File{f: f, path: path}, nil
}

// Name returns the target path, the name the file gets when committed.
func (f *File) Name() string { return f.path }

// TempName returns the name of the temporary file, for the few operations that need a path before the commit
// (setting its times, for example). Its content must be written through f.
func (f *File) TempName() string { return f.f.Name() }

// Write writes p to the temporary file. After a failed write the file can only be closed.
func (f *File) Write(p []byte) (int, error) {
	if f.done {
		return 0, ErrFinished
	}
	if f.failed != nil {
		return 0, f.failed
	}
	n, err := f.f.Write(p)
	if err != nil {
		f.failed = fmt.Errorf("write %s: %w", f.path, err)
		return n, f.failed
	}
	return n, nil
}

// Commit makes the content durable under the target name, which must not exist: when it does, Commit fails with an
// error matching fs.ErrExist and leaves the existing file untouched. The temporary file is removed in every case.
func (f *File) Commit() error {
	return f.commit(func(tmp string) error {
		if err := os.Link(tmp, f.path); err != nil {
			return fmt.Errorf("create %s: %w", f.path, err)
		}
		return nil
	})
}

// CommitReplace makes the content durable under the target name, atomically replacing any previous file there.
func (f *File) CommitReplace() error {
	return f.commit(func(tmp string) error {
		if err := os.Rename(tmp, f.path); err != nil {
			return fmt.Errorf("replace %s: %w", f.path, err)
		}
		return nil
	})
}

func (f *File) commit(publish func(tmp string) error) error {
	if f.done {
		return ErrFinished
	}
	f.done = true
	tmp := f.f.Name()
	defer os.Remove(tmp) // after a link the target keeps the data; after a rename tmp is gone already
	if f.failed != nil {
		f.f.Close()
		return f.failed
	}
	if err := f.f.Sync(); err != nil {
		f.f.Close()
		return fmt.Errorf("write %s: fsync: %w", f.path, err)
	}
	if err := f.f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", f.path, err)
	}
	if err := publish(tmp); err != nil {
		return err
	}
	return SyncDir(filepath.Dir(f.path))
}

// Close aborts an uncommitted file: the temporary file is removed and the target is not touched. After a commit it
// does nothing and returns nil.
func (f *File) Close() error {
	if f.done {
		return nil
	}
	f.done = true
	cerr := f.f.Close()
	if err := os.Remove(f.f.Name()); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("abort %s: %w", f.path, err)
	}
	if cerr != nil && !errors.Is(cerr, os.ErrClosed) {
		return fmt.Errorf("abort %s: %w", f.path, cerr)
	}
	return nil
}
