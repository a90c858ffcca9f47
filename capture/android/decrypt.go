package android

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/attesta/attesta/internal/durable"
	"github.com/klauspost/compress/flate"
)

// Info describes a decrypted backup.
type Info struct {
	Format Format
	Header Header
	// Payload is what the backup holds.
	Payload PayloadKind
	// InputSize and InputSHA256 describe the backup file as read.
	InputSize   int64
	InputSHA256 [sha256.Size]byte
	// CiphertextSize is the length of the encrypted data (without header,
	// GCM tag and trailer).
	CiphertextSize int64
	// MD5Trailer reports that the file carries WhatsApp's MD5 trailer (single-
	// file backups) and that it matched; multi-file backups have none.
	MD5Trailer bool
	FileMD5    [md5.Size]byte
	// PlaintextSize and PlaintextSHA256 describe the payload written out:
	// the SQLite database, or the ZIP archive of a multi-file backup.
	PlaintextSize   int64
	PlaintextSHA256 [sha256.Size]byte
	// TrailingBytes counts decrypted bytes after the end of the zlib stream
	// (zero in every backup seen so far).
	TrailingBytes int64
}

// DefaultMaxPayload bounds the decompressed payload unless
// Decrypter.MaxPayload says otherwise.
const DefaultMaxPayload = 64 << 30

// chunkSize is how much ciphertext is processed per step; memory use is a
// few chunks regardless of the backup's size.
const chunkSize = 256 << 10

// Decrypter decrypts WhatsApp backups. Its zero value is ready to use.
type Decrypter struct {
	// TempDir holds the plaintext until it is authenticated; default
	// os.TempDir(). DecryptFile uses the destination's directory instead.
	TempDir string
	// MaxPayload bounds the decompressed payload; default DefaultMaxPayload.
	MaxPayload int64
	// Logger receives one line per backup; nil means silent.
	Logger *slog.Logger
}

// Decrypt decrypts a crypt12/14/15 backup read from r and, only once it is
// authenticated, copies the payload to w. On error nothing is written to w.
func Decrypt(ctx context.Context, r io.Reader, key Key, w io.Writer) (Info, error) {
	var d Decrypter
	return d.Decrypt(ctx, r, key, w)
}

// DecryptFile decrypts the backup at src into a new file dst (which must
// not exist). dst appears only once the backup is authenticated; it is
// written durably (temp file, fsync, link, fsync directory).
func DecryptFile(ctx context.Context, src string, key Key, dst string) (Info, error) {
	var d Decrypter
	return d.DecryptFile(ctx, src, key, dst)
}

// Decrypt is the package-level Decrypt with d's settings.
func (d *Decrypter) Decrypt(ctx context.Context, r io.Reader, key Key, w io.Writer) (Info, error) {
	tmp, err := os.CreateTemp(d.TempDir, "attesta-decrypt-*")
	if err != nil {
		return Info{}, fmt.Errorf("decrypt backup: %w", err)
	}
	defer func() {
		tmp.Close()
		os.Remove(tmp.Name())
	}()
	info, err := d.decrypt(ctx, r, key, tmp)
	if err != nil {
		return info, err
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return info, fmt.Errorf("decrypt backup: rewind %s: %w", tmp.Name(), err)
	}
	// Plain wrappers keep CopyBuffer from handing the copy to a ReaderFrom
	// or WriterTo with small buffers.
	buf := make([]byte, chunkSize)
	if _, err := io.CopyBuffer(struct{ io.Writer }{w}, struct{ io.Reader }{tmp}, buf); err != nil {
		return info, fmt.Errorf("decrypt backup: write payload: %w", err)
	}
	return info, nil
}

// DecryptFile is the package-level DecryptFile with d's settings.
func (d *Decrypter) DecryptFile(ctx context.Context, src string, key Key, dst string) (Info, error) {
	in, err := os.Open(src)
	if err != nil {
		return Info{}, fmt.Errorf("decrypt %s: %w", src, err)
	}
	defer in.Close()
	tmp, err := durable.Create(dst, 0o600)
	if err != nil {
		return Info{}, fmt.Errorf("decrypt %s: %w", src, err)
	}
	defer tmp.Close()
	info, err := d.decrypt(ctx, in, key, tmp)
	if err != nil {
		return info, fmt.Errorf("decrypt %s: %w", src, err)
	}
	if err := tmp.Commit(); err != nil {
		return info, fmt.Errorf("decrypt %s: publish payload: %w", src, err)
	}
	return info, nil
}

// countingHash hashes and counts what it reads.
type countingHash struct {
	r io.Reader
	h hash.Hash
	n int64
}

func (c *countingHash) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.h.Write(p[:n])
	c.n += int64(n)
	return n, err
}

// decryption is the state of one pass over a backup.
type decryption struct {
	d       *Decrypter
	key     Key
	in      *countingHash
	h       *Header
	gcm     *gcmStream
	md5     hash.Hash
	pipe    *chunkPipe
	results chan payloadResult
	// keyMismatch says why the key cannot fit, when the header tells.
	keyMismatch string
}

// decrypt is one streaming pass: header, then CTR decryption and GHASH of
// each chunk, whose plaintext flows to a goroutine that inflates it into out.
// The last bytes (GCM tag, MD5, crypt12 suffix) are held back until the end
// of the input shows where they are.
func (d *Decrypter) decrypt(ctx context.Context, r io.Reader, key Key, out io.Writer) (Info, error) {
	x := &decryption{d: d, key: key, in: &countingHash{r: r, h: sha256.New()}, md5: md5.New()}
	var info Info
	head := make([]byte, MaxHeaderSize)
	n, err := io.ReadFull(x.in, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return info, fmt.Errorf("read header at offset %d: %w", x.in.n, err)
	}
	head = head[:n]
	if x.h, err = ParseHeader(head); err != nil {
		return info, err
	}
	info.Format, info.Header = x.h.Format, *x.h
	if err := x.checkKey(); err != nil {
		return info, err
	}
	x.md5.Write(head[:x.h.Size])
	if x.gcm, err = newGCMStream(key.aesKey[:], x.h.IV); err != nil {
		return info, fmt.Errorf("%s: %w", x.h.Format, err)
	}
	x.pipe = newChunkPipe()
	x.results = make(chan payloadResult, 1)
	go func() { x.results <- consumePayload(x.pipe, out, d.maxPayload()) }()
	tail, err := x.body(ctx, head[x.h.Size:])
	if err != nil {
		x.pipe.close(err)
		<-x.results
		releaseChunks(x.pipe.free)
		return info, err
	}
	return x.finish(tail, &info)
}

func (d *Decrypter) maxPayload() int64 {
	if d.MaxPayload > 0 {
		return d.MaxPayload
	}
	return DefaultMaxPayload
}

// checkKey refuses a key of the wrong kind outright and notes a crypt12/14
// key file whose server salt differs from the header's. The salt verdict
// waits for the MD5 trailer: a damaged header must not pass for a wrong key.
func (x *decryption) checkKey() error {
	f := x.h.Format
	switch {
	case x.key.kind == KeyNone:
		return fmt.Errorf("%s: no key given: %w", f, ErrWrongKey)
	case f == FormatCrypt15 && x.key.kind != KeyCrypt15:
		return fmt.Errorf("%s: a crypt12/14 key file cannot open a crypt15 backup (it needs the 64-digit key or encrypted_backup.key): %w", f, ErrWrongKey)
	case f != FormatCrypt15 && x.key.kind != KeyCrypt14:
		return fmt.Errorf("%s: a crypt15 key cannot open a %s backup (it needs the app's files/key file): %w", f, f, ErrWrongKey)
	}
	if f != FormatCrypt15 && !bytes.Equal(x.h.ServerSalt, x.key.serverSalt[:]) {
		x.keyMismatch = "the key file's server salt differs from the backup's"
	}
	return nil
}

func (x *decryption) trailerSize() int {
	if x.h.Format == FormatCrypt12 {
		return 16 + 16 + 4 // tag, MD5, "--" and the phone number's last two digits
	}
	return 16 + 16 // tag, MD5 (or, in multi-file backups, the last 16 bytes of ciphertext and the tag)
}

// body decrypts everything but the trailer and returns the trailer. Each
// chunk is read into a buffer of the pipe, decrypted in place and handed to
// the inflater; the last trailerSize bytes read so far are held back and
// start the next buffer.
func (x *decryption) body(ctx context.Context, held []byte) ([]byte, error) {
	t := x.trailerSize()
	buf := x.pipe.get()[:chunkSize]
	nh := copy(buf, held)
	for {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("%s: at offset %d: %w", x.h.Format, x.in.n, err)
		}
		n, err := io.ReadFull(x.in, buf[nh:])
		nh += n
		if nh > t {
			body := buf[:nh-t]
			x.md5.Write(body)
			x.gcm.decrypt(body, body)
			next := x.pipe.get()[:chunkSize]
			nh = copy(next, buf[nh-t:nh])
			x.pipe.send(body)
			buf = next
		}
		switch {
		case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
			if nh < t {
				return nil, fmt.Errorf("%s: file ends at offset %d, before the %d-byte trailer that follows the %d-byte header: %w",
					x.h.Format, x.in.n, t, x.h.Size, ErrTruncated)
			}
			return append([]byte(nil), buf[:t]...), nil
		case err != nil:
			return nil, fmt.Errorf("%s: read at offset %d: %w", x.h.Format, x.in.n, err)
		}
	}
}

// finish decides where the ciphertext ended, verifies tag and MD5, waits for
// the payload and classifies any failure.
func (x *decryption) finish(tail []byte, info *Info) (Info, error) {
	f, size := x.h.Format, x.in.n
	x.md5.Write(tail[:16])
	var sum [md5.Size]byte
	x.md5.Sum(sum[:0])
	md5OK := bytes.Equal(sum[:], tail[16:32])
	tagOK := x.gcm.verify(x.gcm.hash, tail[:16])
	multi := false
	if !(md5OK && tagOK) && f != FormatCrypt12 {
		// A multi-file backup has no MD5: its last 16 bytes are the tag.
		st := x.gcm.hash
		st.write(x.gcm.key, tail[:16])
		if x.gcm.verify(st, tail[16:32]) {
			multi, tagOK, md5OK = true, false, false
			last := append(x.pipe.get(), tail[:16]...)
			x.gcm.decrypt(last, last)
			x.pipe.send(last)
		}
	}
	x.pipe.close(nil)
	res := <-x.results
	releaseChunks(x.pipe.free)

	info.InputSize = size
	x.in.h.Sum(info.InputSHA256[:0])
	info.CiphertextSize = int64(x.gcm.hash.n)
	info.Payload, info.PlaintextSize, info.PlaintextSHA256 = res.kind, res.size, res.sum
	info.TrailingBytes = res.trailing
	if res.writeErr != nil {
		return *info, fmt.Errorf("%s: write payload: %w", f, res.writeErr)
	}
	authentic := multi || (tagOK && md5OK)
	if authentic && f == FormatCrypt12 {
		// The suffix is outside both the tag and the MD5; its shape is
		// the only check there is.
		jid, ok := crypt12Suffix(tail[32:36])
		if !ok {
			return *info, fmt.Errorf("%s: trailer at offset %d is %q, not \"--\" and two digits: %w", f, size-4, tail[32:36], ErrCorrupt)
		}
		info.Header.JIDSuffix = jid
	}
	if authentic {
		if md5OK {
			info.MD5Trailer, info.FileMD5 = true, sum
		}
		return *info, x.authenticated(res, multi, size)
	}
	return *info, x.failed(res, tagOK, md5OK, size)
}

// crypt12Suffix parses the crypt12 trailer: two dashes or digits, then the
// phone number's last two digits.
func crypt12Suffix(b []byte) (string, bool) {
	digit := func(c byte) bool { return '0' <= c && c <= '9' }
	for i, c := range b {
		if !digit(c) && !(i < 2 && c == '-') {
			return "", false
		}
	}
	return strings.TrimLeft(string(b), "-"), true
}

func (x *decryption) authenticated(res payloadResult, multi bool, size int64) error {
	f := x.h.Format
	switch {
	case res.err != nil && (errors.Is(res.err, ErrNotDatabase) || errors.Is(res.err, ErrTooLarge)):
		return fmt.Errorf("%s: authenticated payload: %w", f, res.err)
	case res.err != nil:
		return fmt.Errorf("%s: payload authenticates but does not decompress (%v): %w", f, res.err, ErrCorrupt)
	case multi && res.kind != PayloadZIP:
		return fmt.Errorf("%s: file ends at offset %d without the MD5 trailer a single-database backup carries: %w",
			f, size, ErrTruncated)
	}
	if l := x.d.Logger; l != nil {
		l.Info("backup decrypted", slog.String("format", f.String()), slog.String("payload", res.kind.String()),
			slog.Int64("input_bytes", size), slog.Int64("payload_bytes", res.size), slog.String("key", x.key.String()))
	}
	return nil
}

func (x *decryption) failed(res payloadResult, tagOK, md5OK bool, size int64) error {
	f := x.h.Format
	switch {
	case tagOK:
		md5At := size - 16
		if f == FormatCrypt12 {
			md5At = size - 20
		}
		return fmt.Errorf("%s: file does not match its MD5 trailer at offset %d though the GCM tag verifies: the header (offsets 0..%d) or the MD5 was altered: %w",
			f, md5At, x.h.Size-1, ErrCorrupt)
	case md5OK:
		// The file is exactly as written, so the key is what does not fit.
		why := "GCM authentication fails"
		if x.keyMismatch != "" {
			why = x.keyMismatch
		}
		return fmt.Errorf("%s: %s (key %s): %w", f, why, x.key, ErrWrongKey)
	case res.truncated():
		return fmt.Errorf("%s: file ends at offset %d, before the end of the compressed data: %w", f, size, ErrTruncated)
	case res.err == nil && res.complete():
		return fmt.Errorf("%s: integrity trailer at offset %d is damaged (GCM tag and MD5 fail, the payload is complete): %w",
			f, size-int64(x.trailerSize()), ErrCorrupt)
	case res.err == nil:
		return fmt.Errorf("%s: file truncated or corrupted (GCM tag fails at offset %d): %w, %w", f, size-int64(x.trailerSize()), ErrTruncated, ErrCorrupt)
	case errors.Is(res.err, ErrNotDatabase) && (x.key.kind != KeyCrypt14 || x.keyMismatch != ""):
		return fmt.Errorf("%s: the file is damaged (MD5 trailer fails) and nothing decrypts from its first byte: wrong key or corrupted file: %w, %w",
			f, ErrWrongKey, ErrCorrupt)
	case errors.Is(res.err, ErrNotDatabase):
		return fmt.Errorf("%s: the file is damaged (GCM tag and MD5 fail) and the data is not a payload from its first byte, though the key file matches the header: the header, IV or first bytes were altered: %w",
			f, ErrCorrupt)
	}
	var ce flate.CorruptInputError
	if errors.As(res.err, &ce) {
		return fmt.Errorf("%s: damaged data near offset %d (GCM tag and MD5 fail): %w", f, int64(x.h.Size)+2+int64(ce), ErrCorrupt)
	}
	return fmt.Errorf("%s: data between offsets %d and %d is damaged (GCM tag and MD5 fail; %v): %w",
		f, x.h.Size, size-int64(x.trailerSize()), res.err, ErrCorrupt)
}
