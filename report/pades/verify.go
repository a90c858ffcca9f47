package pades

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/attesta/attesta/internal/cms"
)

// SignatureInfo is one verified signature.
type SignatureInfo struct {
	// Field is the signature field's name (/T) and Object the object
	// number of the signature dictionary.
	Field  string
	Object int
	// SubFilter is ETSI.CAdES.detached or adbe.pkcs7.detached for a
	// signature, ETSI.RFC3161 for a document time-stamp (PAdES B-LTA),
	// whose Signer is the TSA's certificate, Time the token's genTime,
	// Timestamp the token and CMS the token's DER.
	SubFilter string
	// Name, Reason, Location and Time come from the signature dictionary
	// (/Name, /Reason, /Location, /M): what the signer claimed, not
	// checked. Time is zero when /M is absent or unreadable.
	Name, Reason, Location string
	Time                   time.Time
	// ByteRange is the signed ranges [offset length offset length].
	ByteRange [4]int64
	// WholeDocument reports that the signed ranges reach the end of the
	// file: nothing was appended after signing. When false, later
	// incremental updates (or other bytes) follow the signed revision,
	// which is the first ByteRange[2]+ByteRange[3] bytes.
	WholeDocument bool
	// Signer is the certificate whose public key verified the signature;
	// Certificates are all certificates in the CMS. Whether to trust them
	// is the caller's decision.
	Signer       *x509.Certificate
	Certificates []*x509.Certificate
	// CMS is the DER CMS SignedData (ContentInfo) without the padding.
	CMS []byte
	// Timestamp is the signature time-stamp (PAdES B-T), nil when absent.
	Timestamp *TimestampInfo
}

// Verify finds the signature fields of pdf and verifies each signature:
// /ByteRange covers the whole signed revision except exactly its own
// /Contents string, the CMS message digest matches those bytes, the
// signature verifies with the signer certificate's key (ECDSA or RSA
// PKCS #1 v1.5 with SHA-256, -384 or -512), the ESS
// signing-certificate(-v2) attribute names that certificate (hash, and
// issuer and serial when given; required for ETSI.CAdES.detached), and a
// signature time-stamp, when present, is over the signature value,
// verifies with its TSA certificate and carries an ESS attribute naming
// it. It checks no certificate trust and no revocation.
//
// It returns the signatures that verified, in signing order. A non-nil
// error means the file could not be read (wrapping ErrMalformed or
// ErrUnsupported), holds no signature (ErrNoSignature), or that at least
// one signature failed (one wrapped error per failure, naming the field).
func Verify(pdf []byte) ([]SignatureInfo, error) {
	doc, err := parseDocument(pdf)
	if err != nil {
		return nil, fmt.Errorf("pades: verify: %w", err)
	}
	fields, err := signatureFields(doc)
	if err != nil {
		return nil, fmt.Errorf("pades: verify: %w", err)
	}
	if len(fields) == 0 {
		return nil, fmt.Errorf("pades: verify: %w", ErrNoSignature)
	}
	var infos []SignatureInfo
	var errs []error
	for _, f := range fields {
		info, err := verifySignature(doc, f)
		if err != nil {
			errs = append(errs, fmt.Errorf("pades: verify: field %q (signature object %d): %w", f.name, f.sig.num, err))
			continue
		}
		infos = append(infos, *info)
	}
	slices.SortFunc(infos, func(a, b SignatureInfo) int {
		return int((a.ByteRange[2] + a.ByteRange[3]) - (b.ByteRange[2] + b.ByteRange[3]))
	})
	return infos, errors.Join(errs...)
}

type sigField struct {
	name string
	sig  ref
}

// maxFields bounds the field walk over hostile forms.
const maxFields = 10000

// signatureFields walks the AcroForm field tree for signature fields that
// have a value.
func signatureFields(doc *document) ([]sigField, error) {
	root, err := doc.dictAt(doc.trailer.get("Root"), "catalog")
	if err != nil {
		return nil, err
	}
	formV := root.get("AcroForm")
	if formV == nil {
		return nil, nil
	}
	form, err := doc.dictAt(formV, "/AcroForm")
	if err != nil {
		return nil, err
	}
	fields, err := doc.resolve(form.get("Fields"))
	if err != nil {
		return nil, fmt.Errorf("/AcroForm /Fields: %w", err)
	}
	w := &fieldWalker{doc: doc, seen: map[int]bool{}}
	arr, _ := fields.(array)
	if err := w.walk(arr, "", "", 0); err != nil {
		return nil, err
	}
	return w.out, nil
}

type fieldWalker struct {
	doc  *document
	seen map[int]bool
	out  []sigField
}

func (w *fieldWalker) walk(kids array, parentName string, inheritedFT name, depth int) error {
	if depth > maxDepth {
		return fmt.Errorf("%w: form fields nested deeper than %d", ErrMalformed, maxDepth)
	}
	for _, k := range kids {
		r, ok := k.(ref)
		if !ok || w.seen[r.num] {
			continue
		}
		if w.seen[r.num] = true; len(w.seen) > maxFields {
			return fmt.Errorf("%w: more than %d form fields", ErrMalformed, maxFields)
		}
		f, err := w.doc.dictAt(r, fmt.Sprintf("form field %d", r.num))
		if err != nil {
			return err
		}
		fullName := parentName
		if t, ok := f.get("T").(*str); ok {
			fullName = joinFieldName(parentName, decodeText(t.b))
		}
		ft := inheritedFT
		if v, ok := f.name("FT"); ok {
			ft = v
		}
		if sig, ok := f.get("V").(ref); ok && ft == "Sig" {
			w.out = append(w.out, sigField{name: fullName, sig: sig})
		}
		if kidsV := f.get("Kids"); kidsV != nil {
			sub, err := w.doc.resolve(kidsV)
			if err != nil {
				return fmt.Errorf("form field %d /Kids: %w", r.num, err)
			}
			a, _ := sub.(array)
			if err := w.walk(a, fullName, ft, depth+1); err != nil {
				return err
			}
		}
	}
	return nil
}

func joinFieldName(parent, t string) string {
	if parent == "" {
		return t
	}
	return parent + "." + t
}

func verifySignature(doc *document, f sigField) (*SignatureInfo, error) {
	v, err := doc.object(f.sig.num)
	if err != nil {
		return nil, err
	}
	sd, ok := v.(*dict)
	if !ok {
		return nil, fmt.Errorf("%w: signature value is %T, want a dictionary", ErrMalformed, v)
	}
	info := &SignatureInfo{Field: f.name, Object: f.sig.num}
	sub, _ := sd.name("SubFilter")
	info.SubFilter = string(sub)
	if sub != "ETSI.CAdES.detached" && sub != "adbe.pkcs7.detached" && sub != "ETSI.RFC3161" {
		return nil, fmt.Errorf("%w: /SubFilter /%s", ErrUnsupported, sub)
	}
	contents, err := signedRanges(doc.data, sd, info)
	if err != nil {
		return nil, err
	}
	describe(sd, info)
	if sub == "ETSI.RFC3161" {
		return info, verifyDocumentTimestamp(doc.data, contents, info)
	}
	if err := verifyCMS(doc.data, contents, info); err != nil {
		return nil, err
	}
	return info, nil
}

// signedRanges checks /ByteRange against the file and against the span of
// /Contents, fills info.ByteRange and info.WholeDocument, and returns
// /Contents.
func signedRanges(pdf []byte, sd *dict, info *SignatureInfo) (*str, error) {
	contents, ok := sd.get("Contents").(*str)
	if !ok || contents.start < 0 || pdf[contents.start] != '<' {
		return nil, fmt.Errorf("%w: /Contents is not a hexadecimal string", ErrMalformed)
	}
	br, _ := sd.get("ByteRange").(array)
	if len(br) != 4 {
		return nil, fmt.Errorf("%w: /ByteRange has %d elements, want 4", ErrByteRange, len(br))
	}
	for i, e := range br {
		n, ok := e.(number)
		v, ok2 := n.int()
		if !ok || !ok2 || v < 0 {
			return nil, fmt.Errorf("%w: /ByteRange element %d is not a non-negative integer", ErrByteRange, i)
		}
		info.ByteRange[i] = v
	}
	r := info.ByteRange
	switch size := int64(len(pdf)); {
	case r[0] != 0:
		return nil, fmt.Errorf("%w: first range starts at %d, not at the beginning of the file", ErrByteRange, r[0])
	case r[1] != contents.start || r[2] != contents.end:
		return nil, fmt.Errorf("%w: the gap [%d, %d) is not the /Contents string at [%d, %d)", ErrByteRange, r[1], r[2], contents.start, contents.end)
	case r[2]+r[3] > size || r[2]+r[3] < r[2]:
		return nil, fmt.Errorf("%w: second range ends at %d, past the end of the %d-byte file (truncated?)", ErrByteRange, r[2]+r[3], size)
	default:
		info.WholeDocument = r[2]+r[3] == size
	}
	return contents, nil
}

func describe(sd *dict, info *SignatureInfo) {
	text := func(k name) string {
		if s, ok := sd.get(k).(*str); ok {
			return decodeText(s.b)
		}
		return ""
	}
	info.Name, info.Reason, info.Location = text("Name"), text("Reason"), text("Location")
	info.Time = parsePDFDate(text("M"))
}

func verifyCMS(pdf []byte, contents *str, info *SignatureInfo) error {
	sd, rest, err := cms.ParseContentInfo(contents.b)
	if err != nil {
		return fromCMS(err)
	}
	if len(bytes.Trim(rest, "\x00")) != 0 {
		return fmt.Errorf("%w: non-zero bytes after the CMS in /Contents", ErrMalformed)
	}
	info.CMS = contents.b[:len(contents.b)-len(rest)]
	if sd.Content != nil || !sd.ContentType.Equal(cms.OIDData) {
		return fmt.Errorf("%w: CMS is not detached over id-data", ErrMalformed)
	}
	r := info.ByteRange
	cert, attrs, err := sd.Verify(cms.OIDData, func(h crypto.Hash) []byte {
		return digestOf(h, pdf[r[0]:r[0]+r[1]], pdf[r[2]:r[2]+r[3]])
	})
	if err != nil {
		return fromCMS(err)
	}
	if err := cms.CheckSigningCertificate(attrs, cert, info.SubFilter == "ETSI.CAdES.detached"); err != nil {
		return fromCMS(err)
	}
	info.Signer, info.Certificates = cert, sd.Certificates
	si := sd.SignerInfos[0]
	if token, ok := si.UnsignedAttrs[cms.OIDAttrTimeStampToken.String()]; ok {
		if info.Timestamp, err = parseTimestampToken(token, si.Signature); err != nil {
			return err
		}
	}
	return nil
}

// verifyDocumentTimestamp checks a document time-stamp (PAdES B-LTA):
// /Contents is an RFC 3161 token over the signed ranges.
func verifyDocumentTimestamp(pdf []byte, contents *str, info *SignatureInfo) error {
	_, rest, err := cms.ParseContentInfo(contents.b)
	if err != nil {
		return cms.Mark(fromCMS(err), ErrTimestamp)
	}
	if len(bytes.Trim(rest, "\x00")) != 0 {
		return fmt.Errorf("%w: non-zero bytes after the time-stamp token in /Contents", ErrMalformed)
	}
	info.CMS = contents.b[:len(contents.b)-len(rest)]
	r := info.ByteRange
	ts, err := checkDocumentTimestamp(info.CMS, nil, pdf[r[0]:r[0]+r[1]], pdf[r[2]:r[2]+r[3]])
	if err != nil {
		return err
	}
	info.Timestamp, info.Signer, info.Certificates, info.Time = ts, ts.TSA, ts.Certs, ts.Time
	return nil
}

// parsePDFDate reads D:YYYYMMDDHHmmSS with an optional Z or ±HH'mm'
// offset; any part after the year may be missing.
func parsePDFDate(s string) time.Time {
	if len(s) >= 2 && s[:2] == "D:" {
		s = s[2:]
	}
	digits := 0
	for digits < len(s) && digits < 14 && s[digits] >= '0' && s[digits] <= '9' {
		digits++
	}
	if digits < 4 || digits%2 != 0 {
		return time.Time{}
	}
	layout := "20060102150405"[:digits]
	t, err := time.Parse(layout, s[:digits])
	if err != nil {
		return time.Time{}
	}
	zone := s[digits:]
	if zone == "" || zone[0] == 'Z' {
		return t.UTC()
	}
	var sign, hh, mm int
	switch zone[0] {
	case '+':
		sign = 1
	case '-':
		sign = -1
	default:
		return t.UTC()
	}
	if _, err := fmt.Sscanf(zone[1:], "%02d'%02d", &hh, &mm); err != nil {
		if _, err := fmt.Sscanf(zone[1:], "%02d", &hh); err != nil {
			return t.UTC()
		}
	}
	return t.Add(-time.Duration(sign) * (time.Duration(hh)*time.Hour + time.Duration(mm)*time.Minute)).UTC()
}
