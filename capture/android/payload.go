package android

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"

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
	br := bufio.NewReaderSize(r, 64<<10)
	head, err := br.Peek(len(zipMagic))
	if err != nil && !errors.Is(err, io.EOF) {
		return PayloadUnknown, nil, fmt.Errorf("open payload: %w", err)
	}
	switch {
	case len(head) == 0:
		return PayloadUnknown, nil, fmt.Errorf("open payload: payload is empty: %w", io.ErrUnexpectedEOF)
	case bytes.HasPrefix(head, zipMagic):
		return PayloadZIP, br, nil
	case !isZlibHeader(head):
		return PayloadUnknown, nil, fmt.Errorf("open payload: first bytes % x (%q) are neither zlib, SQLite nor ZIP: %w",
			head, head, ErrNotDatabase)
	}
	zr, err := zlib.NewReader(br)
	if err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return PayloadUnknown, nil, fmt.Errorf("open payload: zlib header: %w", err)
	}
	zbr := bufio.NewReaderSize(zr, 64<<10)
	head, err = zbr.Peek(len(sqliteMagic))
	if kind := SniffPayload(head); kind != PayloadUnknown {
		return kind, zbr, nil
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return PayloadUnknown, nil, fmt.Errorf("open payload: inflate: %w", err)
	}
	return PayloadUnknown, nil, fmt.Errorf("open payload: inflated data starts % x (%q): %w", head, head, ErrNotDatabase)
}
