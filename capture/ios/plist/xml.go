package plist

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
)

type xparser struct {
	d *xml.Decoder
}

func parseXML(b []byte) (any, error) {
	p := &xparser{d: xml.NewDecoder(bytes.NewReader(b))}
	p.d.Strict = true
	p.d.Entity = xml.HTMLEntity
	root, err := p.nextStart()
	if err != nil {
		return nil, err
	}
	if root.Name.Local != "plist" {
		return nil, errorf("XML: root element <%s>, want <plist>", root.Name.Local)
	}
	start, err := p.nextStart()
	if err != nil {
		return nil, err
	}
	v, err := p.value(start, 0)
	if err != nil {
		return nil, err
	}
	if err := p.end("plist"); err != nil {
		return nil, err
	}
	for {
		tok, err := p.d.Token()
		if errors.Is(err, io.EOF) {
			return v, nil
		}
		if err != nil {
			return nil, p.wrap(err)
		}
		if !ignorable(tok) {
			return nil, errorf("XML: offset %d: content after </plist>", p.d.InputOffset())
		}
	}
}

func (p *xparser) wrap(err error) error {
	return errorf("XML: offset %d: %v", p.d.InputOffset(), err)
}

func ignorable(tok xml.Token) bool {
	switch t := tok.(type) {
	case xml.CharData:
		return len(bytes.TrimSpace(t)) == 0
	case xml.Comment, xml.ProcInst, xml.Directive:
		return true
	}
	return false
}

// nextStart skips whitespace, comments and declarations up to the next start element; anything else is an error.
func (p *xparser) nextStart() (xml.StartElement, error) {
	for {
		tok, err := p.d.Token()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return xml.StartElement{}, errorf("XML: offset %d: ends before a value", p.d.InputOffset())
			}
			return xml.StartElement{}, p.wrap(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			return t, nil
		case xml.EndElement:
			return xml.StartElement{}, errorf("XML: offset %d: </%s> where a value was expected", p.d.InputOffset(), t.Name.Local)
		}
		if !ignorable(tok) {
			return xml.StartElement{}, errorf("XML: offset %d: text where an element was expected", p.d.InputOffset())
		}
	}
}

// end reads up to the end element name, allowing only whitespace and comments.
func (p *xparser) end(name string) error {
	for {
		tok, err := p.d.Token()
		if err != nil {
			return p.wrap(err)
		}
		if e, ok := tok.(xml.EndElement); ok && e.Name.Local == name {
			return nil
		}
		if !ignorable(tok) {
			return errorf("XML: offset %d: unexpected content in <%s>", p.d.InputOffset(), name)
		}
	}
}

// text reads the character data of a leaf element up to its end.
func (p *xparser) text(name string) (string, error) {
	var b strings.Builder
	for {
		tok, err := p.d.Token()
		if err != nil {
			return "", p.wrap(err)
		}
		switch t := tok.(type) {
		case xml.CharData:
			b.Write(t)
		case xml.Comment:
		case xml.EndElement:
			return b.String(), nil
		default:
			return "", errorf("XML: offset %d: element inside <%s>", p.d.InputOffset(), name)
		}
	}
}

func (p *xparser) value(start xml.StartElement, depth int) (any, error) {
	if depth > MaxDepth {
		return nil, errorf("XML: offset %d: nesting deeper than %d", p.d.InputOffset(), MaxDepth)
	}
	name := start.Name.Local
	switch name {
	case "dict":
		return p.dict(depth)
	case "array":
		return p.array(depth)
	case "true", "false":
		if err := p.end(name); err != nil {
			return nil, err
		}
		return name == "true", nil
	}
	s, err := p.text(name)
	if err != nil {
		return nil, err
	}
	off := p.d.InputOffset()
	switch name {
	case "string":
		return s, nil
	case "integer":
		n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil {
			return nil, errorf("XML: offset %d: integer %q", off, clipText(s))
		}
		return n, nil
	case "real":
		f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil || math.IsNaN(f) {
			return nil, errorf("XML: offset %d: real %q", off, clipText(s))
		}
		return f, nil
	case "data":
		b, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(s), ""))
		if err != nil {
			return nil, errorf("XML: offset %d: data is not base64: %v", off, err)
		}
		return b, nil
	case "date":
		t, err := time.Parse(time.RFC3339, strings.TrimSpace(s))
		if err != nil {
			return nil, errorf("XML: offset %d: date %q", off, clipText(s))
		}
		return t.UTC(), nil
	}
	return nil, errorf("XML: offset %d: unknown element <%s>", off, name)
}

func (p *xparser) array(depth int) (any, error) {
	arr := []any{}
	for {
		start, err := p.startOrEnd("array")
		if err != nil || start == nil {
			return arr, err
		}
		v, err := p.value(*start, depth+1)
		if err != nil {
			return nil, err
		}
		arr = append(arr, v)
	}
}

func (p *xparser) dict(depth int) (any, error) {
	d := map[string]any{}
	for {
		start, err := p.startOrEnd("dict")
		if err != nil || start == nil {
			return d, err
		}
		if start.Name.Local != "key" {
			return nil, errorf("XML: offset %d: <%s> where a <key> was expected", p.d.InputOffset(), start.Name.Local)
		}
		key, err := p.text("key")
		if err != nil {
			return nil, err
		}
		if _, dup := d[key]; dup {
			return nil, errorf("XML: offset %d: key %q twice", p.d.InputOffset(), clipText(key))
		}
		vs, err := p.startOrEnd("dict")
		if err != nil {
			return nil, err
		}
		if vs == nil {
			return nil, errorf("XML: offset %d: key %q has no value", p.d.InputOffset(), clipText(key))
		}
		if d[key], err = p.value(*vs, depth+1); err != nil {
			return nil, err
		}
	}
}

// startOrEnd returns the next start element, or nil at the end of the container name.
func (p *xparser) startOrEnd(name string) (*xml.StartElement, error) {
	for {
		tok, err := p.d.Token()
		if err != nil {
			return nil, p.wrap(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			return &t, nil
		case xml.EndElement:
			if t.Name.Local != name {
				return nil, errorf("XML: offset %d: </%s> closes <%s>", p.d.InputOffset(), t.Name.Local, name)
			}
			return nil, nil
		}
		if !ignorable(tok) {
			return nil, errorf("XML: offset %d: text inside <%s>", p.d.InputOffset(), name)
		}
	}
}

func clipText(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
