package pades

import (
	"bytes"
	"fmt"
	"strconv"
)

// document is a PDF file read through its classic cross-reference chain:
// the newest definition of every object, and the newest trailer.
type document struct {
	data    []byte
	objects map[int]xrefEntry
	trailer *dict
	// xrefOffset is where the newest cross-reference section starts; an
	// incremental update names it as /Prev.
	xrefOffset int64
	// size is the trailer's /Size: the next free object number.
	size int
}

type xrefEntry struct {
	off  int64
	gen  int
	free bool
}

// maxSections bounds the /Prev chain; real files have a handful.
const maxSections = 4096

// parseDocument reads the cross-reference chain from the last startxref.
func parseDocument(data []byte) (*document, error) {
	if !bytes.HasPrefix(data, []byte("%PDF-")) {
		return nil, fmt.Errorf("%w: no %%PDF- header at offset 0", ErrMalformed)
	}
	start, err := lastStartxref(data)
	if err != nil {
		return nil, err
	}
	d := &document{data: data, objects: map[int]xrefEntry{}, xrefOffset: start}
	seen := map[int64]bool{}
	for off := start; ; {
		if seen[off] || len(seen) >= maxSections {
			return nil, fmt.Errorf("%w: cross-reference chain loops at offset %d", ErrMalformed, off)
		}
		seen[off] = true
		trailer, err := d.readSection(off)
		if err != nil {
			return nil, err
		}
		if d.trailer == nil {
			d.trailer = trailer
		}
		if trailer.get("Encrypt") != nil {
			return nil, fmt.Errorf("%w: encrypted document (trailer at section %d)", ErrUnsupported, off)
		}
		prev, ok := trailer.get("Prev").(number)
		if !ok {
			break
		}
		p, ok := prev.int()
		if !ok || p < 0 || p >= int64(len(data)) {
			return nil, fmt.Errorf("%w: trailer /Prev %s out of range", ErrMalformed, prev)
		}
		off = p
	}
	size, ok := d.trailer.get("Size").(number)
	n, ok2 := size.int()
	if !ok || !ok2 || n < 1 || n > 1<<24 {
		return nil, fmt.Errorf("%w: trailer /Size missing or out of range", ErrMalformed)
	}
	d.size = int(n)
	return d, nil
}

func lastStartxref(data []byte) (int64, error) {
	i := bytes.LastIndex(data, []byte("startxref"))
	if i < 0 {
		return 0, fmt.Errorf("%w: no startxref (file truncated?)", ErrMalformed)
	}
	l := &lexer{data: data, pos: i + len("startxref")}
	l.skipSpace()
	tok := l.regular()
	off, err := strconv.ParseInt(tok, 10, 64)
	if err != nil || off < 0 || off >= int64(len(data)) {
		return 0, fmt.Errorf("%w: startxref at offset %d: bad offset %q", ErrMalformed, i, truncate(tok))
	}
	return off, nil
}

// readSection reads one classic xref section at off, keeping entries not
// already defined by a newer section, and returns its trailer.
func (d *document) readSection(off int64) (*dict, error) {
	l := &lexer{data: d.data, pos: int(off)}
	if !l.keyword("xref") {
		if _, _, ok := l.objHeader(); ok {
			return nil, fmt.Errorf("%w: cross-reference stream at offset %d (only classic xref tables are read)", ErrUnsupported, off)
		}
		return nil, fmt.Errorf("%w: offset %d: startxref or /Prev does not point at an xref table", ErrMalformed, off)
	}
	for !l.keyword("trailer") {
		first, count, err := l.subsectionHeader(len(d.data))
		if err != nil {
			return nil, fmt.Errorf("xref section at offset %d: %w", off, err)
		}
		for i := range count {
			e, err := l.xrefLine()
			if err != nil {
				return nil, fmt.Errorf("xref section at offset %d, object %d: %w", off, first+i, err)
			}
			if _, ok := d.objects[first+i]; !ok {
				d.objects[first+i] = e
			}
		}
	}
	v, err := l.object(0)
	if err != nil {
		return nil, fmt.Errorf("trailer of xref section at offset %d: %w", off, err)
	}
	t, ok := v.(*dict)
	if !ok {
		return nil, fmt.Errorf("%w: trailer of xref section at offset %d is not a dictionary", ErrMalformed, off)
	}
	return t, nil
}

func (l *lexer) subsectionHeader(fileSize int) (first, count int, err error) {
	l.skipSpace()
	first, err1 := strconv.Atoi(l.regular())
	l.skipSpace()
	count, err2 := strconv.Atoi(l.regular())
	// An entry takes 20 bytes, so a count beyond the file size is a lie.
	if err1 != nil || err2 != nil || first < 0 || count < 0 || first > 1<<24 || count > fileSize/18 {
		return 0, 0, l.errorf("bad subsection header")
	}
	return first, count, nil
}

func (l *lexer) xrefLine() (xrefEntry, error) {
	l.skipSpace()
	off, err1 := strconv.ParseInt(l.regular(), 10, 64)
	l.skipSpace()
	gen, err2 := strconv.Atoi(l.regular())
	l.skipSpace()
	kind := l.regular()
	if err1 != nil || err2 != nil || off < 0 || gen < 0 || (kind != "n" && kind != "f") {
		return xrefEntry{}, l.errorf("bad xref entry")
	}
	return xrefEntry{off: off, gen: gen, free: kind == "f"}, nil
}

// objHeader reads "num gen obj".
func (l *lexer) objHeader() (num, gen int, ok bool) {
	save := l.pos
	l.skipSpace()
	num, err1 := strconv.Atoi(l.regular())
	l.skipSpace()
	gen, err2 := strconv.Atoi(l.regular())
	if err1 == nil && err2 == nil && l.keyword("obj") {
		return num, gen, true
	}
	l.pos = save
	return 0, 0, false
}

// object returns the newest definition of object num (its value only; a
// stream's data is not read).
func (d *document) object(num int) (any, error) {
	e, ok := d.objects[num]
	if !ok || e.free {
		return nil, fmt.Errorf("%w: object %d is not in the cross-reference table", ErrMalformed, num)
	}
	if e.off < 0 || e.off >= int64(len(d.data)) {
		return nil, fmt.Errorf("%w: object %d: offset %d outside the file", ErrMalformed, num, e.off)
	}
	l := &lexer{data: d.data, pos: int(e.off)}
	n, _, ok := l.objHeader()
	if !ok || n != num {
		return nil, fmt.Errorf("%w: object %d: no \"%d 0 obj\" at offset %d", ErrMalformed, num, num, e.off)
	}
	v, err := l.object(0)
	if err != nil {
		return nil, fmt.Errorf("object %d: %w", num, err)
	}
	return v, nil
}

// resolve follows indirect references.
func (d *document) resolve(v any) (any, error) {
	for range 8 {
		r, ok := v.(ref)
		if !ok {
			return v, nil
		}
		var err error
		if v, err = d.object(r.num); err != nil {
			return nil, err
		}
	}
	return nil, fmt.Errorf("%w: reference chain too long", ErrMalformed)
}

// dictAt resolves v and requires a dictionary; what names it in errors.
func (d *document) dictAt(v any, what string) (*dict, error) {
	v, err := d.resolve(v)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	dd, ok := v.(*dict)
	if !ok {
		return nil, fmt.Errorf("%w: %s is %T, want a dictionary", ErrMalformed, what, v)
	}
	return dd, nil
}

// stream returns object num's stream dictionary and its raw (still
// filtered) data.
func (d *document) stream(num int) (*dict, []byte, error) {
	e, ok := d.objects[num]
	if !ok || e.free || e.off < 0 || e.off >= int64(len(d.data)) {
		return nil, nil, fmt.Errorf("%w: stream object %d is not in the cross-reference table", ErrMalformed, num)
	}
	l := &lexer{data: d.data, pos: int(e.off)}
	if n, _, ok := l.objHeader(); !ok || n != num {
		return nil, nil, fmt.Errorf("%w: object %d: no \"%d 0 obj\" at offset %d", ErrMalformed, num, num, e.off)
	}
	v, err := l.object(0)
	if err != nil {
		return nil, nil, fmt.Errorf("object %d: %w", num, err)
	}
	sd, ok := v.(*dict)
	l.skipSpace()
	if !ok || !l.keyword("stream") {
		return nil, nil, fmt.Errorf("%w: object %d is not a stream", ErrMalformed, num)
	}
	if l.pos < len(d.data) && d.data[l.pos] == '\r' {
		l.pos++
	}
	if l.pos < len(d.data) && d.data[l.pos] == '\n' {
		l.pos++
	}
	lv, err := d.resolve(sd.get("Length"))
	if err != nil {
		return nil, nil, fmt.Errorf("object %d /Length: %w", num, err)
	}
	n, ok := lv.(number)
	length, ok2 := n.int()
	if !ok || !ok2 || length < 0 || length > int64(len(d.data)-l.pos) {
		return nil, nil, fmt.Errorf("%w: object %d: stream /Length missing or past the end of the file", ErrMalformed, num)
	}
	return sd, d.data[l.pos : l.pos+int(length)], nil
}
