package journal

import (
	"bytes"
	"crypto/x509"
	"testing"

	"github.com/attesta/attesta/internal/testpki"
	"github.com/attesta/attesta/journal/format"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// FuzzDecodeLeaf: the decoder never panics, and whatever it accepts encodes
// back to exactly the same bytes. Seeds: testdata/fuzz/FuzzDecodeLeaf.
func FuzzDecodeLeaf(f *testing.F) {
	for i := range 6 {
		e := sampleEntry(i)
		e.Time = leafTime
		data, err := EncodeLeaf(uint64(i), e)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		seq, e, err := DecodeLeaf(data)
		if err != nil {
			return
		}
		again, err := EncodeLeaf(seq, e)
		if err != nil {
			t.Fatalf("decoded leaf does not encode: %v\n%s", err, data)
		}
		if !bytes.Equal(again, data) {
			t.Fatalf("round trip changed the leaf:\n in  %q\n out %q", data, again)
		}
	})
}

// FuzzParseCheckpoint: the parser never panics on a note, nor on a body that
// is signed with the right key (so that fuzzing reaches past the signature),
// and what it accepts formats back to the same body. Seeds:
// testdata/fuzz/FuzzParseCheckpoint (bodies and notes).
func FuzzParseCheckpoint(f *testing.F) {
	k := testpki.Key(f)
	s, err := NewNoteSigner(testOrigin, k)
	if err != nil {
		f.Fatal(err)
	}
	v := testVerifier(f, k)
	body := checkpointBody(testOrigin, 4096, tlog.RecordHash([]byte("seed")))
	f.Add([]byte(body))
	f.Add(signBody(f, s, body))
	f.Fuzz(func(t *testing.T, data []byte) {
		check := func(text []byte) {
			cp, err := ParseCheckpoint(text, v)
			if err != nil {
				return
			}
			n, err := note.Open(text, note.VerifierList(v))
			if err != nil {
				t.Fatalf("accepted a note that does not open: %v", err)
			}
			if got := checkpointBody(cp.Origin, cp.Size, cp.Root); got != n.Text {
				t.Fatalf("round trip changed the body:\n in  %q\n out %q", n.Text, got)
			}
			if !bytes.Equal(cp.Note, text) {
				t.Fatal("Note is not the input")
			}
		}
		check(data)
		if signed, err := note.Sign(&note.Note{Text: string(data)}, s); err == nil {
			check(signed)
		}
	})
}

// FuzzParseKeyChain: the key-chain parser (proofs/keychain of a delivery) never panics, and what it accepts
// marshals back to the same bytes; following the chain from its own first key never panics either. Seeds: a real
// chain of two rotations, and testdata/fuzz/FuzzParseKeyChain.
func FuzzParseKeyChain(f *testing.F) {
	tj := openTest(f, 1000)
	appendN(f, tj.Journal, 3)
	for range 2 {
		if _, _, err := tj.Rotate(f.Context(), testpki.Key(f), "cert"); err != nil {
			f.Fatal(err)
		}
		appendN(f, tj.Journal, 2)
	}
	c, err := tj.KeyChain(f.Context(), tj.Size())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(c.Marshal())
	f.Add([]byte(format.KeyChainHeader + "\n" + c.First + "\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := format.ParseKeyChain(data)
		if err != nil {
			return
		}
		if again := c.Marshal(); !bytes.Equal(again, data) {
			t.Fatalf("round trip changed the key chain:\n in  %q\n out %q", data, again)
		}
		c.Follow(c.First)
	})
}

// FuzzParseEpoch feeds epoch files (the request an appliance whose TPM was replaced sends its authority, and the
// countersigned record it gets back) to ParseEpoch and the checks: whatever parses re-encodes to the same bytes,
// and no input passes Check against a root that countersigned nothing.
func FuzzParseEpoch(f *testing.F) {
	tj := openTest(f, 1000)
	appendN(f, tj.Journal, 3)
	ep, err := tj.EpochRequest(f.Context(), testpki.Key(f))
	if err != nil {
		f.Fatal(err)
	}
	req, _ := ep.Marshal()
	f.Add(req)
	auth := newTestAuthority(f, "Studio")
	if err := ep.Countersign(auth.caKey, []*x509.Certificate{auth.ca, auth.root}); err != nil {
		f.Fatal(err)
	}
	signed, _ := ep.Marshal()
	f.Add(signed)
	inForce := tj.VerifierKey()
	stranger := newTestAuthority(f, "Stranger")
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := format.ParseEpoch(data)
		if err != nil {
			return
		}
		if again, err := e.Marshal(); err != nil || !bytes.Equal(again, data) {
			t.Fatalf("round trip changed the epoch: %v\n in  %q\n out %q", err, data, again)
		}
		if e.Check(inForce, stranger.roots) == nil {
			t.Fatal("an epoch passed Check against a root that countersigned nothing")
		}
		e.Check(inForce, auth.roots)
	})
}
