package format

// Restores: the leaf a box rebuilt from its mirror appends, which hands the journal to the new TPM's key.

import (
	"encoding/base64"
	"errors"
	"fmt"
	"slices"

	"golang.org/x/mod/sumdb/tlog"
)

// TypeRestore is the leaf type a box rebuilt from its mirror appends first (package appliance writes it).
const TypeRestore = "restore"

// ErrUnbackedRestore is wrapped when a restore leaf hands the journal to a key that the verifier did not pin from
// outside the journal: a restore has no signature of the old key (lost with the old box), so only a key the
// verifier trusts for other reasons (the new box's TPM, the operator, the authority's enrollment) backs it.
var ErrUnbackedRestore = errors.New("restore hand-over to a key not pinned from outside")

// Restore is what a verifier reads of a restore leaf: the tree the restored box found (TreeSize leaves with root
// Root, which must be the whole journal before the leaf), the key in force over it (OldKey) and the new TPM's key
// (NewKey, field "signing_key") that signs the checkpoints from the leaf on. Other fields (where from, counts)
// belong to the appliance. A restore leaf without "signing_key" (written before hand-overs were recorded) hands
// nothing over.
type Restore struct {
	Seq      uint64
	TreeSize uint64
	Root     tlog.Hash
	OldKey   string
	NewKey   string
}

// HasHandOver reports whether a restore leaf names a new signing key (field "signing_key").
func HasHandOver(e Entry) bool {
	_, ok := e.Fields["signing_key"]
	return e.Type == TypeRestore && ok
}

// RestoreOf reads the hand-over of a restore leaf at index seq: fields "tree_size" (= seq), "root_hash" (base64 of
// 32 bytes), "old_key" and "signing_key" (verifier keys of one origin, distinct). Errors wrap ErrInvalidLeaf and
// name the leaf and field.
func RestoreOf(seq uint64, e Entry) (*Restore, error) {
	fail := func(format string, args ...any) (*Restore, error) {
		return nil, fmt.Errorf("journal: restore leaf %d: %w: %s", seq, ErrInvalidLeaf, fmt.Sprintf(format, args...))
	}
	if e.Type != TypeRestore {
		return fail("type %q, want %q", e.Type, TypeRestore)
	}
	r := &Restore{Seq: seq}
	n, ok := asInt64(e.Fields["tree_size"])
	if !ok || n < 0 || uint64(n) != seq {
		return fail("field \"tree_size\" is %v: a restore hands over the whole journal before it, %d leaves", e.Fields["tree_size"], seq)
	}
	r.TreeSize = uint64(n)
	s, _ := e.Fields["root_hash"].(string)
	raw, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(raw) != tlog.HashSize || base64.StdEncoding.EncodeToString(raw) != s {
		return fail("field \"root_hash\": want the base64 of %d bytes", tlog.HashSize)
	}
	copy(r.Root[:], raw)
	for _, f := range []struct {
		name string
		dst  *string
	}{{"old_key", &r.OldKey}, {"signing_key", &r.NewKey}} {
		s, _ := e.Fields[f.name].(string)
		if _, err := VerifierPublicKey(s); err != nil {
			return fail("field %q: %v", f.name, err)
		}
		*f.dst = s
	}
	if keyName(r.NewKey) != keyName(r.OldKey) {
		return fail("the new key is named %q, the old one %q: a restore keeps the origin", keyName(r.NewKey), keyName(r.OldKey))
	}
	if r.NewKey == r.OldKey {
		return fail("the new key is the old key")
	}
	return r, nil
}

// Check checks the restore against the key in force before it (inForce) and the keys the verifier pinned from
// outside (pinned): OldKey must be inForce and NewKey one of pinned (else ErrUnbackedRestore).
func (r *Restore) Check(inForce string, pinned []string) error {
	if r.OldKey != inForce {
		return fmt.Errorf("journal: restore leaf %d: %w: it hands over from key %s, but the key in force is %s", r.Seq,
			ErrBadSignature, keyLabelOf(r.OldKey), keyLabelOf(inForce))
	}
	if !slices.Contains(pinned, r.NewKey) {
		return fmt.Errorf("journal: restore leaf %d: %w: it hands the journal to key %s; pin that key (the restored box's) to accept it",
			r.Seq, ErrUnbackedRestore, keyLabelOf(r.NewKey))
	}
	return nil
}
