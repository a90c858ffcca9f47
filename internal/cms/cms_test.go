package cms

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/cryptobyte"
)

func TestVerifyTimestampToken(t *testing.T) {
	p := newPKI(t)
	der := p.build(t, spec{content: tst{}.der()})
	ts, err := VerifyTimestampToken(der)
	if err != nil {
		t.Fatal(err)
	}
	want := time.Date(2026, 12, 6, 21, 30, 0, 123e6, time.UTC)
	switch {
	case !ts.Signer.Equal(p.cert):
		t.Errorf("signer %v", ts.Signer.Subject)
	case !ts.GenTime.Equal(want) || ts.GenTime.Location() != time.UTC:
		t.Errorf("genTime %v, want %v", ts.GenTime, want)
	case ts.Hash != crypto.SHA256 || !bytes.Equal(ts.HashedMessage, hashOf(crypto.SHA256, []byte("stamped"))):
		t.Errorf("imprint %v %x", ts.Hash, ts.HashedMessage)
	case ts.Accuracy != time.Second+500*time.Millisecond+100*time.Microsecond:
		t.Errorf("accuracy %v", ts.Accuracy)
	case !ts.Ordering || ts.Nonce.Int64() != 7 || ts.Serial.Int64() != 42 || ts.Policy.String() != "1.2.3.4.1":
		t.Errorf("ordering %v nonce %v serial %v policy %v", ts.Ordering, ts.Nonce, ts.Serial, ts.Policy)
	case !bytes.Equal(ts.TSA, append([]byte{0x82, 11}, "tsa.example"...)):
		t.Errorf("tsa name %x", ts.TSA)
	}
	bySKI := p.build(t, spec{content: tst{}.der(), bySKI: true})
	if _, err := VerifyTimestampToken(bySKI); err != nil {
		t.Errorf("signer by subject key identifier: %v", err)
	}
}

// TestHostileTokens breaks one rule per case; each must fail with its sentinel.
func TestHostileTokens(t *testing.T) {
	p := newPKI(t)
	good := tst{}.der()
	other := newPKI(t)
	for _, tc := range []struct {
		name string
		spec spec
		want error
	}{
		// ESS signing-certificate: the attribute binds the signer; a token naming another certificate must fail.
		{"ESS v2 hash of another certificate", spec{ess: essV2(p.sibling, nil, p.sibling.RawIssuer, p.sibling.SerialNumber)}, ErrCertMismatch},
		{"ESS v2 issuerSerial names another serial", spec{ess: essV2(p.cert, nil, p.cert.RawIssuer, p.sibling.SerialNumber)}, ErrCertMismatch},
		{"ESS v2 issuerSerial names another issuer", spec{ess: essV2(p.cert, nil, p.alien.RawIssuer, p.cert.SerialNumber)}, ErrCertMismatch},
		{"ESS v1 issuerSerial names another serial", spec{ess: essV1(p.cert, p.cert.RawIssuer, big.NewInt(99))}, ErrCertMismatch},
		{"ESS v1 hash of another certificate", spec{ess: essV1(p.alien, nil, nil)}, ErrCertMismatch},
		{"ESS v2 with SHA-1", spec{ess: essV2(p.cert, OIDSHA1, nil, nil)}, ErrCertMismatch},
		{"ESS v2 truncated", spec{ess: essV2(p.cert, nil, nil, nil).truncated(20)}, ErrMalformed}, // the attribute set no longer parses
		{"ESS missing", spec{noESS: true}, ErrCertMismatch},
		// Signed attributes.
		{"wrong message digest", spec{messageDigest: hashOf(crypto.SHA256, []byte("other"))}, ErrDigestMismatch},
		{"no message digest", spec{noDigestAttr: true}, ErrBadSignature},
		{"content-type attribute says id-data", spec{attrType: OIDData}, ErrBadSignature},
		{"attribute repeated", spec{extraAttrs: [][]byte{attr(OIDAttrContentType, func(b *cryptobyte.Builder) { b.AddASN1ObjectIdentifier(OIDTSTInfo) })}}, ErrMalformed},
		// Algorithms.
		{"SHA-1 digest", spec{digestAlg: OIDSHA1}, ErrUnsupported},
		{"signature algorithm disagrees with digest", spec{sigAlg: OIDECDSAWithSHA384}, ErrUnsupported},
		{"RSA algorithm for an ECDSA key", spec{sigAlg: OIDSHA256WithRSA}, ErrBadSignature},
		{"bare key algorithm", spec{sigAlg: OIDECPublicKey}, nil},
		{"SHA-384", spec{digestAlg: OIDSHA384, sigAlg: OIDECDSAWithSHA384}, nil},
		// Signature and signer.
		{"signature altered", spec{breakSig: true}, ErrBadSignature},
		{"signer certificate absent", spec{certs: []*x509.Certificate{p.sibling}}, ErrNoCertificate},
		{"no certificates", spec{certs: []*x509.Certificate{}}, ErrNoCertificate},
		{"signer among others", spec{certs: []*x509.Certificate{p.alien, p.sibling, p.cert}}, nil},
		{"two certificates match the signer", spec{certs: []*x509.Certificate{other.cert, p.cert}}, ErrMalformed},
		// Content.
		{"content type id-data", spec{contentType: OIDData}, ErrMalformed},
		{"TSTInfo version 2", spec{content: tst{version: 2}.der()}, ErrMalformed},
		{"TSTInfo trailing member", spec{content: tst{trailing: true}.der()}, ErrMalformed},
		{"imprint of the wrong size", spec{content: tst{imprint: []byte{1, 2, 3}}.der()}, ErrMalformed},
		{"SHA-1 imprint", spec{content: tst{hashAlg: OIDSHA1, imprint: make([]byte, 20)}.der()}, ErrUnsupported},
		{"genTime with an offset", spec{content: tst{genTime: "20261206213000+0100"}.der()}, ErrMalformed},
		{"genTime with a trailing zero", spec{content: tst{genTime: "20261206213000.120Z"}.der()}, ErrMalformed},
		{"genTime without seconds", spec{content: tst{genTime: "202612062130Z"}.der()}, ErrMalformed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.spec.content == nil {
				tc.spec.content = good
			}
			_, err := VerifyTimestampToken(p.build(t, tc.spec))
			t.Log(err)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("VerifyTimestampToken = %v, want success", err)
				}
				return
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("VerifyTimestampToken = %v, want %v", err, tc.want)
			}
		})
	}
}

// TestTruncatedAndPadded: every strict prefix of a token is malformed, and so is a token with anything after it.
func TestTruncatedAndPadded(t *testing.T) {
	p := newPKI(t)
	der := p.build(t, spec{content: tst{}.der()})
	for n := range len(der) {
		if _, err := VerifyTimestampToken(der[:n]); !errors.Is(err, ErrMalformed) {
			t.Fatalf("token truncated to %d of %d bytes: %v, want ErrMalformed", n, len(der), err)
		}
	}
	if _, err := VerifyTimestampToken(append(bytes.Clone(der), 0)); !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), "1 bytes after the token") {
		t.Fatalf("token with a trailing byte: %v", err)
	}
}

// TestDetachedSignature is the PAdES shape: id-data, content outside, the ESS attribute optional unless CAdES.
func TestDetachedSignature(t *testing.T) {
	p := newPKI(t)
	doc := []byte("%PDF- the signed byte ranges")
	digest := func(h crypto.Hash) []byte { return hashOf(h, doc) }
	for _, tc := range []struct {
		name     string
		spec     spec
		required bool
		verify   error
		ess      error
	}{
		{"CAdES", spec{}, true, nil, nil},
		{"no ESS, not required", spec{noESS: true}, false, nil, nil},
		{"no ESS, CAdES", spec{noESS: true}, true, nil, ErrCertMismatch},
		{"ESS naming a sibling", spec{ess: essV2(p.sibling, OIDSHA384, nil, nil)}, false, nil, ErrCertMismatch},
		{"ESS issuerSerial naming a sibling", spec{ess: essV2(p.cert, nil, p.cert.RawIssuer, p.sibling.SerialNumber)}, false, nil, ErrCertMismatch},
		{"ESS v1 with issuerSerial", spec{ess: essV1(p.cert, p.cert.RawIssuer, p.cert.SerialNumber)}, true, nil, nil},
		{"document altered", spec{messageDigest: hashOf(crypto.SHA256, []byte("%PDF- other"))}, false, ErrDigestMismatch, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.spec.contentType, tc.spec.detached = OIDData, doc
			sd, rest, err := ParseContentInfo(append(p.build(t, tc.spec), 0, 0, 0))
			if err != nil || !bytes.Equal(rest, []byte{0, 0, 0}) || sd.Content != nil {
				t.Fatalf("ParseContentInfo = %v, rest %x", err, rest)
			}
			cert, attrs, err := sd.Verify(OIDData, digest)
			if !errors.Is(err, tc.verify) || (tc.verify == nil) != (err == nil) {
				t.Fatalf("Verify = %v, want %v", err, tc.verify)
			}
			if err != nil {
				return
			}
			if err := CheckSigningCertificate(attrs, cert, tc.required); !errors.Is(err, tc.ess) || (tc.ess == nil) != (err == nil) {
				t.Fatalf("CheckSigningCertificate = %v, want %v", err, tc.ess)
			}
			if _, _, err := sd.Verify(OIDTSTInfo, digest); !errors.Is(err, ErrBadSignature) {
				t.Fatalf("Verify for another content type = %v", err)
			}
		})
	}
}

func TestMark(t *testing.T) {
	mine := errors.New("mine")
	err := Mark(ErrDigestMismatch, mine)
	if !errors.Is(err, mine) || !errors.Is(err, ErrDigestMismatch) || err.Error() != ErrDigestMismatch.Error() {
		t.Fatalf("Mark = %v", err)
	}
	if Mark(nil, mine) != nil {
		t.Fatal("Mark(nil) is not nil")
	}
}

// SET OF in DER is sorted by the encodings of its members (X.690 §11.6), whatever order the caller gives.
func TestSignedAttributesSorted(t *testing.T) {
	in := [][]byte{{0x30, 0x01, 0x02}, {0x30, 0x01, 0x01}}
	want := []byte{0x31, 0x06, 0x30, 0x01, 0x01, 0x30, 0x01, 0x02}
	if got := SignedAttributes(in...); !bytes.Equal(got, want) {
		t.Errorf("SignedAttributes = %x, want %x", got, want)
	}
	if in[0][2] != 0x02 {
		t.Error("SignedAttributes reordered the caller's slice")
	}
}
