package android

import (
	"bufio"
	"compress/zlib"
	"crypto/aes"
	"crypto/cipher"
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// abMagic starts every Android backup file.
var abMagic = []byte("ANDROID BACKUP\n")

// AB describes the header of an Android backup (.ab) file.
type AB struct {
	Version    int  // 1..5
	Compressed bool // the tar stream is zlib-compressed
	Encrypted  bool // AES-256 with a password
	// Password-based encryption parameters (Encrypted only).
	UserSalt     []byte
	ChecksumSalt []byte
	Rounds       int
	// HeaderSize is the length of the text header: the payload starts here.
	HeaderSize int64
}

// maxABRounds bounds the PBKDF2 rounds a hostile header can demand (Android
// writes 10 000). It is a variable only so that fuzzing can lower it.
var maxABRounds = 1 << 22

// OpenAB reads the header of an Android backup (.ab) and returns the tar
// stream inside it, decrypted (when a password protects it) and inflated
// (when compressed). password is ignored for unencrypted backups. A wrong
// or missing password fails with ErrWrongPassword.
//
// The format carries no authentication: a damaged encrypted payload is
// detected only through the zlib checksum (compressed backups), the CBC
// padding at the end, and the tar headers' checksums.
func OpenAB(r io.Reader, password string) (*AB, io.Reader, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	ab := &AB{}
	hr := &abHeaderReader{br: br}
	if err := ab.readHeader(hr); err != nil {
		return nil, nil, err
	}
	ab.HeaderSize = hr.off
	var payload io.Reader = br
	if ab.Encrypted {
		stream, err := ab.decrypter(hr, password)
		if err != nil {
			return nil, nil, err
		}
		payload = &cbcReader{r: payload, mode: stream, base: ab.HeaderSize}
	}
	if !ab.Compressed {
		return ab, payload, nil
	}
	zr, err := zlib.NewReader(payload)
	if err != nil {
		return nil, nil, fmt.Errorf("open android backup: payload at offset %d: %w", ab.HeaderSize, abStreamErr(err))
	}
	return ab, &abInflater{r: zr}, nil
}

// readHeader parses the magic, version, compression and encryption lines.
func (ab *AB) readHeader(hr *abHeaderReader) error {
	magic, err := hr.line("magic", 32)
	if err != nil {
		return err
	}
	if magic+"\n" != string(abMagic) {
		return fmt.Errorf("open android backup: offset 0: %q is not %q: %w", magic, abMagic[:14], ErrUnknownFormat)
	}
	if ab.Version, err = hr.number("version", 1, 5); err != nil {
		return err
	}
	c, err := hr.number("compression flag", 0, 1)
	if err != nil {
		return err
	}
	ab.Compressed = c == 1
	enc, err := hr.line("encryption", 32)
	if err != nil {
		return err
	}
	switch enc {
	case "none":
		return nil
	case "AES-256":
		ab.Encrypted = true
	default:
		return fmt.Errorf("open android backup: encryption %q at offset %d, want none or AES-256: %w", enc, hr.lineOff, ErrUnknownFormat)
	}
	if ab.UserSalt, err = hr.hex("user password salt", 1, 256); err != nil {
		return err
	}
	if ab.ChecksumSalt, err = hr.hex("master key checksum salt", 1, 256); err != nil {
		return err
	}
	ab.Rounds, err = hr.number("PBKDF2 rounds", 1, maxABRounds)
	return err
}

// decrypter checks the password against the master key blob and returns a
// CBC decrypter for the payload.
func (ab *AB) decrypter(hr *abHeaderReader, password string) (cipher.BlockMode, error) {
	userIV, err := hr.hex("user key IV", aes.BlockSize, aes.BlockSize)
	if err != nil {
		return nil, err
	}
	blob, err := hr.hex("master key blob", aes.BlockSize, 512)
	if err != nil {
		return nil, err
	}
	blobOff := hr.lineOff
	ab.HeaderSize = hr.off
	if len(blob)%aes.BlockSize != 0 {
		return nil, fmt.Errorf("open android backup: master key blob at offset %d is %d bytes, not whole AES blocks: %w",
			blobOff, len(blob), ErrUnknownFormat)
	}
	if password == "" {
		return nil, fmt.Errorf("open android backup: it is encrypted and no password was given: %w", ErrWrongPassword)
	}
	userKey, err := pbkdf2.Key(sha1.New, ab.passwordBytes(password), ab.UserSalt, ab.Rounds, 32)
	if err != nil {
		return nil, fmt.Errorf("open android backup: derive user key: %w", err)
	}
	block, _ := aes.NewCipher(userKey)
	plain := make([]byte, len(blob))
	cipher.NewCBCDecrypter(block, userIV).CryptBlocks(plain, blob)
	iv, mk, ck, ok := splitMasterKeyBlob(plain)
	if !ok {
		return nil, fmt.Errorf("open android backup: master key blob at offset %d does not decrypt: %w", blobOff, ErrWrongPassword)
	}
	sum, err := pbkdf2.Key(sha1.New, ab.checksumInput(mk), ab.ChecksumSalt, ab.Rounds, 32)
	if err != nil {
		return nil, fmt.Errorf("open android backup: master key checksum: %w", err)
	}
	if subtle.ConstantTimeCompare(sum, ck) != 1 {
		return nil, fmt.Errorf("open android backup: master key checksum does not match: %w", ErrWrongPassword)
	}
	mblock, err := aes.NewCipher(mk)
	if err != nil {
		return nil, fmt.Errorf("open android backup: master key is %d bytes: %w", len(mk), ErrUnknownFormat)
	}
	return cipher.NewCBCDecrypter(mblock, iv), nil
}

// splitMasterKeyBlob parses [n][IV][n][master key][n][checksum] + PKCS#7.
func splitMasterKeyBlob(b []byte) (iv, mk, ck []byte, ok bool) {
	b, ok = unpad(b)
	if !ok {
		return nil, nil, nil, false
	}
	var parts [3][]byte
	for i := range parts {
		if len(b) < 1 || len(b) < 1+int(b[0]) {
			return nil, nil, nil, false
		}
		parts[i], b = b[1:1+int(b[0])], b[1+int(b[0]):]
	}
	if len(b) != 0 || len(parts[0]) != aes.BlockSize || len(parts[1]) != 32 {
		return nil, nil, nil, false
	}
	return parts[0], parts[1], parts[2], true
}

// passwordBytes is what Java's PBKDF2 sees of the password: the low byte of
// each UTF-16 unit for version 1 ("And8bit"), UTF-8 afterwards.
func (ab *AB) passwordBytes(pw string) string {
	if ab.Version >= 2 {
		return pw
	}
	units := utf16.Encode([]rune(pw))
	b := make([]byte, len(units))
	for i, u := range units {
		b[i] = byte(u)
	}
	return string(b)
}

// checksumInput reproduces how Android turns the master key into the
// checksum's "password": each byte becomes a Java char by sign extension,
// then (version 2 on) the chars are UTF-8 encoded, so bytes >= 0x80 turn
// into three bytes EF BC|b>>6 80|b&3F.
func (ab *AB) checksumInput(mk []byte) string {
	if ab.Version < 2 {
		return string(mk)
	}
	out := make([]byte, 0, 3*len(mk))
	for _, b := range mk {
		out = utf8.AppendRune(out, rune(uint16(int16(int8(b)))))
	}
	return string(out)
}

// unpad strips PKCS#7 padding.
func unpad(b []byte) ([]byte, bool) {
	if len(b) == 0 || len(b)%aes.BlockSize != 0 {
		return nil, false
	}
	p := int(b[len(b)-1])
	if p == 0 || p > aes.BlockSize {
		return nil, false
	}
	for _, c := range b[len(b)-p:] {
		if int(c) != p {
			return nil, false
		}
	}
	return b[:len(b)-p], true
}

// abHeaderReader reads the newline-terminated header lines, tracking offsets.
type abHeaderReader struct {
	br      *bufio.Reader
	off     int64 // offset after the last line read
	lineOff int64 // offset of the last line read
}

func (h *abHeaderReader) line(what string, max int) (string, error) {
	h.lineOff = h.off
	var b []byte
	for {
		c, err := h.br.ReadByte()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return "", fmt.Errorf("open android backup: %s line at offset %d: file ends at offset %d: %w", what, h.lineOff, h.off, ErrTruncated)
			}
			return "", fmt.Errorf("open android backup: %s line at offset %d: %w", what, h.lineOff, err)
		}
		h.off++
		if c == '\n' {
			return string(b), nil
		}
		if len(b) >= max {
			return "", fmt.Errorf("open android backup: %s line at offset %d is longer than %d bytes: %w", what, h.lineOff, max, ErrUnknownFormat)
		}
		b = append(b, c)
	}
}

func (h *abHeaderReader) number(what string, lo, hi int) (int, error) {
	s, err := h.line(what, 16)
	if err != nil {
		return 0, err
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, fmt.Errorf("open android backup: %s %q at offset %d, want %d..%d: %w", what, s, h.lineOff, lo, hi, ErrUnknownFormat)
	}
	return n, nil
}

func (h *abHeaderReader) hex(what string, minLen, maxLen int) ([]byte, error) {
	s, err := h.line(what, 2*maxLen)
	if err != nil {
		return nil, err
	}
	b, err := hex.DecodeString(s)
	if err != nil || len(b) < minLen {
		return nil, fmt.Errorf("open android backup: %s at offset %d is not %d..%d hex bytes: %w", what, h.lineOff, minLen, maxLen, ErrUnknownFormat)
	}
	return b, nil
}

// cbcReader decrypts AES-CBC with PKCS#7 padding as a stream, holding back
// the last block until the end of the input shows it carries the padding.
type cbcReader struct {
	r    io.Reader
	mode cipher.BlockMode
	base int64
	buf  []byte
	held int // ciphertext bytes at the start of buf not yet decrypted
	out  []byte
	done bool
	read int64
	// keep is where the held-back last block sits in buf while out, which
	// aliases buf, is being consumed; pending says it is there.
	keep    int
	pending bool
}

const cbcChunk = 64 << 10

func (c *cbcReader) Read(p []byte) (int, error) {
	for len(c.out) == 0 {
		if c.done {
			return 0, io.EOF
		}
		if err := c.fill(); err != nil {
			c.done = true
			return 0, err
		}
	}
	n := copy(p, c.out)
	c.out = c.out[n:]
	return n, nil
}

func (c *cbcReader) fill() error {
	if c.buf == nil {
		c.buf = make([]byte, cbcChunk+aes.BlockSize)
	}
	if c.pending {
		// out, which aliased buf, is consumed: move the held-back block
		// to the front.
		copy(c.buf, c.buf[c.keep:c.keep+aes.BlockSize])
		c.held, c.pending = aes.BlockSize, false
	}
	n, err := io.ReadFull(c.r, c.buf[c.held:])
	c.read += int64(n)
	have := c.held + n
	end := c.base + c.read
	switch {
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		c.done = true
		if have == 0 || have%aes.BlockSize != 0 {
			return fmt.Errorf("android backup: encrypted payload ends at offset %d, not on an AES block boundary: %w", end, ErrTruncated)
		}
		c.mode.CryptBlocks(c.buf[:have], c.buf[:have])
		plain, ok := unpad(c.buf[:have])
		if !ok {
			return fmt.Errorf("android backup: bad padding at the end of the payload (offset %d): truncated or corrupted: %w, %w",
				end, ErrTruncated, ErrCorrupt)
		}
		c.out = plain
		return nil
	case err != nil:
		return fmt.Errorf("android backup: read at offset %d: %w", end, err)
	}
	c.keep = have - aes.BlockSize
	c.mode.CryptBlocks(c.buf[:c.keep], c.buf[:c.keep])
	c.out = c.buf[:c.keep]
	c.held, c.pending = 0, true
	return nil
}

// abInflater names truncation and damage of the compressed tar stream.
type abInflater struct{ r io.Reader }

func (a *abInflater) Read(p []byte) (int, error) {
	n, err := a.r.Read(p)
	if err != nil && !errors.Is(err, io.EOF) {
		err = fmt.Errorf("android backup: inflate: %w", abStreamErr(err))
	}
	return n, err
}

func abStreamErr(err error) error {
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		return fmt.Errorf("%w: %w", err, ErrTruncated)
	case errors.Is(err, ErrTruncated), errors.Is(err, ErrCorrupt):
		return err
	}
	return fmt.Errorf("%w: %w", err, ErrCorrupt)
}
