package blob

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// KeyWrapper protects case keys at rest. In production it is the TPM (a sealed object under the storage key);
// blobtest.Wrapper is a software implementation for tests.
//
// Wrap returns an opaque value that only this wrapper can turn back into key; it must not reveal the key.
// Unwrap returns the key that Wrap was given, or an error if wrapped is damaged, was made by another wrapper, or
// the wrapper cannot operate (for example a TPM whose policy no longer holds). Both may block; they honour ctx.
type KeyWrapper interface {
	Wrap(ctx context.Context, key []byte) ([]byte, error)
	Unwrap(ctx context.Context, wrapped []byte) ([]byte, error)
}

// Key file format, version 1 (see the package doc).
const (
	keyMagic      = "ATSTCKEY"
	keyVersion    = 1
	keyFixedSize  = 8 + 1 + keyIDSize + 4
	maxWrappedLen = 64 << 10
)

const maxCaseIDLen = 64

// ValidCaseID reports whether id is acceptable as a case id, and if not, why. The error wraps ErrBadCaseID.
func ValidCaseID(id string) error {
	bad := func(why string) error { return fmt.Errorf("case id %q: %s: %w", id, why, ErrBadCaseID) }
	switch {
	case id == "":
		return bad("empty")
	case len(id) > maxCaseIDLen:
		return bad(fmt.Sprintf("longer than %d bytes", maxCaseIDLen))
	case !isAlnum(id[0]):
		return bad("must start with a letter or digit")
	case bytes.Contains([]byte(id), []byte("..")):
		return bad(`contains ".."`)
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; !isAlnum(c) && c != '.' && c != '_' && c != '-' {
			return bad(fmt.Sprintf("byte %d (%q) is not one of [A-Za-z0-9._-]", i, c))
		}
	}
	return nil
}

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// caseKey is an unwrapped case key and its id.
type caseKey struct {
	key []byte
	id  [keyIDSize]byte
}

func (k *caseKey) idHex() string { return hex.EncodeToString(k.id[:]) }

func encodeKeyFile(id [keyIDSize]byte, wrapped []byte) []byte {
	b := make([]byte, 0, keyFixedSize+len(wrapped)+sha256.Size)
	b = append(b, keyMagic...)
	b = append(b, keyVersion)
	b = append(b, id[:]...)
	b = binary.BigEndian.AppendUint32(b, uint32(len(wrapped)))
	b = append(b, wrapped...)
	sum := sha256.Sum256(b)
	return append(b, sum[:]...)
}

var errKeyFile = errors.New("bad key file")

func decodeKeyFile(b []byte) (id [keyIDSize]byte, wrapped []byte, err error) {
	if len(b) < keyFixedSize+sha256.Size {
		return id, nil, fmt.Errorf("%w: %d bytes is too short", errKeyFile, len(b))
	}
	if string(b[:8]) != keyMagic {
		return id, nil, fmt.Errorf("%w: magic %q is not %q", errKeyFile, b[:8], keyMagic)
	}
	if b[8] != keyVersion {
		return id, nil, fmt.Errorf("%w: unsupported version %d", errKeyFile, b[8])
	}
	n := binary.BigEndian.Uint32(b[25:29])
	if n == 0 || n > maxWrappedLen {
		return id, nil, fmt.Errorf("%w: wrapped key length %d out of range", errKeyFile, n)
	}
	if want := keyFixedSize + int(n) + sha256.Size; len(b) != want {
		return id, nil, fmt.Errorf("%w: %d bytes, header says %d", errKeyFile, len(b), want)
	}
	body := b[:len(b)-sha256.Size]
	sum := sha256.Sum256(body)
	if subtle.ConstantTimeCompare(sum[:], b[len(body):]) != 1 {
		return id, nil, fmt.Errorf("%w: checksum mismatch", errKeyFile)
	}
	copy(id[:], b[9:25])
	return id, bytes.Clone(body[keyFixedSize:]), nil
}

// readKeyFile returns the key id and wrapped key stored for a case; fs.ErrNotExist if there is none.
func readKeyFile(path string) ([keyIDSize]byte, []byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return [keyIDSize]byte{}, nil, err
	}
	id, wrapped, err := decodeKeyFile(b)
	if err != nil {
		return id, nil, fmt.Errorf("key file %s: %w: %w", path, err, ErrKeyUnavailable)
	}
	return id, wrapped, nil
}

// unwrapKey turns a key file's content into a usable key, checking it against its id.
func (s *Store) unwrapKey(ctx context.Context, path string, id [keyIDSize]byte, wrapped []byte) (*caseKey, error) {
	key, err := s.wrapper.Unwrap(ctx, wrapped)
	if err != nil {
		return nil, fmt.Errorf("unwrap key %x from %s: %w: %w", id, path, err, ErrKeyUnavailable)
	}
	if len(key) != caseKeySize {
		return nil, fmt.Errorf("unwrap key %x from %s: got %d bytes, want %d: %w", id, path, len(key), caseKeySize, ErrKeyUnavailable)
	}
	got, err := deriveKeyID(key)
	if err != nil {
		return nil, err
	}
	if got != id {
		return nil, fmt.Errorf("unwrap key %x from %s: unwrapped key has id %x (wrong key wrapper?): %w", id, path, got, ErrKeyUnavailable)
	}
	return &caseKey{key: key, id: id}, nil
}

// newKey creates, wraps and durably stores a fresh case key. If another writer stored one first, that one is used.
func (s *Store) newKey(ctx context.Context, caseDir string) (*caseKey, error) {
	key := make([]byte, caseKeySize)
	rand.Read(key)
	id, err := deriveKeyID(key)
	if err != nil {
		return nil, err
	}
	wrapped, err := s.wrapper.Wrap(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("wrap new key: %w: %w", err, ErrKeyUnavailable)
	}
	if len(wrapped) == 0 || len(wrapped) > maxWrappedLen {
		return nil, fmt.Errorf("wrap new key: wrapped key is %d bytes, want 1..%d: %w", len(wrapped), maxWrappedLen, ErrKeyUnavailable)
	}
	path := filepath.Join(caseDir, keyFileName)
	err = writeFileOnce(caseDir, keyFileName, encodeKeyFile(id, wrapped))
	if errors.Is(err, fs.ErrExist) {
		id, wrapped, err := readKeyFile(path)
		if err != nil {
			return nil, err
		}
		return s.unwrapKey(ctx, path, id, wrapped)
	}
	if err != nil {
		return nil, fmt.Errorf("store new key: %w", err)
	}
	return &caseKey{key: key, id: id}, nil
}
