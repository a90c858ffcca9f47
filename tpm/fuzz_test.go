package tpm

import (
	"bytes"
	"testing"
)

// realArtifacts provisions a simulator TPM and returns real outside-facing
// bytes to seed the fuzzers with.
type realArtifacts struct {
	id        *Identity
	keyBlob   []byte
	sealed    []byte
	quote     *Quote
	nonce     []byte
	selection PCRSelection
}

func newRealArtifacts(f *testing.F) *realArtifacts {
	f.Helper()
	dir := f.TempDir()
	tp, err := Open(f.Context(), "sim", dir)
	if err != nil {
		f.Fatal(err)
	}
	defer tp.Close()
	id, err := tp.Provision(f.Context(), ProvisionOptions{})
	if err != nil {
		f.Fatal(err)
	}
	sealed, err := tp.Seal(f.Context(), bytes.Repeat([]byte{0x42}, 32))
	if err != nil {
		f.Fatal(err)
	}
	nonce := []byte("fuzz nonce")
	q, err := tp.Quote(f.Context(), nonce, nil)
	if err != nil {
		f.Fatal(err)
	}
	blob, err := readFile(dir, SigningKeyFile)
	if err != nil {
		f.Fatal(err)
	}
	return &realArtifacts{id: id, keyBlob: blob, sealed: sealed, quote: q, nonce: nonce, selection: id.PCRSelection}
}

func FuzzDecodeBlob(f *testing.F) {
	ra := newRealArtifacts(f)
	f.Add(ra.keyBlob)
	f.Add(ra.sealed)
	f.Add([]byte("ATS1"))
	f.Add([]byte("ATS1\x00\x00\x00\x00"))
	f.Add([]byte("ATK1\xff\xff"))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, magic := range []string{magicSigningKey, magicSealed} {
			kb, pub, err := decodeBlob(magic, data)
			if err != nil {
				continue
			}
			if pub == nil || len(kb.private.Buffer) == 0 {
				t.Fatalf("decodeBlob(%s) accepted %x without a public or private area", magic, data)
			}
			if again := encodeBlob(magic, kb); !bytes.Equal(again, data) {
				t.Fatalf("decodeBlob(%s) is not canonical: %x re-encodes as %x", magic, data, again)
			}
		}
	})
}

func FuzzVerifyQuote(f *testing.F) {
	ra := newRealArtifacts(f)
	q := ra.quote
	f.Add(q.Msg, q.Sig, ra.nonce, bytes.Join(q.PCRs, nil))
	f.Add(q.Msg, q.SigDER, ra.nonce, bytes.Join(q.PCRs, nil))
	f.Add(q.Msg[:10], q.Sig[:5], []byte{}, []byte{})
	f.Fuzz(func(t *testing.T, msg, sig, nonce, pcrs []byte) {
		var vals [][]byte
		for len(pcrs) >= 32 {
			vals, pcrs = append(vals, pcrs[:32]), pcrs[32:]
		}
		fq := &Quote{Msg: msg, Sig: sig, Selection: q.Selection, PCRs: vals}
		if err := VerifyQuote(ra.id.AK, fq, nonce, nil); err == nil {
			if !bytes.Equal(msg, q.Msg) || !bytes.Equal(nonce, ra.nonce) || !equalDigests(vals, q.PCRs) {
				t.Fatalf("VerifyQuote accepted a forged quote: msg %x nonce %x", msg, nonce)
			}
		}
		AttestExtraData(msg)
	})
}

func FuzzVerifyCertification(f *testing.F) {
	ra := newRealArtifacts(f)
	c := ra.id.Certify
	f.Add(c.Msg, c.SigDER, ra.id.SigningKeyTPMT)
	f.Add(ra.id.CertifyCreation.Msg, ra.id.CertifyCreation.Sig, ra.id.SigningKeyTPMT)
	f.Add(c.Msg, c.Sig, ra.id.AKTPMT)
	f.Fuzz(func(t *testing.T, msg, sig, tpmt []byte) {
		if err := VerifyCertification(ra.id.AK, msg, sig, tpmt); err == nil {
			known := bytes.Equal(msg, c.Msg) || bytes.Equal(msg, ra.id.CertifyCreation.Msg)
			if !known || !bytes.Equal(tpmt, ra.id.SigningKeyTPMT) {
				t.Fatalf("VerifyCertification accepted msg %x for key %x", msg, tpmt)
			}
		}
	})
}

func FuzzParsePCRSelection(f *testing.F) {
	for _, s := range []string{"sha256:0,1,2,3,4,5,6,7,23", "sha256:23", "sha1:0", "sha256:", "sha256:99", "sha256:1,1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sel, err := ParsePCRSelection(s)
		if err != nil {
			return
		}
		again, err := ParsePCRSelection(sel.String())
		if err != nil || again.String() != sel.String() {
			t.Fatalf("%q parses to %s, which does not round-trip: %v", s, sel, err)
		}
	})
}
