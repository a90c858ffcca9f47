package android

import (
	"archive/zip"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"
)

// ZipMember is one entry of a multi-file backup's ZIP archive.
type ZipMember struct {
	Name           string
	Size           uint64 // uncompressed size as declared by the archive
	CompressedSize uint64
	Modified       time.Time
	Dir            bool
	// Set for extracted members only.
	Path   string // where it was written
	Kind   PayloadKind
	SHA256 [sha256.Size]byte
}

// ExtractLimits bound what ExtractZip writes, whatever the archive
// declares. Zero fields take the defaults shown.
type ExtractLimits struct {
	MaxFiles    int   // default 10 000 members
	MaxFileSize int64 // default 16 GiB per member
	MaxTotal    int64 // default 64 GiB in all
}

func (l ExtractLimits) withDefaults() ExtractLimits {
	if l.MaxFiles <= 0 {
		l.MaxFiles = 10_000
	}
	if l.MaxFileSize <= 0 {
		l.MaxFileSize = 16 << 30
	}
	if l.MaxTotal <= 0 {
		l.MaxTotal = 64 << 30
	}
	return l
}

// ListZip lists the members of a ZIP payload.
func ListZip(r io.ReaderAt, size int64) ([]ZipMember, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, fmt.Errorf("list zip: %w: %w", err, ErrNotDatabase)
	}
	ms := make([]ZipMember, 0, len(zr.File))
	for _, f := range zr.File {
		ms = append(ms, zipMember(f))
	}
	return ms, nil
}

func zipMember(f *zip.File) ZipMember {
	return ZipMember{Name: f.Name, Size: f.UncompressedSize64, CompressedSize: f.CompressedSize64,
		Modified: f.Modified, Dir: f.FileInfo().IsDir()}
}

// DatabaseMember selects the members of a multi-file backup that hold
// databases (msgstore.db, wa.db and the like): names ending in .db, .sqlite
// or .sql.
func DatabaseMember(name string) bool {
	switch strings.ToLower(path.Ext(name)) {
	case ".db", ".sqlite", ".sql":
		return true
	}
	return false
}

// ExtractZip writes the members of a ZIP payload that want selects (all
// regular files when want is nil) under dir, which must exist. Unsafe names
// (absolute, "..", backslashes, drive letters), links and other special
// files fail with ErrUnsafePath; going over a limit fails with ErrTooLarge.
// Existing files are never overwritten. On error, the files this call wrote
// are removed.
func ExtractZip(ctx context.Context, r io.ReaderAt, size int64, dir string, lim ExtractLimits, want func(name string) bool) (ms []ZipMember, err error) {
	lim = lim.withDefaults()
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, fmt.Errorf("extract zip: %w: %w", err, ErrNotDatabase)
	}
	if len(zr.File) > lim.MaxFiles {
		return nil, fmt.Errorf("extract zip: %d members, limit %d: %w", len(zr.File), lim.MaxFiles, ErrTooLarge)
	}
	var written []string
	defer func() {
		if err != nil {
			for _, p := range written {
				os.Remove(p)
			}
			ms = nil
		}
	}()
	var total int64
	for i, f := range zr.File {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("extract zip: %w", err)
		}
		if err := checkZipName(f); err != nil {
			return nil, fmt.Errorf("extract zip: member %d %q: %w", i, f.Name, err)
		}
		if f.FileInfo().IsDir() || (want != nil && !want(f.Name)) {
			continue
		}
		m := zipMember(f)
		m.Path = filepath.Join(dir, filepath.FromSlash(f.Name))
		created, n, err := extractMember(f, &m, lim.MaxFileSize, lim.MaxTotal-total)
		if created {
			written = append(written, m.Path)
		}
		if err != nil {
			return nil, fmt.Errorf("extract zip: member %d %q: %w", i, f.Name, err)
		}
		total += n
		ms = append(ms, m)
	}
	return ms, nil
}

// checkZipName refuses names that could land outside the target directory
// and entries that are not plain files or directories.
func checkZipName(f *zip.File) error {
	name := strings.TrimSuffix(f.Name, "/")
	switch {
	case strings.ContainsAny(f.Name, "\\\x00:"):
		return fmt.Errorf("name has a backslash, NUL or colon: %w", ErrUnsafePath)
	case !filepath.IsLocal(filepath.FromSlash(name)) || path.IsAbs(f.Name):
		return fmt.Errorf("name escapes the extraction directory: %w", ErrUnsafePath)
	}
	switch mode := f.Mode(); {
	case mode&os.ModeSymlink != 0:
		return fmt.Errorf("symbolic links are not extracted: %w", ErrUnsafePath)
	case !mode.IsRegular() && !mode.IsDir():
		return fmt.Errorf("special file (mode %v) is not extracted: %w", mode, ErrUnsafePath)
	}
	return nil
}

// extractMember copies one member, counting real bytes (declared sizes can
// lie). It reports whether it created the file and how much it wrote.
func extractMember(f *zip.File, m *ZipMember, maxFile, budget int64) (bool, int64, error) {
	limit := min(maxFile, budget)
	if f.UncompressedSize64 > uint64(limit) {
		return false, 0, fmt.Errorf("declares %d bytes, limit %d: %w", f.UncompressedSize64, limit, ErrTooLarge)
	}
	rc, err := f.Open()
	if err != nil {
		return false, 0, err
	}
	defer rc.Close()
	sn := &sniffer{}
	created, n, sum, err := copyNew(m.Path, rc, limit, sn)
	if err != nil {
		return created, n, err
	}
	m.SHA256 = sum
	m.Kind = SniffPayload(sn.head)
	return true, n, nil
}

// sniffer keeps the first bytes written to it.
type sniffer struct{ head []byte }

func (s *sniffer) Write(p []byte) (int, error) {
	if need := len(sqliteMagic) - len(s.head); need > 0 {
		s.head = append(s.head, p[:min(need, len(p))]...)
	}
	return len(p), nil
}

var _ io.Writer = (*sniffer)(nil)
