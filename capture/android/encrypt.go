package android

import (
	"bufio"
	"compress/zlib"
	"context"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"hash"
	"io"
	"slices"
)

// Crypt15Options shape a backup written by EncryptCrypt15. The zero value
// writes a single-database msgstore-style backup.
type Crypt15Options struct {
	// AppVersion goes into the header; default "2.24.0.0".
	AppVersion string
	// JIDSuffix is the phone number's last two digits; default "00".
	JIDSuffix string
	// NoFeatureFlag omits the 0x01 byte after the length byte, as wa.db
	// backups do.
	NoFeatureFlag bool
	// Features are feature-flag field numbers (5..37, 39) to set.
	Features []int
	// MultiFile says r is a ZIP archive: it is stored uncompressed and the
	// file gets no MD5 trailer, as WhatsApp's multi-file backups.
	MultiFile bool
	// Level is the zlib level; default zlib.BestSpeed, as WhatsApp uses.
	Level int
	// IV is the 16-byte GCM nonce; default random. Never reuse one with the
	// same key.
	IV []byte
}

// EncryptCrypt15 writes a crypt15 backup of the plaintext read from r (a
// SQLite database, or a ZIP with MultiFile) to w, in one streaming pass. It
// exists to generate backups for demonstrations, tests and benchmarks. The
// Info it returns is what Decrypt reports for the file it wrote.
func EncryptCrypt15(ctx context.Context, w io.Writer, r io.Reader, key Key, opts Crypt15Options) (Info, error) {
	if key.kind != KeyCrypt15 {
		return Info{}, fmt.Errorf("encrypt crypt15: need a crypt15 root key, got %s: %w", key.kind, ErrBadKey)
	}
	head, h, err := opts.header()
	if err != nil {
		return Info{}, err
	}
	g, err := newGCMStream(key.aesKey[:], h.IV)
	if err != nil {
		return Info{}, fmt.Errorf("encrypt crypt15: %w", err)
	}
	cw := &cipherWriter{gcm: g, md5: md5.New(), sha: sha256.New(), w: bufio.NewWriterSize(w, chunkSize),
		buf: make([]byte, 0, chunkSize)}
	if err := cw.writeClear(head); err != nil {
		return Info{}, err
	}
	pin := &countingHash{r: &ctxReader{ctx: ctx, r: r}, h: sha256.New()}
	if err := opts.copyPayload(cw, pin); err != nil {
		return Info{}, fmt.Errorf("encrypt crypt15: %w", err)
	}
	if err := cw.flushCipher(); err != nil {
		return Info{}, err
	}
	tag := g.tag(g.hash)
	if err := cw.writeClear(tag[:]); err != nil {
		return Info{}, err
	}
	info := Info{Format: FormatCrypt15, Header: *h, CiphertextSize: int64(g.hash.n), PlaintextSize: pin.n}
	info.Payload = PayloadSQLite
	if opts.MultiFile {
		info.Payload = PayloadZIP
	} else {
		cw.md5.Sum(info.FileMD5[:0])
		info.MD5Trailer = true
		if err := cw.writeClear(info.FileMD5[:]); err != nil {
			return Info{}, err
		}
	}
	if err := cw.w.Flush(); err != nil {
		return Info{}, fmt.Errorf("encrypt crypt15: write: %w", err)
	}
	pin.h.Sum(info.PlaintextSHA256[:0])
	cw.sha.Sum(info.InputSHA256[:0])
	info.InputSize = cw.n
	return info, nil
}

func (o Crypt15Options) copyPayload(cw *cipherWriter, r io.Reader) error {
	if o.MultiFile {
		_, err := io.Copy(cw, r)
		return err
	}
	level := o.Level
	if level == 0 {
		level = zlib.BestSpeed
	}
	zw, err := zlib.NewWriterLevel(cw, level)
	if err != nil {
		return err
	}
	if _, err := io.Copy(zw, r); err != nil {
		return err
	}
	return zw.Close()
}

// header builds the length byte, optional flag byte and BackupPrefix.
func (o Crypt15Options) header() ([]byte, *Header, error) {
	h := &Header{Format: FormatCrypt15, KeyType: 1, FeatureFlag: !o.NoFeatureFlag,
		AppVersion: o.AppVersion, JIDSuffix: o.JIDSuffix, IV: o.IV}
	if h.AppVersion == "" {
		h.AppVersion = "2.24.0.0"
	}
	if h.JIDSuffix == "" {
		h.JIDSuffix = "00"
	}
	if h.IV == nil {
		h.IV = make([]byte, 16)
		if _, err := rand.Read(h.IV); err != nil {
			return nil, nil, fmt.Errorf("encrypt crypt15: %w", err)
		}
	}
	if len(h.IV) != 16 {
		return nil, nil, fmt.Errorf("encrypt crypt15: IV is %d bytes, want 16", len(h.IV))
	}
	info := appendBytesField(nil, 1, []byte(h.AppVersion))
	info = appendBytesField(info, 3, []byte(h.JIDSuffix))
	feats := slices.Sorted(slices.Values(o.Features))
	for _, f := range slices.Compact(feats) {
		if f < 5 || f > 39 || f == 38 {
			return nil, nil, fmt.Errorf("encrypt crypt15: feature field %d outside 5..37, 39", f)
		}
		info = appendVarintField(info, f, 1)
	}
	h.Features = slices.Compact(feats)
	p := appendVarintField(nil, prefixKeyType, 1)
	p = appendBytesField(p, prefixC15IV, appendBytesField(nil, 1, h.IV))
	p = appendBytesField(p, prefixInfo, info)
	if len(p) > 255 {
		return nil, nil, fmt.Errorf("encrypt crypt15: header prefix is %d bytes, at most 255 fit", len(p))
	}
	head := []byte{byte(len(p))}
	if h.FeatureFlag {
		head = append(head, 1)
	}
	head = append(head, p...)
	h.Size = len(head)
	return head, h, nil
}

// cipherWriter encrypts what is written to it and writes the ciphertext,
// keeping the MD5 and SHA-256 of everything it emits.
type cipherWriter struct {
	gcm      *gcmStream
	md5, sha hash.Hash
	w        *bufio.Writer
	buf      []byte
	n        int64
}

func (c *cipherWriter) Write(p []byte) (int, error) {
	total := len(p)
	for len(p) > 0 {
		n := min(len(p), chunkSize-len(c.buf))
		c.buf = append(c.buf, p[:n]...)
		p = p[n:]
		if len(c.buf) == chunkSize {
			if err := c.flushCipher(); err != nil {
				return 0, err
			}
		}
	}
	return total, nil
}

func (c *cipherWriter) flushCipher() error {
	if c.buf == nil {
		c.buf = make([]byte, 0, chunkSize)
	}
	c.gcm.encrypt(c.buf, c.buf)
	err := c.writeClear(c.buf)
	c.buf = c.buf[:0]
	return err
}

// writeClear emits b as is (header, ciphertext, tag, trailer).
func (c *cipherWriter) writeClear(b []byte) error {
	c.md5.Write(b)
	c.sha.Write(b)
	c.n += int64(len(b))
	if _, err := c.w.Write(b); err != nil {
		return fmt.Errorf("encrypt crypt15: write at offset %d: %w", c.n-int64(len(b)), err)
	}
	return nil
}

// ctxReader stops a copy when ctx is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
