package android

import (
	"archive/tar"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// TarMember is one entry of an Android backup's tar stream.
type TarMember struct {
	Name     string
	Size     int64
	Mode     int64
	Modified time.Time
	Type     byte // tar type flag
}

// ListTar lists the entries of an Android backup's tar stream, reading it
// to the end.
func ListTar(ctx context.Context, r io.Reader) ([]TarMember, error) {
	var ms []TarMember
	err := walkTar(ctx, r, func(h *tar.Header, _ io.Reader) error {
		ms = append(ms, tarMember(h))
		return nil
	})
	return ms, err
}

func tarMember(h *tar.Header) TarMember {
	return TarMember{Name: h.Name, Size: h.Size, Mode: h.Mode, Modified: h.ModTime, Type: h.Typeflag}
}

func walkTar(ctx context.Context, r io.Reader, fn func(*tar.Header, io.Reader) error) error {
	tr := tar.NewReader(r)
	for i := 0; ; i++ {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("read tar: %w", err)
		}
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			// Read the padding after the end-of-archive marker too, so the
			// stream's own checks (zlib checksum, CBC padding) run.
			if _, err := io.Copy(io.Discard, r); err != nil {
				return fmt.Errorf("read tar: after the last entry: %w", tarErr(err))
			}
			return nil
		}
		if err != nil {
			return fmt.Errorf("read tar: entry %d: %w", i, tarErr(err))
		}
		if err := fn(h, tr); err != nil {
			return fmt.Errorf("read tar: entry %d %q: %w", i, h.Name, tarErr(err))
		}
	}
}

// tarErr classifies a bare tar error as damage unless it already says more.
func tarErr(err error) error {
	switch {
	case errors.Is(err, ErrTruncated), errors.Is(err, ErrCorrupt), errors.Is(err, ErrWrongPassword),
		errors.Is(err, ErrTooLarge), errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("%w: %w", err, ErrTruncated)
	case errors.Is(err, tar.ErrHeader):
		return fmt.Errorf("%w: %w", err, ErrCorrupt)
	}
	return err
}

// WhatsAppPackages are the Android packages whose data ExtractWhatsApp pulls.
var WhatsAppPackages = []string{"com.whatsapp", "com.whatsapp.w4b"}

// whatsAppFiles are the files, relative to apps/<package>/, that matter:
// the databases and the crypt12/14 key (or crypt15 key file).
var whatsAppFiles = []string{"db/msgstore.db", "db/wa.db", "f/key", "f/encrypted_backup.key"}

// ExtractedFile is a file pulled out of an Android backup.
type ExtractedFile struct {
	TarPath string // e.g. apps/com.whatsapp/db/msgstore.db
	Path    string // where it was written: dir/<package>/<base name>
	Size    int64
	SHA256  [sha256.Size]byte
}

// ExtractWhatsApp reads an Android backup's tar stream and writes WhatsApp's
// msgstore.db, wa.db and key files to dir/<package>/<name> (dir must exist;
// existing files are never overwritten). Only those fixed paths are written,
// so names in the archive cannot steer a write; maxSize bounds each file
// (0 means 16 GiB). Other entries are skipped. On error, the files this
// call wrote are removed.
func ExtractWhatsApp(ctx context.Context, r io.Reader, dir string, maxSize int64) (files []ExtractedFile, err error) {
	if maxSize <= 0 {
		maxSize = 16 << 30
	}
	want := make(map[string]string)
	for _, p := range WhatsAppPackages {
		for _, f := range whatsAppFiles {
			want["apps/"+p+"/"+f] = filepath.Join(dir, p, filepath.Base(f))
		}
	}
	defer func() {
		if err != nil {
			for _, f := range files {
				os.Remove(f.Path)
			}
			files = nil
		}
	}()
	err = walkTar(ctx, r, func(h *tar.Header, body io.Reader) error {
		dst, ok := want[h.Name]
		if !ok || h.Typeflag != tar.TypeReg {
			return nil
		}
		delete(want, h.Name)
		f, werr := writeNewFile(dst, body, maxSize)
		if f.Path != "" {
			f.TarPath = h.Name
			files = append(files, f)
		}
		return werr
	})
	return files, err
}

// writeNewFile copies r into a new file at dst (never overwriting), counting
// and hashing. A returned Path means the file was created.
func writeNewFile(dst string, r io.Reader, maxSize int64) (ExtractedFile, error) {
	var f ExtractedFile
	created, n, sum, err := copyNew(dst, r, maxSize, nil)
	if created {
		f.Path = dst
	}
	f.Size, f.SHA256 = n, sum
	return f, err
}
