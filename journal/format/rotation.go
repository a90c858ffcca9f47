package format

// Key rotation: the leaf that hands the log from one checkpoint key to the next.

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// TypeRotation is the leaf type that hands the journal from one checkpoint key to the next.
const TypeRotation = "key-rotation"

// RotationFormat is the "format" field of a rotation leaf and the first line of the statement both keys sign.
const RotationFormat = "attesta.rotation/v1"

// rotationFields are the fields of a rotation leaf of format RotationFormat, no more and no fewer.
var rotationFields = []string{"certification", "format", "new_key", "new_sig", "old_key", "old_sig", "prev_root"}

// Rotation is a leaf of type [TypeRotation]: the key in force (OldKey) names its successor (NewKey), and both sign
// the same statement, so that a verifier that pinned the old key can follow the chain to the new one.
type Rotation struct {
	Seq  uint64    // the leaf's index, which is also the size of the tree before it
	Time time.Time // the leaf's "time"
	// PrevRoot is the root of the tree of the Seq leaves before this one: the rotation names the history it continues.
	PrevRoot tlog.Hash
	OldKey   string // verifier key text of the key in force before the leaf ([VerifierKey])
	NewKey   string // verifier key text of the key in force from the leaf on, under the same origin
	// Certification is the new key's certification by the TPM's attestation key (TPM2_Certify: TPMS_ATTEST and
	// TPMT_SIGNATURE, and the AK's and the new key's TPMT_PUBLIC), each as base64; empty when the new key has
	// none (a software key, in tests). Its SHA-256 is part of the statement; its TPM structures are checked by
	// the verifiers that can read them (package tpm/attest), not here.
	Certification string
	OldSig        []byte // ASN.1 DER ECDSA by OldKey over SHA-256 of Statement()
	NewSig        []byte // ASN.1 DER ECDSA by NewKey over SHA-256 of Statement()
}

// Statement returns the bytes both keys sign: eight lines, each ending in '\n':
//
//	attesta.rotation/v1
//	<origin, the key name of both keys>
//	<tree size before the leaf = the leaf's index, decimal>
//	<base64 of the root of that tree>
//	<the leaf's time, TimeLayout>
//	<old verifier key>
//	<new verifier key>
//	<SHA-256 of the certification field, lower-case hex>
func (r *Rotation) Statement() []byte {
	cert := sha256.Sum256([]byte(r.Certification))
	return []byte(handOverLines(RotationFormat, r.Seq, r.PrevRoot, r.Time, r.OldKey, r.NewKey) + hex.EncodeToString(cert[:]) + "\n")
}

// handOverLines are the first seven lines of the statement of a key hand-over (a rotation or an epoch), each
// ending in '\n': the format, the origin, the tree it continues (size and root), its time and both keys.
func handOverLines(format string, seq uint64, prevRoot tlog.Hash, t time.Time, oldKey, newKey string) string {
	return format + "\n" + keyName(oldKey) + "\n" + strconv.FormatUint(seq, 10) + "\n" +
		base64.StdEncoding.EncodeToString(prevRoot[:]) + "\n" + t.UTC().Format(TimeLayout) + "\n" +
		oldKey + "\n" + newKey + "\n"
}

// checkHandOverKeys checks the keys of a hand-over (what: "a rotation", "an epoch"): both valid verifier keys,
// of the same origin, and distinct. Its errors are made by fail; it returns both public keys.
func checkHandOverKeys(oldKey, newKey, what string, fail func(sentinel error, format string, args ...any) error) (oldPub, newPub *ecdsa.PublicKey, err error) {
	if oldPub, err = VerifierPublicKey(oldKey); err != nil {
		return nil, nil, fail(ErrInvalidLeaf, "field \"old_key\": %v", err)
	}
	if newPub, err = VerifierPublicKey(newKey); err != nil {
		return nil, nil, fail(ErrInvalidLeaf, "field \"new_key\": %v", err)
	}
	if keyName(newKey) != keyName(oldKey) {
		return nil, nil, fail(ErrInvalidLeaf, "the new key is named %q, the old one %q: %s keeps the origin", keyName(newKey), keyName(oldKey), what)
	}
	if newKey == oldKey {
		return nil, nil, fail(ErrInvalidLeaf, "the new key is the old key")
	}
	return oldPub, newPub, nil
}

func keyName(vkey string) string {
	for i := 0; i < len(vkey); i++ {
		if vkey[i] == '+' {
			return vkey[:i]
		}
	}
	return vkey
}

// NewRotation builds and signs the rotation leaf at index seq of a log whose tree of seq leaves has root prevRoot,
// from the key in force (oldKey) to newKey, both ECDSA P-256 crypto.Signers (TPM-resident in production), at time
// t. Each signature is checked before it is used.
func NewRotation(origin string, seq uint64, prevRoot tlog.Hash, t time.Time, oldKey, newKey crypto.Signer, certification string) (*Rotation, error) {
	r := &Rotation{Seq: seq, Time: t.UTC(), PrevRoot: prevRoot, Certification: certification}
	var err error
	for _, k := range []struct {
		s   crypto.Signer
		dst *string
	}{{oldKey, &r.OldKey}, {newKey, &r.NewKey}} {
		pub, ok := k.s.Public().(*ecdsa.PublicKey)
		if !ok {
			return nil, fmt.Errorf("journal: rotation at leaf %d: key is %T, want ECDSA P-256", seq, k.s.Public())
		}
		if *k.dst, err = VerifierKey(origin, pub); err != nil {
			return nil, fmt.Errorf("journal: rotation at leaf %d: %w", seq, err)
		}
	}
	if r.OldKey == r.NewKey {
		return nil, fmt.Errorf("journal: rotation at leaf %d: the new key is the old key", seq)
	}
	d := sha256.Sum256(r.Statement())
	if r.OldSig, err = oldKey.Sign(rand.Reader, d[:], crypto.SHA256); err != nil {
		return nil, fmt.Errorf("journal: rotation at leaf %d: sign with the old key: %w", seq, err)
	}
	if r.NewSig, err = newKey.Sign(rand.Reader, d[:], crypto.SHA256); err != nil {
		return nil, fmt.Errorf("journal: rotation at leaf %d: sign with the new key: %w", seq, err)
	}
	if err := r.Check(r.OldKey); err != nil {
		return nil, err
	}
	return r, nil
}

// Entry returns the journal entry of the rotation (its Seq is assigned by the journal and must equal r.Seq).
func (r *Rotation) Entry() Entry {
	return Entry{Type: TypeRotation, Time: r.Time, Fields: map[string]any{
		"format":        RotationFormat,
		"prev_root":     base64.StdEncoding.EncodeToString(r.PrevRoot[:]),
		"old_key":       r.OldKey,
		"new_key":       r.NewKey,
		"certification": r.Certification,
		"old_sig":       base64.StdEncoding.EncodeToString(r.OldSig),
		"new_sig":       base64.StdEncoding.EncodeToString(r.NewSig),
	}}
}

// Check verifies the rotation against the key in force before it (inForce, a verifier key text): OldKey must be
// inForce, NewKey a valid key of the same origin other than OldKey, and both signatures valid over Statement().
// It does not check PrevRoot against a tree; the caller does. Errors wrap ErrBadSignature or ErrInvalidLeaf and
// name the leaf index.
func (r *Rotation) Check(inForce string) error {
	fail := func(sentinel error, format string, args ...any) error {
		return fmt.Errorf("journal: rotation leaf %d: %w: %s", r.Seq, sentinel, fmt.Sprintf(format, args...))
	}
	if r.OldKey != inForce {
		return fail(ErrBadSignature, "it hands over from key %s, but the key in force is %s", keyLabelOf(r.OldKey), keyLabelOf(inForce))
	}
	oldPub, newPub, err := checkHandOverKeys(r.OldKey, r.NewKey, "a rotation", fail)
	if err != nil {
		return err
	}
	d := sha256.Sum256(r.Statement())
	if !ecdsa.VerifyASN1(oldPub, d[:], r.OldSig) {
		return fail(ErrBadSignature, "the old key's signature (%s) does not verify", keyLabelOf(r.OldKey))
	}
	if !ecdsa.VerifyASN1(newPub, d[:], r.NewSig) {
		return fail(ErrBadSignature, "the new key's signature (%s) does not verify", keyLabelOf(r.NewKey))
	}
	return nil
}

// keyLabelOf is "<name>+<hash>" of a verifier key text, for messages.
func keyLabelOf(vkey string) string {
	n := 0
	for i := 0; i < len(vkey); i++ {
		if vkey[i] == '+' {
			if n++; n == 2 {
				return vkey[:i]
			}
		}
	}
	return vkey
}

// RotationOf reads a rotation leaf at index seq strictly: type [TypeRotation], "format" [RotationFormat], exactly
// the fields of that format, no case, base64 values that decode. It does not check the signatures: see
// [Rotation.Check]. Errors wrap ErrInvalidLeaf and name the leaf and field at fault.
func RotationOf(seq uint64, e Entry) (*Rotation, error) {
	fail := func(format string, args ...any) (*Rotation, error) {
		return nil, fmt.Errorf("journal: rotation leaf %d: %w: %s", seq, ErrInvalidLeaf, fmt.Sprintf(format, args...))
	}
	if err := checkRotationFields(e); err != nil {
		return fail("%v", err)
	}
	r := &Rotation{Seq: seq, Time: e.Time, OldKey: e.Fields["old_key"].(string), NewKey: e.Fields["new_key"].(string),
		Certification: e.Fields["certification"].(string)}
	root, _ := base64.StdEncoding.DecodeString(e.Fields["prev_root"].(string))
	copy(r.PrevRoot[:], root)
	r.OldSig, _ = base64.StdEncoding.DecodeString(e.Fields["old_sig"].(string))
	r.NewSig, _ = base64.StdEncoding.DecodeString(e.Fields["new_sig"].(string))
	return r, nil
}

// checkRotationFields checks a rotation leaf's fields; EncodeLeaf and DecodeLeaf apply it to every such leaf.
func checkRotationFields(e Entry) error {
	if err := checkFieldSet(e, "rotation", RotationFormat, rotationFields); err != nil {
		return err
	}
	for _, k := range rotationFields {
		s, ok := e.Fields[k].(string)
		if !ok {
			return fmt.Errorf("rotation: field %q: want a string", k)
		}
		switch k {
		case "prev_root":
			raw, err := base64.StdEncoding.DecodeString(s)
			if err != nil || len(raw) != tlog.HashSize || base64.StdEncoding.EncodeToString(raw) != s {
				return fmt.Errorf("rotation: field %q: want the base64 of %d bytes", k, tlog.HashSize)
			}
		case "old_sig", "new_sig":
			raw, err := base64.StdEncoding.DecodeString(s)
			if err != nil || len(raw) == 0 || base64.StdEncoding.EncodeToString(raw) != s {
				return fmt.Errorf("rotation: field %q: want canonical base64 of a signature", k)
			}
		case "old_key", "new_key":
			if s == "" {
				return fmt.Errorf("rotation: field %q: want a verifier key", k)
			}
		}
	}
	return nil
}

// VerifierKeyOf returns the verifier key text of a verifier made by NewNoteVerifier (or NewNoteSigner), so that
// a rotation's old key can be compared with a pinned verifier byte for byte; false for any other verifier.
func VerifierKeyOf(v note.Verifier) (string, bool) {
	switch x := v.(type) {
	case *ecdsaVerifier:
		return x.vkey, true
	case *ecdsaSigner:
		return x.vkey, true
	}
	return "", false
}

// checkFieldSet checks that a typed leaf (what) has no case, "format" f and exactly the fields want (sorted).
func checkFieldSet(e Entry, what, f string, want []string) error {
	if e.Case != "" {
		return fmt.Errorf("%s: \"case\" is not allowed", what)
	}
	if got := e.Fields["format"]; got != f {
		return fmt.Errorf("%s: field \"format\" is %v, want %q", what, got, f)
	}
	keys := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if !slices.Equal(keys, want) {
		return fmt.Errorf("%s: fields %q, want %q", what, keys, want)
	}
	return nil
}
