package bundle

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/attesta/attesta/evidence"
)

// Format is the manifest format this package writes and reads.
const Format = "attesta.manifest/v1"

// MaxManifestSize bounds manifest.json: 50 messages with their receipts take some hundred kilobytes, so anything
// this large is not a manifest this appliance wrote.
const MaxManifestSize = 32 << 20

// maxJSONDepth bounds nesting in a manifest; v1 needs five levels.
const maxJSONDepth = 16

// Manifest is manifest.json: what was acquired, how, and where it is recorded in the journal.
type Manifest struct {
	Format      string               `json:"format"`
	Acquisition evidence.Acquisition `json:"acquisition"`
	Chat        evidence.Chat        `json:"chat"`
	Range       evidence.Range       `json:"range"`
	Messages    []evidence.Message   `json:"messages"`
	Artifacts   []evidence.Artifact  `json:"artifacts"`
	// Report records relazione.pdf, rendered and signed before Seal (AttachReport), so that the delivery leaf
	// commits to it; nil when the delivery has no report.
	Report *ReportRef `json:"report,omitempty"`
	// Journal locates the delivery leaf that records this manifest's body; it is filled by Seal and is always the
	// last member of manifest.json (see the package documentation).
	Journal *JournalRef `json:"journal,omitempty"`
}

// JournalRef is the manifest's "journal" block: the delivery leaf and the checkpoint whose tree includes it.
type JournalRef struct {
	Origin    string `json:"origin"`     // the journal's origin, "attesta/<appliance-id>", also the key name
	LeafIndex uint64 `json:"leaf_index"` // index of the delivery leaf
	TreeSize  uint64 `json:"tree_size"`  // size of the tree of proofs/checkpoint
	RootHash  string `json:"root_hash"`  // its root, 64 lower-case hex digits
}

// ReportRef is the manifest's "report" member: the report's path in the folder (always "relazione.pdf"), its
// SHA-256 and its size.
type ReportRef struct {
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
}

// AttachReport records pdf, the delivery's signed report, in m before Seal: m.Report gets its path, SHA-256 and
// size, so that the delivery leaf commits to the report (through the manifest body and SHA256SUMS). Pass the
// same bytes to Write as Delivery.Report.
func AttachReport(m *Manifest, pdf []byte) {
	m.Report = &ReportRef{Path: reportFile, SHA256: sha256Hex(pdf), Size: int64(len(pdf))}
}

// FolderName is the name of the manifest's delivery folder: the chat's number and the Europe/Rome day the
// acquisition started (evidence.FolderName).
func (m *Manifest) FolderName() string {
	return evidence.FolderName(m.Chat.Phone, m.Acquisition.StartedAt.Time)
}

var hexDigest = regexp.MustCompile(`^[0-9a-f]{64}$`)

// Validate checks what a writer and a verifier both require of a manifest: the format, a described acquisition
// and chat, a valid range, valid messages, and artifact and attachment paths under artifacts/ that never name one
// file with two different contents.
func (m *Manifest) Validate() error {
	if m.Format != Format {
		return fmt.Errorf("%w: format %q, want %q", ErrManifest, m.Format, Format)
	}
	if m.Acquisition.ID == "" {
		return fmt.Errorf("%w: acquisition.id is empty", ErrManifest)
	}
	var method evidence.Method
	if err := method.UnmarshalText([]byte(m.Acquisition.Method)); err != nil {
		return fmt.Errorf("%w: acquisition.method: %w", ErrManifest, err)
	}
	if !m.Acquisition.StartedAt.Known() {
		return fmt.Errorf("%w: acquisition.started_at is unknown", ErrManifest)
	}
	if m.Chat.Phone == "" {
		return fmt.Errorf("%w: chat.phone is empty", ErrManifest)
	}
	if err := m.Range.Validate(); err != nil {
		return fmt.Errorf("%w: range: %w", ErrManifest, err)
	}
	seen := map[string]bool{}
	for i := range m.Messages {
		msg := &m.Messages[i]
		if err := msg.Validate(); err != nil {
			return fmt.Errorf("%w: messages[%d]: %w", ErrManifest, i, err)
		}
		if seen[msg.ID] {
			return fmt.Errorf("%w: messages[%d]: id %q appears twice", ErrManifest, i, msg.ID)
		}
		seen[msg.ID] = true
	}
	if _, err := m.files(); err != nil {
		return err
	}
	if r := m.Report; r != nil && (r.Path != reportFile || !hexDigest.MatchString(r.SHA256) || r.Size <= 0) {
		return fmt.Errorf("%w: report: want path %q, a SHA-256 of 64 lower-case hex digits and a size > 0", ErrManifest, reportFile)
	}
	if j := m.Journal; j != nil && !hexDigest.MatchString(j.RootHash) {
		return fmt.Errorf("%w: journal.root_hash %q is not 64 lower-case hex digits", ErrManifest, j.RootHash)
	}
	return nil
}

// file is one file the manifest names under artifacts/.
type file struct {
	Path   string
	SHA256 string
	Size   int64
}

// files returns every file the manifest names (artifacts and message attachments), once each, in manifest order.
func (m *Manifest) files() ([]file, error) {
	var out []file
	byPath := map[string]file{}
	add := func(where string, f file) error {
		if err := evidence.ValidRelPath(f.Path); err != nil {
			return fmt.Errorf("%w: %s: path %q: %w: %w", ErrManifest, where, f.Path, ErrUnsafePath, err)
		}
		if !strings.HasPrefix(f.Path, "artifacts/") {
			return fmt.Errorf("%w: %s: path %q is not under artifacts/", ErrManifest, where, f.Path)
		}
		if old, ok := byPath[f.Path]; ok {
			if old != f {
				return fmt.Errorf("%w: %s: path %q is named twice with different contents", ErrManifest, where, f.Path)
			}
			return nil
		}
		byPath[f.Path] = f
		out = append(out, f)
		return nil
	}
	for i, a := range m.Artifacts {
		where := fmt.Sprintf("artifacts[%d]", i)
		if err := a.Validate(); err != nil {
			return nil, fmt.Errorf("%w: %s: %w", ErrManifest, where, err)
		}
		if err := add(where, file{a.Path, a.SHA256, a.Size}); err != nil {
			return nil, err
		}
	}
	for i := range m.Messages {
		for k, a := range m.Messages[i].Attachments {
			if a.Path == "" { // unavailable: Validate made sure there is a reason and no file
				continue
			}
			where := fmt.Sprintf("messages[%d].attachments[%d]", i, k)
			if err := add(where, file{a.Path, a.SHA256, a.Size}); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// DecodeManifest reads manifest.json strictly: valid UTF-8 JSON of at most MaxManifestSize bytes, one object, no
// duplicate member names at any depth, integers only, and a manifest that passes Validate. Unknown members are
// ignored, as v1 requires of readers. It does not check the journal binding; Verify does.
func DecodeManifest(data []byte) (*Manifest, error) {
	if len(data) > MaxManifestSize {
		return nil, fmt.Errorf("%w: %d bytes exceeds %d", ErrManifest, len(data), MaxManifestSize)
	}
	if err := checkStrictJSON(data); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrManifest, err)
	}
	var m Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrManifest, err)
	}
	if err := m.Validate(); err != nil {
		return nil, err
	}
	return &m, nil
}

// checkStrictJSON rejects what encoding/json would accept silently but a second reader might read differently:
// duplicate names (which value wins differs between tools; names equal but for case count as duplicates, as
// encoding/json matches them without regard to case), invalid UTF-8, fractions and exponents, deep nesting,
// and anything after the one top-level value.
func checkStrictJSON(data []byte) error {
	if !utf8.Valid(data) {
		return errors.New("not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	type frame struct {
		object bool
		key    bool // in an object, the next token is a member name (or the closing brace)
		names  map[string]bool
	}
	var stack []*frame
	seenTop := false
	valueDone := func() {
		if n := len(stack); n > 0 && stack[n-1].object {
			stack[n-1].key = true
		}
	}
	for {
		off := dec.InputOffset()
		tok, err := dec.Token()
		if err == io.EOF {
			if len(stack) != 0 || !seenTop {
				return fmt.Errorf("offset %d: unexpected end of input", off)
			}
			return nil
		}
		if err != nil {
			return fmt.Errorf("offset %d: %w", off, err)
		}
		if n := len(stack); n > 0 && stack[n-1].object && stack[n-1].key {
			top := stack[n-1]
			if d, ok := tok.(json.Delim); ok && d == '}' {
				stack = stack[:n-1]
				valueDone()
				continue
			}
			name, _ := tok.(string)
			folded := foldName(name)
			if top.names[folded] {
				return fmt.Errorf("offset %d: duplicate member %q", off, name)
			}
			top.names[folded] = true
			top.key = false
			continue
		}
		if len(stack) == 0 {
			if seenTop {
				return fmt.Errorf("offset %d: more than one top-level value", off)
			}
			seenTop = true
		}
		switch v := tok.(type) {
		case json.Delim:
			if v == ']' {
				stack = stack[:len(stack)-1]
				valueDone()
				continue
			}
			if len(stack) >= maxJSONDepth {
				return fmt.Errorf("offset %d: nested deeper than %d", off, maxJSONDepth)
			}
			stack = append(stack, &frame{object: v == '{', key: v == '{', names: map[string]bool{}})
			continue
		case json.Number:
			if strings.ContainsAny(v.String(), ".eE") {
				return fmt.Errorf("offset %d: number %s is not an integer", off, v)
			}
		}
		valueDone()
	}
}

// foldName maps a member name to the key encoding/json matches it by: without regard to case, with the two
// non-ASCII letters that fold to ASCII ones (ſ, the Kelvin sign) folded too.
func foldName(name string) string {
	return strings.ToLower(strings.NewReplacer("ſ", "s", "K", "k").Replace(name))
}
