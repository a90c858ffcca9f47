package format

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// Checkpoint is a signed statement of the tree: its origin, size and root.
type Checkpoint struct {
	Origin string
	Size   uint64
	Root   tlog.Hash
	// Note is the signed note exactly as stored and exported: the body
	// "<origin>\n<size>\n<base64 root>\n", a blank line, and signature lines.
	Note []byte
}

// CheckpointText formats the C2SP tlog-checkpoint body that a checkpoint's
// note signs: "<origin>\n<size>\n<base64 root>\n".
func CheckpointText(origin string, size uint64, root tlog.Hash) string {
	return origin + "\n" + strconv.FormatUint(size, 10) + "\n" + base64.StdEncoding.EncodeToString(root[:]) + "\n"
}

// ParseCheckpoint verifies a signed checkpoint note with v and parses its
// body. The origin must equal v's key name, the size is a decimal integer
// without leading zeros, the root is the canonical base64 of 32 bytes, and no
// extension lines are allowed. Signatures by keys other than v are ignored.
// Errors wrap ErrBadSignature when the signature does not verify and
// ErrInvalidCheckpoint when the note is malformed.
func ParseCheckpoint(text []byte, v note.Verifier) (*Checkpoint, error) {
	if v == nil {
		return nil, fmt.Errorf("journal: parse checkpoint: no verifier")
	}
	n, err := note.Open(text, note.VerifierList(v))
	if err != nil {
		var inv *note.InvalidSignatureError
		var unv *note.UnverifiedNoteError
		switch {
		case errors.As(err, &inv):
			return nil, fmt.Errorf("journal: parse checkpoint: %w: %v", ErrBadSignature, err)
		case errors.As(err, &unv):
			return nil, fmt.Errorf("journal: parse checkpoint: %w: no signature by %s+%08x", ErrBadSignature, v.Name(), v.KeyHash())
		default:
			return nil, fmt.Errorf("journal: parse checkpoint: %w: %v", ErrInvalidCheckpoint, err)
		}
	}
	c, err := parseCheckpointBody(n.Text)
	if err != nil {
		return nil, fmt.Errorf("journal: parse checkpoint: %w: %v", ErrInvalidCheckpoint, err)
	}
	if c.Origin != v.Name() {
		return nil, fmt.Errorf("journal: parse checkpoint: %w: origin %q is not the key name %q", ErrInvalidCheckpoint, c.Origin, v.Name())
	}
	c.Note = bytes.Clone(text)
	return c, nil
}

func parseCheckpointBody(body string) (*Checkpoint, error) {
	lines := bytes.SplitAfter([]byte(body), []byte("\n"))
	if len(lines) != 4 || len(lines[3]) != 0 {
		return nil, fmt.Errorf("body has %d lines, want 3 (origin, size, root; no extensions)", len(lines)-1)
	}
	origin := string(bytes.TrimSuffix(lines[0], []byte("\n")))
	if !isValidKeyName(origin) {
		return nil, fmt.Errorf("line 1: invalid origin %q", origin)
	}
	sizeText := string(bytes.TrimSuffix(lines[1], []byte("\n")))
	size, err := strconv.ParseUint(sizeText, 10, 63)
	if err != nil || strconv.FormatUint(size, 10) != sizeText {
		return nil, fmt.Errorf("line 2: invalid tree size %q", sizeText)
	}
	rootText := string(bytes.TrimSuffix(lines[2], []byte("\n")))
	raw, err := base64.StdEncoding.DecodeString(rootText)
	if err != nil || len(raw) != tlog.HashSize || base64.StdEncoding.EncodeToString(raw) != rootText {
		return nil, fmt.Errorf("line 3: root %q is not the base64 of %d bytes", rootText, tlog.HashSize)
	}
	c := &Checkpoint{Origin: origin, Size: size}
	copy(c.Root[:], raw)
	return c, nil
}
