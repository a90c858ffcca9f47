package bundle

import (
	"bytes"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/transparency-dev/formats/proof"

	"github.com/attesta/attesta/internal/testpki"
)

// sampleDelivery writes one real delivery and returns its folder; the fuzz targets seed from its files.
func sampleDelivery(f *testing.F) string {
	fx := newFixture(f)
	m := fx.chatManifest(f, 12, 10)
	return fx.deliver(f, m, Delivery{}, WriteOptions{})
}

func FuzzManifest(f *testing.F) {
	dir := sampleDelivery(f)
	real := mustRead(f, filepath.Join(dir, manifestFile))
	f.Add(real)
	f.Add(bytes.Replace(real, []byte(`"format"`), []byte(`"format": "x", "format"`), 1))
	f.Add(bytes.Replace(real, []byte(`"journal"`), []byte(`"jour\u006eal"`), 1))
	f.Add(bytes.Replace(real, []byte(`"size": `), []byte(`"size": 1e3, "x": `), 1))
	f.Add([]byte(`{"format":"attesta.manifest/v1","journal":{}}`))
	f.Add([]byte(`[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := DecodeManifest(data)
		if err != nil {
			return
		}
		if err := m.Validate(); err != nil {
			t.Fatalf("decoded manifest does not validate: %v", err)
		}
		n, err := splitManifest(data)
		if err == nil && (n <= 0 || n > len(data)) {
			t.Fatalf("body length %d out of range", n)
		}
		if m.Journal == nil {
			return
		}
		// What decodes writes back, and the rewrite decodes to the same manifest with the same body split.
		out, err := encodeManifest(m)
		if err != nil {
			t.Fatalf("encode a decoded manifest: %v", err)
		}
		m2, err := DecodeManifest(out)
		if err != nil {
			t.Fatalf("decode the rewrite: %v", err)
		}
		a, _ := json.Marshal(m)
		b, _ := json.Marshal(m2)
		if !bytes.Equal(a, b) {
			t.Fatalf("rewrite decodes differently")
		}
		body, _ := encodeBody(m)
		if n2, err := splitManifest(out); err != nil || n2 != len(body) {
			t.Fatalf("split of the rewrite: %d, %v; body is %d bytes", n2, err, len(body))
		}
	})
}

func FuzzParseProof(f *testing.F) {
	dir := sampleDelivery(f)
	real := mustRead(f, filepath.Join(dir, proofFile))
	f.Add(real)
	f.Add([]byte("c2sp.org/tlog-proof@v1\nextra aGVsbG8=\nindex 0\n\ncheckpoint\n"))
	f.Add([]byte("c2sp.org/tlog-proof@v1\nindex 01\n\nx\n"))
	f.Add([]byte("c2sp.org/tlog-proof@v1\nindex 3\nAAAA\n\nx\n"))
	f.Add([]byte("c2sp.org/tlog-proof@v1\r\nindex 3\n\nx\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ParseProof(data)
		if err != nil {
			return
		}
		// Strict: what parses writes back byte for byte.
		if out := p.Marshal(); !bytes.Equal(out, data) {
			t.Fatalf("Marshal(ParseProof(x)) != x:\n%q\n%q", out, data)
		}
		// And every proof this parser accepts, the reference parser reads the same way.
		var ref proof.TLogProof
		if err := ref.Unmarshal(data); err != nil {
			t.Fatalf("reference parser refuses an accepted proof: %v", err)
		}
		if ref.Index != p.Index || len(ref.Hashes) != len(p.Hashes) || !bytes.Equal(ref.Checkpoint, p.Checkpoint) {
			t.Fatalf("reference parser reads %d/%d hashes/%q, this one %d/%d/%q",
				ref.Index, len(ref.Hashes), ref.Checkpoint, p.Index, len(p.Hashes), p.Checkpoint)
		}
		for i := range p.Hashes {
			if ref.Hashes[i] != p.Hashes[i] {
				t.Fatalf("hash %d differs from the reference parser's", i)
			}
		}
	})
}

func TestStrictJSON(t *testing.T) {
	tests := []struct {
		in string
		ok bool
	}{
		{`{"a":1,"b":[1,2,{"c":null}]}`, true},
		{`{"a":1,"a":2}`, false},
		{`{"messages":[],"Messages":[]}`, false},
		{`{"sk":1,"ſk":2}`, false},
		{`{"a":{"b":1,"b":1}}`, false},
		{`{"a":1.5}`, false},
		{`{"a":1e3}`, false},
		{`{"a":1} {"b":2}`, false},
		{`{"a":1}]`, false},
		{`{"a":"\xff"}`, false},
		{`{"a":` + strings.Repeat("[", 20) + strings.Repeat("]", 20) + `}`, false},
		{`{"a":[{"x":1},{"x":1}]}`, true},
		{``, false},
	}
	for _, tt := range tests {
		if err := checkStrictJSON([]byte(tt.in)); (err == nil) != tt.ok {
			t.Errorf("checkStrictJSON(%q) = %v, want ok=%t", tt.in, err, tt.ok)
		}
	}
}

// FuzzParseChain feeds proofs/chain.pem and proofs/ak-chain.pem as a recipient may be handed them: whatever
// ParseChain accepts is one to MaxChainCerts certificates, each signed by the next.
func FuzzParseChain(f *testing.F) {
	ca := newTestCA(f, "Studio Appliance CA")
	good := ca.chainFor(f, &testpki.Key(f).PublicKey, "Attesta appliance 0123456789abcdef")
	f.Add(good)
	f.Add(pemOf(ca.cert))
	f.Add(append(append([]byte{}, good...), good...))
	f.Add(bytes.ReplaceAll(good, []byte("CERTIFICATE"), []byte("X509 CRL")))
	f.Add([]byte("-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		chain, err := ParseChain(data)
		if err != nil {
			if !errors.Is(err, ErrChain) {
				t.Fatalf("error does not wrap ErrChain: %v", err)
			}
			return
		}
		if len(chain) == 0 || len(chain) > MaxChainCerts {
			t.Fatalf("%d certificates accepted", len(chain))
		}
		for i := 0; i+1 < len(chain); i++ {
			if chain[i].CheckSignatureFrom(chain[i+1]) != nil {
				t.Fatalf("certificate %d accepted without its issuer's signature", i+1)
			}
		}
	})
}
