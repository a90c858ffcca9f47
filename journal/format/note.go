package format

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/mod/sumdb/note"
)

// algECDSA is the signed-note signature type for ECDSA over SHA-256 with the
// key given as DER SPKI (C2SP signed-note, type 0x02).
const algECDSA = 0x02

var (
	_ note.Signer   = (*ecdsaSigner)(nil)
	_ note.Verifier = (*ecdsaVerifier)(nil)
)

// NewNoteSigner returns a note signer named name (the checkpoint origin) over
// s, which must hold an ECDSA P-256 key and return ASN.1 DER signatures from
// Sign(rand, sha256digest, crypto.SHA256), as crypto/ecdsa and the TPM-backed
// signer do. Every signature is verified before it is returned, so a signer
// that produces something else fails loudly instead of writing bad notes.
func NewNoteSigner(name string, s crypto.Signer) (note.Signer, error) {
	if s == nil {
		return nil, fmt.Errorf("journal: note signer %q: no crypto.Signer", name)
	}
	pub, ok := s.Public().(*ecdsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("journal: note signer %q: key is %T, want an ECDSA P-256 key", name, s.Public())
	}
	vkey, err := VerifierKey(name, pub)
	if err != nil {
		return nil, err
	}
	v, err := NewNoteVerifier(vkey)
	if err != nil {
		return nil, err
	}
	return &ecdsaSigner{ecdsaVerifier: v.(*ecdsaVerifier), s: s}, nil
}

// VerifierKey returns the verifier key text of pub under name:
// "<name>+<hex key hash>+<base64(0x02 || DER SPKI)>", where the key hash is
// the first 4 bytes of SHA-256 of the DER SPKI, as big-endian hex.
func VerifierKey(name string, pub *ecdsa.PublicKey) (string, error) {
	if !isValidKeyName(name) {
		return "", fmt.Errorf("journal: verifier key: invalid name %q (non-empty, no spaces, no '+')", name)
	}
	if pub == nil || pub.Curve != elliptic.P256() {
		return "", fmt.Errorf("journal: verifier key %q: want an ECDSA P-256 public key", name)
	}
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return "", fmt.Errorf("journal: verifier key %q: %w", name, err)
	}
	return fmt.Sprintf("%s+%08x+%s", name, keyHashECDSA(der), base64.StdEncoding.EncodeToString(append([]byte{algECDSA}, der...))), nil
}

// NewNoteVerifier parses a verifier key made by VerifierKey.
func NewNoteVerifier(vkey string) (note.Verifier, error) {
	fail := func(format string, args ...any) (note.Verifier, error) {
		return nil, fmt.Errorf("journal: verifier key %q: %s", vkey, fmt.Sprintf(format, args...))
	}
	name, rest, ok1 := strings.Cut(vkey, "+")
	hash16, key64, ok2 := strings.Cut(rest, "+")
	if !ok1 || !ok2 || !isValidKeyName(name) {
		return fail("want <name>+<hash>+<key>")
	}
	hash, err := strconv.ParseUint(hash16, 16, 32)
	if err != nil || len(hash16) != 8 {
		return fail("key hash must be 8 hex digits")
	}
	raw, err := base64.StdEncoding.DecodeString(key64)
	if err != nil || len(raw) < 2 {
		return fail("key is not base64")
	}
	if raw[0] != algECDSA {
		return fail("signature type %#02x, want %#02x (ECDSA)", raw[0], algECDSA)
	}
	der := raw[1:]
	if uint32(hash) != keyHashECDSA(der) {
		return fail("key hash %08x does not match the key (%08x)", hash, keyHashECDSA(der))
	}
	k, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		return fail("%v", err)
	}
	pub, ok := k.(*ecdsa.PublicKey)
	if !ok || pub.Curve != elliptic.P256() {
		return fail("want an ECDSA P-256 key, got %T", k)
	}
	return &ecdsaVerifier{name: name, hash: uint32(hash), pub: pub, vkey: vkey}, nil
}

// VerifierPublicKey returns the ECDSA P-256 public key of a verifier key made
// by VerifierKey, after the same checks as NewNoteVerifier.
func VerifierPublicKey(vkey string) (*ecdsa.PublicKey, error) {
	v, err := NewNoteVerifier(vkey)
	if err != nil {
		return nil, err
	}
	return v.(*ecdsaVerifier).pub, nil
}

func keyHashECDSA(der []byte) uint32 {
	h := sha256.Sum256(der)
	return binary.BigEndian.Uint32(h[:4])
}

// isValidKeyName matches the signed-note rule for key names.
func isValidKeyName(name string) bool {
	return name != "" && utf8.ValidString(name) && strings.IndexFunc(name, unicode.IsSpace) < 0 && !strings.Contains(name, "+")
}

type ecdsaVerifier struct {
	name string
	hash uint32
	pub  *ecdsa.PublicKey
	vkey string
}

func (v *ecdsaVerifier) Name() string    { return v.name }
func (v *ecdsaVerifier) KeyHash() uint32 { return v.hash }
func (v *ecdsaVerifier) Verify(msg, sig []byte) bool {
	d := sha256.Sum256(msg)
	return ecdsa.VerifyASN1(v.pub, d[:], sig)
}

type ecdsaSigner struct {
	*ecdsaVerifier
	s crypto.Signer
}

func (s *ecdsaSigner) Sign(msg []byte) ([]byte, error) {
	d := sha256.Sum256(msg)
	sig, err := s.s.Sign(rand.Reader, d[:], crypto.SHA256)
	if err != nil {
		return nil, fmt.Errorf("journal: sign note as %s: %w", s.name, err)
	}
	if !s.Verify(msg, sig) {
		return nil, fmt.Errorf("journal: sign note as %s: signer returned a signature that does not verify (want ASN.1 DER ECDSA over SHA-256): %w", s.name, ErrBadSignature)
	}
	return sig, nil
}
