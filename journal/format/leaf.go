package format

import (
	"fmt"
	"time"

	"golang.org/x/mod/sumdb/tlog"
)

// LeafVersion is the version of the leaf format this package writes and reads.
const LeafVersion = 1

// MaxLeafSize is the largest leaf in bytes: 64 KiB less one byte, so that
// every leaf fits a tlog-tiles entry bundle, whose entries carry a 16-bit length.
const MaxLeafSize = 1<<16 - 1

// TimeLayout is the only accepted form of a leaf's "time": RFC 3339 in UTC
// with exactly nine fractional digits.
const TimeLayout = "2006-01-02T15:04:05.000000000Z"

// Well-known leaf types whose fields the journal checks.
const (
	// TypeArtifact records a blob: fields "sha256" (64 lower-case hex digits,
	// the digest of the plaintext) and "size" (bytes, an integer ≥ 0).
	TypeArtifact = "artifact"
	// TypeErasure records that the blobs of its "case" were destroyed; they
	// may be missing from then on.
	TypeErasure = "erasure"
)

// reserved are the keys the journal writes itself; Fields may not use them.
var reserved = map[string]bool{"v": true, "seq": true, "type": true, "time": true, "case": true}

// Entry is what a caller appends. The journal assigns the sequence number.
type Entry struct {
	// Type names what the leaf records: lower-case letters, digits and '-',
	// starting with a letter, at most 64 bytes (e.g. "acquisition-start").
	Type string
	// Case is the case the entry belongs to; empty for appliance-wide events.
	Case string
	// Time is when the event happened; the zero value means "now" (Options.Now).
	// It is recorded in UTC with nanosecond precision.
	Time time.Time
	// Fields holds the type-specific data: strings, integers, bools, and
	// arrays and objects of these. No personal data in clear: digests and ids.
	Fields map[string]any
}

// Leaf is one leaf of the journal as stored.
type Leaf struct {
	Index uint64    // position in the tree; equals the leaf's "seq"
	Data  []byte    // canonical JSON, see the package documentation
	Hash  tlog.Hash // RFC 6962 leaf hash: SHA-256(0x00 || Data)
}

// Entry decodes the leaf's data.
func (l Leaf) Entry() (Entry, error) {
	_, e, err := DecodeLeaf(l.Data)
	return e, err
}

// EncodeLeaf returns the canonical leaf bytes of e with sequence number seq.
// e.Time must be set.
func EncodeLeaf(seq uint64, e Entry) ([]byte, error) {
	if err := checkEntry(e); err != nil {
		return nil, fmt.Errorf("journal: encode leaf %d: %w: %w", seq, ErrInvalidLeaf, err)
	}
	obj := make(map[string]any, len(e.Fields)+5)
	for k, v := range e.Fields {
		obj[k] = v
	}
	obj["v"] = LeafVersion
	obj["seq"] = seq
	obj["type"] = e.Type
	obj["time"] = e.Time.UTC().Format(TimeLayout)
	if e.Case != "" {
		obj["case"] = e.Case
	}
	data, err := appendCanonical(make([]byte, 0, 256), obj, 0)
	if err != nil {
		return nil, fmt.Errorf("journal: encode leaf %d: %w: %w", seq, ErrInvalidLeaf, err)
	}
	if len(data) > MaxLeafSize {
		return nil, fmt.Errorf("journal: encode leaf %d: %w: %d bytes, more than %d", seq, ErrInvalidLeaf, len(data), MaxLeafSize)
	}
	return data, nil
}

func checkEntry(e Entry) error {
	if err := checkType(e.Type); err != nil {
		return err
	}
	if e.Time.IsZero() {
		return fmt.Errorf("time is not set")
	}
	if y := e.Time.UTC().Year(); y < 1 || y > 9999 {
		return fmt.Errorf("time %v is outside years 0001-9999", e.Time)
	}
	for k := range e.Fields {
		if reserved[k] {
			return fmt.Errorf("field %q is reserved", k)
		}
	}
	switch e.Type {
	case TypeRotation:
		return checkRotationFields(e)
	case TypeEpoch:
		return checkEpochFields(e)
	}
	return checkTypeFields(e.Type, e.Case, field(e))
}

func checkType(t string) error {
	if t == "" || len(t) > 64 {
		return fmt.Errorf("type %q must be 1 to 64 bytes", t)
	}
	for i := 0; i < len(t); i++ {
		c := t[i]
		if !(c >= 'a' && c <= 'z' || i > 0 && (c >= '0' && c <= '9' || c == '-')) {
			return fmt.Errorf("type %q: want lower-case letters, digits and '-', starting with a letter", t)
		}
	}
	return nil
}

// checkTypeFields checks the fields that other parts of the product rely on.
func checkTypeFields(typ, caseID string, get func(string) (any, bool)) error {
	switch typ {
	case TypeArtifact:
		v, _ := get("sha256")
		if s, ok := v.(string); !ok || !isLowerHex(s, 64) {
			return fmt.Errorf("artifact: field \"sha256\" must be 64 lower-case hex digits")
		}
		v, _ = get("size")
		if n, ok := asInt64(v); !ok || n < 0 {
			return fmt.Errorf("artifact: field \"size\" must be an integer ≥ 0")
		}
	case TypeErasure:
		if caseID == "" {
			return fmt.Errorf("erasure: \"case\" is required")
		}
	}
	return nil
}

func isLowerHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// asInt64 converts the integer kinds a caller or the decoder may use.
func asInt64(v any) (int64, bool) {
	switch x := v.(type) {
	case int:
		return int64(x), true
	case int8:
		return int64(x), true
	case int16:
		return int64(x), true
	case int32:
		return int64(x), true
	case int64:
		return x, true
	case uint8:
		return int64(x), true
	case uint16:
		return int64(x), true
	case uint32:
		return int64(x), true
	case uint:
		return int64(x), x <= 1<<63-1
	case uint64:
		return int64(x), x <= 1<<63-1
	}
	return 0, false
}

// DecodeLeaf parses leaf bytes, rejecting anything that is not exactly the
// canonical encoding of a version 1 leaf. Errors wrap ErrInvalidLeaf and name
// the offset or field at fault.
func DecodeLeaf(data []byte) (seq uint64, e Entry, err error) {
	fail := func(format string, args ...any) (uint64, Entry, error) {
		return 0, Entry{}, fmt.Errorf("journal: decode leaf: %w: %s", ErrInvalidLeaf, fmt.Sprintf(format, args...))
	}
	if len(data) > MaxLeafSize {
		return fail("%d bytes, more than %d", len(data), MaxLeafSize)
	}
	v, err := decodeCanonical(data)
	if err != nil {
		return fail("%v", err)
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return fail("not a JSON object")
	}
	if ver, ok := obj["v"].(int64); !ok || ver != LeafVersion {
		return fail("field \"v\": want %d, got %v", LeafVersion, obj["v"])
	}
	s, ok := obj["seq"].(int64)
	if !ok || s < 0 {
		return fail("field \"seq\": want an integer ≥ 0, got %v", obj["seq"])
	}
	if e.Type, ok = obj["type"].(string); !ok {
		return fail("field \"type\": want a string")
	}
	if err := checkType(e.Type); err != nil {
		return fail("field \"type\": %v", err)
	}
	ts, ok := obj["time"].(string)
	if !ok {
		return fail("field \"time\": want a string")
	}
	if e.Time, err = time.Parse(TimeLayout, ts); err != nil || e.Time.Format(TimeLayout) != ts {
		return fail("field \"time\": %q is not RFC 3339 UTC with nanoseconds", ts)
	}
	if c, present := obj["case"]; present {
		if e.Case, ok = c.(string); !ok || e.Case == "" {
			return fail("field \"case\": want a non-empty string")
		}
	}
	for k := range reserved {
		delete(obj, k)
	}
	if len(obj) > 0 {
		e.Fields = obj
	}
	// Whatever decodes must also encode: the same rules apply both ways.
	if err := checkEntry(e); err != nil {
		return fail("%v", err)
	}
	return uint64(s), e, nil
}
