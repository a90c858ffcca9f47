package tsa

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"flag"
	"math/big"
	"testing"

	"github.com/attesta/attesta/bundle/tsa/tsatest"
	"github.com/attesta/attesta/internal/fuzzseed"
)

var update = flag.Bool("update", false, "regenerate the fuzz seed corpora in testdata/fuzz from a live openssl TSA")

// FuzzParseResponse feeds hostile replies (and requests) to ParseResponse.
// Seeds are real OpenSSL replies with their requests.
func FuzzParseResponse(f *testing.F) {
	f.Fuzz(func(t *testing.T, resp, req []byte) {
		tok, err := ParseResponse(resp, req)
		if err != nil {
			return
		}
		r, err := ParseRequest(req)
		if err != nil {
			t.Fatalf("ParseResponse accepted an unparsable request: %v", err)
		}
		if !bytes.Equal(tok.Digest, r.Digest) || tok.Hash != r.Hash {
			t.Fatalf("accepted a token for %x, request %x", tok.Digest, r.Digest)
		}
		if _, err := VerifyToken(resp, r.Digest, x509.NewCertPool()); err == nil {
			t.Fatal("a token verified against an empty root pool")
		}
	})
}

// FuzzParseToken feeds hostile tokens to ParseToken and, past parsing, to
// the signature checks of VerifyToken.
func FuzzParseToken(f *testing.F) {
	f.Fuzz(func(t *testing.T, der []byte) {
		tok, err := ParseToken(der)
		if err != nil {
			return
		}
		if len(tok.Digest) != tok.Hash.Size() {
			t.Fatalf("imprint of %d bytes for %v", len(tok.Digest), tok.Hash)
		}
		if _, err := VerifyToken(der, tok.Digest, x509.NewCertPool()); err == nil {
			t.Fatal("a token verified against an empty root pool")
		}
	})
}

// FuzzParseRequest: queue files are read back from disk.
func FuzzParseRequest(f *testing.F) {
	for _, nonce := range []*big.Int{nil, big.NewInt(1), new(big.Int).Lsh(big.NewInt(1), 70)} {
		req, err := NewRequest(digestOf("seed"), crypto.SHA256, nonce, nonce != nil)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(req)
	}
	f.Fuzz(func(t *testing.T, der []byte) {
		r, err := ParseRequest(der)
		if err != nil {
			return
		}
		if len(r.Digest) != r.Hash.Size() {
			t.Fatalf("digest of %d bytes for %v", len(r.Digest), r.Hash)
		}
	})
}

// TestUpdateFuzzSeeds regenerates the seed corpora with -update.
func TestUpdateFuzzSeeds(t *testing.T) {
	if !*update {
		t.Skip("run with -update to regenerate testdata/fuzz")
	}
	var pairs []struct {
		name      string
		req, resp []byte
	}
	add := func(name string, s *tsatest.TSA, digest []byte, hash crypto.Hash, certReq bool) {
		req, err := NewRequest(digest, hash, big.NewInt(int64(len(pairs)+1)), certReq)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := s.Reply(req)
		if err != nil {
			t.Fatal(err)
		}
		pairs = append(pairs, struct {
			name      string
			req, resp []byte
		}{name, req, resp})
	}
	ec := tsatest.New(t, tsatest.Options{})
	rsa := tsatest.New(t, tsatest.Options{RSA: true, ESSSHA1: true})
	d := digestOf("seed")
	add("ecdsa-ess-v2", ec, d, crypto.SHA256, true)
	add("ecdsa-no-cert", ec, d, crypto.SHA256, false)
	add("rsa-ess-v1", rsa, d, crypto.SHA256, true)
	d384 := crypto.SHA384.New()
	d384.Write([]byte("seed"))
	add("sha384", ec, d384.Sum(nil), crypto.SHA384, true)
	add("rejected-sha1", ec, make([]byte, 20), crypto.SHA1, true)
	for _, p := range pairs {
		fuzzseed.Write(t, fuzzseed.Dir("FuzzParseResponse"), p.name, p.resp, p.req)
		if tok, err := ParseResponse(p.resp, p.req); err == nil {
			fuzzseed.Write(t, fuzzseed.Dir("FuzzParseToken"), p.name, tok.DER)
		}
	}
}
