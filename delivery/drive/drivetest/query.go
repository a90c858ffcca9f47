package drivetest

import (
	"fmt"
	"slices"
	"strings"
)

// query is a parsed files.list q: every term must hold.
type query []func(*File) bool

func (q query) match(f *File) bool {
	for _, t := range q {
		if !t(f) {
			return false
		}
	}
	return true
}

// parseQuery parses the part of Drive's query language the appliance uses: terms joined by "and".
func parseQuery(s string) (query, error) {
	var q query
	rest := strings.TrimSpace(s)
	for rest != "" {
		term, after, err := nextTerm(rest)
		if err != nil {
			return nil, err
		}
		q = append(q, term)
		rest = strings.TrimSpace(after)
		if rest == "" {
			break
		}
		r, ok := strings.CutPrefix(rest, "and ")
		if !ok {
			return nil, fmt.Errorf("expected 'and' at %q", rest)
		}
		rest = strings.TrimSpace(r)
	}
	return q, nil
}

// quoted reads a single-quoted string with \' and \\ escapes at the start of s.
func quoted(s string) (string, string, error) {
	if !strings.HasPrefix(s, "'") {
		return "", "", fmt.Errorf("expected a quoted string at %q", s)
	}
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			if i+1 == len(s) {
				return "", "", fmt.Errorf("unfinished escape in %q", s)
			}
			i++
			b.WriteByte(s[i])
		case '\'':
			return b.String(), s[i+1:], nil
		default:
			b.WriteByte(c)
		}
	}
	return "", "", fmt.Errorf("unterminated string %q", s)
}

func nextTerm(s string) (func(*File) bool, string, error) {
	switch {
	case strings.HasPrefix(s, "'"):
		v, rest, err := quoted(s)
		if err != nil {
			return nil, "", err
		}
		rest, ok := strings.CutPrefix(strings.TrimSpace(rest), "in parents")
		if !ok {
			return nil, "", fmt.Errorf("expected 'in parents' at %q", rest)
		}
		return func(f *File) bool { return slices.Contains(f.Parents, v) }, rest, nil
	case strings.HasPrefix(s, "trashed"):
		rest := strings.TrimSpace(strings.TrimPrefix(s, "trashed"))
		rest, ok := strings.CutPrefix(rest, "=")
		rest = strings.TrimSpace(rest)
		switch {
		case ok && strings.HasPrefix(rest, "false"):
			return func(f *File) bool { return !f.Trashed }, rest[len("false"):], nil
		case ok && strings.HasPrefix(rest, "true"):
			return func(f *File) bool { return f.Trashed }, rest[len("true"):], nil
		}
		return nil, "", fmt.Errorf("expected trashed = true|false at %q", s)
	case strings.HasPrefix(s, "appProperties has"):
		rest := strings.TrimSpace(strings.TrimPrefix(s, "appProperties has"))
		rest, ok := strings.CutPrefix(rest, "{")
		if !ok {
			return nil, "", fmt.Errorf("expected { at %q", rest)
		}
		key, rest, err := keyValue(strings.TrimSpace(rest), "key")
		if err != nil {
			return nil, "", err
		}
		rest, ok = strings.CutPrefix(strings.TrimSpace(rest), "and")
		if !ok {
			return nil, "", fmt.Errorf("expected and at %q", rest)
		}
		val, rest, err := keyValue(strings.TrimSpace(rest), "value")
		if err != nil {
			return nil, "", err
		}
		rest, ok = strings.CutPrefix(strings.TrimSpace(rest), "}")
		if !ok {
			return nil, "", fmt.Errorf("expected } at %q", rest)
		}
		return func(f *File) bool { v, ok := f.AppProperties[key]; return ok && v == val }, rest, nil
	}
	for _, field := range []string{"name", "mimeType"} {
		if rest, ok := strings.CutPrefix(s, field); ok {
			v, rest, err := keyValueAfter(strings.TrimSpace(rest))
			if err != nil {
				return nil, "", err
			}
			if field == "name" {
				return func(f *File) bool { return f.Name == v }, rest, nil
			}
			return func(f *File) bool { return f.MimeType == v }, rest, nil
		}
	}
	return nil, "", fmt.Errorf("unsupported term at %q", s)
}

// keyValue reads `word = 'value'`.
func keyValue(s, word string) (string, string, error) {
	rest, ok := strings.CutPrefix(s, word)
	if !ok {
		return "", "", fmt.Errorf("expected %s at %q", word, s)
	}
	return keyValueAfter(strings.TrimSpace(rest))
}

// keyValueAfter reads `= 'value'`.
func keyValueAfter(s string) (string, string, error) {
	rest, ok := strings.CutPrefix(s, "=")
	if !ok {
		return "", "", fmt.Errorf("expected = at %q", s)
	}
	return quoted(strings.TrimSpace(rest))
}

// selectFields keeps the members of m that fields names (partial response): "a,b,c(x,y)" or "*".
func selectFields(m map[string]any, fields string) map[string]any {
	if strings.TrimSpace(fields) == "*" {
		return m
	}
	out := map[string]any{}
	for _, f := range splitFields(fields) {
		name, _, _ := strings.Cut(f, "(")
		name = strings.TrimSpace(name)
		if v, ok := m[name]; ok {
			out[name] = v
		}
	}
	return out
}

// subFields returns the selection inside name(...) of fields.
func subFields(fields, name string) (string, bool) {
	for _, f := range splitFields(fields) {
		if n, inner, ok := strings.Cut(f, "("); ok && strings.TrimSpace(n) == name {
			return strings.TrimSuffix(inner, ")"), true
		}
		if strings.TrimSpace(f) == name {
			return "*", true
		}
	}
	return "", false
}

// splitFields splits fields at the commas outside parentheses.
func splitFields(fields string) []string {
	var out []string
	depth, start := 0, 0
	for i, c := range fields {
		switch c {
		case '(':
			depth++
		case ')':
			depth--
		case ',':
			if depth == 0 {
				out = append(out, fields[start:i])
				start = i + 1
			}
		}
	}
	return append(out, fields[start:])
}
