package bundle

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
)

// encodeJSON writes v indented by two spaces, with '<', '>' and '&' literal so that message text reads as written.
func encodeJSON(v any, prefix string) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent(prefix, "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// encodeBody returns the manifest body: manifest.json up to the "journal" member, which is what the delivery leaf
// records. It is the indented JSON of m without its journal block, with the closing brace replaced by the comma
// and indentation that precede the journal member.
func encodeBody(m *Manifest) ([]byte, error) {
	c := *m
	c.Journal = nil
	obj, err := encodeJSON(&c, "")
	if err != nil {
		return nil, fmt.Errorf("encode manifest: %w", err)
	}
	obj, ok := bytes.CutSuffix(obj, []byte("\n}"))
	if !ok {
		return nil, errors.New("encode manifest: unexpected encoding")
	}
	return append(obj, ",\n  "...), nil
}

// encodeManifest returns manifest.json: the body, then the journal member and the closing brace.
func encodeManifest(m *Manifest) ([]byte, error) {
	body, err := encodeBody(m)
	if err != nil {
		return nil, err
	}
	return withJournal(body, m)
}

// withJournal returns manifest.json from m's body as encodeBody gives it: the body, the journal member and the
// closing brace. body is not changed.
func withJournal(body []byte, m *Manifest) ([]byte, error) {
	if m.Journal == nil {
		return nil, errors.New("encode manifest: no journal block (the manifest is not sealed)")
	}
	j, err := encodeJSON(m.Journal, "  ")
	if err != nil {
		return nil, fmt.Errorf("encode manifest: %w", err)
	}
	out := append(slices.Clip(body), `"journal": `...)
	out = append(out, j...)
	return append(out, "\n}\n"...), nil
}

// splitManifest finds the body of manifest.json: the bytes before the top-level member "journal", which must be
// written exactly so (no escapes in its name), appear once, and be the last member. It returns the body length.
// data must already have passed checkStrictJSON.
func splitManifest(data []byte) (int, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return 0, fmt.Errorf("%w: not a JSON object", ErrManifest)
	}
	for dec.More() {
		after := int(dec.InputOffset()) // just after '{' or the previous value
		start := after + skipSeparator(data[after:])
		tok, err := dec.Token()
		if err != nil {
			return 0, fmt.Errorf("%w: offset %d: %w", ErrManifest, start, err)
		}
		name, _ := tok.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return 0, fmt.Errorf("%w: offset %d: member %q: %w", ErrManifest, start, name, err)
		}
		if name != "journal" {
			continue
		}
		if !bytes.HasPrefix(data[start:], []byte(`"journal"`)) {
			return 0, fmt.Errorf("%w: offset %d: the journal member's name must be written without escapes", ErrManifest, start)
		}
		if dec.More() {
			return 0, fmt.Errorf("%w: offset %d: members follow the journal block, which must be last", ErrManifest, dec.InputOffset())
		}
		return start, nil
	}
	return 0, fmt.Errorf("%w: no journal block (the delivery was not sealed)", ErrManifest)
}

// skipSeparator returns the length of the whitespace and at most one comma at the start of b.
func skipSeparator(b []byte) int {
	n, comma := 0, false
	for n < len(b) {
		switch c := b[n]; {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
		case c == ',' && !comma:
			comma = true
		default:
			return n
		}
		n++
	}
	return n
}

// readAllLimit reads r up to limit bytes, failing beyond.
func readAllLimit(r io.Reader, limit int64, what string) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", what, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("read %s: larger than %d bytes", what, limit)
	}
	return data, nil
}
