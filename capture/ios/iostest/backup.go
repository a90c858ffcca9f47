// Package iostest writes iOS backup folders, plain and encrypted, and WhatsApp ChatStorage.sqlite databases from
// a scripted truth, for tests of package ios and chatstorage, the pipeline and the demo. It is test support: it
// writes; the readers never do.
package iostest

import (
	"bufio"
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/attesta/attesta/capture/ios"
	"github.com/attesta/attesta/capture/ios/plist"

	_ "modernc.org/sqlite" // the "sqlite" driver
)

// BackupFile is one file of a scripted backup.
type BackupFile struct {
	Domain, RelativePath string
	Data                 []byte
	// Alter, when set, is written in place of Data while the index keeps Data's size (a damaged or swapped file).
	Alter []byte
	// Missing leaves the file out of the folder while the index lists it.
	Missing bool
	// Open, when set, streams the content in place of Data (Size bytes): for files too large to hold in memory.
	Open func() (io.ReadCloser, error)
	Size int64
}

// BackupOptions says how to write a backup.
type BackupOptions struct {
	// Password encrypts the backup when set.
	Password string
	// DPIC and Iter are the keybag's iteration counts; 0 means small counts that keep tests fast (the format
	// carries them, so a reader derives exactly as it would with Apple's 10,000,000 and 10,000).
	DPIC, Iter int
	// Unfinished writes Status.plist with SnapshotState "uploading".
	Unfinished bool
	Time       time.Time // Last Backup Date and file times; zero means 2026-01-20
}

// Device names of the backups written.
const (
	DeviceName  = "iPhone di Studio"
	ProductType = "iPhone15,2"
	IOSVersion  = "17.5.1"
	UDID        = "00008120-001A2B3C4D5E6F70"
)

// Protection classes used: files are class 3 (until first unlock), the ManifestKey class 4.
const (
	fileClass     = 3
	manifestClass = 4
)

// WriteBackup writes a backup folder at dir (created; it must not exist) holding files.
func WriteBackup(ctx context.Context, dir string, files []BackupFile, opts BackupOptions) error {
	if err := os.Mkdir(dir, 0o700); err != nil {
		return err
	}
	if opts.Time.IsZero() {
		opts.Time = time.Date(2026, 1, 20, 18, 0, 0, 0, time.UTC)
	}
	info := map[string]any{"Device Name": DeviceName, "Display Name": DeviceName, "Product Type": ProductType,
		"Product Version": IOSVersion, "Build Version": "21F90", "Unique Identifier": UDID, "Target Identifier": UDID,
		"Serial Number": "F2LXX0000000", "Last Backup Date": opts.Time, "iTunes Version": "12.13"}
	state := "finished"
	if opts.Unfinished {
		state = "uploading"
	}
	status := map[string]any{"SnapshotState": state, "IsFullBackup": true, "Version": "3.3", "Date": opts.Time,
		"UUID": "6D3C4E1A-0000-4000-8000-000000000001", "BackupState": "new"}
	manifest := map[string]any{"IsEncrypted": opts.Password != "", "Version": "10.0", "Date": opts.Time,
		"Lockdown": map[string]any{"ProductVersion": IOSVersion, "ProductType": ProductType, "UniqueDeviceID": UDID, "DeviceName": DeviceName}}
	var keys *classKeys
	if opts.Password != "" {
		var err error
		if keys, err = newClassKeys(opts); err != nil {
			return err
		}
		manifest["BackupKeyBag"] = keys.bag
		manifest["ManifestKey"] = keys.manifestKey
	}
	if err := writePlist(filepath.Join(dir, "Info.plist"), info, plist.MarshalXML); err != nil {
		return err
	}
	if err := writePlist(filepath.Join(dir, "Status.plist"), status, plist.MarshalBinary); err != nil {
		return err
	}
	if err := writePlist(filepath.Join(dir, "Manifest.plist"), manifest, plist.MarshalBinary); err != nil {
		return err
	}
	return writeManifestDB(ctx, dir, files, keys, opts.Time)
}

func writePlist(path string, v any, marshal func(any) ([]byte, error)) error {
	b, err := marshal(v)
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o600)
}

type classKeys struct {
	keys        map[uint32][]byte
	bag         []byte
	manifestKey []byte // 4-byte LE class + wrapped
	manifest    []byte // the clear Manifest.db key
}

func newClassKeys(opts BackupOptions) (*classKeys, error) {
	dpic, iter := opts.DPIC, opts.Iter
	if dpic == 0 {
		dpic = 1000
	}
	if iter == 0 {
		iter = 10
	}
	salt, dpsl := random(20), random(20)
	k1, err := pbkdf2.Key(sha256.New, opts.Password, dpsl, dpic, 32)
	if err != nil {
		return nil, err
	}
	kek, err := pbkdf2.Key(sha1.New, string(k1), salt, iter, 32)
	if err != nil {
		return nil, err
	}
	ck := &classKeys{keys: map[uint32][]byte{}}
	var bag bytes.Buffer
	tlv := func(tag string, v []byte) {
		bag.WriteString(tag)
		bag.Write(binary.BigEndian.AppendUint32(nil, uint32(len(v))))
		bag.Write(v)
	}
	u32 := func(n int) []byte { return binary.BigEndian.AppendUint32(nil, uint32(n)) }
	tlv("VERS", u32(3))
	tlv("TYPE", u32(1))
	tlv("UUID", random(16))
	tlv("HMCK", random(40))
	tlv("WRAP", u32(0))
	tlv("SALT", salt)
	tlv("ITER", u32(iter))
	tlv("DPWT", u32(1))
	tlv("DPIC", u32(dpic))
	tlv("DPSL", dpsl)
	for _, class := range []uint32{1, 2, 3, 4, 5} {
		key := random(32)
		wrapped, err := ios.Wrap(kek, key)
		if err != nil {
			return nil, err
		}
		ck.keys[class] = key
		tlv("UUID", random(16))
		tlv("CLAS", u32(int(class)))
		tlv("WRAP", u32(3))
		tlv("KTYP", u32(0))
		tlv("WPKY", wrapped)
	}
	ck.bag = bag.Bytes()
	ck.manifest = random(32)
	wrapped, err := ios.Wrap(ck.keys[manifestClass], ck.manifest)
	if err != nil {
		return nil, err
	}
	ck.manifestKey = append(binary.LittleEndian.AppendUint32(nil, manifestClass), wrapped...)
	return ck, nil
}

func random(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

func writeManifestDB(ctx context.Context, dir string, files []BackupFile, keys *classKeys, at time.Time) error {
	dbPath := filepath.Join(dir, "Manifest.db")
	if keys != nil {
		dbPath = filepath.Join(dir, ".Manifest.clear.db")
	}
	db, err := sql.Open("sqlite", dbPath+"?_pragma=journal_mode(DELETE)")
	if err != nil {
		return err
	}
	defer db.Close()
	for _, stmt := range []string{
		"CREATE TABLE Files (fileID TEXT PRIMARY KEY, domain TEXT, relativePath TEXT, flags INTEGER, file BLOB)",
		"CREATE INDEX FilesDomainIdx ON Files(domain)", "CREATE INDEX FilesRelativePathIdx ON Files(relativePath)",
		"CREATE INDEX FilesFlagsIdx ON Files(flags)", "CREATE TABLE Properties (key TEXT PRIMARY KEY, value BLOB)",
	} {
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			return err
		}
	}
	for _, f := range files {
		if err := addFile(ctx, db, dir, f, keys, at); err != nil {
			return fmt.Errorf("iostest: %s %s: %w", f.Domain, f.RelativePath, err)
		}
	}
	if err := db.Close(); err != nil {
		return err
	}
	if keys == nil {
		return nil
	}
	clear, err := os.ReadFile(dbPath)
	if err != nil {
		return err
	}
	os.Remove(dbPath)
	enc, err := ios.EncryptCBC(keys.manifest, clear)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "Manifest.db"), enc, 0o600)
}

func addFile(ctx context.Context, db *sql.DB, dir string, f BackupFile, keys *classKeys, at time.Time) error {
	id := ios.FileID(f.Domain, f.RelativePath)
	fi := ios.FileInfo{Size: int64(len(f.Data)), Mode: 0o100644, LastModified: at.Unix(), ProtectionClass: fileClass}
	if f.Open != nil {
		fi.Size = f.Size
	}
	stored := f.Data
	if f.Alter != nil {
		stored = f.Alter
	}
	var key []byte
	if keys != nil {
		key = random(32)
		wrapped, err := ios.Wrap(keys.keys[fileClass], key)
		if err != nil {
			return err
		}
		fi.WrappedKey = wrapped
		if f.Open == nil {
			if stored, err = ios.EncryptCBC(key, stored); err != nil {
				return err
			}
		}
	}
	mb, err := ios.MarshalMBFile(fi, f.RelativePath)
	if err != nil {
		return err
	}
	if _, err := db.ExecContext(ctx, "INSERT INTO Files VALUES (?, ?, ?, 1, ?)", id, f.Domain, f.RelativePath, mb); err != nil {
		return err
	}
	if f.Missing {
		return nil
	}
	if err := os.MkdirAll(filepath.Join(dir, id[:2]), 0o700); err != nil {
		return err
	}
	if f.Open != nil {
		return writeStream(filepath.Join(dir, id[:2], id), f, key)
	}
	return os.WriteFile(filepath.Join(dir, id[:2], id), stored, 0o600)
}

// writeStream writes f's streamed content at p, encrypted under key when key is set (AES-256-CBC, zero IV, PKCS#7),
// a megabyte at a time, and checks that it was f.Size bytes.
func writeStream(p string, f BackupFile, key []byte) error {
	in, err := f.Open()
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(p, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	defer out.Close()
	bw := bufio.NewWriterSize(out, 1<<20)
	var w io.Writer = bw
	var enc *cbcWriter
	if key != nil {
		if enc, err = newCBCWriter(bw, key); err != nil {
			return err
		}
		w = enc
	}
	n, err := io.Copy(w, in)
	if err != nil {
		return err
	}
	if n != f.Size {
		return fmt.Errorf("streamed %d bytes, Size says %d", n, f.Size)
	}
	if enc != nil {
		if err := enc.Close(); err != nil {
			return err
		}
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	return out.Close()
}

// cbcWriter encrypts what is written to it with AES-256-CBC (zero IV) and pads it with PKCS#7 on Close.
type cbcWriter struct {
	w    io.Writer
	mode cipher.BlockMode
	held []byte // fewer than a block's bytes not yet encrypted
	buf  []byte
}

func newCBCWriter(w io.Writer, key []byte) (*cbcWriter, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return &cbcWriter{w: w, mode: cipher.NewCBCEncrypter(block, make([]byte, aes.BlockSize))}, nil
}

func (c *cbcWriter) Write(p []byte) (int, error) {
	c.buf = append(append(c.buf[:0], c.held...), p...)
	whole := len(c.buf) - len(c.buf)%aes.BlockSize
	c.held = append(c.held[:0], c.buf[whole:]...)
	c.mode.CryptBlocks(c.buf[:whole], c.buf[:whole])
	if _, err := c.w.Write(c.buf[:whole]); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Close writes the last block with its padding (it does not close the underlying writer).
func (c *cbcWriter) Close() error {
	pad := aes.BlockSize - len(c.held)
	last := append(c.held, bytes.Repeat([]byte{byte(pad)}, pad)...)
	c.mode.CryptBlocks(last, last)
	_, err := c.w.Write(last)
	return err
}
