package android

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
)

// Format is a WhatsApp backup encryption format.
type Format int

const (
	FormatUnknown Format = iota
	FormatCrypt12
	FormatCrypt14
	FormatCrypt15
)

func (f Format) String() string {
	switch f {
	case FormatCrypt12:
		return "crypt12"
	case FormatCrypt14:
		return "crypt14"
	case FormatCrypt15:
		return "crypt15"
	}
	return "unknown"
}

// Header is the plaintext header of a crypt12/14/15 backup.
type Header struct {
	Format Format
	// Size is the header's length in bytes: the ciphertext starts here.
	Size int
	// FeatureFlag reports the optional 0x01 byte after the length byte
	// (crypt14/15 msgstore backups have it, wa.db and old backups do not).
	FeatureFlag bool
	// KeyType is the prefix's key_type: 0 key provided by WhatsApp
	// (crypt14), 1 end-to-end key (crypt15).
	KeyType int
	IV      []byte // 16 bytes: the GCM nonce
	// AppVersion is the WhatsApp version that wrote the backup.
	AppVersion string
	// JIDSuffix is the last two digits of the account's phone number (for
	// crypt12 it is in the trailer and filled in by Decrypt).
	JIDSuffix     string
	BackupVersion int32
	// Features lists the field numbers (5..39) of the feature flags set in
	// the header: which database features the writing app had enabled.
	Features []int
	// Crypt12/14 key identification, compared with the key file.
	CipherVersion []byte
	KeyVersion    []byte
	ServerSalt    []byte
	GoogleID      []byte
}

// MaxHeaderSize is the largest crypt header: length byte, flag byte and a
// 255-byte prefix.
const MaxHeaderSize = 2 + 255

const crypt12HeaderSize = 2 + 1 + 32 + 16 + 16

// ParseHeader parses the header at the start of a backup. b must hold the
// file's first bytes (MaxHeaderSize of them, or the whole file if shorter).
// A header cut short returns ErrTruncated naming the offset; anything that
// is not a crypt12/14/15 header returns ErrUnknownFormat.
func ParseHeader(b []byte) (*Header, error) {
	if len(b) < 2 {
		return nil, fmt.Errorf("parse header: file ends at offset %d: %w", len(b), ErrTruncated)
	}
	if b[0] == 0 && b[1] == 1 {
		return parseCrypt12Header(b)
	}
	if what := knownPlaintext(b); what != "" {
		return nil, fmt.Errorf("parse header: the file is %s, not an encrypted WhatsApp backup: %w", what, ErrUnknownFormat)
	}
	n := int(b[0])
	start := 1
	h := &Header{}
	if b[1] == 1 {
		h.FeatureFlag = true
		start = 2
	}
	if len(b) <= start || !isPrefixTag(b[start]) {
		return nil, fmt.Errorf("parse header: byte %#02x at offset %d does not start a backup prefix: %w", b[min(start, len(b)-1)], start, ErrUnknownFormat)
	}
	if len(b) < start+n {
		return nil, fmt.Errorf("parse header: prefix of %d bytes at offset %d but file ends at offset %d: %w",
			n, start, len(b), ErrTruncated)
	}
	if err := h.parsePrefix(b[start:start+n], start); err != nil {
		return nil, err
	}
	h.Size = start + n
	return h, nil
}

// isPrefixTag reports whether c is the protobuf tag of one of the
// BackupPrefix fields with its wire type, as the prefix must start with one.
func isPrefixTag(c byte) bool {
	return c == prefixKeyType<<3|wireVarint || c == prefixC14Cipher<<3|wireBytes ||
		c == prefixC15IV<<3|wireBytes || c == prefixInfo<<3|wireBytes
}

func prefixWire(num int) int {
	if num == prefixKeyType {
		return wireVarint
	}
	return wireBytes
}

// knownPlaintext names files that are commonly handed in by mistake.
func knownPlaintext(b []byte) string {
	switch {
	case bytes.HasPrefix(b, sqliteMagic):
		return "an unencrypted SQLite database"
	case bytes.HasPrefix(b, zipMagic):
		return "an unencrypted ZIP archive"
	case bytes.HasPrefix(b, abMagic[:len(abMagic)-1]):
		return "an Android backup (.ab)"
	case bytes.HasPrefix(b, javaByteArrayPrefix[:4]):
		return "a Java-serialised key file"
	}
	return ""
}

func parseCrypt12Header(b []byte) (*Header, error) {
	if len(b) < crypt12HeaderSize {
		return nil, fmt.Errorf("parse crypt12 header: %d bytes needed, file ends at offset %d: %w",
			crypt12HeaderSize, len(b), ErrTruncated)
	}
	return &Header{
		Format:        FormatCrypt12,
		Size:          crypt12HeaderSize,
		CipherVersion: clone(b[0:2]),
		KeyVersion:    clone(b[2:3]),
		ServerSalt:    clone(b[3:35]),
		GoogleID:      clone(b[35:51]),
		IV:            clone(b[51:67]),
	}, nil
}

func clone(b []byte) []byte { return append([]byte(nil), b...) }

// Protobuf field numbers of the backup prefix messages.
const (
	prefixKeyType   = 1
	prefixC14Cipher = 2
	prefixC15IV     = 3
	prefixInfo      = 4
)

func (h *Header) parsePrefix(p []byte, base int) error {
	err := walkProto(p, base, func(f protoField) error {
		switch {
		case f.num >= prefixKeyType && f.num <= prefixInfo && f.wire != prefixWire(f.num):
			return fmt.Errorf("parse header: prefix field %d at offset %d has wire type %d: %w", f.num, f.off, f.wire, ErrUnknownFormat)
		case f.num == prefixKeyType:
			h.KeyType = int(f.varint)
		case f.num == prefixC14Cipher && f.wire == wireBytes:
			h.Format = FormatCrypt14
			return h.parseC14(f)
		case f.num == prefixC15IV && f.wire == wireBytes:
			h.Format = FormatCrypt15
			return walkProto(f.bytes, f.off, func(g protoField) error {
				if g.num == 1 && g.wire == wireBytes {
					h.IV = clone(g.bytes)
				}
				return nil
			})
		case f.num == prefixInfo && f.wire == wireBytes:
			return h.parseInfo(f)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if h.Format == FormatUnknown {
		return fmt.Errorf("parse header: prefix at offset %d has neither crypt14 nor crypt15 cipher info: %w", base, ErrUnknownFormat)
	}
	if len(h.IV) != 16 {
		return fmt.Errorf("parse %s header: IV is %d bytes, want 16: %w", h.Format, len(h.IV), ErrUnknownFormat)
	}
	return nil
}

func (h *Header) parseC14(f protoField) error {
	return walkProto(f.bytes, f.off, func(g protoField) error {
		if g.wire != wireBytes {
			return nil
		}
		switch g.num {
		case 1:
			h.CipherVersion = clone(g.bytes)
		case 2:
			h.KeyVersion = clone(g.bytes)
		case 3:
			h.ServerSalt = clone(g.bytes)
		case 4:
			h.GoogleID = clone(g.bytes)
		case 5:
			h.IV = clone(g.bytes)
		}
		return nil
	})
}

func (h *Header) parseInfo(f protoField) error {
	return walkProto(f.bytes, f.off, func(g protoField) error {
		switch {
		case g.num == 1 && g.wire == wireBytes:
			h.AppVersion = string(g.bytes)
		case g.num == 3 && g.wire == wireBytes:
			h.JIDSuffix = string(g.bytes)
		case g.num == 4 && g.wire == wireVarint:
			h.BackupVersion = int32(g.varint)
		case g.num >= 5 && g.wire == wireVarint && g.varint != 0:
			h.Features = append(h.Features, g.num)
		}
		return nil
	})
}

// A minimal protobuf wire-format reader: the header is small and its schema
// has only varints and length-delimited fields; unknown fields are skipped
// so newer app versions still parse.
const (
	wireVarint = 0
	wire64     = 1
	wireBytes  = 2
	wire32     = 5
)

type protoField struct {
	num    int
	wire   int
	varint uint64
	bytes  []byte
	off    int // file offset of the field's value
}

var errVarint = errors.New("bad varint")

func walkProto(p []byte, base int, fn func(protoField) error) error {
	for i := 0; i < len(p); {
		tagOff := base + i
		tag, n := uvarint(p[i:])
		if n <= 0 {
			return fmt.Errorf("parse header: protobuf tag at offset %d: %w: %w", tagOff, errVarint, ErrUnknownFormat)
		}
		i += n
		f := protoField{num: int(tag >> 3), wire: int(tag & 7), off: base + i}
		if f.num == 0 || tag>>3 > 1<<29 {
			return fmt.Errorf("parse header: protobuf field number %d at offset %d: %w", tag>>3, tagOff, ErrUnknownFormat)
		}
		switch f.wire {
		case wireVarint:
			f.varint, n = uvarint(p[i:])
			if n <= 0 {
				return fmt.Errorf("parse header: field %d at offset %d: %w: %w", f.num, f.off, errVarint, ErrUnknownFormat)
			}
			i += n
		case wireBytes:
			l, n := uvarint(p[i:])
			if n <= 0 || l > uint64(len(p)-i-n) {
				return fmt.Errorf("parse header: field %d at offset %d: length overruns the prefix: %w", f.num, f.off, ErrUnknownFormat)
			}
			i += n
			f.off = base + i
			f.bytes = p[i : i+int(l)]
			i += int(l)
		case wire64, wire32:
			w := 8
			if f.wire == wire32 {
				w = 4
			}
			if len(p)-i < w {
				return fmt.Errorf("parse header: field %d at offset %d overruns the prefix: %w", f.num, f.off, ErrUnknownFormat)
			}
			i += w
		default:
			return fmt.Errorf("parse header: field %d at offset %d has wire type %d: %w", f.num, tagOff, f.wire, ErrUnknownFormat)
		}
		if err := fn(f); err != nil {
			return err
		}
	}
	return nil
}

// uvarint is binary.Uvarint: n <= 0 means truncated or longer than 64 bits.
func uvarint(b []byte) (uint64, int) { return binary.Uvarint(b) }

// appendProto helpers are used to write headers (EncryptCrypt15).
func appendVarintField(b []byte, num int, v uint64) []byte {
	b = binary.AppendUvarint(b, uint64(num)<<3|wireVarint)
	return binary.AppendUvarint(b, v)
}

func appendBytesField(b []byte, num int, v []byte) []byte {
	b = binary.AppendUvarint(b, uint64(num)<<3|wireBytes)
	b = binary.AppendUvarint(b, uint64(len(v)))
	return append(b, v...)
}
