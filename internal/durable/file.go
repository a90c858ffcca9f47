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
	synced bool  // the content is fsynced and the temporary closed; only naming it is left
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
	return f.write(func() (int, error) { return f.f.Write(p) })
}

// WriteAt writes p at offset off of the temporary file, for a header whose content is known only at the end. After
// a failed write the file can only be closed.
func (f *File) WriteAt(p []byte, off int64) (int, error) {
	return f.write(func() (int, error) { return f.f.WriteAt(p, off) })
}

func (f *File) write(w func() (int, error)) (int, error) {
	if f.done || f.synced {
		return 0, ErrFinished
	}
	if f.failed != nil {
		return 0, f.failed
	}
	n, err := w()
	if err != nil {
		f.failed = fmt.Errorf("write %s: %w", f.path, err)
		return n, f.failed
	}
	return n, nil
}

// StartWriteback asks the kernel to begin writing [off, off+n) of the file to disk now, so that the commit's fsync
// of a large file does not have to write all of it at once. It is only a hint, a no-op where the system has no such
// call; the commit's fsync is what makes the content durable.
func (f *File) StartWriteback(off, n int64) {
	if !f.done && !f.synced {
		startWriteback(f.f, off, n)
	}
}

// CommitAs is Commit under a name known only once the content is written (a content address, for example), in the
// directory of the name given to Create. When path exists CommitAs fails with an error matching fs.ErrExist, leaves
// the existing file untouched and, unlike Commit, keeps the content: the caller may check the existing file, move it
// aside and call CommitAs again, or Close.
func (f *File) CommitAs(path string) error {
	if filepath.Dir(path) != filepath.Dir(f.path) {
		return fmt.Errorf("create %s: not in the directory of %s", path, f.path)
	}
	return f.commit(path, true, func(tmp string) error {
		if err := os.Link(tmp, path); err != nil {
			return fmt.Errorf("create %s: %w", path, err)
		}
		return nil
	})
}

// Commit makes the content durable under the target name, which must not exist: when it does, Commit fails with an
// error matching fs.ErrExist and leaves the existing file untouched. The temporary file is removed in every case.
func (f *File) Commit() error {
	return f.commit(f.path, false, func(tmp string) error {
		if err := os.Link(tmp, f.path); err != nil {
			return fmt.Errorf("create %s: %w", f.path, err)
		}
		return nil
	})
}

// CommitReplace makes the content durable under the target name, atomically replacing any previous file there.
func (f *File) CommitReplace() error {
	return f.commit(f.path, false, func(tmp string) error {
		if err := os.Rename(tmp, f.path); err != nil {
			return fmt.Errorf("replace %s: %w", f.path, err)
		}
		return nil
	})
}

// commit syncs the content, publishes it under target and syncs target's directory. With keepOnExist, a target
// that exists leaves the file uncommitted, for another try.
func (f *File) commit(target string, keepOnExist bool, publish func(tmp string) error) error {
	if f.done {
		return ErrFinished
	}
	tmp := f.f.Name()
	if err := f.sync(); err != nil {
		f.done = true
		os.Remove(tmp)
		return err
	}
	err := publish(tmp)
	if keepOnExist && errors.Is(err, fs.ErrExist) {
		return err
	}
	f.done = true
	defer os.Remove(tmp) // after a link the target keeps the data; after a rename tmp is gone already
	if err != nil {
		return err
	}
	return SyncDir(filepath.Dir(target))
}

// sync fsyncs and closes the temporary file, once.
func (f *File) sync() error {
	if f.synced {
		return nil
	}
	f.synced = true
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
	return nil
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
