package android

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/adler32"
	"io"

	"github.com/klauspost/compress/flate"
	"github.com/klauspost/compress/zlib"
)

// PayloadKind is what a decrypted backup holds.
type PayloadKind int

const (
	PayloadUnknown PayloadKind = iota
	// PayloadSQLite is a single SQLite database (msgstore.db, wa.db, ...),
	// stored zlib-compressed inside the encryption.
	PayloadSQLite
	// PayloadZIP is a multi-file backup: a ZIP archive, stored as is.
	PayloadZIP
)

func (k PayloadKind) String() string {
	switch k {
	case PayloadSQLite:
		return "sqlite"
	case PayloadZIP:
		return "zip"
	}
	return "unknown"
}

var (
	sqliteMagic = []byte("SQLite format 3\x00")
	zipMagic    = []byte("PK\x03\x04")
	zipEOCD     = []byte("PK\x05\x06")
)

// SniffPayload tells a SQLite database or a ZIP archive from the first
// bytes of a (decompressed) payload.
func SniffPayload(head []byte) PayloadKind {
	switch {
	case bytes.HasPrefix(head, sqliteMagic):
		return PayloadSQLite
	case bytes.HasPrefix(head, zipMagic):
		return PayloadZIP
	}
	return PayloadUnknown
}

// isZlibHeader reports whether b starts with a zlib header: deflate method,
// a window of at most 32 KiB, and a valid check value.
func isZlibHeader(b []byte) bool {
	return len(b) >= 2 && b[0]&0x0f == 8 && b[0]>>4 <= 7 && (uint16(b[0])<<8|uint16(b[1]))%31 == 0
}

// OpenPayload opens the decrypted stream of a backup. WhatsApp stores a
// single database as a zlib stream and a multi-file backup as a raw ZIP; the
// returned reader yields the SQLite bytes or the ZIP bytes. Anything else
// fails with ErrNotDatabase naming the first bytes. The inflating reader
// reports a cut stream as io.ErrUnexpectedEOF and damage as a
// flate.CorruptInputError or zlib.ErrChecksum (of github.com/klauspost/compress,
// whose inflater is faster than the standard library's and gives the same bytes).
func OpenPayload(r io.Reader) (PayloadKind, io.Reader, error) {
	p, err := openPayload(r)
	if err != nil {
		return PayloadUnknown, nil, err
	}
	if !p.zlib {
		return p.kind, p.data, nil
	}
	return p.kind, &checkedPayload{p: p, sum: adler32.New()}, nil
}

// payloadStream is an opened payload. When it is a zlib stream, data is the
// raw inflated deflate stream and the adler-32 checksum is left to the
// reader, which may compute it on another goroutine (checkTrailer).
type payloadStream struct {
	kind PayloadKind
	src  *bufio.Reader // the decrypted stream
	data io.Reader     // the payload's bytes, read from src
	zlib bool          // data is inflated: its adler-32 trailer follows in src
}

func openPayload(r io.Reader) (*payloadStream, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	head, err := br.Peek(len(zipMagic))
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("open payload: %w", err)
	}
	switch {
	case len(head) == 0:
		return nil, fmt.Errorf("open payload: payload is empty: %w", io.ErrUnexpectedEOF)
	case bytes.HasPrefix(head, zipMagic):
		return &payloadStream{kind: PayloadZIP, src: br, data: br}, nil
	case !isZlibHeader(head):
		return nil, fmt.Errorf("open payload: first bytes % x (%q) are neither zlib, SQLite nor ZIP: %w",
			head, head, ErrNotDatabase)
	case head[1]&0x20 != 0:
		// A preset dictionary: WhatsApp never uses one, and none is known.
		return nil, fmt.Errorf("open payload: zlib header: %w", zlib.ErrDictionary)
	}
	br.Discard(2)
	zbr := bufio.NewReaderSize(flate.NewReader(br), 64<<10)
	head, err = zbr.Peek(len(sqliteMagic))
	if kind := SniffPayload(head); kind != PayloadUnknown {
		return &payloadStream{kind: kind, src: br, data: zbr, zlib: true}, nil
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("open payload: inflate: %w", err)
	}
	return nil, fmt.Errorf("open payload: inflated data starts % x (%q): %w", head, head, ErrNotDatabase)
}

// checkTrailer reads the zlib trailer that follows the deflate stream and
// compares it with sum, the adler-32 of everything data yielded.
func (p *payloadStream) checkTrailer(sum uint32) error {
	var b [4]byte
	if _, err := io.ReadFull(p.src, b[:]); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return err
	}
	if binary.BigEndian.Uint32(b[:]) != sum {
		return zlib.ErrChecksum
	}
	return nil
}

// checkedPayload is a zlib payload checked against its adler-32 as it is
// read.
type checkedPayload struct {
	p   *payloadStream
	sum hash.Hash32
	err error
}

func (c *checkedPayload) Read(b []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.p.data.Read(b)
	c.sum.Write(b[:n])
	if errors.Is(err, io.EOF) {
		if terr := c.p.checkTrailer(c.sum.Sum32()); terr != nil {
			err = terr
		}
	}
	c.err = err
	return n, err
}
