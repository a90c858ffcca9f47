package pades

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"time"

	"github.com/attesta/attesta/internal/cms"
)

// ArchiveOptions configures Archive.
type ArchiveOptions struct {
	// Timestamp returns an RFC 3161 TimeStampToken (DER ContentInfo) over
	// digest, the SHA-256 of the bytes the document time-stamp covers;
	// the appliance asks its TSA (bundle/tsa). Required.
	Timestamp func(ctx context.Context, digest []byte) (tokenDER []byte, err error)
	// Certs are further certificates for the DSS beside those the
	// signatures and their time-stamps carry: the TSA's root, typically,
	// which a token does not always include.
	Certs []*x509.Certificate
	// CRLs and OCSPs are DER CRLs and OCSP responses for the DSS. The
	// appliance's chains name no CRL distribution point and no OCSP
	// responder, so it has none to give; they are here for chains that do.
	CRLs, OCSPs [][]byte
	// ContentsSize is the space reserved for the token; zero means 16 KiB
	// and, should the token not fit, one more pass with the exact size;
	// set explicitly, a token that does not fit is an error wrapping
	// ErrContentsTooSmall.
	ContentsSize int
}

// Archive extends a signed PDF to PAdES B-LT and B-LTA (ETSI EN 319 142-1
// §5.4 and §5.5): it verifies every signature (refusing the file if one
// fails), then appends one incremental update holding
//
//   - a DSS dictionary in the catalog (/Type /DSS) whose /Certs are every
//     certificate of the signatures' CMS and of their time-stamp tokens,
//     and ArchiveOptions.Certs, each once, as streams of DER; /CRLs and
//     /OCSPs when ArchiveOptions gives any (an existing DSS is kept and
//     added to);
//   - a document time-stamp: a signature field whose value has /Type
//     /DocTimeStamp /SubFilter /ETSI.RFC3161 and whose /Contents is an
//     RFC 3161 token over the SHA-256 of the whole file but /Contents,
//     the DSS included.
//
// The earlier signatures keep verifying over their own revisions. Once the
// signer's certificate has expired, the time-stamped DSS shows what the
// validation data were while it was valid; a later Archive over the
// result adds the document time-stamp's own validation data and a fresh
// time-stamp (the B-LTA renewal).
func Archive(ctx context.Context, pdf []byte, opts ArchiveOptions) ([]byte, error) {
	if opts.Timestamp == nil {
		return nil, errors.New("pades: archive: no time-stamp function")
	}
	infos, err := Verify(pdf)
	if err != nil {
		return nil, fmt.Errorf("pades: archive: the signatures do not verify: %w", err)
	}
	doc, err := parseDocument(pdf)
	if err != nil {
		return nil, fmt.Errorf("pades: archive: read document: %w", err)
	}
	u, err := newUpdate(doc, Options{Time: time.Now()})
	if err != nil {
		return nil, fmt.Errorf("pades: archive: %w", err)
	}
	u.docTimestamp = opts.Timestamp
	if err := u.addDSS(validationCerts(infos, opts.Certs), opts.CRLs, opts.OCSPs); err != nil {
		return nil, fmt.Errorf("pades: archive: %w", err)
	}
	out, err := u.signFitting(ctx, opts.ContentsSize, 16<<10)
	if err != nil {
		return nil, fmt.Errorf("pades: archive: %w", err)
	}
	return out, nil
}

// validationCerts lists the certificates of the signatures, of their
// time-stamps and extra, each once, in that order.
func validationCerts(infos []SignatureInfo, extra []*x509.Certificate) []*x509.Certificate {
	var out []*x509.Certificate
	seen := map[string]bool{}
	add := func(cs []*x509.Certificate) {
		for _, c := range cs {
			if c != nil && !seen[string(c.Raw)] {
				seen[string(c.Raw)] = true
				out = append(out, c)
			}
		}
	}
	for _, in := range infos {
		add(in.Certificates)
		if in.Timestamp != nil {
			add(in.Timestamp.Certs)
		}
	}
	add(extra)
	return out
}

// addDSS adds the DSS dictionary and its streams to the update, keeping
// the entries of an existing DSS.
func (u *update) addDSS(certs []*x509.Certificate, crls, ocsps [][]byte) error {
	dss := &dict{}
	if v := u.catalog.get("DSS"); v != nil {
		old, err := u.doc.dictAt(v, "catalog /DSS")
		if err != nil {
			return err
		}
		dss = old.clone()
	}
	dss.set("Type", name("DSS"))
	for _, e := range []struct {
		key   name
		items [][]byte
	}{{"Certs", rawCerts(certs)}, {"CRLs", crls}, {"OCSPs", ocsps}} {
		if len(e.items) == 0 {
			continue
		}
		var refs array
		if v := dss.get(e.key); v != nil {
			old, err := u.doc.resolve(v)
			if err != nil {
				return fmt.Errorf("/DSS /%s: %w", e.key, err)
			}
			refs, _ = old.(array)
		}
		for _, item := range e.items {
			refs = append(refs, ref{u.next, 0})
			u.extra[u.next] = streamObject(item)
			u.next++
		}
		dss.set(e.key, refs)
	}
	var b bytes.Buffer
	writeObject(&b, dss)
	u.extra[u.next] = b.Bytes()
	u.catalog.set("DSS", ref{u.next, 0})
	u.next++
	return nil
}

func rawCerts(certs []*x509.Certificate) [][]byte {
	out := make([][]byte, len(certs))
	for i, c := range certs {
		out[i] = c.Raw
	}
	return out
}

// streamObject is an unfiltered stream holding data.
func streamObject(data []byte) []byte { return streamObjectWith("", data) }

// errNoToken: the time-stamp function gave no token and no error.
var errNoToken = cms.Mark(errors.New("the time-stamping authority gave no token"), ErrTimestamp)

// documentTimestamp asks for the token over digest and checks that it is
// one, over that digest, before it goes into the file.
func documentTimestamp(ctx context.Context, stamp func(context.Context, []byte) ([]byte, error), digest []byte) ([]byte, error) {
	token, err := stamp(ctx, digest)
	if err != nil {
		return nil, fmt.Errorf("document time-stamp: %w", err)
	}
	if len(token) == 0 {
		return nil, fmt.Errorf("document time-stamp: %w", errNoToken)
	}
	if _, err := checkDocumentTimestamp(token, digest); err != nil {
		return nil, fmt.Errorf("document time-stamp: %w", err)
	}
	return token, nil
}

// checkDocumentTimestamp verifies a document time-stamp token: its own
// signature and ESS binding, and an imprint that is sha256Digest or, when
// ranges are given, the hash (with the imprint's algorithm) of ranges.
func checkDocumentTimestamp(token, sha256Digest []byte, ranges ...[]byte) (*TimestampInfo, error) {
	ts, err := cms.VerifyTimestampToken(token)
	if err != nil {
		return nil, cms.Mark(fromCMS(err), ErrTimestamp)
	}
	want := sha256Digest
	if len(ranges) > 0 {
		want = digestOf(ts.Hash, ranges...)
	}
	if !bytes.Equal(ts.HashedMessage, want) {
		return nil, fmt.Errorf("%w: the document time-stamp's message imprint is not the hash of the signed ranges", ErrDigestMismatch)
	}
	return timestampInfo(ts, token), nil
}
