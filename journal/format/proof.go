package format

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/tlog"
)

// ProofHeader is the first line of a tlog-proof.
const ProofHeader = "c2sp.org/tlog-proof@v1"

// Limits of a tlog-proof: a tree of 2^64 leaves needs 64 hashes, and a checkpoint with its signatures is a few
// hundred bytes.
const (
	maxProofHashes = 64
	MaxProofSize   = 64 << 10
)

// Proof is a c2sp.org/tlog-proof@v1: an entry's index, its RFC 6962 inclusion proof and the signed checkpoint the
// proof leads to.
type Proof struct {
	Index      uint64
	Hashes     []tlog.Hash // from the leaf's sibling up to the root's child
	Checkpoint []byte      // the signed note, verbatim
	Extra      []byte      // optional, unauthenticated; nil when absent
}

// Marshal writes the proof in the tlog-proof text format.
func (p *Proof) Marshal() []byte {
	var b bytes.Buffer
	b.WriteString(ProofHeader + "\n")
	if p.Extra != nil {
		b.WriteString("extra " + base64.StdEncoding.EncodeToString(p.Extra) + "\n")
	}
	b.WriteString("index " + strconv.FormatUint(p.Index, 10) + "\n")
	for _, h := range p.Hashes {
		b.WriteString(base64.StdEncoding.EncodeToString(h[:]) + "\n")
	}
	b.WriteString("\n")
	b.Write(p.Checkpoint)
	return b.Bytes()
}

// ParseProof reads a tlog-proof strictly: the header line; an optional "extra" line of canonical base64; "index"
// and a decimal without leading zeros; at most 64 lines of canonical base64 of 32 bytes; an empty line; and a
// non-empty checkpoint ending in a newline, kept verbatim. Every line ends with "\n", no other control character
// appears, and nothing is tolerated that Marshal would not write back identically. Errors wrap ErrProof and name the line. The checkpoint's
// signature is not checked here.
func ParseProof(data []byte) (*Proof, error) {
	if len(data) > MaxProofSize {
		return nil, fmt.Errorf("%w: %d bytes exceeds %d", ErrProof, len(data), MaxProofSize)
	}
	for i, c := range data {
		if (c < 0x20 && c != '\n') || c == 0x7f {
			return nil, fmt.Errorf("%w: byte %d: control character %#02x", ErrProof, i, c)
		}
	}
	p := &Proof{}
	rest := data
	line := 0
	next := func() (string, error) {
		i := bytes.IndexByte(rest, '\n')
		if i < 0 {
			return "", fmt.Errorf("%w: line %d: missing newline", ErrProof, line+1)
		}
		l := string(rest[:i])
		rest = rest[i+1:]
		line++
		return l, nil
	}
	l, err := next()
	if err != nil {
		return nil, err
	}
	if l != ProofHeader {
		return nil, fmt.Errorf("%w: line 1: header %q, want %q", ErrProof, truncate(l), ProofHeader)
	}
	if l, err = next(); err != nil {
		return nil, err
	}
	if s, ok := strings.CutPrefix(l, "extra "); ok {
		if p.Extra, err = canonicalBase64(s); err != nil {
			return nil, fmt.Errorf("%w: line %d: extra: %w", ErrProof, line, err)
		}
		if l, err = next(); err != nil {
			return nil, err
		}
	}
	s, ok := strings.CutPrefix(l, "index ")
	if !ok {
		return nil, fmt.Errorf("%w: line %d: %q, want \"index N\"", ErrProof, line, truncate(l))
	}
	if p.Index, err = strconv.ParseUint(s, 10, 64); err != nil || strconv.FormatUint(p.Index, 10) != s {
		return nil, fmt.Errorf("%w: line %d: index %q is not a decimal without leading zeros", ErrProof, line, truncate(s))
	}
	for {
		if l, err = next(); err != nil {
			return nil, err
		}
		if l == "" {
			break
		}
		if len(p.Hashes) == maxProofHashes {
			return nil, fmt.Errorf("%w: line %d: more than %d hashes", ErrProof, line, maxProofHashes)
		}
		b, err := canonicalBase64(l)
		if err != nil || len(b) != len(tlog.Hash{}) {
			return nil, fmt.Errorf("%w: line %d: not the base64 of a 32-byte hash", ErrProof, line)
		}
		p.Hashes = append(p.Hashes, tlog.Hash(b))
	}
	if len(rest) == 0 {
		return nil, fmt.Errorf("%w: line %d: no checkpoint after the empty line", ErrProof, line+1)
	}
	if rest[len(rest)-1] != '\n' {
		return nil, fmt.Errorf("%w: checkpoint does not end with a newline", ErrProof)
	}
	p.Checkpoint = bytes.Clone(rest)
	return p, nil
}

// CheckInclusion checks that leaf, the bytes of the leaf at p.Index, is in the
// tree that cp signs, by the RFC 6962 audit path p.Hashes. Errors wrap ErrProof.
func CheckInclusion(p *Proof, cp *Checkpoint, leaf []byte) error {
	if p.Index >= cp.Size || cp.Size > 1<<62 {
		return fmt.Errorf("%w: leaf %d is outside a tree of %d leaves", ErrProof, p.Index, cp.Size)
	}
	if err := tlog.CheckRecord(p.Hashes, int64(cp.Size), cp.Root, int64(p.Index), tlog.RecordHash(leaf)); err != nil {
		return fmt.Errorf("%w: leaf %d in a tree of %d leaves: %w", ErrProof, p.Index, cp.Size, err)
	}
	return nil
}

// canonicalBase64 decodes standard padded base64 that re-encodes to the same text.
func canonicalBase64(s string) ([]byte, error) {
	b, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil {
		return nil, err
	}
	if base64.StdEncoding.EncodeToString(b) != s {
		return nil, fmt.Errorf("not canonical base64")
	}
	return b, nil
}

// truncate shortens hostile input quoted in an error.
func truncate(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}
