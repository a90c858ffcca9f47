// Package plist reads Apple property lists, binary ("bplist00") and XML, strictly, into plain Go values, and writes
// them back (for test generators and round trips). It reads what iOS backups hold: Manifest.plist, Info.plist,
// Status.plist and the NSKeyedArchiver blobs of Manifest.db.
//
// # Values
//
// A property list decodes to: map[string]any (dict), []any (array), string, int64 (integers above MaxInt64 are
// refused), float64, bool, []byte (data), time.Time (date, UTC), [UID] (NSKeyedArchiver references, binary only).
//
// # Strictness
//
// Input is outside data: every offset, count and reference is checked against the file before it is used, a
// reference cycle or a nesting deeper than [MaxDepth] is refused, dictionary keys must be strings and unique, and
// an XML list must hold exactly one value inside <plist>. Errors wrap [ErrFormat] and say where (byte offset or
// object number).
package plist

import (
	"errors"
	"fmt"
)

// ErrFormat reports a property list that is malformed or uses what this package does not read.
var ErrFormat = errors.New("plist: malformed property list")

// UID is an NSKeyedArchiver object reference (binary lists only).
type UID uint64

// MaxDepth is the deepest nesting of arrays and dictionaries Parse accepts.
const MaxDepth = 64

// maxObjects bounds the objects of a binary list (a Manifest.plist has a few dozen).
const maxObjects = 1 << 20

// Parse reads a binary or XML property list.
func Parse(b []byte) (any, error) {
	if len(b) >= 8 && string(b[:8]) == binaryMagic {
		return parseBinary(b)
	}
	return parseXML(b)
}

func errorf(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrFormat}, args...)...)
}

// Dict returns v as a dictionary, or an error naming what.
func Dict(v any, what string) (map[string]any, error) {
	d, ok := v.(map[string]any)
	if !ok {
		return nil, errorf("%s: want a dictionary, have %s", what, typeName(v))
	}
	return d, nil
}

// ParseDict reads a property list whose top object must be a dictionary: [Parse], its error prefixed with what,
// then [Dict].
func ParseDict(b []byte, what string) (map[string]any, error) {
	v, err := Parse(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return Dict(v, what)
}

// String returns d[key] as a string; ok is false when it is absent. A value of another type is an error.
func String(d map[string]any, key string) (s string, ok bool, err error) {
	return get[string](d, key)
}

// Int returns d[key] as an integer; ok is false when it is absent.
func Int(d map[string]any, key string) (n int64, ok bool, err error) {
	return get[int64](d, key)
}

// Bool returns d[key] as a boolean; ok is false when it is absent.
func Bool(d map[string]any, key string) (b, ok bool, err error) {
	return get[bool](d, key)
}

// Data returns d[key] as bytes; ok is false when it is absent.
func Data(d map[string]any, key string) (b []byte, ok bool, err error) {
	return get[[]byte](d, key)
}

func get[T any](d map[string]any, key string) (T, bool, error) {
	var zero T
	v, ok := d[key]
	if !ok {
		return zero, false, nil
	}
	t, ok := v.(T)
	if !ok {
		return zero, false, errorf("key %q: want %s, have %s", key, typeName(zero), typeName(v))
	}
	return t, true, nil
}

func typeName(v any) string {
	switch v.(type) {
	case map[string]any:
		return "a dictionary"
	case []any:
		return "an array"
	case string:
		return "a string"
	case int64:
		return "an integer"
	case float64:
		return "a real"
	case bool:
		return "a boolean"
	case []byte:
		return "data"
	case UID:
		return "a UID"
	case nil:
		return "nothing"
	}
	return fmt.Sprintf("%T", v)
}
