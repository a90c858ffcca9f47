package tsa

import (
	"bytes"
	"crypto"
	"crypto/sha1"
	"errors"
	"math/big"
	"strings"
	"testing"

	"github.com/attesta/attesta/bundle/tsa/tsatest"
)

func TestNewRequestRoundTrip(t *testing.T) {
	d := digestOf("a")
	der, err := NewRequest(d, crypto.SHA256, big.NewInt(77), true)
	if err != nil {
		t.Fatal(err)
	}
	r, err := ParseRequest(der)
	if err != nil {
		t.Fatal(err)
	}
	if r.Hash != crypto.SHA256 || !bytes.Equal(r.Digest, d) || r.Nonce.Int64() != 77 || !r.CertReq || r.Policy != nil {
		t.Errorf("round trip: %+v", r)
	}
	// certReq FALSE and no nonce are omitted, as DER requires.
	short, err := NewRequest(d, crypto.SHA256, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	if r, err := ParseRequest(short); err != nil || r.CertReq || r.Nonce != nil {
		t.Errorf("minimal request: %+v, %v", r, err)
	}
	for _, tc := range []struct {
		name   string
		digest []byte
		hash   crypto.Hash
		nonce  *big.Int
	}{
		{"wrong length", d[:31], crypto.SHA256, nil},
		{"unsupported hash", make([]byte, 16), crypto.MD5, nil},
		{"negative nonce", d, crypto.SHA256, big.NewInt(-1)},
	} {
		if _, err := NewRequest(tc.digest, tc.hash, tc.nonce, true); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
	if _, err := ParseRequest(append(der, 0)); !errors.Is(err, ErrMalformed) {
		t.Errorf("trailing byte: %v", err)
	}
	if _, err := ParseRequest(der[:len(der)-3]); !errors.Is(err, ErrMalformed) {
		t.Errorf("truncated: %v", err)
	}
}

func TestParseResponse(t *testing.T) {
	s := tsatest.New(t, tsatest.Options{})
	d := digestOf("report.pdf")
	req, resp := openSSLReply(t, s, d, 1234)
	tok, err := ParseResponse(resp, req)
	if err != nil {
		t.Fatal(err)
	}
	if tok.Nonce.Int64() != 1234 || !bytes.Equal(tok.Digest, d) || len(tok.Certs) == 0 {
		t.Errorf("token %+v", tok)
	}
	if !bytes.Contains(resp, tok.DER) {
		t.Error("Token.DER is not the token inside the response")
	}

	otherNonce, _ := openSSLReply(t, s, d, 999)
	otherDigest, _ := openSSLReply(t, s, digestOf("other"), 1234)
	noCert, respNoCert := openSSLReplyTo(t, s, d, crypto.SHA256, big.NewInt(1234), false)
	for _, tc := range []struct {
		name      string
		resp, req []byte
		want      error
	}{
		{"wrong nonce", resp, otherNonce, ErrNonceMismatch},
		{"wrong imprint", resp, otherDigest, ErrImprintMismatch},
		{"cert requested, none sent", respNoCert, func() []byte { r, _ := NewRequest(d, crypto.SHA256, big.NewInt(1234), true); return r }(), ErrMalformed},
		{"garbage", []byte("not DER at all"), req, ErrMalformed},
		{"empty", nil, req, ErrMalformed},
		{"truncated", resp[:len(resp)/2], req, ErrMalformed},
		{"trailing", append(bytes.Clone(resp), 0, 0), req, ErrMalformed},
		{"request garbage", resp, []byte{0x30, 0}, ErrMalformed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseResponse(tc.resp, tc.req)
			if !errors.Is(err, tc.want) {
				t.Errorf("err = %v, want %v", err, tc.want)
			}
		})
	}
	// Without certReq the same token parses: the request did not ask.
	if _, err := ParseResponse(respNoCert, noCert); err != nil {
		t.Errorf("no certReq: %v", err)
	}
}

func TestParseResponseRejection(t *testing.T) {
	s := tsatest.New(t, tsatest.Options{})
	// The test TSA accepts SHA-2 only: OpenSSL rejects SHA-1 with badAlg.
	h := sha1.Sum([]byte("x"))
	req, resp := openSSLReplyTo(t, s, h[:], crypto.SHA1, big.NewInt(5), true)
	_, err := ParseResponse(resp, req)
	var se *StatusError
	if !errors.As(err, &se) || !errors.Is(err, ErrRejected) {
		t.Fatalf("err = %v, want *StatusError", err)
	}
	if se.Status != StatusRejection || len(se.FailInfo) != 1 || se.FailInfo[0] != "badAlg" || len(se.Text) == 0 {
		t.Errorf("status error %+v", se)
	}
	if msg := err.Error(); !strings.Contains(msg, "rejection") || !strings.Contains(msg, "badAlg") {
		t.Errorf("message %q should name the status and failInfo", msg)
	}
}
