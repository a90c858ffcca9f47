package cosig

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"testing"

	fnote "github.com/transparency-dev/formats/note"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/attesta/attesta/journal/format"
)

// world is a log key and a witness key made at run time, and checkpoints of a small tree signed and cosigned.
type world struct {
	logV     note.Verifier
	witnessV note.Verifier
	small    *format.Checkpoint // size 3
	big      []byte             // proofs/witness: size 7, cosigned, with the proof from 3
}

func newWorld(tb testing.TB) *world {
	tb.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	ls, err := format.NewNoteSigner("attesta/cosig-test", k)
	if err != nil {
		tb.Fatal(err)
	}
	skey, vkey, err := note.GenerateKey(rand.Reader, "witness.test/cosig")
	if err != nil {
		tb.Fatal(err)
	}
	ws, err := fnote.NewSignerForCosignatureV1(skey)
	if err != nil {
		tb.Fatal(err)
	}
	w := &world{}
	if w.witnessV, err = Verifier(vkey); err != nil {
		tb.Fatal(err)
	}
	lvkey, err := format.VerifierKey("attesta/cosig-test", &k.PublicKey)
	if err != nil {
		tb.Fatal(err)
	}
	if w.logV, err = format.NewNoteVerifier(lvkey); err != nil {
		tb.Fatal(err)
	}
	// A tree of 7 records, in memory.
	var hashes hashSlice
	for i := range 7 {
		hs, err := tlog.StoredHashes(int64(i), []byte{byte(i)}, hashes)
		if err != nil {
			tb.Fatal(err)
		}
		hashes = append(hashes, hs...)
	}
	sign := func(size int64, s ...note.Signer) []byte {
		root, err := tlog.TreeHash(size, hashes)
		if err != nil {
			tb.Fatal(err)
		}
		n, err := note.Sign(&note.Note{Text: format.CheckpointText("attesta/cosig-test", uint64(size), root)}, s...)
		if err != nil {
			tb.Fatal(err)
		}
		return n
	}
	if w.small, err = format.ParseCheckpoint(sign(3, ls), w.logV); err != nil {
		tb.Fatal(err)
	}
	proof, err := tlog.ProveTree(7, 3, hashes)
	if err != nil {
		tb.Fatal(err)
	}
	w.big = (&Request{OldSize: 3, Proof: proof, Checkpoint: sign(7, ls, ws)}).Marshal()
	return w
}

type hashSlice []tlog.Hash

func (h hashSlice) ReadHashes(idx []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(idx))
	for i, x := range idx {
		if x >= int64(len(h)) {
			return nil, errors.New("no such hash")
		}
		out[i] = h[x]
	}
	return out, nil
}

// TestCheck: a later cosigned checkpoint with its proof passes; every alteration is refused with ErrNotWitnessed
// or ErrFormat, and a key that did not cosign counts nothing.
func TestCheck(t *testing.T) {
	w := newWorld(t)
	got, err := Check(w.big, w.small, w.logV, []note.Verifier{w.witnessV, w.witnessV})
	if err != nil || len(got.Witnesses) != 1 || got.Checkpoint.Size != 7 {
		t.Fatalf("Check: %+v, %v", got, err)
	}
	flip := func(f func(r *Request)) []byte {
		r, _ := ParseRequest(w.big)
		r.Proof = append([]tlog.Hash(nil), r.Proof...)
		r.Checkpoint = append([]byte(nil), r.Checkpoint...)
		f(r)
		return r.Marshal()
	}
	for name, file := range map[string][]byte{
		"old size":      flip(func(r *Request) { r.OldSize = 2 }),
		"proof hash":    flip(func(r *Request) { r.Proof[0][0] ^= 1 }),
		"proof dropped": flip(func(r *Request) { r.Proof = r.Proof[:len(r.Proof)-1] }),
		"cosignature":   flip(func(r *Request) { r.Checkpoint[len(r.Checkpoint)-3] ^= 1 }),
		"truncated":     w.big[:len(w.big)/2],
	} {
		if _, err := Check(file, w.small, w.logV, []note.Verifier{w.witnessV}); !errors.Is(err, ErrNotWitnessed) && !errors.Is(err, ErrFormat) {
			t.Errorf("%s: %v, want ErrNotWitnessed or ErrFormat", name, err)
		}
	}
	// The delivery's own checkpoint, not cosigned: valid, no witness.
	own := (&Request{OldSize: 3, Checkpoint: w.small.Note}).Marshal()
	if got, err := Check(own, w.small, w.logV, []note.Verifier{w.witnessV}); err != nil || len(got.Witnesses) != 0 {
		t.Fatalf("uncosigned own checkpoint: %+v, %v", got, err)
	}
}

// FuzzCheck: a delivery's proofs/witness as the verifier reads it, against a checkpoint and keys made at run
// time; never a panic, and a file accepted with a cosignature really is the world's cosigned checkpoint.
func FuzzCheck(f *testing.F) {
	w := newWorld(f)
	f.Add(w.big)
	f.Add((&Request{OldSize: 3, Checkpoint: w.small.Note}).Marshal())
	f.Fuzz(func(t *testing.T, file []byte) {
		got, err := Check(file, w.small, w.logV, []note.Verifier{w.witnessV})
		if err != nil || len(got.Witnesses) == 0 {
			return
		}
		if got.Checkpoint.Size != 7 {
			t.Fatalf("accepted a cosignature on a checkpoint of size %d", got.Checkpoint.Size)
		}
	})
}

// TestVerifier: witness keys of type 0x01 and 0x04 with their right hashes are taken; a wrong hash, another type,
// or a malformed key is refused.
func TestVerifier(t *testing.T) {
	_, vkey, err := note.GenerateKey(rand.Reader, "witness.test/k")
	if err != nil {
		t.Fatal(err)
	}
	v4, err := fnote.VKeyToCosignatureV1(vkey)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{vkey, v4, v4 + "\n"} {
		if _, err := Verifier(k); err != nil {
			t.Errorf("%q: %v", k, err)
		}
	}
	wrongHash := func(k string) string {
		return k[:len("witness.test/k+")] + "00000000" + k[len("witness.test/k+00000000"):]
	}
	for _, k := range []string{wrongHash(vkey), wrongHash(v4), "witness.test/k+00000000+AgAA", "nonsense", "a+b+c", ""} {
		if _, err := Verifier(k); err == nil {
			t.Errorf("%q accepted", k)
		}
	}
}
