package pades

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"html"
	"slices"
	"strings"
)

// AssociatedFile says what an embedded file is to the document, for PDF/A-3.
type AssociatedFile struct {
	// MIME is the file's media type (the embedded file stream's /Subtype).
	MIME string
	// Relationship is /AFRelationship: Source, Data, Alternative,
	// Supplement or Unspecified (the default).
	Relationship string
}

// PDFAOptions configures PDFA3.
type PDFAOptions struct {
	// Files gives, by file name, the media type and relationship of the
	// embedded files; a file not named is application/octet-stream,
	// /Unspecified.
	Files map[string]AssociatedFile
	// Lang, when set, becomes the catalog's /Lang (an RFC 5646 tag).
	Lang string
}

// PDFA3 rewrites pdf, a single-revision PDF with a classic cross-reference
// table as the report renderer writes it, into one that meets what PDF/A-3
// (ISO 19005-3, conformance level B) asks beyond the renderer's own
// output. Every object is kept byte for byte; the changes are
//
//   - the header becomes %PDF-1.7 followed by a comment of four bytes above
//     127 (§6.1.2), and the trailer gets an /ID (§6.1.3);
//   - the catalog gets /Metadata, an XMP packet with pdfaid:part 3 and
//     pdfaid:conformance B whose Dublin Core, xmp and pdf properties repeat
//     the document information dictionary (§6.6.2, §6.6.3);
//   - an /OutputIntents array with one /GTS_PDFA1 intent whose destination
//     profile is [SRGBProfile] (§6.2.3);
//   - each embedded file's specification gets /F and /UF (its name),
//     /AFRelationship, and its stream /Subtype (the media type), and the
//     catalog lists them all in /AF (§6.8), in the /EmbeddedFiles order;
//   - annotations without /F get /F 4 (print) (§6.3.2).
//
// Fonts are the renderer's to embed (the report embeds its TrueType Go
// fonts). The replaced objects get new versions after the old ones, and a
// single cross-reference table lists the new versions.
func PDFA3(pdf []byte, opts PDFAOptions) ([]byte, error) {
	doc, err := parseDocument(pdf)
	if err != nil {
		return nil, fmt.Errorf("pades: pdf/a: %w", err)
	}
	if doc.trailer.get("Prev") != nil {
		return nil, fmt.Errorf("pades: pdf/a: %w: the file has incremental updates", ErrUnsupported)
	}
	w, err := newRewrite(doc)
	if err != nil {
		return nil, fmt.Errorf("pades: pdf/a: %w", err)
	}
	if err := w.pdfa(opts); err != nil {
		return nil, fmt.Errorf("pades: pdf/a: %w", err)
	}
	return w.finish(), nil
}

// rewrite is a file being rewritten as one revision: the old body with a
// new header, then new versions of the objects changed.
type rewrite struct {
	doc     *document
	b       bytes.Buffer
	offsets map[int]xrefEntry
	next    int
	catalog *dict
	root    ref
}

const pdfaHeader = "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"

func newRewrite(doc *document) (*rewrite, error) {
	hdr := bytes.IndexAny(doc.data, "\r\n")
	if hdr < 0 {
		return nil, fmt.Errorf("%w: no line after the header", ErrMalformed)
	}
	for hdr < len(doc.data) && (doc.data[hdr] == '\r' || doc.data[hdr] == '\n') {
		hdr++
	}
	if doc.xrefOffset < int64(hdr) {
		return nil, fmt.Errorf("%w: cross-reference table inside the header", ErrMalformed)
	}
	w := &rewrite{doc: doc, offsets: map[int]xrefEntry{}, next: doc.size}
	delta := int64(len(pdfaHeader) - hdr)
	for n, e := range doc.objects {
		// New objects are numbered after every object the file has, whatever its trailer's /Size claims: a
		// smaller /Size would make a new object take the number of one already referenced.
		w.next = max(w.next, n+1)
		if !e.free && e.off >= int64(hdr) {
			w.offsets[n] = xrefEntry{off: e.off + delta, gen: e.gen}
		}
	}
	// The old body, and room for what PDF/A adds (metadata, output intent, cross-references) without copying it.
	w.b.Grow(len(pdfaHeader) + int(doc.xrefOffset) - hdr + 64<<10)
	w.b.WriteString(pdfaHeader)
	w.b.Write(doc.data[hdr:doc.xrefOffset])
	if n := w.b.Len(); w.b.Bytes()[n-1] != '\n' {
		w.b.WriteByte('\n')
	}
	var ok bool
	if w.root, ok = doc.trailer.get("Root").(ref); !ok {
		return nil, fmt.Errorf("%w: trailer has no /Root reference", ErrMalformed)
	}
	catalog, err := doc.dictAt(w.root, "catalog")
	if err != nil {
		return nil, err
	}
	w.catalog = catalog.clone()
	return w, nil
}

// put writes body as object r's new version.
func (w *rewrite) put(r ref, body []byte) {
	w.offsets[r.num] = xrefEntry{off: int64(w.b.Len()), gen: r.gen}
	fmt.Fprintf(&w.b, "%d %d obj\n", r.num, r.gen)
	w.b.Write(body)
	w.b.WriteString("\nendobj\n")
}

// add writes body as a new object and returns its reference.
func (w *rewrite) add(body []byte) ref {
	r := ref{w.next, 0}
	w.next++
	w.put(r, body)
	return r
}

func serialize(v any) []byte {
	var b bytes.Buffer
	writeObject(&b, v)
	return b.Bytes()
}

func (w *rewrite) pdfa(opts PDFAOptions) error {
	if err := w.associateFiles(opts.Files); err != nil {
		return err
	}
	if err := w.printAnnotations(); err != nil {
		return err
	}
	info := &dict{}
	if v := w.doc.trailer.get("Info"); v != nil {
		d, err := w.doc.dictAt(v, "document information dictionary")
		if err != nil {
			return err
		}
		info = d
	}
	xmp := xmpPacket(info)
	w.catalog.set("Metadata", w.add(streamObjectWith("/Type /Metadata /Subtype /XML", xmp)))
	icc := w.add(streamObjectWith("/N 3", SRGBProfile()))
	intent := &dict{}
	intent.set("Type", name("OutputIntent"))
	intent.set("S", name("GTS_PDFA1"))
	intent.set("OutputConditionIdentifier", textString("sRGB IEC61966-2.1"))
	intent.set("Info", textString("sRGB IEC61966-2.1"))
	intent.set("DestOutputProfile", icc)
	w.catalog.set("OutputIntents", array{w.add(serialize(intent))})
	if opts.Lang != "" {
		w.catalog.set("Lang", textString(opts.Lang))
	}
	w.put(w.root, serialize(w.catalog))
	return nil
}

// associateFiles makes the embedded files PDF/A-3 associated files.
func (w *rewrite) associateFiles(files map[string]AssociatedFile) error {
	namesV := w.catalog.get("Names")
	if namesV == nil {
		return nil
	}
	names, err := w.doc.dictAt(namesV, "catalog /Names")
	if err != nil {
		return err
	}
	if names.get("EmbeddedFiles") == nil {
		return nil
	}
	tree, err := w.doc.dictAt(names.get("EmbeddedFiles"), "/EmbeddedFiles")
	if err != nil {
		return err
	}
	if tree.get("Kids") != nil {
		return fmt.Errorf("%w: /EmbeddedFiles name tree with /Kids", ErrUnsupported)
	}
	leaves, err := w.doc.resolve(tree.get("Names"))
	if err != nil {
		return fmt.Errorf("/EmbeddedFiles /Names: %w", err)
	}
	arr, _ := leaves.(array)
	var af array
	seen := map[string]bool{}
	for i := 1; i < len(arr); i += 2 {
		fsRef, ok := arr[i].(ref)
		if !ok {
			return fmt.Errorf("%w: /EmbeddedFiles entry %d is not a reference", ErrUnsupported, i/2)
		}
		fileName, err := w.associate(fsRef, files)
		if err != nil {
			return fmt.Errorf("embedded file %d: %w", i/2, err)
		}
		if seen[fileName] {
			return fmt.Errorf("%w: two embedded files named %q", ErrMalformed, fileName)
		}
		seen[fileName] = true
		af = append(af, fsRef)
	}
	w.catalog.set("AF", af)
	return nil
}

// associate rewrites one file specification and its stream; it returns the
// file's name.
func (w *rewrite) associate(fsRef ref, files map[string]AssociatedFile) (string, error) {
	fs, err := w.doc.dictAt(fsRef, "file specification")
	if err != nil {
		return "", err
	}
	var fileName string
	for _, k := range []name{"UF", "F"} {
		if s, ok := fs.get(k).(*str); ok && len(s.b) > 0 {
			fileName = decodeText(s.b)
			break
		}
	}
	if fileName == "" {
		return "", fmt.Errorf("%w: file specification %d has no name", ErrMalformed, fsRef.num)
	}
	a := files[fileName]
	if a.MIME == "" {
		a.MIME = "application/octet-stream"
	}
	if a.Relationship == "" {
		a.Relationship = "Unspecified"
	}
	ef, err := w.doc.dictAt(fs.get("EF"), "file specification /EF")
	if err != nil {
		return "", err
	}
	sRef, ok := ef.get("F").(ref)
	if !ok {
		return "", fmt.Errorf("%w: file specification %d: /EF /F is not a reference", ErrMalformed, fsRef.num)
	}
	sd, data, err := w.doc.stream(sRef.num)
	if err != nil {
		return "", err
	}
	sd = sd.clone()
	sd.set("Type", name("EmbeddedFile"))
	sd.set("Subtype", name(a.MIME))
	w.put(sRef, append(append(serialize(sd), "\nstream\n"...), append(data, "\nendstream"...)...))
	fs = fs.clone()
	fs.set("Type", name("Filespec"))
	fs.set("F", textString(fileName))
	fs.set("UF", textString(fileName))
	ef = ef.clone()
	ef.set("UF", sRef)
	fs.set("EF", ef)
	fs.set("AFRelationship", name(a.Relationship))
	w.put(fsRef, serialize(fs))
	return fileName, nil
}

// printAnnotations gives every annotation without /F the print flag
// (PDF/A forbids hidden ones and wants them printed as shown).
func (w *rewrite) printAnnotations() error {
	pages, err := allPages(w.doc, w.catalog)
	if err != nil {
		return err
	}
	for _, p := range pages {
		page, err := w.doc.dictAt(p, fmt.Sprintf("page %d", p.num))
		if err != nil {
			return err
		}
		v := page.get("Annots")
		if v == nil {
			continue
		}
		a, err := w.doc.resolve(v)
		if err != nil {
			return fmt.Errorf("page %d /Annots: %w", p.num, err)
		}
		annots, _ := a.(array)
		changed := false
		out := slices.Clone(annots)
		for i, an := range annots {
			switch an := an.(type) {
			case *dict:
				if an.get("F") == nil {
					d := an.clone()
					d.set("F", number("4"))
					out[i], changed = d, true
				}
			case ref:
				d, err := w.doc.dictAt(an, fmt.Sprintf("page %d annotation", p.num))
				if err != nil {
					return err
				}
				if d.get("F") == nil {
					d = d.clone()
					d.set("F", number("4"))
					w.put(an, serialize(d))
				}
			}
		}
		if !changed {
			continue
		}
		if r, ok := v.(ref); ok {
			w.put(r, serialize(out))
			continue
		}
		page = page.clone()
		page.set("Annots", out)
		w.put(p, serialize(page))
	}
	return nil
}

// allPages lists the page tree's leaves in order.
func allPages(doc *document, catalog *dict) ([]ref, error) {
	root, ok := catalog.get("Pages").(ref)
	if !ok {
		return nil, fmt.Errorf("%w: catalog has no /Pages reference", ErrMalformed)
	}
	var out []ref
	seen := map[int]bool{}
	var walk func(r ref, depth int) error
	walk = func(r ref, depth int) error {
		if depth > maxDepth || seen[r.num] {
			return fmt.Errorf("%w: page tree loops or is deeper than %d at object %d", ErrMalformed, maxDepth, r.num)
		}
		seen[r.num] = true
		node, err := doc.dictAt(r, fmt.Sprintf("page tree node %d", r.num))
		if err != nil {
			return err
		}
		if t, _ := node.name("Type"); t == "Page" {
			out = append(out, r)
			return nil
		}
		kids, err := doc.resolve(node.get("Kids"))
		if err != nil {
			return fmt.Errorf("page tree node %d: %w", r.num, err)
		}
		ks, _ := kids.(array)
		for _, k := range ks {
			kr, ok := k.(ref)
			if !ok {
				return fmt.Errorf("%w: page tree node %d: kid is not a reference", ErrMalformed, r.num)
			}
			if err := walk(kr, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	return out, walk(root, 0)
}

// finish writes the cross-reference table and the trailer.
func (w *rewrite) finish() []byte {
	w.offsets[0] = xrefEntry{gen: 65535, free: true}
	trailer := withoutKey(withoutKey(w.doc.trailer, "Prev"), "XRefStm")
	id := sha256.Sum256(w.doc.data)
	idStr := &str{b: id[:16]}
	trailer.set("ID", array{idStr, idStr})
	writeXrefTable(&w.b, w.offsets, trailer, w.next)
	return w.b.Bytes()
}

// streamObjectWith is an unfiltered stream with extra dictionary entries.
func streamObjectWith(entries string, data []byte) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "<<%s/Length %d>>\nstream\n", entries+" ", len(data))
	b.Write(data)
	b.WriteString("\nendstream")
	return b.Bytes()
}

// xmpPacket is the XMP metadata of a PDF/A-3B file, repeating the
// document information dictionary.
func xmpPacket(info *dict) []byte {
	text := func(k name) string {
		if s, ok := info.get(k).(*str); ok {
			return html.EscapeString(decodeText(s.b))
		}
		return ""
	}
	var b strings.Builder
	b.WriteString("<?xpacket begin=\"\xef\xbb\xbf\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n" +
		"<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">\n<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n" +
		"<rdf:Description rdf:about=\"\" xmlns:pdfaid=\"http://www.aiim.org/pdfa/ns/id/\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\"" +
		" xmlns:xmp=\"http://ns.adobe.com/xap/1.0/\" xmlns:pdf=\"http://ns.adobe.com/pdf/1.3/\">\n" +
		"<pdfaid:part>3</pdfaid:part>\n<pdfaid:conformance>B</pdfaid:conformance>\n")
	if v := text("Title"); v != "" {
		fmt.Fprintf(&b, "<dc:title><rdf:Alt><rdf:li xml:lang=\"x-default\">%s</rdf:li></rdf:Alt></dc:title>\n", v)
	}
	if v := text("Author"); v != "" {
		fmt.Fprintf(&b, "<dc:creator><rdf:Seq><rdf:li>%s</rdf:li></rdf:Seq></dc:creator>\n", v)
	}
	if v := text("Subject"); v != "" {
		fmt.Fprintf(&b, "<dc:description><rdf:Alt><rdf:li xml:lang=\"x-default\">%s</rdf:li></rdf:Alt></dc:description>\n", v)
	}
	for _, p := range []struct {
		key  name
		prop string
		date bool
	}{
		{"Keywords", "pdf:Keywords", false}, {"Producer", "pdf:Producer", false}, {"Creator", "xmp:CreatorTool", false},
		{"CreationDate", "xmp:CreateDate", true}, {"ModDate", "xmp:ModifyDate", true},
	} {
		v := text(p.key)
		if p.date {
			v = xmpDate(v)
		}
		if v != "" {
			fmt.Fprintf(&b, "<%s>%s</%s>\n", p.prop, v, p.prop)
		}
	}
	b.WriteString("</rdf:Description>\n</rdf:RDF>\n</x:xmpmeta>\n")
	b.WriteString(strings.Repeat(strings.Repeat(" ", 99)+"\n", 20))
	b.WriteString("<?xpacket end=\"w\"?>")
	return []byte(b.String())
}

// xmpDate turns a PDF date (D:YYYYMMDDHHmmSS with an optional Z or
// ±HH'mm') into the XMP form, keeping the same fields so the two agree.
func xmpDate(s string) string {
	s = strings.TrimPrefix(s, "D:")
	digits := 0
	for digits < len(s) && digits < 14 && s[digits] >= '0' && s[digits] <= '9' {
		digits++
	}
	if digits != 14 {
		return ""
	}
	out := fmt.Sprintf("%s-%s-%sT%s:%s:%s", s[0:4], s[4:6], s[6:8], s[8:10], s[10:12], s[12:14])
	switch zone := s[14:]; {
	case zone == "":
	case zone[0] == 'Z':
		out += "Z"
	case (zone[0] == '+' || zone[0] == '-') && len(zone) >= 6 && zone[3] == '\'':
		out += zone[0:3] + ":" + zone[4:6]
	default:
		return ""
	}
	return out
}
