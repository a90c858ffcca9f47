// Package durable writes files so that a crash at any point leaves either no file (or the old one) or the complete
// new one, never a torn one, and so that a write that returned is on disk. It is the one place in Attesta that
// fsyncs.
//
// # Files
//
// Every write goes through a temporary file in the same directory as its target, named TempPrefix + (a prefix of)
// the target's base name + a random suffix. [Create] opens one and returns a [File], an io.Writer; nothing is visible
// under the target's name while it is written. [File.Commit] fsyncs the temporary file, links it to the target name
// — never replacing an existing file: when the target exists it fails with an error matching fs.ErrExist and the
// existing file is untouched — and fsyncs the directory, so that the new name itself is durable.
// [File.CommitReplace] renames instead, atomically replacing a previous version: for state that legitimately
// changes; evidence uses Commit. [File.CommitAs] links under a name known only once the content is written (a
// content address) and, when that name exists, keeps the content for another try. [File.Close] before a commit aborts: the temporary file is removed and the target
// never appears. [WriteNew] and [Replace] do all of this for data already in memory. [Append] adds a record to the
// end of a log file and fsyncs it. [Shred] overwrites a secret before removing it.
//
// # Directories
//
// [MkdirAll] creates a directory and its missing parents and fsyncs the parent of every directory it created, so
// that a file committed inside survives a crash together with the path that leads to it. [SyncDir] makes one
// directory's entries durable.
//
// # Crash recovery
//
// A crash between Create and a commit leaves a temporary file. Stores that own a directory remove such leftovers at
// start with [RemoveTemps]. A crash after the link but before the directory fsync leaves either the complete file or
// none.
package durable

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// TempPrefix starts the name of every temporary file this package creates.
const TempPrefix = ".tmp-"

// maxTempBase bounds the part of the target's name that goes into a temporary name, keeping it within NAME_MAX.
const maxTempBase = 64

// SyncDir makes dir's entries (files created, linked, renamed or removed in it) durable.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("fsync directory %s: %w", dir, err)
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("fsync directory %s: %w", dir, err)
	}
	return nil
}

// WriteNew creates path with data and mode. It never replaces an existing file: when path exists it fails with an
// error matching fs.ErrExist, and the existing file is untouched.
func WriteNew(path string, data []byte, mode fs.FileMode) error {
	return writeWhole(path, data, mode, (*File).Commit)
}

// Replace writes path with data and mode, atomically replacing any previous version. For state that legitimately
// changes; evidence uses WriteNew.
func Replace(path string, data []byte, mode fs.FileMode) error {
	return writeWhole(path, data, mode, (*File).CommitReplace)
}

// WriteNewJSON is WriteNew of v as indented JSON with a final newline, the form of the appliance's JSON files.
func WriteNewJSON(path string, v any, mode fs.FileMode) error {
	return writeJSON(path, v, mode, (*File).Commit)
}

// ReplaceJSON is Replace of v as indented JSON with a final newline, the form of the appliance's registers.
func ReplaceJSON(path string, v any, mode fs.FileMode) error {
	return writeJSON(path, v, mode, (*File).CommitReplace)
}

func writeJSON(path string, v any, mode fs.FileMode, commit func(*File) error) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("encode %s: %w", path, err)
	}
	return writeWhole(path, append(data, '\n'), mode, commit)
}

func writeWhole(path string, data []byte, mode fs.FileMode, commit func(*File) error) error {
	f, err := Create(path, mode)
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := f.Write(data); err != nil {
		return err
	}
	return commit(f)
}

// MkdirAll creates dir and any missing parents with perm (before umask), like os.MkdirAll, and fsyncs the parent of
// each directory it created. A dir that already exists is not an error; a non-directory in the way is.
func MkdirAll(dir string, perm fs.FileMode) error {
	dir = filepath.Clean(dir)
	var missing []string // deepest first
	for d := dir; ; d = filepath.Dir(d) {
		fi, err := os.Stat(d)
		if err == nil {
			if !fi.IsDir() {
				return fmt.Errorf("create directory %s: %s is not a directory", dir, d)
			}
			break
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("create directory %s: %w", dir, err)
		}
		missing = append(missing, d)
		if filepath.Dir(d) == d {
			break
		}
	}
	for i := len(missing) - 1; i >= 0; i-- {
		d := missing[i]
		if err := os.Mkdir(d, perm); err != nil && !errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("create directory %s: %w", dir, err)
		}
		// Also when another process won the race: its fsync may not have happened yet.
		if err := SyncDir(filepath.Dir(d)); err != nil {
			return fmt.Errorf("create directory %s: %w", dir, err)
		}
	}
	return nil
}

// RemoveTemps removes the temporary files a crash left in dir (not recursively) and returns how many it removed.
func RemoveTemps(dir string) (int, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return 0, nil
		}
		return 0, fmt.Errorf("clean %s: %w", dir, err)
	}
	n := 0
	for _, e := range entries {
		if !e.Type().IsRegular() || !strings.HasPrefix(e.Name(), TempPrefix) {
			continue
		}
		if err := os.Remove(filepath.Join(dir, e.Name())); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return n, fmt.Errorf("clean %s: %w", dir, err)
		}
		n++
	}
	if n > 0 {
		return n, SyncDir(dir)
	}
	return 0, nil
}

// Shred overwrites the file at path with random bytes, fsyncs it, removes it and fsyncs its directory, for a
// secret (a wrapped key) that must not survive its deletion. It reports whether there was a file; a missing one is
// not an error. Overwriting is best effort: it defeats undelete on a plain file system, not flash wear levelling or
// copy-on-write.
func Shred(path string) (bool, error) {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("shred %s: %w", path, err)
	}
	fi, err := f.Stat()
	if err == nil {
		junk := make([]byte, fi.Size())
		rand.Read(junk)
		_, err = f.WriteAt(junk, 0)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return false, fmt.Errorf("shred %s: overwrite: %w", path, err)
	}
	if err := os.Remove(path); err != nil {
		return false, fmt.Errorf("shred %s: %w", path, err)
	}
	return true, SyncDir(filepath.Dir(path))
}

// Append appends data to the file at path, creating it with mode if missing, and returns once data is on disk (and,
// for a new file, its name too). A crash during an append can leave a torn last record: readers of an appended file
// must tolerate or detect one.
func Append(path string, data []byte, mode fs.FileMode) error {
	created := true
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE|os.O_EXCL, mode)
	if errors.Is(err, fs.ErrExist) {
		created = false
		f, err = os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	}
	if err != nil {
		return fmt.Errorf("append to %s: %w", path, err)
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("append to %s: %w", path, err)
	}
	if created {
		return SyncDir(filepath.Dir(path))
	}
	return nil
}
