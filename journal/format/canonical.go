package format

import (
	"bytes"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"unicode/utf8"
)

// maxDepth bounds the nesting of arrays and objects in a leaf, so that a
// hostile leaf cannot make the decoder recurse without limit.
const maxDepth = 32

// encodeError names the member at fault by its path from the root ("$"),
// built only when an error travels back up.
type encodeError struct {
	path string
	msg  string
}

func (e *encodeError) Error() string { return "$" + e.path + ": " + e.msg }

func encodeErr(format string, args ...any) error {
	return &encodeError{msg: fmt.Sprintf(format, args...)}
}

// under prefixes the path of an encodeError with one more step.
func under(err error, step string) error {
	if e, ok := err.(*encodeError); ok {
		e.path = step + e.path
	}
	return err
}

// appendCanonical appends the canonical JSON encoding of v to buf.
//
// Accepted Go values: string, bool, every integer kind, slices and arrays of
// accepted values (except []byte, which would be ambiguous: encode it as hex),
// maps with string keys, and interfaces holding any of these. Floats, nil,
// pointers, structs and invalid UTF-8 are refused; the error names the member.
func appendCanonical(buf []byte, v any, depth int) ([]byte, error) {
	if depth > maxDepth {
		return nil, encodeErr("nested deeper than %d levels", maxDepth)
	}
	switch x := v.(type) {
	case string:
		return appendString(buf, x)
	case bool:
		return strconv.AppendBool(buf, x), nil
	case int:
		return strconv.AppendInt(buf, int64(x), 10), nil
	case int64:
		return strconv.AppendInt(buf, x, 10), nil
	case uint64:
		return strconv.AppendUint(buf, x, 10), nil
	case map[string]any:
		return appendObject(buf, x, depth)
	case []any:
		buf = append(buf, '[')
		for i, e := range x {
			if i > 0 {
				buf = append(buf, ',')
			}
			var err error
			if buf, err = appendCanonical(buf, e, depth+1); err != nil {
				return nil, under(err, "["+strconv.Itoa(i)+"]")
			}
		}
		return append(buf, ']'), nil
	case nil:
		return nil, encodeErr("null is not allowed")
	}
	return appendReflect(buf, reflect.ValueOf(v), depth)
}

func appendReflect(buf []byte, rv reflect.Value, depth int) ([]byte, error) {
	switch rv.Kind() {
	case reflect.String:
		return appendString(buf, rv.String())
	case reflect.Bool:
		return strconv.AppendBool(buf, rv.Bool()), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.AppendInt(buf, rv.Int(), 10), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return strconv.AppendUint(buf, rv.Uint(), 10), nil
	case reflect.Float32, reflect.Float64:
		return nil, encodeErr("floats are not allowed (use an integer or a string)")
	case reflect.Slice, reflect.Array:
		if rv.Type().Elem().Kind() == reflect.Uint8 {
			return nil, encodeErr("byte slices are not allowed (encode them as hex)")
		}
		if rv.Kind() == reflect.Slice && rv.IsNil() {
			return append(buf, '[', ']'), nil
		}
		buf = append(buf, '[')
		for i := range rv.Len() {
			if i > 0 {
				buf = append(buf, ',')
			}
			var err error
			if buf, err = appendCanonical(buf, rv.Index(i).Interface(), depth+1); err != nil {
				return nil, under(err, "["+strconv.Itoa(i)+"]")
			}
		}
		return append(buf, ']'), nil
	case reflect.Map:
		if rv.Type().Key().Kind() != reflect.String {
			return nil, encodeErr("map keys must be strings")
		}
		m := make(map[string]any, rv.Len())
		for it := rv.MapRange(); it.Next(); {
			m[it.Key().String()] = it.Value().Interface()
		}
		return appendObject(buf, m, depth)
	case reflect.Interface:
		if rv.IsNil() {
			return nil, encodeErr("null is not allowed")
		}
		return appendCanonical(buf, rv.Elem().Interface(), depth)
	case reflect.Invalid:
		return nil, encodeErr("null is not allowed")
	}
	return nil, encodeErr("values of type %s are not allowed", rv.Type())
}

func appendObject(buf []byte, m map[string]any, depth int) ([]byte, error) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys) // Go orders strings bytewise, which is the canonical order
	buf = append(buf, '{')
	for i, k := range keys {
		if i > 0 {
			buf = append(buf, ',')
		}
		var err error
		if buf, err = appendString(buf, k); err != nil {
			return nil, under(err, "."+k)
		}
		buf = append(buf, ':')
		if buf, err = appendCanonical(buf, m[k], depth+1); err != nil {
			return nil, under(err, "."+k)
		}
	}
	return append(buf, '}'), nil
}

const hexDigits = "0123456789abcdef"

// appendString writes s with the only escapes canonical form allows: \" \\
// \b \f \n \r \t, and \u00xx (lower-case hex) for the other control
// characters. Everything else, including non-ASCII, is written as UTF-8.
func appendString(buf []byte, s string) ([]byte, error) {
	if !utf8.ValidString(s) {
		return nil, encodeErr("string is not valid UTF-8")
	}
	buf = append(buf, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			buf = append(buf, '\\', c)
		case c >= 0x20:
			buf = append(buf, c)
		case c == '\b':
			buf = append(buf, '\\', 'b')
		case c == '\f':
			buf = append(buf, '\\', 'f')
		case c == '\n':
			buf = append(buf, '\\', 'n')
		case c == '\r':
			buf = append(buf, '\\', 'r')
		case c == '\t':
			buf = append(buf, '\\', 't')
		default:
			buf = append(buf, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
	}
	return append(buf, '"'), nil
}

// canonicalDecoder parses canonical JSON strictly. Values decode to string,
// bool, int64 (or uint64 above math.MaxInt64), []any and map[string]any.
type canonicalDecoder struct {
	data []byte
	pos  int
}

// decodeCanonical parses data, which must be exactly one canonical JSON value.
func decodeCanonical(data []byte) (any, error) {
	d := &canonicalDecoder{data: data}
	v, err := d.value(0)
	if err != nil {
		return nil, err
	}
	if d.pos != len(d.data) {
		return nil, d.errorf("trailing data after the value")
	}
	// The parser only accepts canonical forms, but re-encoding and comparing
	// is the definition of canonical, so check it literally too.
	again, err := appendCanonical(make([]byte, 0, len(data)), v, 0)
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(again, data) {
		i := 0
		for i < len(again) && i < len(data) && again[i] == data[i] {
			i++
		}
		return nil, fmt.Errorf("offset %d: not in canonical form", i)
	}
	return v, nil
}

func (d *canonicalDecoder) errorf(format string, args ...any) error {
	return fmt.Errorf("offset %d: %s", d.pos, fmt.Sprintf(format, args...))
}

func (d *canonicalDecoder) value(depth int) (any, error) {
	if depth > maxDepth {
		return nil, d.errorf("nested deeper than %d levels", maxDepth)
	}
	if d.pos >= len(d.data) {
		return nil, d.errorf("unexpected end of input")
	}
	switch c := d.data[d.pos]; {
	case c == '{':
		return d.object(depth)
	case c == '[':
		return d.array(depth)
	case c == '"':
		return d.string()
	case c == 't':
		return true, d.literal("true")
	case c == 'f':
		return false, d.literal("false")
	case c == 'n':
		return nil, d.errorf("null is not allowed")
	case c == '-' || c >= '0' && c <= '9':
		return d.number()
	case c == ' ' || c == '\t' || c == '\n' || c == '\r':
		return nil, d.errorf("whitespace is not allowed")
	default:
		return nil, d.errorf("unexpected character %q", c)
	}
}

func (d *canonicalDecoder) literal(word string) error {
	if !bytes.HasPrefix(d.data[d.pos:], []byte(word)) {
		return d.errorf("invalid literal")
	}
	d.pos += len(word)
	return nil
}

// expect consumes c or fails, calling out whitespace explicitly because it is
// the most common way for otherwise valid JSON to be non-canonical.
func (d *canonicalDecoder) expect(c byte, what string) error {
	if d.pos >= len(d.data) {
		return d.errorf("unexpected end of input, want %s", what)
	}
	switch got := d.data[d.pos]; {
	case got == c:
		d.pos++
		return nil
	case got == ' ' || got == '\t' || got == '\n' || got == '\r':
		return d.errorf("whitespace is not allowed")
	default:
		return d.errorf("unexpected character %q, want %s", got, what)
	}
}

func (d *canonicalDecoder) object(depth int) (any, error) {
	d.pos++ // '{'
	m := map[string]any{}
	if d.pos < len(d.data) && d.data[d.pos] == '}' {
		d.pos++
		return m, nil
	}
	prev, first := "", true
	for {
		keyAt := d.pos
		if d.pos < len(d.data) && d.data[d.pos] != '"' {
			if err := d.expect('"', "an object key"); err != nil {
				return nil, err
			}
		}
		k, err := d.string()
		if err != nil {
			return nil, err
		}
		if !first {
			switch {
			case k == prev:
				return nil, fmt.Errorf("offset %d: duplicate key %q", keyAt, k)
			case k < prev:
				return nil, fmt.Errorf("offset %d: key %q is not sorted (it follows %q)", keyAt, k, prev)
			}
		}
		prev, first = k, false
		if err := d.expect(':', "':'"); err != nil {
			return nil, err
		}
		v, err := d.value(depth + 1)
		if err != nil {
			return nil, err
		}
		m[k] = v
		if d.pos < len(d.data) && d.data[d.pos] == '}' {
			d.pos++
			return m, nil
		}
		if err := d.expect(',', "',' or '}'"); err != nil {
			return nil, err
		}
	}
}

func (d *canonicalDecoder) array(depth int) (any, error) {
	d.pos++ // '['
	a := []any{}
	if d.pos < len(d.data) && d.data[d.pos] == ']' {
		d.pos++
		return a, nil
	}
	for {
		v, err := d.value(depth + 1)
		if err != nil {
			return nil, err
		}
		a = append(a, v)
		if d.pos < len(d.data) && d.data[d.pos] == ']' {
			d.pos++
			return a, nil
		}
		if err := d.expect(',', "',' or ']'"); err != nil {
			return nil, err
		}
	}
}

func (d *canonicalDecoder) string() (string, error) {
	d.pos++ // opening quote
	// Fast path: printable ASCII up to the closing quote needs no copying
	// beyond the string itself.
	for i := d.pos; i < len(d.data); i++ {
		c := d.data[i]
		if c == '"' {
			s := string(d.data[d.pos:i])
			d.pos = i + 1
			return s, nil
		}
		if c == '\\' || c < 0x20 || c >= utf8.RuneSelf {
			break
		}
	}
	var out []byte
	for {
		if d.pos >= len(d.data) {
			return "", d.errorf("unterminated string")
		}
		c := d.data[d.pos]
		switch {
		case c == '"':
			d.pos++
			return string(out), nil
		case c == '\\':
			r, err := d.escape()
			if err != nil {
				return "", err
			}
			out = append(out, r)
		case c < 0x20:
			return "", d.errorf("control character %#02x must be escaped", c)
		case c < utf8.RuneSelf:
			out = append(out, c)
			d.pos++
		default:
			r, size := utf8.DecodeRune(d.data[d.pos:])
			if r == utf8.RuneError && size <= 1 {
				return "", d.errorf("invalid UTF-8")
			}
			out = append(out, d.data[d.pos:d.pos+size]...)
			d.pos += size
		}
	}
}

// shortEscapes maps the letter of each two-character escape to the byte it stands for.
var shortEscapes = map[byte]byte{'"': '"', '\\': '\\', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t'}

// escape decodes one escape sequence, accepting only the canonical ones.
func (d *canonicalDecoder) escape() (byte, error) {
	if d.pos+1 >= len(d.data) {
		return 0, d.errorf("unterminated escape")
	}
	e := d.data[d.pos+1]
	if c, ok := shortEscapes[e]; ok {
		d.pos += 2
		return c, nil
	}
	switch e {
	case 'u':
		if d.pos+6 > len(d.data) {
			return 0, d.errorf("unterminated escape")
		}
		hex := string(d.data[d.pos+2 : d.pos+6])
		n, err := strconv.ParseUint(hex, 16, 16)
		if err != nil || hex[:2] != "00" || n >= 0x20 || hex != fmt.Sprintf("%04x", n) ||
			n == '\b' || n == '\f' || n == '\n' || n == '\r' || n == '\t' {
			return 0, d.errorf("non-canonical escape \\u%s (only control characters without a short form use \\u00xx)", hex)
		}
		d.pos += 6
		return byte(n), nil
	default:
		return 0, d.errorf("non-canonical escape \\%c", e)
	}
}

func (d *canonicalDecoder) number() (any, error) {
	start := d.pos
	neg := d.data[d.pos] == '-'
	if neg {
		d.pos++
	}
	digits := d.pos
	for d.pos < len(d.data) && d.data[d.pos] >= '0' && d.data[d.pos] <= '9' {
		d.pos++
	}
	if d.pos < len(d.data) {
		if c := d.data[d.pos]; c == '.' || c == 'e' || c == 'E' {
			return nil, fmt.Errorf("offset %d: floats are not allowed", start)
		}
	}
	text := string(d.data[digits:d.pos])
	switch {
	case text == "":
		return nil, fmt.Errorf("offset %d: invalid number", start)
	case len(text) > 1 && text[0] == '0':
		return nil, fmt.Errorf("offset %d: leading zeros are not allowed", start)
	case neg && text == "0":
		return nil, fmt.Errorf("offset %d: -0 is not allowed", start)
	}
	if neg {
		n, err := strconv.ParseInt("-"+text, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("offset %d: integer out of range", start)
		}
		return n, nil
	}
	n, err := strconv.ParseUint(text, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("offset %d: integer out of range", start)
	}
	if n <= math.MaxInt64 {
		return int64(n), nil
	}
	return n, nil
}
