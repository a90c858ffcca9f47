package report

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
)

// The report's pages are laid out by fpdf with its page compression off, and their content streams deflated here
// afterwards (deflatePages), into the very bytes fpdf writes with compression on: fpdf makes a new zlib writer for
// every page, whose tables (hundreds of KB) are allocated and cleared each time, which was about a fifth of a long
// report's rendering; here writers are reused. TestDeflatePagesAsFpdf checks the bytes are the same.

// pageZlib are reused zlib writers at fpdf's level (zlib.BestSpeed).
var pageZlib = sync.Pool{New: func() any {
	w, _ := zlib.NewWriterLevel(nil, zlib.BestSpeed) // the level is valid
	return w
}}

// errLayout is a PDF that is not as fpdf writes it with compression off.
var errLayout = errors.New("unexpected PDF layout")

// deflatePages returns pdf, a PDF written by fpdf with compression off, with every page's content stream deflated
// at zlib.BestSpeed and marked /FlateDecode, the objects moved and the cross-reference table and startxref
// written again: what fpdf writes with compression on, byte for byte.
//
// When pages is not 0, nbAlias is replaced by pages in every content stream first, as fpdf does in every page when
// AliasNbPages is set (as UTF-8, then as UTF-16BE): fpdf copies each page twice over to do it; here the report
// does not set the alias, and the replacement is made as the pages are deflated.
func deflatePages(pdf []byte, pages int) ([]byte, error) {
	fail := func(format string, args ...any) ([]byte, error) {
		return nil, fmt.Errorf("report: deflate pages: %w: %s", errLayout, fmt.Sprintf(format, args...))
	}
	sx := bytes.LastIndex(pdf, []byte("\nstartxref\n"))
	if sx < 0 {
		return fail("no startxref")
	}
	xrefOff, err := strconv.Atoi(string(bytes.TrimSpace(bytes.TrimSuffix(bytes.TrimSpace(pdf[sx+len("\nstartxref\n"):]), []byte("%%EOF")))))
	if err != nil || xrefOff <= 0 || xrefOff > sx {
		return fail("bad startxref")
	}
	// "xref\n0 N\n", then N entries of 20 bytes, the first the free head.
	rest, ok := bytes.CutPrefix(pdf[xrefOff:], []byte("xref\n0 "))
	if !ok {
		return fail("no cross-reference table at %d", xrefOff)
	}
	nl := bytes.IndexByte(rest, '\n')
	if nl < 0 {
		return fail("cross-reference header")
	}
	n, err := strconv.Atoi(string(rest[:nl]))
	if err != nil || n < 1 || len(rest) < nl+1+20*n {
		return fail("cross-reference size")
	}
	entries := rest[nl+1 : nl+1+20*n]
	trailer := rest[nl+1+20*n:] // "trailer\n<<...>>\nstartxref\n…"
	tr := bytes.Index(trailer, []byte("startxref\n"))
	if tr < 0 {
		return fail("trailer")
	}
	trailer = trailer[:tr]
	type object struct {
		num      int
		off, end int
	}
	objs := make([]object, 0, n-1)
	for i := 1; i < n; i++ {
		e := entries[20*i : 20*i+20]
		if !bytes.HasSuffix(e, []byte(" 00000 n \n")) {
			return fail("cross-reference entry %d", i)
		}
		off, err := strconv.Atoi(string(e[:10]))
		if err != nil || off <= 0 || off >= xrefOff {
			return fail("cross-reference entry %d", i)
		}
		objs = append(objs, object{num: i, off: off})
	}
	slices.SortFunc(objs, func(a, b object) int { return a.off - b.off })
	for i := range objs {
		objs[i].end = xrefOff
		if i+1 < len(objs) {
			objs[i].end = objs[i+1].off
		}
	}
	// The pages' content streams: the object each page object names in /Contents.
	contents := make([]bool, n)
	for _, o := range objs {
		body := pdf[o.off:o.end]
		if _, dict, _ := bytes.Cut(body, []byte(" 0 obj\n")); !bytes.HasPrefix(dict, []byte("<</Type /Page\n")) {
			continue
		}
		_, after, ok := bytes.Cut(body, []byte("/Contents "))
		if !ok {
			return fail("page object %d without /Contents", o.num)
		}
		num, _, ok := bytes.Cut(after, []byte(" 0 R>>"))
		c, err := strconv.Atoi(string(num))
		if !ok || err != nil {
			return fail("page object %d: /Contents", o.num)
		}
		if c <= 0 || c >= n {
			return fail("page object %d: /Contents %d", o.num, c)
		}
		contents[c] = true
	}
	if len(objs) == 0 {
		return fail("no objects")
	}
	zw := pageZlib.Get().(*zlib.Writer)
	defer pageZlib.Put(zw)
	// The content streams shrink to a third or so of their size: room for half of it, in one allocation.
	streams := 0
	for _, o := range objs {
		if contents[o.num] {
			streams += o.end - o.off
		}
	}
	var out bytes.Buffer
	out.Grow(len(pdf) - streams/2)
	out.Write(pdf[:objs[0].off])
	offsets := make([]int, n)
	var z bytes.Buffer
	var head []byte
	var nb, scratch [2][]byte
	for _, o := range objs {
		offsets[o.num] = out.Len()
		body := pdf[o.off:o.end]
		if !contents[o.num] {
			out.Write(body)
			continue
		}
		head = append(strconv.AppendInt(head[:0], int64(o.num), 10), " 0 obj\n<</Length "...)
		rest, ok := bytes.CutPrefix(body, head)
		lenText, rest, ok2 := bytes.Cut(rest, []byte(">>\nstream\n"))
		size, err := strconv.Atoi(string(lenText))
		if !ok || !ok2 || err != nil || len(rest) != size+len("\nendstream\nendobj\n") ||
			!bytes.HasSuffix(rest, []byte("\nendstream\nendobj\n")) {
			return fail("content stream %d", o.num)
		}
		data := rest[:size]
		if pages > 0 {
			for i, alias := range aliases {
				if bytes.Contains(data, alias) {
					if nb[i] == nil {
						nb = nbText(pages)
					}
					scratch[i] = replaceAll(scratch[i][:0], data, alias, nb[i])
					data = scratch[i]
				}
			}
		}
		z.Reset()
		zw.Reset(&z)
		if _, err := zw.Write(data); err != nil {
			return nil, fmt.Errorf("report: deflate page: %w", err)
		}
		if err := zw.Close(); err != nil {
			return nil, fmt.Errorf("report: deflate page: %w", err)
		}
		fmt.Fprintf(&out, "%d 0 obj\n<</Filter /FlateDecode /Length %d>>\nstream\n", o.num, z.Len())
		out.Write(z.Bytes())
		out.WriteString("\nendstream\nendobj\n")
	}
	xref := out.Len()
	fmt.Fprintf(&out, "xref\n0 %d\n", n)
	out.Write(entries[:20])
	var entry []byte
	for i := 1; i < n; i++ {
		entry = strconv.AppendInt(entry[:0], int64(offsets[i]), 10)
		out.WriteString("0000000000"[min(len(entry), 10):])
		out.Write(entry)
		out.WriteString(" 00000 n \n")
	}
	out.Write(trailer)
	fmt.Fprintf(&out, "startxref\n%d\n%%%%EOF\n", xref)
	return out.Bytes(), nil
}

// nbAlias is what the footer writes for the number of pages; aliases are its UTF-8 and UTF-16BE forms.
const nbAlias = "{nb}"

var aliases = [2][]byte{[]byte(nbAlias), utf16BE(nbAlias)}

// nbText is the number of pages as UTF-8 and as UTF-16BE.
func nbText(pages int) [2][]byte {
	s := strconv.Itoa(pages)
	return [2][]byte{[]byte(s), utf16BE(s)}
}

// utf16BE is s, printable ASCII, in UTF-16BE.
func utf16BE(s string) []byte {
	b := make([]byte, 0, 2*len(s))
	for i := range len(s) {
		b = append(b, 0, s[i])
	}
	return b
}

// replaceAll appends s to dst with every non-overlapping old, left to right, replaced by new.
func replaceAll(dst, s, old, new []byte) []byte {
	for {
		i := bytes.Index(s, old)
		if i < 0 {
			return append(dst, s...)
		}
		dst = append(append(dst, s[:i]...), new...)
		s = s[i+len(old):]
	}
}
