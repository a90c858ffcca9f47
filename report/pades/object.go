package pades

import (
	"bytes"
	"fmt"
	"strconv"
)

// The PDF object model, reduced to what signing and verification need:
// enough to read the cross-reference chain, the catalog, the pages and the
// signature dictionaries, and to write rewritten dictionaries back.

type (
	// name is a decoded PDF name (without the leading solidus).
	name string
	// number keeps the token as written, so rewriting never changes a value.
	number string
	// keyword is true, false or null.
	keyword string
	// ref is an indirect reference "num gen R".
	ref struct{ num, gen int }
	// array is a PDF array.
	array []any
	// str is a PDF string (literal or hexadecimal) with its byte span in
	// the file, which /Contents needs to be matched against /ByteRange.
	str struct {
		b          []byte
		start, end int64
	}
	// dict is a PDF dictionary; keys keep their order.
	dict struct {
		keys []name
		vals []any
	}
)

// maxDepth bounds nesting so hostile input cannot exhaust the stack.
const maxDepth = 64

func (d *dict) get(k name) any {
	for i, key := range d.keys {
		if key == k {
			return d.vals[i]
		}
	}
	return nil
}

func (d *dict) set(k name, v any) {
	for i, key := range d.keys {
		if key == k {
			d.vals[i] = v
			return
		}
	}
	d.keys = append(d.keys, k)
	d.vals = append(d.vals, v)
}

func (d *dict) clone() *dict {
	return &dict{keys: append([]name(nil), d.keys...), vals: append([]any(nil), d.vals...)}
}

func (d *dict) name(k name) (name, bool) {
	n, ok := d.get(k).(name)
	return n, ok
}

func (n number) int() (int64, bool) {
	v, err := strconv.ParseInt(string(n), 10, 64)
	return v, err == nil
}

// lexer reads PDF tokens from data starting at pos; base is the absolute
// file offset of data[0], so spans are reported as file offsets.
type lexer struct {
	data []byte
	pos  int
	base int64
}

func isWhite(c byte) bool {
	return c == 0 || c == '\t' || c == '\n' || c == '\f' || c == '\r' || c == ' '
}

func isDelim(c byte) bool {
	switch c {
	case '(', ')', '<', '>', '[', ']', '{', '}', '/', '%':
		return true
	}
	return false
}

func (l *lexer) errorf(format string, args ...any) error {
	return fmt.Errorf("%w: offset %d: %s", ErrMalformed, l.base+int64(l.pos), fmt.Sprintf(format, args...))
}

func (l *lexer) skipSpace() {
	for l.pos < len(l.data) {
		c := l.data[l.pos]
		switch {
		case isWhite(c):
			l.pos++
		case c == '%':
			for l.pos < len(l.data) && l.data[l.pos] != '\n' && l.data[l.pos] != '\r' {
				l.pos++
			}
		default:
			return
		}
	}
}

// regular reads a run of regular characters (a number, keyword or name body).
func (l *lexer) regular() string {
	start := l.pos
	for l.pos < len(l.data) && !isWhite(l.data[l.pos]) && !isDelim(l.data[l.pos]) {
		l.pos++
	}
	return string(l.data[start:l.pos])
}

// keyword reports whether the next token is the keyword kw, consuming it if so.
func (l *lexer) keyword(kw string) bool {
	l.skipSpace()
	save := l.pos
	if l.regular() == kw {
		return true
	}
	l.pos = save
	return false
}

// object parses one direct object (with "n g R" references folded in).
func (l *lexer) object(depth int) (any, error) {
	if depth > maxDepth {
		return nil, l.errorf("objects nested deeper than %d", maxDepth)
	}
	l.skipSpace()
	if l.pos >= len(l.data) {
		return nil, l.errorf("unexpected end of data")
	}
	switch c := l.data[l.pos]; {
	case c == '/':
		l.pos++
		return decodeName(l.regular()), nil
	case c == '(':
		return l.literal()
	case c == '<' && l.pos+1 < len(l.data) && l.data[l.pos+1] == '<':
		l.pos += 2
		return l.dictBody(depth)
	case c == '<':
		return l.hexString()
	case c == '[':
		l.pos++
		return l.arrayBody(depth)
	case isDelim(c):
		return nil, l.errorf("unexpected %q", c)
	}
	tok := l.regular()
	switch tok {
	case "true", "false", "null":
		return keyword(tok), nil
	}
	if !isNumber(tok) {
		return nil, l.errorf("unexpected token %q", truncate(tok))
	}
	if r, ok := l.tryRef(tok); ok {
		return r, nil
	}
	return number(tok), nil
}

// tryRef checks whether the integer tok starts "tok gen R".
func (l *lexer) tryRef(tok string) (ref, bool) {
	num, err := strconv.Atoi(tok)
	if err != nil || num < 0 {
		return ref{}, false
	}
	save := l.pos
	l.skipSpace()
	gen, err := strconv.Atoi(l.regular())
	if err == nil && gen >= 0 && l.keyword("R") {
		return ref{num, gen}, true
	}
	l.pos = save
	return ref{}, false
}

func isNumber(tok string) bool {
	if tok == "" {
		return false
	}
	digits := 0
	for i := 0; i < len(tok); i++ {
		switch c := tok[i]; {
		case c >= '0' && c <= '9':
			digits++
		case (c == '+' || c == '-') && i == 0, c == '.':
		default:
			return false
		}
	}
	return digits > 0
}

func (l *lexer) dictBody(depth int) (*dict, error) {
	d := &dict{}
	for {
		l.skipSpace()
		if l.pos+1 < len(l.data) && l.data[l.pos] == '>' && l.data[l.pos+1] == '>' {
			l.pos += 2
			return d, nil
		}
		k, err := l.object(depth + 1)
		if err != nil {
			return nil, err
		}
		key, ok := k.(name)
		if !ok {
			return nil, l.errorf("dictionary key is %T, want a name", k)
		}
		v, err := l.object(depth + 1)
		if err != nil {
			return nil, err
		}
		d.set(key, v)
	}
}

func (l *lexer) arrayBody(depth int) (array, error) {
	var a array
	for {
		l.skipSpace()
		if l.pos < len(l.data) && l.data[l.pos] == ']' {
			l.pos++
			return a, nil
		}
		v, err := l.object(depth + 1)
		if err != nil {
			return nil, err
		}
		a = append(a, v)
	}
}

func (l *lexer) hexString() (*str, error) {
	start := l.pos
	l.pos++ // '<'
	end := bytes.IndexByte(l.data[l.pos:], '>')
	if end < 0 {
		return nil, l.errorf("unterminated hex string")
	}
	body := l.data[l.pos : l.pos+end]
	l.pos += end + 1
	out := make([]byte, 0, len(body)/2+1)
	var hi byte
	half := false
	for _, c := range body {
		if isWhite(c) {
			continue
		}
		v, ok := hexVal(c)
		if !ok {
			return nil, fmt.Errorf("%w: offset %d: bad hex digit %q in string", ErrMalformed, l.base+int64(start), c)
		}
		if half {
			out = append(out, hi<<4|v)
		} else {
			hi = v
		}
		half = !half
	}
	if half {
		out = append(out, hi<<4)
	}
	return &str{b: out, start: l.base + int64(start), end: l.base + int64(l.pos)}, nil
}

func hexVal(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

func (l *lexer) literal() (*str, error) {
	start := l.pos
	l.pos++ // '('
	var out []byte
	nest := 1
	for l.pos < len(l.data) {
		c := l.data[l.pos]
		l.pos++
		switch c {
		case '(':
			nest++
		case ')':
			if nest--; nest == 0 {
				return &str{b: out, start: l.base + int64(start), end: l.base + int64(l.pos)}, nil
			}
		case '\\':
			out = l.escape(out)
			continue
		}
		out = append(out, c)
	}
	return nil, fmt.Errorf("%w: offset %d: unterminated string", ErrMalformed, l.base+int64(start))
}

// escape decodes the escape sequence after a backslash.
func (l *lexer) escape(out []byte) []byte {
	if l.pos >= len(l.data) {
		return out
	}
	c := l.data[l.pos]
	l.pos++
	switch c {
	case 'n':
		return append(out, '\n')
	case 'r':
		return append(out, '\r')
	case 't':
		return append(out, '\t')
	case 'b':
		return append(out, '\b')
	case 'f':
		return append(out, '\f')
	case '\r':
		if l.pos < len(l.data) && l.data[l.pos] == '\n' {
			l.pos++
		}
		return out
	case '\n':
		return out
	}
	if c >= '0' && c <= '7' {
		v := int(c - '0')
		for i := 0; i < 2 && l.pos < len(l.data) && l.data[l.pos] >= '0' && l.data[l.pos] <= '7'; i++ {
			v = v*8 + int(l.data[l.pos]-'0')
			l.pos++
		}
		return append(out, byte(v))
	}
	return append(out, c)
}

func decodeName(raw string) name {
	if !bytes.Contains([]byte(raw), []byte("#")) {
		return name(raw)
	}
	var out []byte
	for i := 0; i < len(raw); i++ {
		if raw[i] == '#' && i+2 < len(raw) {
			hi, ok1 := hexVal(raw[i+1])
			lo, ok2 := hexVal(raw[i+2])
			if ok1 && ok2 {
				out = append(out, hi<<4|lo)
				i += 2
				continue
			}
		}
		out = append(out, raw[i])
	}
	return name(out)
}

func truncate(s string) string {
	if len(s) > 32 {
		return s[:32] + "…"
	}
	return s
}

// writeObject serialises v.
func writeObject(b *bytes.Buffer, v any) {
	switch v := v.(type) {
	case name:
		writeName(b, v)
	case number:
		b.WriteString(string(v))
	case keyword:
		b.WriteString(string(v))
	case ref:
		fmt.Fprintf(b, "%d %d R", v.num, v.gen)
	case *str:
		writeString(b, v.b)
	case array:
		b.WriteByte('[')
		for i, e := range v {
			if i > 0 {
				b.WriteByte(' ')
			}
			writeObject(b, e)
		}
		b.WriteByte(']')
	case *dict:
		b.WriteString("<<")
		for i, k := range v.keys {
			writeName(b, k)
			b.WriteByte(' ')
			writeObject(b, v.vals[i])
			b.WriteByte('\n')
		}
		b.WriteString(">>")
	default:
		b.WriteString("null")
	}
}

// writeString writes printable ASCII as a literal string and anything else
// in hexadecimal, which is lossless whatever the bytes.
func writeString(b *bytes.Buffer, s []byte) {
	for _, c := range s {
		if c < 0x20 || c > 0x7e {
			fmt.Fprintf(b, "<%X>", s)
			return
		}
	}
	b.WriteByte('(')
	for _, c := range s {
		if c == '(' || c == ')' || c == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(c)
	}
	b.WriteByte(')')
}

func writeName(b *bytes.Buffer, n name) {
	b.WriteByte('/')
	for i := 0; i < len(n); i++ {
		c := n[i]
		if c <= ' ' || c >= 0x7f || c == '#' || isDelim(c) {
			fmt.Fprintf(b, "#%02X", c)
			continue
		}
		b.WriteByte(c)
	}
}
