package ios

import (
	"crypto/aes"
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/binary"
	"fmt"
)

// Bounds on the keybag's iteration counts: Apple writes DPIC 10,000,000 and ITER 10,000. A hostile keybag with a
// larger count is refused rather than left to run for hours.
const (
	MaxDPIC = 100_000_000
	MaxIter = 10_000_000
)

// Keybag is a backup keybag (Manifest.plist BackupKeyBag), parsed, not yet unlocked.
type Keybag struct {
	Version, Type uint32
	UUID          []byte
	Salt          []byte // SALT: the PBKDF2-SHA1 round's salt
	Iter          uint32 // ITER
	DPSalt        []byte // DPSL: the PBKDF2-SHA256 round's salt (absent before iOS 10.2)
	DPIter        uint32 // DPIC
	Classes       []ClassKey
}

// ClassKey is one protection class's wrapped key.
type ClassKey struct {
	UUID    []byte
	Class   uint32 // CLAS
	Wrap    uint32 // WRAP: bit 2 (value 2) means wrapped under the password-derived key
	KeyType uint32 // KTYP
	Wrapped []byte // WPKY: 40 bytes when wrapped with RFC 3394
}

const wrapPasscode = 2

// ParseKeybag reads a keybag's TLV records strictly: every record inside the blob, lengths of 4 for the numeric
// tags, one value per header tag, a UUID starting each class, a class number on each.
func ParseKeybag(b []byte) (*Keybag, error) {
	kb := &Keybag{}
	var cur *ClassKey
	seen := map[string]bool{}
	for off := 0; off < len(b); {
		if len(b)-off < 8 {
			return nil, fmt.Errorf("%w: record at %d: %d bytes left, a record header is 8", ErrKeybag, off, len(b)-off)
		}
		tag, n := string(b[off:off+4]), int(binary.BigEndian.Uint32(b[off+4:]))
		if n < 0 || n > len(b)-off-8 {
			return nil, fmt.Errorf("%w: record %q at %d: length %d runs past the keybag (%d bytes)", ErrKeybag, tag, off, n, len(b))
		}
		val := b[off+8 : off+8+n]
		if err := kb.record(&cur, seen, tag, val); err != nil {
			return nil, fmt.Errorf("%w: record %q at %d: %v", ErrKeybag, tag, off, err)
		}
		off += 8 + n
	}
	if cur != nil {
		kb.Classes = append(kb.Classes, *cur)
	}
	switch {
	case len(kb.Salt) == 0 || kb.Iter == 0:
		return nil, fmt.Errorf("%w: no SALT/ITER", ErrKeybag)
	case kb.Iter > MaxIter || kb.DPIter > MaxDPIC:
		return nil, fmt.Errorf("%w: iteration counts ITER %d, DPIC %d exceed %d, %d", ErrKeybag, kb.Iter, kb.DPIter, MaxIter, MaxDPIC)
	case len(kb.DPSalt) > 0 && kb.DPIter == 0:
		return nil, fmt.Errorf("%w: DPSL without DPIC", ErrKeybag)
	case len(kb.Classes) == 0:
		return nil, fmt.Errorf("%w: no class keys", ErrKeybag)
	}
	return kb, nil
}

func (kb *Keybag) record(cur **ClassKey, seen map[string]bool, tag string, val []byte) error {
	num := func() (uint32, error) {
		if len(val) != 4 {
			return 0, fmt.Errorf("%d bytes, want 4", len(val))
		}
		return binary.BigEndian.Uint32(val), nil
	}
	var err error
	if tag == "UUID" {
		if !seen["UUID"] {
			seen["UUID"], kb.UUID = true, clone(val)
			return nil
		}
		if *cur != nil {
			kb.Classes = append(kb.Classes, **cur)
		}
		*cur = &ClassKey{UUID: clone(val)}
		return nil
	}
	if c := *cur; c != nil {
		switch tag {
		case "CLAS":
			c.Class, err = num()
		case "WRAP":
			c.Wrap, err = num()
		case "KTYP":
			c.KeyType, err = num()
		case "WPKY":
			c.Wrapped = clone(val)
		}
		return err // other class tags (PBKY) are kept out
	}
	if seen[tag] {
		return fmt.Errorf("header tag twice")
	}
	seen[tag] = true
	switch tag {
	case "VERS":
		kb.Version, err = num()
	case "TYPE":
		kb.Type, err = num()
	case "SALT":
		kb.Salt = clone(val)
	case "ITER":
		kb.Iter, err = num()
	case "DPSL":
		kb.DPSalt = clone(val)
	case "DPIC":
		kb.DPIter, err = num()
	}
	return err
}

func clone(b []byte) []byte { return append([]byte(nil), b...) }

// DeriveKey derives the key-encryption key from the password: the slow part (DPIC rounds of PBKDF2-SHA256).
func (kb *Keybag) DeriveKey(password []byte) ([]byte, error) {
	pass := string(password)
	if len(kb.DPSalt) > 0 {
		k1, err := pbkdf2.Key(sha256.New, pass, kb.DPSalt, int(kb.DPIter), 32)
		if err != nil {
			return nil, err
		}
		pass = string(k1)
	}
	return pbkdf2.Key(sha1.New, pass, kb.Salt, int(kb.Iter), 32)
}

// Unlock derives the key from password and unwraps every password-wrapped class key. A password that does not
// unwrap the first of them is [ErrWrongPassword]; one that unwraps some but not others means a damaged keybag.
func (kb *Keybag) Unlock(password []byte) (map[uint32][]byte, error) {
	kek, err := kb.DeriveKey(password)
	if err != nil {
		return nil, fmt.Errorf("%w: derivation: %v", ErrKeybag, err)
	}
	return kb.UnlockWithKey(kek)
}

// UnlockWithKey is Unlock with an already derived key.
func (kb *Keybag) UnlockWithKey(kek []byte) (map[uint32][]byte, error) {
	keys := map[uint32][]byte{}
	for _, c := range kb.Classes {
		if c.Wrap&wrapPasscode == 0 {
			continue
		}
		k, err := Unwrap(kek, c.Wrapped)
		if err != nil {
			if len(keys) == 0 {
				return nil, ErrWrongPassword
			}
			return nil, fmt.Errorf("%w: class %d: %v", ErrKeybag, c.Class, err)
		}
		keys[c.Class] = k
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("%w: no class key is wrapped with the password", ErrKeybag)
	}
	return keys, nil
}

var defaultIV = [8]byte{0xA6, 0xA6, 0xA6, 0xA6, 0xA6, 0xA6, 0xA6, 0xA6}

// errUnwrap is the RFC 3394 integrity check failing.
var errUnwrap = fmt.Errorf("key unwrap: integrity check failed")

// Unwrap is the RFC 3394 AES key unwrap of wrapped under kek (16, 24 or 32 bytes).
func Unwrap(kek, wrapped []byte) ([]byte, error) {
	if len(wrapped) < 24 || len(wrapped)%8 != 0 {
		return nil, fmt.Errorf("key unwrap: wrapped key of %d bytes", len(wrapped))
	}
	block, err := aes.NewCipher(kek)
	if err != nil {
		return nil, fmt.Errorf("key unwrap: %w", err)
	}
	n := len(wrapped)/8 - 1
	var a [8]byte
	copy(a[:], wrapped[:8])
	r := clone(wrapped[8:])
	var buf [16]byte
	for j := 5; j >= 0; j-- {
		for i := n; i >= 1; i-- {
			t := uint64(n*j + i)
			binary.BigEndian.PutUint64(buf[:8], binary.BigEndian.Uint64(a[:])^t)
			copy(buf[8:], r[(i-1)*8:i*8])
			block.Decrypt(buf[:], buf[:])
			copy(a[:], buf[:8])
			copy(r[(i-1)*8:], buf[8:])
		}
	}
	if subtle.ConstantTimeCompare(a[:], defaultIV[:]) != 1 {
		return nil, errUnwrap
	}
	return r, nil
}

// Wrap is the RFC 3394 AES key wrap (for writing test backups and checking Unwrap).
func Wrap(kek, key []byte) ([]byte, error) {
	if len(key) < 16 || len(key)%8 != 0 {
		return nil, fmt.Errorf("key wrap: key of %d bytes", len(key))
	}
	block, err := aes.NewCipher(kek)
	if err != nil {
		return nil, fmt.Errorf("key wrap: %w", err)
	}
	n := len(key) / 8
	a := defaultIV
	r := clone(key)
	var buf [16]byte
	for j := 0; j <= 5; j++ {
		for i := 1; i <= n; i++ {
			copy(buf[:8], a[:])
			copy(buf[8:], r[(i-1)*8:i*8])
			block.Encrypt(buf[:], buf[:])
			binary.BigEndian.PutUint64(a[:], binary.BigEndian.Uint64(buf[:8])^uint64(n*j+i))
			copy(r[(i-1)*8:], buf[8:])
		}
	}
	return append(a[:], r...), nil
}
