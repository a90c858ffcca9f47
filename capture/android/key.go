package android

import (
	"bytes"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strings"
)

// KeyKind says which backups a Key opens.
type KeyKind int

const (
	// KeyNone is the zero Key.
	KeyNone KeyKind = iota
	// KeyCrypt15 is the 32-byte end-to-end backup root key (the 64 hex
	// digits WhatsApp shows, or the encrypted_backup.key file).
	KeyCrypt15
	// KeyCrypt14 is the 131-byte key of the app's files/key file; it opens
	// crypt12 and crypt14 backups.
	KeyCrypt14
)

func (k KeyKind) String() string {
	switch k {
	case KeyCrypt15:
		return "crypt15 root key"
	case KeyCrypt14:
		return "crypt12/14 key"
	}
	return "no key"
}

// Key is a WhatsApp backup key. Its zero value is no key. Key never prints
// its secret: String and LogValue show only the kind and a fingerprint.
type Key struct {
	kind KeyKind
	// root is the crypt15 root key.
	root [32]byte
	// aesKey is the AES-256 key: for crypt14 taken from the key file, for
	// crypt15 derived from root with HKDF-SHA256.
	aesKey [32]byte
	// Crypt12/14 key file fields, checked against the backup's header.
	cipherVersion [2]byte
	keyVersion    byte
	serverSalt    [32]byte
	googleID      [16]byte
}

// javaByteArrayPrefix is the Java ObjectOutputStream serialisation of a
// byte[] up to (not including) its big-endian u32 length: stream magic and
// version, TC_ARRAY, TC_CLASSDESC, class name "[B", serialVersionUID,
// flags, no fields, TC_ENDBLOCKDATA, no superclass.
var javaByteArrayPrefix = []byte{
	0xac, 0xed, 0x00, 0x05, 0x75, 0x72, 0x00, 0x02, '[', 'B',
	0xac, 0xf3, 0x17, 0xf8, 0x06, 0x08, 0x54, 0xe0, 0x02, 0x00, 0x00, 0x78, 0x70,
}

const (
	keyFilePrefixLen = 27 // javaByteArrayPrefix + u32 length
	key14Len         = 131
	key15Len         = 32
)

// ParseKeyFile parses a WhatsApp key file: the 158-byte files/key of
// crypt12/14 (Java-serialised 131-byte key) or the 59-byte
// encrypted_backup.key of crypt15 (Java-serialised 32-byte root key).
// A bare 32-byte root key is accepted too.
func ParseKeyFile(b []byte) (Key, error) {
	if len(b) == key15Len {
		return keyFromRoot(b), nil
	}
	if len(b) < keyFilePrefixLen {
		return Key{}, fmt.Errorf("parse key file: %d bytes, want 59 (crypt15) or 158 (crypt14): %w", len(b), ErrBadKey)
	}
	if !bytes.Equal(b[:len(javaByteArrayPrefix)], javaByteArrayPrefix) {
		return Key{}, fmt.Errorf("parse key file: not a Java-serialised byte array (first bytes % x): %w",
			b[:min(len(b), 8)], ErrBadKey)
	}
	n := binary.BigEndian.Uint32(b[len(javaByteArrayPrefix):keyFilePrefixLen])
	body := b[keyFilePrefixLen:]
	if uint64(n) != uint64(len(body)) {
		return Key{}, fmt.Errorf("parse key file: array length %d at offset 23 but %d bytes follow: %w", n, len(body), ErrBadKey)
	}
	switch len(body) {
	case key15Len:
		return keyFromRoot(body), nil
	case key14Len:
		return keyFrom14(body)
	}
	return Key{}, fmt.Errorf("parse key file: %d-byte key, want 32 (crypt15) or 131 (crypt14): %w", len(body), ErrBadKey)
}

// keyFrom14 parses the 131-byte crypt12/14 key: cipher version (2), key
// version (1), server salt (32), Google ID salt (16), SHA-256 of the Google
// ID salt (32), zero IV (16), AES key (32).
func keyFrom14(b []byte) (Key, error) {
	k := Key{kind: KeyCrypt14}
	copy(k.cipherVersion[:], b[0:2])
	k.keyVersion = b[2]
	copy(k.serverSalt[:], b[3:35])
	copy(k.googleID[:], b[35:51])
	copy(k.aesKey[:], b[99:131])
	if k.cipherVersion != [2]byte{0, 1} {
		return Key{}, fmt.Errorf("parse key file: cipher version % x at offset %d, want 00 01: %w",
			k.cipherVersion, keyFilePrefixLen, ErrBadKey)
	}
	return k, nil
}

func keyFromRoot(root []byte) Key {
	k := Key{kind: KeyCrypt15}
	copy(k.root[:], root)
	// HKDF-SHA256 with no salt and info "backup encryption": WhatsApp's
	// backup key derivation for end-to-end encrypted backups.
	aesKey, err := hkdf.Key(sha256.New, root, nil, "backup encryption", 32)
	if err != nil {
		panic("android: hkdf: " + err.Error()) // cannot happen for a 32-byte output
	}
	copy(k.aesKey[:], aesKey)
	return k
}

// ParseHexKey parses the 64-hex-digit end-to-end backup key a technician
// types. Spaces, tabs and dashes between digits are ignored (WhatsApp shows
// the key in groups); any other character is refused, naming its position.
func ParseHexKey(s string) (Key, error) {
	var digits strings.Builder
	pos := 0
	for _, r := range s {
		pos++
		switch {
		case r == ' ' || r == '-' || r == '\t' || r == '\n' || r == '\r':
		case '0' <= r && r <= '9', 'a' <= r && r <= 'f', 'A' <= r && r <= 'F':
			digits.WriteRune(r)
		default:
			return Key{}, fmt.Errorf("parse hex key: character %q at position %d is not a hex digit: %w", r, pos, ErrBadKey)
		}
	}
	if digits.Len() != 64 {
		return Key{}, fmt.Errorf("parse hex key: %d hex digits, want 64: %w", digits.Len(), ErrBadKey)
	}
	root, err := hex.DecodeString(digits.String())
	if err != nil {
		return Key{}, fmt.Errorf("parse hex key: %w: %w", err, ErrBadKey)
	}
	return keyFromRoot(root), nil
}

// GenerateKey returns a fresh random crypt15 root key.
func GenerateKey() (Key, error) {
	var root [32]byte
	if _, err := rand.Read(root[:]); err != nil {
		return Key{}, fmt.Errorf("generate key: %w", err)
	}
	return keyFromRoot(root[:]), nil
}

// Kind reports which backups the key opens.
func (k Key) Kind() KeyKind { return k.kind }

// RootHex returns the crypt15 root key as the 64 hex digits WhatsApp shows
// its user, or "" for other keys. It is the secret itself: never log it.
func (k Key) RootHex() string {
	if k.kind != KeyCrypt15 {
		return ""
	}
	return hex.EncodeToString(k.root[:])
}

// Fingerprint is the first 8 bytes, in hex, of SHA-256 over the AES key: it
// identifies a key in logs and reports without revealing it.
func (k Key) Fingerprint() string {
	if k.kind == KeyNone {
		return ""
	}
	s := sha256.Sum256(k.aesKey[:])
	return hex.EncodeToString(s[:8])
}

func (k Key) String() string {
	if k.kind == KeyNone {
		return "no key"
	}
	return k.kind.String() + " " + k.Fingerprint()
}

// GoString keeps %#v from printing the secret.
func (k Key) GoString() string { return "android.Key{" + k.String() + "}" }

// LogValue keeps slog from printing the secret.
func (k Key) LogValue() slog.Value { return slog.StringValue(k.String()) }
