package tsa

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/attesta/attesta/bundle/tsa/tsatest"
	"github.com/attesta/attesta/internal/testpki"
)

// TestOpenSSLInterop: tokens we accept, openssl accepts, and a wrong digest
// fails in both.
func TestOpenSSLInterop(t *testing.T) {
	for _, opt := range []tsatest.Options{{}, {RSA: true, ESSSHA1: true}} {
		s := tsatest.New(t, opt)
		c := &Client{URL: s.URL, Roots: s.Roots}
		data := []byte("%PDF-1.7 relazione tecnica")
		dataPath := filepath.Join(t.TempDir(), "relazione.pdf")
		if err := os.WriteFile(dataPath, data, 0o600); err != nil {
			t.Fatal(err)
		}
		d := digestOf(string(data))
		req, err := c.NewRequest(d)
		if err != nil {
			t.Fatal(err)
		}
		reqPath := filepath.Join(t.TempDir(), "q.tsq")
		if err := os.WriteFile(reqPath, req, 0o600); err != nil {
			t.Fatal(err)
		}
		tok, tsr, err := c.Exchange(t.Context(), req)
		if err != nil {
			t.Fatal(err)
		}
		// A query made by openssl goes through our client.
		osslReq := filepath.Join(t.TempDir(), "ossl.tsq")
		if out, err := exec.Command("openssl", "ts", "-query", "-data", dataPath, "-sha256", "-cert", "-out", osslReq).CombinedOutput(); err != nil {
			t.Fatalf("openssl ts -query: %v\n%s", err, out)
		}
		osslDER, err := os.ReadFile(osslReq)
		if err != nil {
			t.Fatal(err)
		}
		if tok, _, err := c.Exchange(t.Context(), osslDER); err != nil || !bytes.Equal(tok.Digest, d) {
			t.Errorf("openssl-made query: %v", err)
		}
		wrong := digestOf("something else")
		for _, tc := range []struct {
			name string
			args []string
			ok   bool
		}{
			{"digest", []string{"-digest", hex.EncodeToString(d)}, true},
			{"data", []string{"-data", dataPath}, true},
			{"queryfile", []string{"-queryfile", reqPath}, true},
			{"wrong digest", []string{"-digest", hex.EncodeToString(wrong)}, false},
		} {
			if ok, out := opensslVerify(t, tsr, s.CAPath, tc.args...); ok != tc.ok {
				t.Errorf("rsa=%v openssl ts -verify %s: ok=%v, want %v\n%s", opt.RSA, tc.name, ok, tc.ok, out)
			}
		}
		if _, err := VerifyToken(tsr, wrong, s.Roots); !errors.Is(err, ErrImprintMismatch) {
			t.Errorf("wrong digest: err = %v", err)
		}
		// The bare token (a .tst) verifies too, in both tools.
		if _, err := VerifyToken(tok.DER, d, s.Roots); err != nil {
			t.Errorf("bare token: %v", err)
		}
		if ok, out := opensslVerify(t, tok.DER, s.CAPath, "-token_in", "-digest", hex.EncodeToString(d)); !ok {
			t.Errorf("openssl -token_in on Token.DER: %s", out)
		}
	}
}

func TestVerifyTokenTampered(t *testing.T) {
	s := tsatest.New(t, tsatest.Options{})
	other := tsatest.New(t, tsatest.Options{})
	d := digestOf("checkpoint")
	req, resp := openSSLReply(t, s, d, 1)
	good, err := ParseResponse(resp, req)
	if err != nil {
		t.Fatal(err)
	}
	flip := func(der []byte, at int) []byte {
		b := bytes.Clone(der)
		b[at] ^= 0x01
		return b
	}
	imprintAt := bytes.Index(good.DER, d)
	if imprintAt < 0 {
		t.Fatal("digest not found in token")
	}
	_, otherResp := openSSLReply(t, other, d, 1)
	for _, tc := range []struct {
		name  string
		der   []byte
		roots *x509.CertPool
		want  error
	}{
		{"good", good.DER, s.Roots, nil},
		{"stamped digest changed", flip(good.DER, imprintAt+3), s.Roots, ErrBadSignature},
		{"signature changed", flip(good.DER, len(good.DER)-2), s.Roots, ErrBadSignature},
		{"untrusted signer", otherResp, s.Roots, ErrUntrusted},
		{"nil roots", good.DER, nil, ErrUntrusted},
		{"garbage", []byte{0x30, 0x80, 0}, s.Roots, ErrMalformed},
		{"truncated", good.DER[:len(good.DER)-10], s.Roots, ErrMalformed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := VerifyToken(tc.der, d, tc.roots)
			if tc.want == nil && err != nil || !errors.Is(err, tc.want) {
				t.Errorf("err = %v, want %v", err, tc.want)
			}
		})
	}
	t.Run("signing certificate names another cert", func(t *testing.T) {
		_, attrs := mustTokenAttrs(t, good.DER)
		if err := checkESS(attrs, s.Cert); err != nil {
			t.Fatalf("ESS with the real signer: %v", err)
		}
		if err := checkESS(attrs, other.Cert); !errors.Is(err, ErrBadSignature) {
			t.Errorf("ESS with another cert: %v", err)
		}
	})
	t.Run("no certificate in token", func(t *testing.T) {
		_, resp := openSSLReplyTo(t, s, d, crypto.SHA256, big.NewInt(3), false)
		if _, err := VerifyToken(resp, d, s.Roots); !errors.Is(err, ErrBadSignature) {
			t.Errorf("err = %v", err)
		}
	})
}

// TestCheckTSACert: RFC 3161 §2.3 wants exactly one, critical, timeStamping
// extended key usage.
func TestCheckTSACert(t *testing.T) {
	key := testpki.Key(t)
	ekuExt := func(critical bool, usages ...asn1.ObjectIdentifier) []pkix.Extension {
		v, err := asn1.Marshal(usages)
		if err != nil {
			t.Fatal(err)
		}
		return []pkix.Extension{{Id: oidExtKeyUsage, Critical: critical, Value: v}}
	}
	timeStamping := asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 8}
	serverAuth := asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 1}
	for _, tc := range []struct {
		name string
		ext  []pkix.Extension
		ok   bool
	}{
		{"critical timeStamping", ekuExt(true, timeStamping), true},
		{"not critical", ekuExt(false, timeStamping), false},
		{"extra usage", ekuExt(true, timeStamping, serverAuth), false},
		{"no EKU", nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tmpl := &x509.Certificate{
				SerialNumber:    big.NewInt(1),
				Subject:         pkix.Name{CommonName: tc.name},
				NotBefore:       time.Now().Add(-time.Hour),
				NotAfter:        time.Now().Add(time.Hour),
				ExtraExtensions: tc.ext,
			}
			c := testpki.Issue(t, tmpl, nil, key, key)
			if err := checkTSACert(c); (err == nil) != tc.ok {
				t.Errorf("checkTSACert = %v, want ok=%v", err, tc.ok)
			}
		})
	}
}
