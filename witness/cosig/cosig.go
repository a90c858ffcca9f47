// Package cosig reads and writes what witnesses exchange with a log (C2SP tlog-witness, tlog-cosignature), with
// the standard library, golang.org/x/mod's signed notes and transparency-dev/formats' cosignature verifier only, so
// that the recipient's verifier can check a delivery's cosignatures without anything stateful.
//
// Three texts:
//
//   - the add-checkpoint request body (c2sp.org/tlog-witness): "old <size>\n", one base64 hash per line (the
//     consistency proof from that size), an empty line, then the checkpoint note ([Request]);
//   - the witness's answer: cosignature lines, each a signed-note signature line "— <name> <base64>\n" whose
//     signature is keyhash(4) ‖ timestamp(8) ‖ Ed25519(64) over "cosignature/v1\ntime <t>\n" and the checkpoint
//     body (c2sp.org/tlog-cosignature; [ParseSignatures], [Verifier]);
//   - a delivery's proofs/witness: a request body whose note carries the log's signature and the witnesses'
//     cosignatures, the old size being the delivery's checkpoint's: so that the cosigned checkpoint is the
//     delivery's own (empty proof) or a later one with the proof of their consistency ([Check]).
package cosig

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	fnote "github.com/transparency-dev/formats/note"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// ErrFormat reports a request, answer or witness file that does not follow its format; the error names the line.
var ErrFormat = errors.New("cosig: malformed")

// MaxProofHashes bounds a consistency proof: a tree of 2^63 leaves needs fewer than 2·63 hashes.
const MaxProofHashes = 126

// MaxNoteSize bounds the checkpoint note of a request or witness file (tlog-witness witnesses limit the body too).
const MaxNoteSize = 64 << 10

// Request is an add-checkpoint request body (c2sp.org/tlog-witness).
type Request struct {
	OldSize    uint64      // the size of the last checkpoint the witness cosigned, as the log believes
	Proof      []tlog.Hash // consistency proof from OldSize to the checkpoint's size; empty when OldSize is 0 or equal
	Checkpoint []byte      // the signed checkpoint note
}

// Marshal returns the request body.
func (r *Request) Marshal() []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "old %d\n", r.OldSize)
	for _, h := range r.Proof {
		b.WriteString(base64.StdEncoding.EncodeToString(h[:]))
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	b.Write(r.Checkpoint)
	return b.Bytes()
}

// ParseRequest reads an add-checkpoint request body strictly: the size in canonical decimal, each hash the
// canonical base64 of 32 bytes, at most MaxProofHashes of them, and a non-empty note of at most MaxNoteSize bytes.
// The note itself is not opened here. Errors wrap ErrFormat and name the line.
func ParseRequest(body []byte) (*Request, error) {
	fail := func(line int, format string, args ...any) (*Request, error) {
		return nil, fmt.Errorf("%w: request line %d: %s", ErrFormat, line, fmt.Sprintf(format, args...))
	}
	first, rest, ok := bytes.Cut(body, []byte("\n"))
	if !ok {
		return fail(1, "no end of line")
	}
	sizeText, ok := strings.CutPrefix(string(first), "old ")
	if !ok {
		return fail(1, "%q: want \"old <size>\"", truncate(string(first)))
	}
	size, err := parseSize(sizeText)
	if err != nil {
		return fail(1, "%v", err)
	}
	r := &Request{OldSize: size}
	for line := 2; ; line++ {
		var l []byte
		if l, rest, ok = bytes.Cut(rest, []byte("\n")); !ok {
			return fail(line, "no empty line before the checkpoint")
		}
		if len(l) == 0 {
			break
		}
		if len(r.Proof) == MaxProofHashes {
			return fail(line, "more than %d proof hashes", MaxProofHashes)
		}
		h, err := parseHash(string(l))
		if err != nil {
			return fail(line, "%v", err)
		}
		r.Proof = append(r.Proof, h)
	}
	switch {
	case len(rest) == 0:
		return fail(len(r.Proof)+3, "no checkpoint")
	case len(rest) > MaxNoteSize:
		return fail(len(r.Proof)+3, "checkpoint of %d bytes, more than %d", len(rest), MaxNoteSize)
	case r.OldSize == 0 && len(r.Proof) > 0:
		return fail(2, "a proof from size 0")
	}
	r.Checkpoint = rest
	return r, nil
}

func parseSize(s string) (uint64, error) {
	n, err := strconv.ParseUint(s, 10, 63)
	if err != nil || strconv.FormatUint(n, 10) != s {
		return 0, fmt.Errorf("size %q: want a decimal integer without leading zeros", truncate(s))
	}
	return n, nil
}

func parseHash(s string) (tlog.Hash, error) {
	var h tlog.Hash
	raw, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(raw) != tlog.HashSize || base64.StdEncoding.EncodeToString(raw) != s {
		return h, fmt.Errorf("hash %q: want the base64 of %d bytes", truncate(s), tlog.HashSize)
	}
	copy(h[:], raw)
	return h, nil
}

// ParseConflict reads the body of a 409 answer (Content-Type text/x.tlog.size): the size of the last checkpoint
// the witness cosigned for the log, "<size>\n".
func ParseConflict(body []byte) (uint64, error) {
	s, ok := strings.CutSuffix(string(body), "\n")
	if !ok {
		return 0, fmt.Errorf("%w: conflict answer %q: want \"<size>\\n\"", ErrFormat, truncate(string(body)))
	}
	n, err := parseSize(s)
	if err != nil {
		return 0, fmt.Errorf("%w: conflict answer: %v", ErrFormat, err)
	}
	return n, nil
}

// Signature is one signature line of a note: "— <name> <base64>".
type Signature struct {
	Name    string
	KeyHash uint32
	Line    string // the whole line, with its "\n"
}

// MaxSignatures bounds the lines of a witness's answer.
const MaxSignatures = 16

// ParseSignatures reads a witness's answer to add-checkpoint: signature lines only, each "— <name> <base64>\n"
// with a valid key name and at least a key hash and one byte of signature, at most MaxSignatures. Errors wrap
// ErrFormat and name the line.
func ParseSignatures(body []byte) ([]Signature, error) {
	if !utf8.Valid(body) {
		return nil, fmt.Errorf("%w: answer is not UTF-8", ErrFormat)
	}
	var sigs []Signature
	rest := string(body)
	for line := 1; rest != ""; line++ {
		l, r, ok := strings.Cut(rest, "\n")
		if !ok {
			return nil, fmt.Errorf("%w: answer line %d: no end of line", ErrFormat, line)
		}
		rest = r
		if len(sigs) == MaxSignatures {
			return nil, fmt.Errorf("%w: answer line %d: more than %d signatures", ErrFormat, line, MaxSignatures)
		}
		s, err := parseSignatureLine(l)
		if err != nil {
			return nil, fmt.Errorf("%w: answer line %d: %v", ErrFormat, line, err)
		}
		sigs = append(sigs, s)
	}
	if len(sigs) == 0 {
		return nil, fmt.Errorf("%w: answer holds no signature", ErrFormat)
	}
	return sigs, nil
}

func parseSignatureLine(l string) (Signature, error) {
	rest, ok := strings.CutPrefix(l, "— ")
	if !ok {
		return Signature{}, fmt.Errorf("%q: want \"— <name> <signature>\"", truncate(l))
	}
	name, b64, ok := strings.Cut(rest, " ")
	if !ok || !validName(name) {
		return Signature{}, fmt.Errorf("%q: invalid key name", truncate(l))
	}
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(raw) < 5 || base64.StdEncoding.EncodeToString(raw) != b64 {
		return Signature{}, fmt.Errorf("%q: want the base64 of a key hash and a signature", truncate(l))
	}
	return Signature{Name: name, KeyHash: uint32(raw[0])<<24 | uint32(raw[1])<<16 | uint32(raw[2])<<8 | uint32(raw[3]), Line: l + "\n"}, nil
}

// validName is the signed-note rule for key names: non-empty, UTF-8, no space, no '+'.
func validName(name string) bool {
	return name != "" && utf8.ValidString(name) && !strings.ContainsAny(name, " \t\n+") && !strings.ContainsFunc(name, isSpace)
}

func isSpace(r rune) bool { return r == '\u00a0' || r == '\u2028' || r == '\u3000' || r < ' ' }

// Verifier returns the verifier of a witness's cosignatures (c2sp.org/tlog-cosignature, cosignature/v1) from its
// verifier key: an Ed25519 key (type 0x01, read as cosignature/v1 as the spec says) or a cosignature/v1 key (0x04).
func Verifier(vkey string) (note.Verifier, error) {
	name, rest, ok1 := strings.Cut(strings.TrimSpace(vkey), "+")
	_, key64, ok2 := strings.Cut(rest, "+")
	raw, err := base64.StdEncoding.DecodeString(key64)
	if !ok1 || !ok2 || err != nil || len(raw) == 0 || !validName(name) {
		return nil, fmt.Errorf("cosig: witness key %q: want <name>+<hash>+<base64 key>", truncate(vkey))
	}
	if raw[0] != 0x01 && raw[0] != 0x04 {
		return nil, fmt.Errorf("cosig: witness key %q: type %#02x, want an Ed25519 cosignature key (0x01 or 0x04)", truncate(vkey), raw[0])
	}
	vkey = strings.TrimSpace(vkey)
	if raw[0] == 0x01 {
		if _, err := note.NewVerifier(vkey); err != nil { // checks the key hash
			return nil, fmt.Errorf("cosig: witness key %q: %w", truncate(vkey), err)
		}
	}
	v, err := fnote.NewVerifierForCosignatureV1(vkey)
	if err != nil {
		return nil, fmt.Errorf("cosig: witness key %q: %w", truncate(vkey), err)
	}
	if raw[0] == 0x04 && rest[:strings.IndexByte(rest, '+')] != fmt.Sprintf("%08x", v.KeyHash()) {
		return nil, fmt.Errorf("cosig: witness key %q: key hash does not match the key (%08x)", truncate(vkey), v.KeyHash())
	}
	return v, nil
}

// Append returns the note with the signature lines added, skipping any line it already carries.
func Append(noteText []byte, sigs []Signature) []byte {
	out := bytes.Clone(noteText)
	for _, s := range sigs {
		if !bytes.Contains(noteText, []byte("\n"+s.Line)) {
			out = append(out, s.Line...)
		}
	}
	return out
}

func truncate(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}
