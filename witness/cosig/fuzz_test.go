package cosig

import (
	"bytes"
	"testing"
)

// FuzzParseRequest: an add-checkpoint body or a delivery's proofs/witness, as a witness or the verifier reads it.
// The parser never panics, and what it accepts marshals back to the same bytes. Seeds: testdata/fuzz/FuzzParseRequest
// (real requests and proofs/witness files recorded from the witness tests, with -witness.seeds).
func FuzzParseRequest(f *testing.F) {
	f.Add([]byte("old 0\n\nattesta/x\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n— attesta/x AAAA\n"))
	f.Add([]byte("old 5\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\nx\n"))
	f.Fuzz(func(t *testing.T, body []byte) {
		r, err := ParseRequest(body)
		if err != nil {
			return
		}
		if again := r.Marshal(); !bytes.Equal(again, body) {
			t.Fatalf("round trip changed the request:\n in  %q\n out %q", body, again)
		}
	})
}

// FuzzParseSignatures: a witness's answer (cosignature lines) and a 409 answer. Accepted lines are kept verbatim.
// Seeds: testdata/fuzz/FuzzParseSignatures (answers of transparency-dev's omniwitness and of our Server).
func FuzzParseSignatures(f *testing.F) {
	f.Add([]byte("— witness.example/w1 AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"))
	f.Add([]byte("12\n"))
	f.Fuzz(func(t *testing.T, body []byte) {
		if sigs, err := ParseSignatures(body); err == nil {
			var joined []byte
			for _, s := range sigs {
				joined = append(joined, s.Line...)
			}
			if !bytes.Equal(joined, body) {
				t.Fatalf("signature lines %q do not make the answer %q", joined, body)
			}
		}
		_, _ = ParseConflict(body)
		_, _ = Verifier(string(body))
	})
}
