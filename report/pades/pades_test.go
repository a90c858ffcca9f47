package pades_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"math/big"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/attesta/attesta/internal/testpki"
	"github.com/attesta/attesta/report/pades"
)

func TestSignVerifyRoundTrip(t *testing.T) {
	p := newPKI(t)
	orig := samplePDF(t)
	signed, err := pades.Sign(t.Context(), orig, p.options())
	if err != nil {
		t.Fatalf("Sign: %v", err)
	}
	if !bytes.HasPrefix(signed, orig) {
		t.Fatal("signed file does not start with the original bytes (not an incremental update)")
	}
	infos := mustVerify(t, signed)
	if len(infos) != 1 {
		t.Fatalf("Verify found %d signatures, want 1", len(infos))
	}
	got := infos[0]
	want := p.options()
	for _, c := range []struct{ what, got, want string }{
		{"field", got.Field, "Signature1"},
		{"subfilter", got.SubFilter, "ETSI.CAdES.detached"},
		{"name", got.Name, want.Name},
		{"reason", got.Reason, want.Reason},
		{"location", got.Location, want.Location},
	} {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.what, c.got, c.want)
		}
	}
	if !got.Time.Equal(claimed) {
		t.Errorf("time = %v, want %v", got.Time, claimed)
	}
	if !got.WholeDocument {
		t.Error("WholeDocument = false for a freshly signed file")
	}
	if got.ByteRange[2]+got.ByteRange[3] != int64(len(signed)) {
		t.Errorf("ByteRange %v does not end at the file size %d", got.ByteRange, len(signed))
	}
	if !got.Signer.Equal(p.leaf) || len(got.Certificates) != 2 {
		t.Errorf("signer %v with %d certificates, want the leaf and its CA", got.Signer.Subject, len(got.Certificates))
	}
	if got.Timestamp != nil {
		t.Error("Timestamp set without a time-stamp hook")
	}
}

func TestSignedCMSHasNoSigningTime(t *testing.T) {
	infos := mustVerify(t, signSample(t, newPKI(t)))
	signingTime := []byte{0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x05} // OID 1.2.840.113549.1.9.5
	signingCertV2 := []byte{0x06, 0x0b, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x10, 0x02, 0x2f}
	if bytes.Contains(infos[0].CMS, signingTime) {
		t.Error("CMS carries a signing-time attribute; PAdES baseline forbids it")
	}
	if !bytes.Contains(infos[0].CMS, signingCertV2) {
		t.Error("CMS lacks the signing-certificate-v2 attribute")
	}
}

var byteRangeRE = regexp.MustCompile(`/ByteRange \[0 (\d+) (\d+) (\d+) *\]`)

// rewriteByteRange replaces the numbers of the (last) /ByteRange, keeping
// its width so that no offset moves.
func rewriteByteRange(t *testing.T, pdf []byte, edit func(a, b, c int64) (int64, int64, int64)) []byte {
	t.Helper()
	all := byteRangeRE.FindAllSubmatchIndex(pdf, -1)
	if len(all) == 0 {
		t.Fatal("no /ByteRange in signed file")
	}
	m := all[len(all)-1]
	num := func(i int) int64 {
		n, _ := strconv.ParseInt(string(pdf[m[2*i]:m[2*i+1]]), 10, 64)
		return n
	}
	a, b, c := edit(num(1), num(2), num(3))
	repl := fmt.Sprintf("/ByteRange [0 %d %d %d", a, b, c)
	width := m[1] - m[0]
	repl += string(bytes.Repeat([]byte(" "), width-len(repl)-1)) + "]"
	out := bytes.Clone(pdf)
	copy(out[m[0]:], repl)
	return out
}

// appendInfoUpdate appends a well-formed incremental update that gives
// the document a new /Info dictionary.
func appendInfoUpdate(t *testing.T, pdf []byte) []byte {
	t.Helper()
	startxref := bytes.LastIndex(pdf, []byte("startxref"))
	var prev, size int
	fmt.Sscanf(string(pdf[startxref:]), "startxref\n%d", &prev)
	m := regexp.MustCompile(`/Size (\d+)`).FindAllSubmatch(pdf, -1)
	size, _ = strconv.Atoi(string(m[len(m)-1][1]))
	root := regexp.MustCompile(`/Root (\d+ \d+ R)`).FindAllSubmatch(pdf, -1)
	var b bytes.Buffer
	b.Write(pdf)
	objAt := b.Len()
	fmt.Fprintf(&b, "%d 0 obj\n<</Title (Relazione modificata)>>\nendobj\n", size)
	xrefAt := b.Len()
	fmt.Fprintf(&b, "xref\n%d 1\n%010d 00000 n\r\ntrailer\n<</Size %d /Root %s /Info %d 0 R /Prev %d>>\nstartxref\n%d\n%%%%EOF\n",
		size, objAt, size+1, root[len(root)-1][1], size, prev, xrefAt)
	return b.Bytes()
}

func TestVerifyRejects(t *testing.T) {
	p := newPKI(t)
	signed := signSample(t, p)
	infos := mustVerify(t, signed)
	br := infos[0].ByteRange
	flip := func(off int64) []byte {
		out := bytes.Clone(signed)
		out[off] ^= 0x01
		return out
	}
	mOff := int64(bytes.LastIndex(signed, []byte("/M (D:2026")) + len("/M (D:2"))
	for _, tc := range []struct {
		name string
		pdf  []byte
		want error
	}{
		{"flipped byte in the original document", flip(200), pades.ErrDigestMismatch},
		{"flipped byte in the signature dictionary after /Contents", flip(mOff), pades.ErrDigestMismatch},
		{"flipped byte in the CMS", flip(br[1] + 300), nil},
		{"truncated inside the update", signed[:br[2]+20], pades.ErrNoSignature},
		{"truncated at the end", signed[:len(signed)-3], pades.ErrByteRange},
		{"truncated to half", signed[:len(signed)/2], nil},
		{"gap moved off /Contents", rewriteByteRange(t, signed, func(a, b, c int64) (int64, int64, int64) { return a - 2, b, c }), pades.ErrByteRange},
		{"second range shortened", rewriteByteRange(t, signed, func(a, b, c int64) (int64, int64, int64) { return a, b, c - 10 }), pades.ErrDigestMismatch},
		{"contents zeroed", bytes.Replace(bytes.Clone(signed), signed[br[1]+1:br[2]-1], bytes.Repeat([]byte("0"), int(br[2]-br[1]-2)), 1), pades.ErrMalformed},
		{"not signed", samplePDF(t), pades.ErrNoSignature},
		{"not a PDF", []byte("hello"), pades.ErrMalformed},
		{"empty", nil, pades.ErrMalformed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			infos, err := pades.Verify(tc.pdf)
			if err == nil {
				t.Fatalf("Verify accepted it: %+v", infos)
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("Verify error %q does not wrap %q", err, tc.want)
			}
			t.Logf("error: %v", err)
		})
	}
}

// TestVerifyWrongKey swaps the signer certificate inside the CMS for one
// with the same issuer, serial and size but another key.
func TestVerifyWrongKey(t *testing.T) {
	p := newPKI(t)
	signed := signSample(t, p)
	orig := fmt.Sprintf("%x", p.leaf.Raw)
	var other string
	for other == "" {
		c := issueLeaf(t, p, testpki.Key(t), p.leaf.SerialNumber)
		if len(c.Raw) == len(p.leaf.Raw) {
			other = fmt.Sprintf("%x", c.Raw)
		}
	}
	tampered := bytes.Replace(signed, []byte(orig), []byte(other), 1)
	if bytes.Equal(tampered, signed) {
		t.Fatal("the signer certificate was not found in /Contents")
	}
	_, err := pades.Verify(tampered)
	if !errors.Is(err, pades.ErrBadSignature) {
		t.Fatalf("Verify error %v, want ErrBadSignature", err)
	}
}

func TestVerifyAppended(t *testing.T) {
	p := newPKI(t)
	signed := signSample(t, p)
	twice, err := pades.Sign(t.Context(), signed, p.options())
	if err != nil {
		t.Fatalf("sign again: %v", err)
	}
	for _, tc := range []struct {
		name  string
		pdf   []byte
		whole []bool
	}{
		{"bytes appended", append(bytes.Clone(signed), "\n% appended\n"...), []bool{false}},
		{"incremental update appended", appendInfoUpdate(t, signed), []bool{false}},
		{"signed twice", twice, []bool{false, true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			infos, err := pades.Verify(tc.pdf)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if len(infos) != len(tc.whole) {
				t.Fatalf("%d signatures, want %d", len(infos), len(tc.whole))
			}
			for i, info := range infos {
				if info.WholeDocument != tc.whole[i] {
					t.Errorf("signature %d (%s): WholeDocument = %v, want %v", i, info.Field, info.WholeDocument, tc.whole[i])
				}
			}
		})
	}
	infos, _ := pades.Verify(twice)
	if infos[0].Field == infos[1].Field {
		t.Errorf("both signature fields are named %q", infos[0].Field)
	}
}

func TestSignRejects(t *testing.T) {
	p := newPKI(t)
	doc := samplePDF(t)
	other := testpki.Key(t)
	for _, tc := range []struct {
		name string
		pdf  []byte
		edit func(*pades.Options)
		want error
	}{
		{"no signer", doc, func(o *pades.Options) { o.Signer = nil }, nil},
		{"no chain", doc, func(o *pades.Options) { o.Chain = nil }, nil},
		{"key not the certificate's", doc, func(o *pades.Options) { o.Signer = other }, nil},
		{"contents too small", doc, func(o *pades.Options) { o.ContentsSize = 100 }, pades.ErrContentsTooSmall},
		{"not a PDF", []byte("%PDF-1.3\nnothing here"), func(*pades.Options) {}, pades.ErrMalformed},
		{"xref stream", []byte("%PDF-1.5\n1 0 obj\n<</Type /XRef>>\nstream\nendstream\nendobj\nstartxref\n9\n%%EOF\n"), func(*pades.Options) {}, pades.ErrUnsupported},
		{"truncated", doc[:len(doc)-40], func(*pades.Options) {}, pades.ErrMalformed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := p.options()
			tc.edit(&opts)
			_, err := pades.Sign(t.Context(), tc.pdf, opts)
			if err == nil {
				t.Fatal("Sign succeeded")
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("Sign error %q does not wrap %q", err, tc.want)
			}
			t.Logf("error: %v", err)
		})
	}
}

func TestSignCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := pades.Sign(ctx, samplePDF(t), newPKI(t).options()); err == nil {
		t.Fatal("Sign with a canceled context succeeded")
	}
}

func TestSelfSignedCert(t *testing.T) {
	key := testpki.Key(t)
	now := time.Now().Truncate(time.Second)
	c, err := pades.SelfSignedCert(key, pkix.Name{CommonName: "Attesta appliance A1"}, now, now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if want := x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment; c.KeyUsage != want {
		t.Errorf("key usage %b, want %b", c.KeyUsage, want)
	}
	if err := c.CheckSignature(c.SignatureAlgorithm, c.RawTBSCertificate, c.Signature); err != nil {
		t.Errorf("self-signature: %v", err)
	}
	if c.Subject.CommonName != "Attesta appliance A1" || !c.NotBefore.Equal(now) || c.IsCA {
		t.Errorf("unexpected certificate: %v %v CA=%v", c.Subject, c.NotBefore, c.IsCA)
	}
	if c.SerialNumber.Cmp(big.NewInt(0)) <= 0 {
		t.Errorf("serial %v not positive", c.SerialNumber)
	}
	if _, err := pades.SelfSignedCert(key, pkix.Name{}, now, now); err == nil {
		t.Error("accepted notAfter == notBefore")
	}
	// A self-signed certificate signs documents that Verify accepts.
	signed, err := pades.Sign(t.Context(), samplePDF(t), pades.Options{Signer: key, Chain: []*x509.Certificate{c}, Time: claimed})
	if err != nil {
		t.Fatal(err)
	}
	mustVerify(t, signed)
}

func TestTimestampedVerify(t *testing.T) {
	p := newPKI(t)
	ts := newTSA(t)
	opts := p.options()
	opts.Timestamp = ts.stamp
	signed, err := pades.Sign(t.Context(), samplePDF(t), opts)
	if err != nil {
		t.Fatalf("Sign: %v", err)
	}
	infos := mustVerify(t, signed)
	tok := infos[0].Timestamp
	if tok == nil {
		t.Fatal("no time-stamp reported")
	}
	imprint := sha256.Sum256(ts.lastSignature)
	if !bytes.Equal(tok.Imprint, imprint[:]) {
		t.Errorf("imprint %x, want SHA-256 of the signature value %x", tok.Imprint, imprint)
	}
	if tok.TSA == nil || tok.TSA.Subject.CommonName != "Attesta Test TSA" {
		t.Errorf("TSA certificate %v", tok.TSA)
	}
	if d := time.Since(tok.Time); d < 0 || d > time.Hour {
		t.Errorf("token time %v is not now", tok.Time)
	}

	// A token over something else is refused when signing.
	opts.Timestamp = func(ctx context.Context, _ []byte) ([]byte, error) { return ts.stamp(ctx, []byte("other")) }
	if _, err := pades.Sign(t.Context(), samplePDF(t), opts); !errors.Is(err, pades.ErrTimestamp) {
		t.Errorf("Sign with a token over other data: %v, want ErrTimestamp", err)
	}
}
