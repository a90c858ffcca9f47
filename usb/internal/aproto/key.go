package aproto

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"math/big"
	"slices"
)

// androidKeyWords is the modulus size of ADB keys in 32-bit words (RSA-2048).
const androidKeyWords = 64

// androidKeySize is the size of the Android RSAPublicKey struct:
// len_words u32, n0inv u32, modulus[256] LE, rr[256] LE, exponent u32.
const androidKeySize = 4 + 4 + 4*androidKeyWords + 4*androidKeyWords + 4

// ErrBadKey reports a public key that is not a well-formed Android ADB key.
var ErrBadKey = errors.New("malformed adb public key")

// EncodePublicKey returns the base64 Android public-key struct, as found in
// ~/.android/adbkey.pub before the " user@host" comment.
func EncodePublicKey(pub *rsa.PublicKey) (string, error) {
	if pub.N.BitLen() > 32*androidKeyWords {
		return "", fmt.Errorf("aproto: encode public key: %d-bit modulus: %w", pub.N.BitLen(), ErrBadKey)
	}
	b := make([]byte, 0, androidKeySize)
	b = binary.LittleEndian.AppendUint32(b, androidKeyWords)
	n0 := uint32(new(big.Int).And(pub.N, big.NewInt(0xffffffff)).Uint64())
	b = binary.LittleEndian.AppendUint32(b, -modInverse32(n0))
	b = append(b, littleEndian(pub.N, 4*androidKeyWords)...)
	rr := new(big.Int).Lsh(big.NewInt(1), 2*32*androidKeyWords)
	rr.Mod(rr, pub.N)
	b = append(b, littleEndian(rr, 4*androidKeyWords)...)
	b = binary.LittleEndian.AppendUint32(b, uint32(pub.E))
	return base64.StdEncoding.EncodeToString(b), nil
}

// ParsePublicKey parses an adbkey.pub line or an AUTH RSAPUBLICKEY payload:
// base64 of the Android struct, optionally followed by " comment" and NUL.
func ParsePublicKey(line []byte) (*rsa.PublicKey, error) {
	line = bytes.TrimRight(line, "\x00\r\n")
	if i := bytes.IndexByte(line, ' '); i >= 0 {
		line = line[:i]
	}
	raw := make([]byte, base64.StdEncoding.DecodedLen(len(line)))
	n, err := base64.StdEncoding.Decode(raw, line)
	if err != nil {
		return nil, fmt.Errorf("aproto: parse public key: %w: %w", ErrBadKey, err)
	}
	raw = raw[:n]
	if len(raw) != androidKeySize {
		return nil, fmt.Errorf("aproto: parse public key: %w: %d bytes, want %d", ErrBadKey, len(raw), androidKeySize)
	}
	if words := binary.LittleEndian.Uint32(raw); words != androidKeyWords {
		return nil, fmt.Errorf("aproto: parse public key: %w: modulus of %d words, want %d", ErrBadKey, words, androidKeyWords)
	}
	n0inv := binary.LittleEndian.Uint32(raw[4:])
	mod := raw[8 : 8+4*androidKeyWords]
	nBig := new(big.Int).SetBytes(reversed(mod))
	e := binary.LittleEndian.Uint32(raw[androidKeySize-4:])
	if nBig.Sign() == 0 || nBig.Bit(0) == 0 || e < 3 || e%2 == 0 || e > 1<<31-1 {
		return nil, fmt.Errorf("aproto: parse public key: %w: implausible modulus or exponent %d", ErrBadKey, e)
	}
	if n0inv != -modInverse32(binary.LittleEndian.Uint32(mod)) {
		return nil, fmt.Errorf("aproto: parse public key: %w: n0inv does not match the modulus", ErrBadKey)
	}
	return &rsa.PublicKey{N: nBig, E: int(e)}, nil
}

// SignToken answers an AUTH TOKEN the way adb does: PKCS#1 v1.5 with a SHA-1
// DigestInfo over the raw token (the token stands in for the digest).
func SignToken(key *rsa.PrivateKey, token []byte) ([]byte, error) {
	return rsa.SignPKCS1v15(nil, key, crypto.SHA1, token)
}

// VerifyToken reports whether sig is key's signature of token.
func VerifyToken(pub *rsa.PublicKey, token, sig []byte) bool {
	return len(token) == TokenSize && rsa.VerifyPKCS1v15(pub, crypto.SHA1, token, sig) == nil
}

// modInverse32 returns x^-1 mod 2^32 for odd x (Newton iteration).
func modInverse32(x uint32) uint32 {
	inv := x // correct to 3 bits for odd x
	for range 5 {
		inv *= 2 - x*inv
	}
	return inv
}

func littleEndian(x *big.Int, size int) []byte {
	return reversed(x.FillBytes(make([]byte, size)))
}

func reversed(b []byte) []byte {
	c := slices.Clone(b)
	slices.Reverse(c)
	return c
}
