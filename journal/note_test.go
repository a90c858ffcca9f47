package journal

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/attesta/attesta/internal/testpki"
	fnote "github.com/transparency-dev/formats/note"
	"golang.org/x/mod/sumdb/note"
)

// TestNoteInterop signs a checkpoint with our signer and verifies it with
// transparency-dev/formats' own ECDSA verifier, built from our verifier key.
func TestNoteInterop(t *testing.T) {
	k := testpki.Key(t)
	s, err := NewNoteSigner(testOrigin, k)
	if err != nil {
		t.Fatal(err)
	}
	vkey, err := VerifierKey(testOrigin, &k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	for name, mk := range map[string]func(string) (note.Verifier, error){
		"NewECDSAVerifier": fnote.NewECDSAVerifier,
		"NewVerifier":      fnote.NewVerifier,
	} {
		t.Run(name, func(t *testing.T) {
			fv, err := mk(vkey)
			if err != nil {
				t.Fatalf("formats rejects our vkey %q: %v", vkey, err)
			}
			if fv.KeyHash() != s.KeyHash() || fv.Name() != s.Name() {
				t.Fatalf("formats key id %s+%08x, ours %s+%08x", fv.Name(), fv.KeyHash(), s.Name(), s.KeyHash())
			}
			msg, err := note.Sign(&note.Note{Text: checkpointBody(testOrigin, 5, [32]byte{1, 2, 3})}, s)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := note.Open(msg, note.VerifierList(fv)); err != nil {
				t.Fatalf("formats verifier rejects our note: %v\n%s", err, msg)
			}
			if _, err := ParseCheckpoint(msg, fv); err != nil {
				t.Fatalf("ParseCheckpoint with formats verifier: %v", err)
			}
		})
	}
}

func TestVerifierKeyRefuses(t *testing.T) {
	k := testpki.Key(t)
	good, _ := VerifierKey(testOrigin, &k.PublicKey)
	name, rest, _ := strings.Cut(good, "+")
	hash, key, _ := strings.Cut(rest, "+")
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if _, err := VerifierKey(testOrigin, &p384.PublicKey); err == nil {
		t.Error("VerifierKey accepts a P-384 key")
	}
	if _, err := VerifierKey("bad name", &k.PublicKey); err == nil {
		t.Error("VerifierKey accepts a name with a space")
	}
	for _, vkey := range []string{
		name + "+00000000+" + key,   // wrong hash
		name + "+" + hash,           // missing key
		name + "+" + hash + "+!!!",  // not base64
		name + "+" + hash + "+AQID", // type 0x01
		"a b+" + hash + "+" + key,   // bad name
	} {
		if _, err := NewNoteVerifier(vkey); err == nil {
			t.Errorf("NewNoteVerifier(%q) succeeded", vkey)
		}
	}
	_, edPriv, _ := ed25519.GenerateKey(rand.Reader)
	if _, err := NewNoteSigner(testOrigin, edPriv); err == nil {
		t.Error("NewNoteSigner accepts an Ed25519 key")
	}
}

// rawSigner returns r||s instead of ASN.1, as a TPM does before conversion.
type rawSigner struct{ *ecdsa.PrivateKey }

func (r rawSigner) Sign(rnd io.Reader, d []byte, _ crypto.SignerOpts) ([]byte, error) {
	rr, ss, err := ecdsa.Sign(rnd, r.PrivateKey, d)
	if err != nil {
		return nil, err
	}
	return append(rr.FillBytes(make([]byte, 32)), ss.FillBytes(make([]byte, 32))...), nil
}

func TestNoteSignerRefusesBadSignatures(t *testing.T) {
	s, err := NewNoteSigner(testOrigin, rawSigner{testpki.Key(t)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Sign([]byte("x\n")); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("raw r||s signature: err = %v, want ErrBadSignature", err)
	}
}
