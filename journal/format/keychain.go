package format

// The key chain a delivery carries: the rotation leaves from the journal's first key to the key of its checkpoint,
// each with its inclusion proof in that checkpoint.

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/tlog"
)

// KeyChainHeader is the first line of a key chain.
const KeyChainHeader = "attesta.keychain/v1"

// MaxKeyChainSize bounds a key chain file: 64 rotations of the largest leaf, with their proofs, fit.
const MaxKeyChainSize = 8 << 20

// maxChainLinks bounds the rotations of a key chain.
const maxChainLinks = 4096

// ChainLink is one rotation leaf with its RFC 6962 inclusion proof in the chain's checkpoint.
type ChainLink struct {
	Index  uint64
	Leaf   []byte // the rotation leaf, exactly as in the journal
	Hashes []tlog.Hash
}

// KeyChain leads from the journal's first verifier key to the key that signed a checkpoint, through rotation
// leaves and key epochs (an epoch leaf stands on a "rotation" line like a rotation leaf; its type tells them
// apart). Its text is
//
//	attesta.keychain/v1
//	<the first verifier key>
//	then, per rotation, oldest first:
//	rotation <leaf index, decimal> <base64 of the leaf>
//	<base64 of each audit-path hash, from the leaf's sibling up, one a line>
//	<empty line>
//
// Proofs lead to the checkpoint the chain travels with (a delivery's proofs/checkpoint).
type KeyChain struct {
	First string
	Links []ChainLink
}

// Marshal returns the text of c.
func (c *KeyChain) Marshal() []byte {
	var b bytes.Buffer
	b.WriteString(KeyChainHeader + "\n" + c.First + "\n")
	for _, l := range c.Links {
		fmt.Fprintf(&b, "rotation %d %s\n", l.Index, base64.StdEncoding.EncodeToString(l.Leaf))
		for _, h := range l.Hashes {
			b.WriteString(base64.StdEncoding.EncodeToString(h[:]) + "\n")
		}
		b.WriteString("\n")
	}
	return b.Bytes()
}

// ParseKeyChain reads a key chain strictly: only what Marshal writes back identically. Errors wrap ErrProof and
// name the line at fault.
func ParseKeyChain(data []byte) (*KeyChain, error) {
	fail := func(line int, format string, args ...any) (*KeyChain, error) {
		return nil, fmt.Errorf("journal: key chain: %w: line %d: %s", ErrProof, line, fmt.Sprintf(format, args...))
	}
	if len(data) > MaxKeyChainSize {
		return fail(0, "%d bytes, more than %d", len(data), MaxKeyChainSize)
	}
	text, ok := strings.CutSuffix(string(data), "\n")
	if !ok {
		return fail(0, "does not end in a newline")
	}
	lines := strings.Split(text, "\n")
	if lines[0] != KeyChainHeader {
		return fail(1, "want %q", KeyChainHeader)
	}
	if len(lines) < 2 {
		return fail(2, "no first key")
	}
	c := &KeyChain{First: lines[1]}
	if _, err := NewNoteVerifier(c.First); err != nil {
		return fail(2, "%v", err)
	}
	var cur *ChainLink
	for n := 2; n < len(lines); n++ {
		line := lines[n]
		switch {
		case cur == nil:
			f := strings.Split(line, " ")
			if len(f) != 3 || f[0] != "rotation" {
				return fail(n+1, "want \"rotation <index> <leaf>\"")
			}
			idx, err := strconv.ParseUint(f[1], 10, 63)
			if err != nil || strconv.FormatUint(idx, 10) != f[1] {
				return fail(n+1, "invalid leaf index %q", f[1])
			}
			leaf, err := base64.StdEncoding.DecodeString(f[2])
			if err != nil || len(leaf) == 0 || len(leaf) > MaxLeafSize || base64.StdEncoding.EncodeToString(leaf) != f[2] {
				return fail(n+1, "the leaf is not the canonical base64 of 1 to %d bytes", MaxLeafSize)
			}
			if len(c.Links) == maxChainLinks {
				return fail(n+1, "more than %d rotations", maxChainLinks)
			}
			c.Links = append(c.Links, ChainLink{Index: idx, Leaf: leaf})
			cur = &c.Links[len(c.Links)-1]
		case line == "":
			cur = nil
		default:
			raw, err := base64.StdEncoding.DecodeString(line)
			if err != nil || len(raw) != tlog.HashSize || base64.StdEncoding.EncodeToString(raw) != line {
				return fail(n+1, "not the base64 of a %d-byte hash", tlog.HashSize)
			}
			if len(cur.Hashes) == 63 {
				return fail(n+1, "more than 63 audit-path hashes")
			}
			var h tlog.Hash
			copy(h[:], raw)
			cur.Hashes = append(cur.Hashes, h)
		}
	}
	if cur != nil {
		return fail(len(lines), "the last rotation does not end with an empty line")
	}
	return c, nil
}

// Follow walks the chain from pinned, which must be its first key: each rotation leaf must decode, sit at its
// index, follow the previous one, and pass [Rotation.Check] against the key in force. It returns the last key.
// The caller then checks the checkpoint with that key, and the links' inclusion in it with [KeyChain.Included].
// A key epoch ([Epoch]) in the chain fails with ErrUnanchoredEpoch: see FollowEpochs. Errors name the leaf index
// at fault.
func (c *KeyChain) Follow(pinned string) (string, error) {
	return c.FollowEpochs(pinned, nil)
}

// EpochJudge decides whether an epoch leaf of a key chain hands over from inForce; typically [Epoch.Check] with
// the authority roots the verifier trusts.
type EpochJudge func(e *Epoch, inForce string) error

// FollowEpochs is Follow for a chain that may also pass key epochs (a TPM replaced): each epoch leaf is judged by
// judge; a nil judge refuses them (ErrUnanchoredEpoch).
func (c *KeyChain) FollowEpochs(pinned string, judge EpochJudge) (string, error) {
	if c.First != pinned {
		return "", fmt.Errorf("journal: key chain: %w: it starts from key %s, not from the pinned key %s", ErrBadSignature,
			keyLabelOf(c.First), keyLabelOf(pinned))
	}
	key := c.First
	for i, l := range c.Links {
		if i > 0 && l.Index <= c.Links[i-1].Index {
			return "", fmt.Errorf("journal: key chain: %w: rotation leaf %d listed after leaf %d", ErrProof, l.Index, c.Links[i-1].Index)
		}
		seq, e, err := DecodeLeaf(l.Leaf)
		if err != nil {
			return "", fmt.Errorf("journal: key chain: rotation leaf %d: %w", l.Index, err)
		}
		if seq != l.Index {
			return "", fmt.Errorf("journal: key chain: %w: rotation leaf %d: its seq is %d", ErrInvalidLeaf, l.Index, seq)
		}
		if e.Type == TypeEpoch {
			if key, err = followEpoch(seq, e, key, judge); err != nil {
				return "", fmt.Errorf("journal: key chain: %w", err)
			}
			continue
		}
		r, err := RotationOf(seq, e)
		if err != nil {
			return "", fmt.Errorf("journal: key chain: %w", err)
		}
		if err := r.Check(key); err != nil {
			return "", fmt.Errorf("journal: key chain: %w", err)
		}
		key = r.NewKey
	}
	return key, nil
}

func followEpoch(seq uint64, e Entry, inForce string, judge EpochJudge) (string, error) {
	ep, err := EpochOf(seq, e)
	if err != nil {
		return "", err
	}
	if judge == nil {
		judge = func(ep *Epoch, inForce string) error { return ep.Check(inForce, nil) }
	}
	if err := judge(ep, inForce); err != nil {
		return "", err
	}
	return ep.NewKey, nil
}

// Included checks that every rotation leaf of the chain is in the tree of cp. Errors wrap ErrProof and name the leaf.
func (c *KeyChain) Included(cp *Checkpoint) error {
	for _, l := range c.Links {
		if l.Index >= cp.Size {
			return fmt.Errorf("journal: key chain: %w: rotation leaf %d is beyond the checkpoint's %d leaves", ErrProof, l.Index, cp.Size)
		}
		if err := tlog.CheckRecord(l.Hashes, int64(cp.Size), cp.Root, int64(l.Index), tlog.RecordHash(l.Leaf)); err != nil {
			return fmt.Errorf("journal: key chain: %w: rotation leaf %d is not in the checkpoint's tree: %v", ErrProof, l.Index, err)
		}
	}
	return nil
}
