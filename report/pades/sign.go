package pades

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"
	"unicode/utf16"
)

// Options configures Sign.
type Options struct {
	// Signer makes the signature; the appliance passes its TPM-resident
	// key. Its public key must be Chain[0]'s.
	Signer crypto.Signer
	// Chain is the signer's certificate first, then its issuers; all of
	// it goes into the CMS.
	Chain []*x509.Certificate
	// Reason, Location and Name fill /Reason, /Location and /Name.
	Reason, Location, Name string
	// Time is the claimed signing time written as /M; zero means now.
	Time time.Time
	// Timestamp, when set, is called with the CMS signature value and must
	// return an RFC 3161 TimeStampToken (DER ContentInfo) over it; the
	// token becomes the signature-time-stamp unsigned attribute (PAdES
	// B-T). Sign checks the token's imprint and signature before using it.
	// A nil token with a nil error means none can be had now (the TSA is
	// unreachable): the signature is then PAdES B-B.
	Timestamp func(ctx context.Context, signature []byte) (tokenDER []byte, err error)
	// DocumentTimestamp, when set, makes Sign go on to PAdES B-LT/B-LTA
	// once the signature has its signature time-stamp: it returns the
	// signed file extended by [Archive], with DocumentTimestamp as
	// ArchiveOptions.Timestamp. A nil token with a nil error (the TSA
	// stopped answering) leaves the file at B-T; without a signature
	// time-stamp it is not called.
	DocumentTimestamp func(ctx context.Context, digest []byte) (tokenDER []byte, err error)
	// Appearance, when set, makes the signature visible on the last page;
	// nil leaves it invisible (a zero-size widget).
	Appearance *Appearance
	// ContentsSize is the number of bytes reserved for the CMS. Zero
	// means an estimate from the chain (plus 8 KiB when Timestamp is set)
	// and, should the CMS not fit, one more signing pass with the exact
	// size. When set explicitly, a CMS that does not fit is an error
	// wrapping ErrContentsTooSmall.
	ContentsSize int
}

// Sign appends to pdf, a PDF with classic cross-reference tables, an
// incremental update that signs it: a signature field on the last page
// (invisible unless Options.Appearance says otherwise) whose value is a
// PAdES signature dictionary (see the package documentation). It returns
// the whole signed file; pdf is not modified. Signing an already signed
// file adds a second signature and leaves the first one valid over its
// own revision. The signer is called once (twice when the estimated
// ContentsSize proved too small), and so is Options.Timestamp.
func Sign(ctx context.Context, pdf []byte, opts Options) ([]byte, error) {
	if err := checkOptions(opts); err != nil {
		return nil, fmt.Errorf("pades: sign: %w", err)
	}
	stamped := false
	if stamp := opts.Timestamp; stamp != nil {
		opts.Timestamp = func(ctx context.Context, signature []byte) ([]byte, error) {
			token, err := stamp(ctx, signature)
			stamped = err == nil && len(token) > 0
			return token, err
		}
	}
	doc, err := parseDocument(pdf)
	if err != nil {
		return nil, fmt.Errorf("pades: sign: read document: %w", err)
	}
	u, err := newUpdate(doc, opts)
	if err != nil {
		return nil, fmt.Errorf("pades: sign: %w", err)
	}
	out, err := u.signFitting(ctx, opts.ContentsSize, estimateContents(opts))
	if err != nil {
		return nil, fmt.Errorf("pades: sign: %w", err)
	}
	if !stamped || opts.DocumentTimestamp == nil {
		return out, nil
	}
	archived, err := Archive(ctx, out, ArchiveOptions{Timestamp: opts.DocumentTimestamp})
	if errors.Is(err, errNoToken) {
		return out, nil // B-T: the TSA answered the signature time-stamp but not the document time-stamp
	}
	return archived, err
}

// signFitting signs with size bytes reserved for /Contents or, when size
// is zero, with estimate bytes and, should that prove too small, once more
// with the exact size.
func (u *update) signFitting(ctx context.Context, size, estimate int) ([]byte, error) {
	if size != 0 {
		out, _, err := u.sign(ctx, size)
		return out, err
	}
	out, needed, err := u.sign(ctx, estimate)
	if errors.Is(err, ErrContentsTooSmall) {
		out, _, err = u.sign(ctx, needed+64)
	}
	return out, err
}

func checkOptions(opts Options) error {
	if opts.Signer == nil {
		return errors.New("no signer")
	}
	if len(opts.Chain) == 0 || opts.Chain[0] == nil {
		return errors.New("no signer certificate")
	}
	leaf, ok := opts.Chain[0].PublicKey.(interface{ Equal(crypto.PublicKey) bool })
	if !ok || !leaf.Equal(opts.Signer.Public()) {
		return errors.New("the signer's public key is not the one in the signer certificate (Chain[0])")
	}
	return nil
}

func estimateContents(opts Options) int {
	n := 2048
	for _, c := range opts.Chain {
		n += len(c.Raw)
	}
	if opts.Timestamp != nil {
		n += 8192
	}
	return n
}

// update is the incremental update before its signature is filled in.
type update struct {
	doc           *document
	opts          Options
	sigNum        int
	fieldNum      int
	root          ref
	catalog, page *dict
	field         *dict
	pageRef       ref
	claimed       time.Time
	// extra holds the visible appearance's objects and the DSS's, by
	// object number; next is the first object number not yet used.
	extra map[int][]byte
	next  int
	// docTimestamp makes the signature dictionary a document time-stamp
	// (/Type /DocTimeStamp /SubFilter /ETSI.RFC3161) whose /Contents is
	// the token stamp returns over the SHA-256 of the signed ranges.
	docTimestamp func(ctx context.Context, digest []byte) ([]byte, error)
}

func newUpdate(doc *document, opts Options) (*update, error) {
	rootRef, ok := doc.trailer.get("Root").(ref)
	if !ok {
		return nil, fmt.Errorf("%w: trailer has no /Root reference", ErrMalformed)
	}
	catalog, err := doc.dictAt(rootRef, "catalog")
	if err != nil {
		return nil, err
	}
	pageRef, page, err := lastPage(doc, catalog)
	if err != nil {
		return nil, err
	}
	next := doc.size
	for n := range doc.objects {
		next = max(next, n+1)
	}
	u := &update{
		doc: doc, opts: opts, sigNum: next, fieldNum: next + 1, root: rootRef,
		pageRef: pageRef, claimed: opts.Time, next: next + 2, extra: map[int][]byte{},
	}
	if u.claimed.IsZero() {
		u.claimed = time.Now()
	}
	fieldName, err := u.rewriteCatalog(catalog)
	if err != nil {
		return nil, err
	}
	if err := u.rewritePage(page, fieldName); err != nil {
		return nil, err
	}
	if err := u.addAppearance(); err != nil {
		return nil, err
	}
	return u, nil
}

// lastPage walks the page tree down its last kids to the last page.
func lastPage(doc *document, catalog *dict) (ref, *dict, error) {
	r, ok := catalog.get("Pages").(ref)
	if !ok {
		return ref{}, nil, fmt.Errorf("%w: catalog has no /Pages reference", ErrMalformed)
	}
	for range maxDepth {
		node, err := doc.dictAt(r, fmt.Sprintf("page tree node %d", r.num))
		if err != nil {
			return ref{}, nil, err
		}
		if t, _ := node.name("Type"); t == "Page" {
			return r, node, nil
		}
		kids, err := doc.resolve(node.get("Kids"))
		if err != nil {
			return ref{}, nil, fmt.Errorf("page tree node %d: %w", r.num, err)
		}
		a, _ := kids.(array)
		if len(a) == 0 {
			return ref{}, nil, fmt.Errorf("%w: page tree node %d has no kids", ErrMalformed, r.num)
		}
		if r, ok = a[len(a)-1].(ref); !ok {
			return ref{}, nil, fmt.Errorf("%w: page tree node %d: kid is not a reference", ErrMalformed, r.num)
		}
	}
	return ref{}, nil, fmt.Errorf("%w: page tree deeper than %d", ErrMalformed, maxDepth)
}

// rewriteCatalog adds the signature field to the AcroForm (creating it)
// and sets SigFlags 3 (SignaturesExist, AppendOnly). It returns the new
// field's name, unique among the existing top-level fields.
func (u *update) rewriteCatalog(catalog *dict) (string, error) {
	form := &dict{}
	if v := catalog.get("AcroForm"); v != nil {
		old, err := u.doc.dictAt(v, "catalog /AcroForm")
		if err != nil {
			return "", err
		}
		form = old.clone()
	}
	var fields array
	if v := form.get("Fields"); v != nil {
		f, err := u.doc.resolve(v)
		if err != nil {
			return "", fmt.Errorf("/AcroForm /Fields: %w", err)
		}
		fields, _ = f.(array)
	}
	fieldName := u.uniqueFieldName(fields)
	form.set("Fields", append(slices.Clone(fields), ref{u.fieldNum, 0}))
	form.set("SigFlags", number("3"))
	u.catalog = catalog.clone()
	u.catalog.set("AcroForm", form)
	return fieldName, nil
}

func (u *update) uniqueFieldName(fields array) string {
	taken := map[string]bool{}
	for _, f := range fields {
		if d, err := u.doc.dictAt(f, "field"); err == nil {
			if t, ok := d.get("T").(*str); ok {
				taken[string(t.b)] = true
			}
		}
	}
	for i := 1; ; i++ {
		if n := "Signature" + strconv.Itoa(i); !taken[n] {
			return n
		}
	}
}

// rewritePage adds the signature widget to the page's /Annots.
func (u *update) rewritePage(page *dict, fieldName string) error {
	var annots array
	if v := page.get("Annots"); v != nil {
		a, err := u.doc.resolve(v)
		if err != nil {
			return fmt.Errorf("page %d /Annots: %w", u.pageRef.num, err)
		}
		annots, _ = a.(array)
	}
	u.page = page.clone()
	u.page.set("Annots", append(slices.Clone(annots), ref{u.fieldNum, 0}))
	u.field = &dict{}
	for _, kv := range []struct {
		k name
		v any
	}{
		{"Type", name("Annot")}, {"Subtype", name("Widget")}, {"FT", name("Sig")},
		{"T", textString(fieldName)}, {"V", ref{u.sigNum, 0}},
		{"F", number("132")}, // Print | Locked
		{"Rect", array{number("0"), number("0"), number("0"), number("0")}},
		{"P", u.pageRef},
	} {
		u.field.set(kv.k, kv.v)
	}
	return nil
}

// addAppearance gives the widget a box and a normal appearance when
// Options.Appearance asks for a visible signature.
func (u *update) addAppearance() error {
	a := u.opts.Appearance
	if a == nil {
		return nil
	}
	lines := a.Lines
	if len(lines) == 0 {
		lines = defaultLines(u.opts, u.claimed)
	}
	fontNum, formNum := u.next, u.next+1
	font, form, err := appearanceObjects(a, lines, fontNum)
	if err != nil {
		return err
	}
	u.extra[fontNum], u.extra[formNum] = font, form
	u.next += 2
	rect := make(array, 4)
	for i, v := range a.Rect {
		rect[i] = number(num(v))
	}
	u.field.set("Rect", rect)
	ap := &dict{}
	ap.set("N", ref{formNum, 0})
	u.field.set("AP", ap)
	return nil
}

// byteRangeHolder is /ByteRange's fixed-width placeholder: four numbers of
// up to ten digits, padded with spaces once known.
const byteRangeHolder = "[0 0000000000 0000000000 0000000000]"

// sign lays out the update with size bytes for the CMS, signs it, and
// returns the file; on ErrContentsTooSmall, needed is the CMS size.
func (u *update) sign(ctx context.Context, size int) (out []byte, needed int, err error) {
	if err := ctx.Err(); err != nil {
		return nil, 0, err
	}
	out, brAt, hole := u.layout(size)
	br := [4]int64{0, int64(hole[0]), int64(hole[1]), int64(len(out) - hole[1])}
	fill := fmt.Sprintf("[%d %d %d %d", br[0], br[1], br[2], br[3])
	fill += string(bytes.Repeat([]byte(" "), len(byteRangeHolder)-1-len(fill))) + "]"
	copy(out[brAt:], fill)
	h := sha256.New()
	h.Write(out[:hole[0]])
	h.Write(out[hole[1]:])
	var cms []byte
	if u.docTimestamp != nil {
		cms, err = documentTimestamp(ctx, u.docTimestamp, h.Sum(nil))
	} else {
		cms, err = buildCMS(ctx, cmsSigner{signer: u.opts.Signer, chain: u.opts.Chain, timestamp: u.opts.Timestamp}, h.Sum(nil))
	}
	if err != nil {
		return nil, 0, err
	}
	if len(cms) > size {
		return nil, len(cms), fmt.Errorf("%w: CMS of %d bytes, %d reserved", ErrContentsTooSmall, len(cms), size)
	}
	hex.Encode(out[hole[0]+1:], cms)
	return out, 0, nil
}

// layout appends the update with placeholders and returns the file, the
// offset of the /ByteRange placeholder and the /Contents string's span
// (from '<' to after '>').
func (u *update) layout(size int) (out []byte, byteRangeAt int, hole [2]int) {
	pdf := u.doc.data
	var b bytes.Buffer
	b.Write(pdf)
	if n := len(pdf); n > 0 && pdf[n-1] != '\n' && pdf[n-1] != '\r' {
		b.WriteByte('\n')
	}
	offsets := map[int]xrefEntry{} // what the update's xref section lists

	offsets[u.sigNum] = xrefEntry{off: int64(b.Len())}
	kind := "/Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached"
	if u.docTimestamp != nil {
		kind = "/Type /DocTimeStamp /Filter /Adobe.PPKLite /SubFilter /ETSI.RFC3161"
	}
	fmt.Fprintf(&b, "%d 0 obj\n<<%s\n/ByteRange ", u.sigNum, kind)
	byteRangeAt = b.Len()
	b.WriteString(byteRangeHolder)
	b.WriteString("\n/Contents ")
	hole[0] = b.Len()
	b.WriteByte('<')
	b.Write(bytes.Repeat([]byte("0"), 2*size))
	b.WriteByte('>')
	hole[1] = b.Len()
	if u.docTimestamp == nil { // a document time-stamp's time is the token's
		b.WriteString("\n/M ")
		writeObject(&b, textString(pdfDate(u.claimed)))
		for _, kv := range [][2]string{{"Name", u.opts.Name}, {"Reason", u.opts.Reason}, {"Location", u.opts.Location}} {
			if kv[1] != "" {
				fmt.Fprintf(&b, "\n/%s ", kv[0])
				writeObject(&b, textString(kv[1]))
			}
		}
	}
	b.WriteString(">>\nendobj\n")

	for _, o := range []struct {
		r ref
		v *dict
	}{{ref{u.fieldNum, 0}, u.field}, {u.root, u.catalog}, {u.pageRef, u.page}} {
		offsets[o.r.num] = xrefEntry{off: int64(b.Len()), gen: o.r.gen}
		fmt.Fprintf(&b, "%d %d obj\n", o.r.num, o.r.gen)
		writeObject(&b, o.v)
		b.WriteString("\nendobj\n")
	}
	for _, n := range slices.Sorted(maps.Keys(u.extra)) {
		offsets[n] = xrefEntry{off: int64(b.Len())}
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", n, u.extra[n])
	}
	u.writeXref(&b, offsets)
	return b.Bytes(), byteRangeAt, hole
}

func (u *update) writeXref(b *bytes.Buffer, offsets map[int]xrefEntry) {
	trailer := withoutKey(u.doc.trailer, "XRefStm")
	trailer.set("Prev", number(strconv.FormatInt(u.doc.xrefOffset, 10)))
	writeXrefTable(b, offsets, trailer, slices.Max(slices.Collect(maps.Keys(offsets)))+1)
}

// writeXrefTable writes an xref section listing offsets, in subsections
// of consecutive numbers, then trailer with /Size size, and startxref.
func writeXrefTable(b *bytes.Buffer, offsets map[int]xrefEntry, trailer *dict, size int) {
	xrefAt := b.Len()
	nums := slices.Sorted(maps.Keys(offsets))
	b.WriteString("xref\n")
	for i := 0; i < len(nums); {
		j := i + 1
		for j < len(nums) && nums[j] == nums[j-1]+1 {
			j++
		}
		fmt.Fprintf(b, "%d %d\n", nums[i], j-i)
		for _, n := range nums[i:j] {
			kind := 'n'
			if offsets[n].free {
				kind = 'f'
			}
			fmt.Fprintf(b, "%010d %05d %c\r\n", offsets[n].off, offsets[n].gen, kind)
		}
		i = j
	}
	trailer = trailer.clone()
	trailer.set("Size", number(strconv.Itoa(size)))
	b.WriteString("trailer\n")
	writeObject(b, trailer)
	fmt.Fprintf(b, "\nstartxref\n%d\n%%%%EOF\n", xrefAt)
}

func withoutKey(d *dict, k name) *dict {
	out := &dict{}
	for i, key := range d.keys {
		if key != k {
			out.set(key, d.vals[i])
		}
	}
	return out
}

// pdfDate formats t as a PDF date in UTC: D:YYYYMMDDHHmmSSZ.
func pdfDate(t time.Time) string { return "D:" + t.UTC().Format("20060102150405") + "Z" }

// textString encodes a PDF text string: bytes as they are when printable
// ASCII, otherwise UTF-16BE with a byte order mark.
func textString(s string) *str {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			ascii = false
			break
		}
	}
	if ascii {
		return &str{b: []byte(s)}
	}
	out := []byte{0xfe, 0xff}
	for _, r := range utf16.Encode([]rune(s)) {
		out = append(out, byte(r>>8), byte(r))
	}
	return &str{b: out}
}

// decodeText is textString's inverse (PDFDocEncoding read as Latin-1,
// close enough for the names and reasons shown in reports).
func decodeText(b []byte) string {
	if len(b) >= 2 && b[0] == 0xfe && b[1] == 0xff {
		u := make([]uint16, 0, len(b)/2)
		for i := 2; i+1 < len(b); i += 2 {
			u = append(u, uint16(b[i])<<8|uint16(b[i+1]))
		}
		return string(utf16.Decode(u))
	}
	r := make([]rune, len(b))
	for i, c := range b {
		r[i] = rune(c)
	}
	return string(r)
}
