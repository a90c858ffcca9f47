package cms

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"errors"
	"testing"
	"time"

	"github.com/attesta/attesta/internal/fuzzseed"
)

// The seed corpora in testdata/fuzz are real signatures produced by the tests of the two callers:
// FuzzVerifyTimestampToken holds OpenSSL's tokens from bundle/tsa/testdata/fuzz/FuzzParseToken (ECDSA with ESS v2,
// RSA with ESS v1, SHA-384, and one without the TSA's certificate), FuzzParseContentInfo the CMS of the PAdES
// signatures in report/pades/testdata/fuzz/FuzzVerify (signed, and signed with a time-stamp). Regenerate those with
// their packages' -update flag and copy them over.

// readSeed returns the first []byte value of a seed corpus file.
func readSeed(t *testing.T, target, name string) []byte {
	t.Helper()
	return fuzzseed.Read(t, fuzzseed.Dir(target), name)[0]
}

func TestOpenSSLTokens(t *testing.T) {
	for _, tc := range []struct {
		name string
		hash crypto.Hash
		want error
	}{
		{"openssl-ecdsa-ess-v2", crypto.SHA256, nil},
		{"openssl-rsa-ess-v1", crypto.SHA256, nil},
		{"openssl-sha384", crypto.SHA384, nil},
		{"openssl-ecdsa-no-cert", crypto.SHA256, ErrNoCertificate},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts, err := VerifyTimestampToken(readSeed(t, "FuzzVerifyTimestampToken", tc.name))
			if tc.want != nil {
				if !errors.Is(err, tc.want) {
					t.Fatalf("VerifyTimestampToken = %v, want %v", err, tc.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if ts.Hash != tc.hash || ts.Accuracy != time.Second+500*time.Millisecond+100*time.Microsecond || !ts.Ordering || ts.TSA == nil {
				t.Errorf("TSTInfo %v %v ordering %v tsa %x", ts.Hash, ts.Accuracy, ts.Ordering, ts.TSA)
			}
		})
	}
}

func TestPAdESSignatures(t *testing.T) {
	for _, name := range []string{"pades-signed", "pades-timestamped"} {
		t.Run(name, func(t *testing.T) {
			sd, rest, err := ParseContentInfo(readSeed(t, "FuzzParseContentInfo", name))
			if err != nil || len(rest) != 0 {
				t.Fatalf("ParseContentInfo = %v, %d bytes after", err, len(rest))
			}
			if sd.Content != nil || !sd.ContentType.Equal(OIDData) {
				t.Fatalf("content type %v, %d bytes encapsulated", sd.ContentType, len(sd.Content))
			}
			// The document is not in the seed: the message digest cannot match, but everything before it holds.
			if _, _, err := sd.Verify(OIDData, func(h crypto.Hash) []byte { return hashOf(h, nil) }); !errors.Is(err, ErrDigestMismatch) {
				t.Fatalf("Verify = %v, want ErrDigestMismatch", err)
			}
			cert, err := sd.SignerCertificate()
			if err != nil {
				t.Fatal(err)
			}
			si := sd.SignerInfos[0]
			if err := CheckSignature(cert, si.SignatureAlgorithm, si.DigestAlgorithm, si.SignedAttrs, si.Signature); err != nil {
				t.Fatal(err)
			}
			attrs, err := ParseAttributes(si.SignedAttrs)
			if err != nil {
				t.Fatal(err)
			}
			if err := CheckSigningCertificate(attrs, cert, true); err != nil {
				t.Fatal(err)
			}
			token, ok := si.UnsignedAttrs[OIDAttrTimeStampToken.String()]
			if ok != (name == "pades-timestamped") {
				t.Fatalf("time-stamp token present: %v", ok)
			}
			if !ok {
				return
			}
			ts, err := VerifyTimestampToken(token)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(ts.HashedMessage, hashOf(ts.Hash, si.Signature)) {
				t.Fatal("the token does not stamp the signature value")
			}
		})
	}
}

// FuzzVerifyTimestampToken: hostile tokens must never panic, and what is accepted must hold together.
func FuzzVerifyTimestampToken(f *testing.F) {
	p := newPKI(f)
	f.Add(p.build(f, spec{content: tst{}.der()}))
	f.Add(p.build(f, spec{content: tst{}.der(), ess: essV1(p.cert, p.cert.RawIssuer, p.cert.SerialNumber)}))
	f.Fuzz(func(t *testing.T, der []byte) {
		ts, err := VerifyTimestampToken(der)
		if err != nil {
			return
		}
		if len(ts.HashedMessage) != ts.Hash.Size() || ts.GenTime.Location() != time.UTC || ts.Serial == nil {
			t.Fatalf("accepted imprint %v %x, genTime %v, serial %v", ts.Hash, ts.HashedMessage, ts.GenTime, ts.Serial)
		}
		if !containsCert(ts.SignedData, ts.Signer) {
			t.Fatal("accepted a signer that the token does not carry")
		}
		if err := CheckSigningCertificate(ts.Attrs, ts.Signer, true); err != nil {
			t.Fatalf("accepted a token whose ESS attribute fails: %v", err)
		}
	})
}

// FuzzParseContentInfo: hostile CMS (as found in a PDF's /Contents) must never panic, in parsing or in Verify.
func FuzzParseContentInfo(f *testing.F) {
	p := newPKI(f)
	f.Add(p.build(f, spec{contentType: OIDData, detached: []byte("doc")}))
	f.Fuzz(func(t *testing.T, der []byte) {
		sd, rest, err := ParseContentInfo(der)
		if err != nil {
			return
		}
		if len(rest) > len(der) || len(sd.SignerInfos) != 1 {
			t.Fatalf("%d bytes after %d, %d signers", len(rest), len(der), len(sd.SignerInfos))
		}
		cert, attrs, err := sd.Verify(OIDData, func(h crypto.Hash) []byte { return hashOf(h, []byte("doc")) })
		if err != nil {
			return
		}
		if !containsCert(sd, cert) || attrs == nil {
			t.Fatal("verified without a carried signer or signed attributes")
		}
		_ = CheckSigningCertificate(attrs, cert, true)
	})
}

func containsCert(sd *SignedData, c *x509.Certificate) bool {
	for _, x := range sd.Certificates {
		if x == c {
			return true
		}
	}
	return false
}
