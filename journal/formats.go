package journal

import (
	"crypto"
	"crypto/ecdsa"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/attesta/attesta/journal/format"
)

// The journal stores the formats of package format; these names let a caller of the store use them without a
// second import. Each is exactly the format package's.

// Leaf format constants: see package format.
const (
	LeafVersion  = format.LeafVersion
	MaxLeafSize  = format.MaxLeafSize
	TimeLayout   = format.TimeLayout
	TypeArtifact = format.TypeArtifact
	TypeErasure  = format.TypeErasure
)

type (
	// Entry is [format.Entry]: what a caller appends.
	Entry = format.Entry
	// Leaf is [format.Leaf]: one leaf as stored.
	Leaf = format.Leaf
	// Checkpoint is [format.Checkpoint]: a signed statement of the tree.
	Checkpoint = format.Checkpoint
)

// EncodeLeaf is [format.EncodeLeaf].
func EncodeLeaf(seq uint64, e Entry) ([]byte, error) { return format.EncodeLeaf(seq, e) }

// DecodeLeaf is [format.DecodeLeaf].
func DecodeLeaf(data []byte) (uint64, Entry, error) { return format.DecodeLeaf(data) }

// ParseCheckpoint is [format.ParseCheckpoint].
func ParseCheckpoint(text []byte, v note.Verifier) (*Checkpoint, error) {
	return format.ParseCheckpoint(text, v)
}

// NewNoteSigner is [format.NewNoteSigner].
func NewNoteSigner(name string, s crypto.Signer) (note.Signer, error) {
	return format.NewNoteSigner(name, s)
}

// NewNoteVerifier is [format.NewNoteVerifier].
func NewNoteVerifier(vkey string) (note.Verifier, error) { return format.NewNoteVerifier(vkey) }

// VerifierKey is [format.VerifierKey].
func VerifierKey(name string, pub *ecdsa.PublicKey) (string, error) {
	return format.VerifierKey(name, pub)
}

// checkpointBody is the C2SP tlog-checkpoint body the journal signs.
func checkpointBody(origin string, size uint64, root tlog.Hash) string {
	return format.CheckpointText(origin, size, root)
}
