package ios

import (
	"context"
	"crypto/sha1"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/attesta/attesta/capture/ios/plist"

	_ "modernc.org/sqlite" // the "sqlite" driver
)

// Device is what Info.plist and Manifest.plist say about the phone the backup was taken from.
type Device struct {
	Name, ProductType, ProductVersion, BuildVersion, SerialNumber, UDID string
	LastBackup                                                          time.Time
}

// Backup is an open backup folder. It never writes into the folder.
type Backup struct {
	dir       string
	Device    Device
	Encrypted bool
	classKeys map[uint32][]byte
	db        *sql.DB
	clearDB   string // the decrypted Manifest.db in the caller's temporary directory; "" for a plain backup
}

// FileID is the name a backup gives a file: the hex SHA-1 of domain + "-" + relativePath.
func FileID(domain, relPath string) string {
	sum := sha1.Sum([]byte(domain + "-" + relPath))
	return hex.EncodeToString(sum[:])
}

// Open opens the backup folder dir. password is needed when the backup is encrypted (else [ErrPasswordRequired]);
// the clear Manifest.db of an encrypted backup is written into tempDir, which must be private, and removed by
// Close. Errors name the file concerned and wrap [ErrNotBackup], [ErrIncomplete], [ErrPasswordRequired],
// [ErrWrongPassword], [ErrKeybag] or [ErrCorrupt].
func Open(ctx context.Context, dir string, password []byte, tempDir string) (*Backup, error) {
	b := &Backup{dir: dir}
	if err := b.readPlists(password); err != nil {
		return nil, err
	}
	manifest := filepath.Join(dir, "Manifest.db")
	mf, err := openRegular(manifest)
	if err != nil {
		return nil, fmt.Errorf("ios: %s: %w: %v", manifest, ErrNotBackup, err)
	}
	mf.Close()
	if err := b.openManifest(ctx, manifest, tempDir); err != nil {
		b.Close()
		return nil, err
	}
	return b, nil
}

// Dir returns the backup folder.
func (b *Backup) Dir() string { return b.dir }

func (b *Backup) readPlists(password []byte) error {
	info, err := b.readPlist("Info.plist")
	if err != nil {
		return err
	}
	str := func(d map[string]any, k string) string { s, _, _ := plist.String(d, k); return s }
	b.Device = Device{Name: str(info, "Device Name"), ProductType: str(info, "Product Type"),
		ProductVersion: str(info, "Product Version"), BuildVersion: str(info, "Build Version"),
		SerialNumber: str(info, "Serial Number"), UDID: str(info, "Unique Identifier")}
	if t, ok := info["Last Backup Date"].(time.Time); ok {
		b.Device.LastBackup = t
	}
	status, err := b.readPlist("Status.plist")
	if err != nil {
		return err
	}
	if st, _, _ := plist.String(status, "SnapshotState"); st != "finished" {
		return fmt.Errorf("ios: %s: %w: SnapshotState %q, not \"finished\"", b.path("Status.plist"), ErrIncomplete, st)
	}
	man, err := b.readPlist("Manifest.plist")
	if err != nil {
		return err
	}
	enc, _, err := plist.Bool(man, "IsEncrypted")
	if err != nil {
		return fmt.Errorf("ios: %s: %w: %v", b.path("Manifest.plist"), ErrNotBackup, err)
	}
	b.Encrypted = enc
	if lock, ok := man["Lockdown"].(map[string]any); ok && b.Device.ProductVersion == "" {
		b.Device.ProductVersion = str(lock, "ProductVersion")
	}
	if !enc {
		return nil
	}
	return b.unlock(man, password)
}

func (b *Backup) unlock(man map[string]any, password []byte) error {
	mp := b.path("Manifest.plist")
	if len(password) == 0 {
		return fmt.Errorf("ios: %s: %w", b.dir, ErrPasswordRequired)
	}
	bag, ok, err := plist.Data(man, "BackupKeyBag")
	if err != nil || !ok {
		return fmt.Errorf("ios: %s: %w: no BackupKeyBag", mp, ErrKeybag)
	}
	kb, err := ParseKeybag(bag)
	if err != nil {
		return fmt.Errorf("ios: %s: BackupKeyBag: %w", mp, err)
	}
	if b.classKeys, err = kb.Unlock(password); err != nil {
		return fmt.Errorf("ios: %s: %w", mp, err)
	}
	return nil
}

func (b *Backup) path(name string) string { return filepath.Join(b.dir, name) }

func (b *Backup) readPlist(name string) (map[string]any, error) {
	p := b.path(name)
	raw, err := readSmall(p, 16<<20)
	if err != nil {
		return nil, fmt.Errorf("ios: %s: %w: %v", p, ErrNotBackup, err)
	}
	v, err := plist.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("ios: %s: %w: %v", p, ErrNotBackup, err)
	}
	d, err := plist.Dict(v, name)
	if err != nil {
		return nil, fmt.Errorf("ios: %s: %w: %v", p, ErrNotBackup, err)
	}
	return d, nil
}

func readSmall(p string, limit int64) ([]byte, error) {
	f, err := openRegular(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err == nil && int64(len(b)) > limit {
		err = fmt.Errorf("larger than %d bytes", limit)
	}
	return b, err
}

func (b *Backup) openManifest(ctx context.Context, manifest, tempDir string) error {
	path, query := manifest, "mode=ro&immutable=1"
	if b.Encrypted {
		clear, err := b.decryptManifest(manifest, tempDir)
		if err != nil {
			return err
		}
		b.clearDB, path = clear, clear
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	u := url.URL{Scheme: "file", Path: abs, RawQuery: query}
	db, err := sql.Open("sqlite", u.String())
	if err != nil {
		return fmt.Errorf("ios: %s: %w", manifest, err)
	}
	b.db = db
	var n int
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM Files").Scan(&n); err != nil {
		return fmt.Errorf("ios: %s: %w: %v", manifest, ErrNotBackup, err)
	}
	return nil
}

func (b *Backup) decryptManifest(manifest, tempDir string) (string, error) {
	man, err := b.readPlist("Manifest.plist")
	if err != nil {
		return "", err
	}
	mk, ok, err := plist.Data(man, "ManifestKey")
	if err != nil || !ok || len(mk) != 44 {
		return "", fmt.Errorf("ios: %s: %w: ManifestKey missing or not 4 + 40 bytes", b.path("Manifest.plist"), ErrKeybag)
	}
	key, err := b.fileKey(binary.LittleEndian.Uint32(mk), mk[4:])
	if err != nil {
		return "", fmt.Errorf("ios: %s: ManifestKey: %w", b.path("Manifest.plist"), err)
	}
	in, err := openRegular(manifest)
	if err != nil {
		return "", fmt.Errorf("ios: %s: %w", manifest, err)
	}
	defer in.Close()
	out, err := os.CreateTemp(tempDir, ".manifest-*.db")
	if err != nil {
		return "", err
	}
	defer out.Close()
	if _, err := decryptCBC(context.Background(), out, in, key, false); err != nil {
		os.Remove(out.Name())
		return "", fmt.Errorf("ios: %s: %w", manifest, err)
	}
	if err := checkSQLite(out); err != nil {
		os.Remove(out.Name())
		return "", fmt.Errorf("ios: %s: decrypted: %w", manifest, err)
	}
	return out.Name(), nil
}

func checkSQLite(f *os.File) error {
	var head [16]byte
	if _, err := f.ReadAt(head[:], 0); err != nil || string(head[:]) != "SQLite format 3\x00" {
		return fmt.Errorf("%w: not an SQLite database (wrong ManifestKey?)", ErrCorrupt)
	}
	return nil
}

func (b *Backup) fileKey(class uint32, wrapped []byte) ([]byte, error) {
	ck, ok := b.classKeys[class]
	if !ok {
		return nil, fmt.Errorf("%w: protection class %d has no key", ErrKeybag, class)
	}
	k, err := Unwrap(ck, wrapped)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrKeybag, err)
	}
	return k, nil
}

// Close releases the index and removes the clear Manifest.db of an encrypted backup.
func (b *Backup) Close() error {
	var err error
	if b.db != nil {
		err = b.db.Close()
	}
	if b.clearDB != "" {
		err = errors.Join(err, os.Remove(b.clearDB))
	}
	return err
}

// File is one file of the backup as its index describes it.
type File struct {
	ID, Domain, RelativePath string
	Info                     FileInfo
}

// Stat looks a file up in the index: [ErrNotInBackup] when it is not there, [ErrCorrupt] when its entry is
// malformed.
func (b *Backup) Stat(ctx context.Context, domain, relPath string) (File, error) {
	f := File{ID: FileID(domain, relPath), Domain: domain, RelativePath: relPath}
	var flags int64
	var blob []byte
	err := b.db.QueryRowContext(ctx, "SELECT flags, file FROM Files WHERE fileID = ?", f.ID).Scan(&flags, &blob)
	if errors.Is(err, sql.ErrNoRows) {
		return f, fmt.Errorf("ios: %s: %s %s: %w", b.dir, domain, relPath, ErrNotInBackup)
	}
	if err != nil {
		return f, fmt.Errorf("ios: %s: Manifest.db: %w", b.dir, err)
	}
	if flags != 1 {
		return f, fmt.Errorf("ios: %s: %s %s: flags %d, not a regular file: %w", b.dir, domain, relPath, flags, ErrNotInBackup)
	}
	return f, b.parseEntry(&f, blob)
}

// parseEntry reads an index entry's MBFile into f.Info.
func (b *Backup) parseEntry(f *File, blob []byte) error {
	var err error
	if f.Info, err = ParseMBFile(blob); err != nil {
		return fmt.Errorf("ios: %s: Manifest.db entry %s (%s): %w: %v", b.dir, f.ID, f.RelativePath, ErrCorrupt, err)
	}
	if b.Encrypted && f.Info.WrappedKey == nil {
		return fmt.Errorf("ios: %s: Manifest.db entry %s (%s): %w: no EncryptionKey in an encrypted backup", b.dir, f.ID, f.RelativePath, ErrCorrupt)
	}
	return nil
}

// Files calls fn for every regular file the index lists (flags 1), in the order of their ids, stopping at fn's
// first error. An entry that cannot be read is [ErrCorrupt], naming it. Rows are read one at a time: memory does not
// grow with the backup.
func (b *Backup) Files(ctx context.Context, fn func(File) error) error {
	rows, err := b.db.QueryContext(ctx, "SELECT fileID, domain, relativePath, file FROM Files WHERE flags = 1 ORDER BY fileID")
	if err != nil {
		return fmt.Errorf("ios: %s: Manifest.db: %w", b.dir, err)
	}
	defer rows.Close()
	for rows.Next() {
		var f File
		var blob []byte
		if err := rows.Scan(&f.ID, &f.Domain, &f.RelativePath, &blob); err != nil {
			return fmt.Errorf("ios: %s: Manifest.db: %w: %v", b.dir, ErrCorrupt, err)
		}
		if f.ID != FileID(f.Domain, f.RelativePath) {
			return fmt.Errorf("ios: %s: Manifest.db entry %q (%s %s): %w: the id is not the SHA-1 of its domain and path", b.dir, f.ID, f.Domain, f.RelativePath, ErrCorrupt)
		}
		if err := b.parseEntry(&f, blob); err != nil {
			return err
		}
		if err := fn(f); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("ios: %s: Manifest.db: %w", b.dir, err)
	}
	return nil
}

// FileKey unwraps the key of a file of an encrypted backup (for decrypting it with another tool, as the benchmarks
// do with openssl): AES-256-CBC, zero IV, PKCS#7 padding.
func (b *Backup) FileKey(f File) ([]byte, error) {
	if !b.Encrypted {
		return nil, fmt.Errorf("ios: %s: the backup is not encrypted", b.dir)
	}
	k, err := b.fileKey(f.Info.ProtectionClass, f.Info.WrappedKey)
	if err != nil {
		return nil, fmt.Errorf("ios: %s (%s): %w", b.Path(f), f.RelativePath, err)
	}
	return k, nil
}

// Path returns where the file's bytes are stored in the backup folder.
func (b *Backup) Path(f File) string { return filepath.Join(b.dir, f.ID[:2], f.ID) }

// Extract copies a file's content to w, decrypting it in an encrypted backup, and checks that its length is the
// index's Size ([ErrIncomplete] when not, [ErrCorrupt] for bad padding). Memory does not grow with the file.
func (b *Backup) Extract(ctx context.Context, f File, w io.Writer) (int64, error) {
	p := b.Path(f)
	in, err := openRegular(p)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, fmt.Errorf("ios: %s (%s %s): %w: the index lists it, the folder lacks it", p, f.Domain, f.RelativePath, ErrIncomplete)
	}
	if err != nil {
		return 0, fmt.Errorf("ios: %s: %w", p, err)
	}
	defer in.Close()
	var n int64
	if b.Encrypted {
		key, kerr := b.fileKey(f.Info.ProtectionClass, f.Info.WrappedKey)
		if kerr != nil {
			return 0, fmt.Errorf("ios: %s (%s): %w", p, f.RelativePath, kerr)
		}
		n, err = decryptCBC(ctx, w, in, key, true)
	} else {
		n, err = copyChunks(ctx, w, in)
	}
	if err != nil {
		return n, fmt.Errorf("ios: %s (%s): %w", p, f.RelativePath, err)
	}
	if n != f.Info.Size {
		return n, fmt.Errorf("ios: %s (%s): %w: %d bytes, the index says %d", p, f.RelativePath, ErrIncomplete, n, f.Info.Size)
	}
	return n, nil
}

// ExtractTo copies a file into a new file at dst (which must not exist).
func (b *Backup) ExtractTo(ctx context.Context, f File, dst string) error {
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := b.Extract(ctx, f, out); err != nil {
		out.Close()
		os.Remove(dst)
		return err
	}
	return out.Close()
}

// errNotRegular: a path of the backup is a symbolic link, a device or a directory. A backup folder holds regular
// files only; following a link could read the appliance's own files into the evidence.
var errNotRegular = errors.New("not a regular file (a backup holds only regular files)")

// openRegular opens a file of the backup, refusing anything that is not a regular file, or that is reached through
// a symbolic link in its last two elements.
func openRegular(p string) (*os.File, error) {
	for _, q := range []string{filepath.Dir(p), p} {
		fi, err := os.Lstat(q)
		if err != nil {
			return nil, err
		}
		if fi.Mode()&fs.ModeSymlink != 0 || (q == p && !fi.Mode().IsRegular()) {
			return nil, errNotRegular
		}
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		f.Close()
		return nil, errNotRegular
	}
	return f, nil
}
