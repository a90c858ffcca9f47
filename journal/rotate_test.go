package journal

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/attesta/attesta/internal/testpki"
	"github.com/attesta/attesta/journal/format"
)

func TestRotateContinuesUnderTheSameOrigin(t *testing.T) {
	tj := openTest(t, 1000)
	appendN(t, tj.Journal, 4)
	before := mustCheckpoint(t, tj)
	k2 := testpki.Key(t)
	rot, cp, err := tj.Rotate(t.Context(), k2, "")
	if err != nil {
		t.Fatal(err)
	}
	if rot.Seq != 4 || cp.Size != 5 || cp.Origin != testOrigin {
		t.Fatalf("rotation at leaf %d, checkpoint %d %q; want leaf 4, checkpoint 5 under %q", rot.Seq, cp.Size, cp.Origin, testOrigin)
	}
	if _, err := ParseCheckpoint(cp.Note, testVerifier(t, k2)); err != nil {
		t.Fatalf("the checkpoint after the rotation is not signed by the new key: %v", err)
	}
	if tj.VerifierKey() != rot.NewKey {
		t.Fatalf("key in force %s, want the new key %s", tj.VerifierKey(), rot.NewKey)
	}
	appendN(t, tj.Journal, 3)
	mustCheckpoint(t, tj)
	// Pinned on the first key, the verifier follows the rotation.
	rep, err := tj.Verify(t.Context(), VerifyOptions{Verifier: testVerifier(t, tj.key), Latest: before.Note})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Keys) != 2 || rep.Keys[1] != rot.NewKey || rep.KeysFrom[1] != 5 || rep.Checkpoints != 3 {
		t.Fatalf("keys %q from %v, %d checkpoints; want 2 keys, the second from 5, 3 checkpoints", rep.Keys, rep.KeysFrom, rep.Checkpoints)
	}
	// Pinned on the second key, the history before it is not its: the rotation leaf hands over from another key.
	if _, err := tj.Verify(t.Context(), VerifyOptions{Verifier: testVerifier(t, k2)}); !errors.Is(err, ErrCorrupt) ||
		!strings.Contains(err.Error(), "leaf 4") {
		t.Fatalf("verify pinned on the new key: %v, want the rotation leaf 4 refused", err)
	}
	keys, err := tj.Keys(t.Context())
	if err != nil || len(keys) != 2 || keys[1] != rot.NewKey {
		t.Fatalf("Keys: %q, %v", keys, err)
	}
	if _, err := tj.Append(t.Context(), rot.Entry()); !errors.Is(err, ErrInvalidLeaf) {
		t.Fatalf("append of a rotation leaf: %v, want it refused", err)
	}
	tj.closeNow(t)

	// Reopened: only the new key may write; read-only opening checks every stored checkpoint with its own key.
	j := tj.reopenRotated(t, k2)
	cps, err := j.Checkpoints(t.Context())
	if err != nil || len(cps) != 3 {
		t.Fatalf("checkpoints after reopening: %d, %v", len(cps), err)
	}
	if _, err := j.Verify(t.Context(), VerifyOptions{Verifier: testVerifier(t, tj.key)}); err != nil {
		t.Fatal(err)
	}
}

func TestRotateTwiceAndFromAnEmptyJournal(t *testing.T) {
	tj := openTest(t, 2)
	k2, k3 := testpki.Key(t), testpki.Key(t)
	if _, _, err := tj.Rotate(t.Context(), k2, ""); err != nil {
		t.Fatal(err)
	}
	appendN(t, tj.Journal, 5)
	if _, _, err := tj.Rotate(t.Context(), k3, "cert"); err != nil {
		t.Fatal(err)
	}
	appendN(t, tj.Journal, 2)
	rep, err := tj.Verify(t.Context(), VerifyOptions{Verifier: testVerifier(t, tj.key)})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Keys) != 3 || rep.KeysFrom[1] != 1 || rep.KeysFrom[2] != 7 {
		t.Fatalf("keys from %v, want [0 1 7]", rep.KeysFrom)
	}
	if _, _, err := tj.Rotate(t.Context(), k3, ""); err == nil {
		t.Fatal("a rotation to the key in force was accepted")
	}
}

// forge appends a hand-made rotation leaf, bypassing Rotate, and returns the error of a verification pinned on
// the journal's first key.
func forge(t *testing.T, edit func(r *format.Rotation, attacker *ecdsa.PrivateKey)) error {
	t.Helper()
	tj := openTest(t, 1000)
	appendN(t, tj.Journal, 3)
	root, err := tj.TreeHash(t.Context(), 3)
	if err != nil {
		t.Fatal(err)
	}
	k2, attacker := testpki.Key(t), testpki.Key(t)
	r, err := format.NewRotation(testOrigin, 3, root, fixedClock()(), tj.key, k2, "")
	if err != nil {
		t.Fatal(err)
	}
	edit(r, attacker)
	if _, err := tj.commit([]Entry{r.Entry()}); err != nil {
		t.Fatal(err)
	}
	_, err = tj.Verify(t.Context(), VerifyOptions{Verifier: testVerifier(t, tj.key)})
	tj.closeNow(t)
	return err
}

func signStatement(t *testing.T, r *format.Rotation, k crypto.Signer) []byte {
	t.Helper()
	d := sha256.Sum256(r.Statement())
	sig, err := k.Sign(rand.Reader, d[:], crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	return sig
}

func vkeyOf(t *testing.T, k *ecdsa.PrivateKey) string {
	t.Helper()
	v, err := VerifierKey(testOrigin, &k.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestForgedRotationIsRejected(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(r *format.Rotation, attacker *ecdsa.PrivateKey)
		want string
	}{
		{"signed by the new key only", func(r *format.Rotation, a *ecdsa.PrivateKey) {
			r.NewKey = vkeyOf(t, a)
			r.NewSig = signStatement(t, r, a)
			r.OldSig = r.NewSig
		}, "the old key's signature"},
		{"new public changed", func(r *format.Rotation, a *ecdsa.PrivateKey) {
			r.NewKey = vkeyOf(t, a)
		}, "signature"},
		{"new public changed and re-signed by it", func(r *format.Rotation, a *ecdsa.PrivateKey) {
			r.NewKey = vkeyOf(t, a)
			r.NewSig = signStatement(t, r, a)
		}, "the old key's signature"},
		{"hands over from another key", func(r *format.Rotation, a *ecdsa.PrivateKey) {
			r.OldKey = vkeyOf(t, a)
			r.OldSig = signStatement(t, r, a)
		}, "the key in force is"},
		{"another history", func(r *format.Rotation, a *ecdsa.PrivateKey) {
			r.PrevRoot[0] ^= 1
		}, "signature"},
		{"certification swapped", func(r *format.Rotation, a *ecdsa.PrivateKey) {
			r.Certification = "other"
		}, "signature"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := forge(t, tc.edit)
			if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "leaf 3") || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("verify: %v; want an error naming leaf 3 and %q", err, tc.want)
			}
		})
	}
}

func TestRotationLeafFormat(t *testing.T) {
	k1, k2 := testpki.Key(t), testpki.Key(t)
	r, err := format.NewRotation(testOrigin, 0, [32]byte{}, fixedClock()(), k1, k2, "")
	if err != nil {
		t.Fatal(err)
	}
	data, err := EncodeLeaf(0, r.Entry())
	if err != nil {
		t.Fatal(err)
	}
	seq, e, err := DecodeLeaf(data)
	if err != nil {
		t.Fatal(err)
	}
	back, err := format.RotationOf(seq, e)
	if err != nil {
		t.Fatal(err)
	}
	if err := back.Check(vkeyOf(t, k1)); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []func(e Entry){
		func(e Entry) { delete(e.Fields, "old_sig") },
		func(e Entry) { e.Fields["extra"] = "x" },
		func(e Entry) { e.Fields["prev_root"] = "AAAA" },
		func(e Entry) { e.Fields["new_sig"] = 7 },
	} {
		e2 := r.Entry()
		bad(e2)
		if _, err := EncodeLeaf(0, e2); !errors.Is(err, ErrInvalidLeaf) {
			t.Errorf("encode of a malformed rotation leaf: %v", err)
		}
	}
	e2 := r.Entry()
	e2.Case = "c"
	if _, err := EncodeLeaf(0, e2); !errors.Is(err, ErrInvalidLeaf) {
		t.Errorf("rotation leaf with a case: %v", err)
	}
}

// flakySigner signs n times, then fails.
type flakySigner struct {
	*ecdsa.PrivateKey
	n int
}

func (s *flakySigner) Sign(r io.Reader, d []byte, o crypto.SignerOpts) ([]byte, error) {
	if s.n == 0 {
		return nil, errors.New("TPM busy")
	}
	s.n--
	return s.PrivateKey.Sign(r, d, o)
}

// A rotation whose first checkpoint under the new key fails leaves the leaf durable; the journal reopens under the
// new key (its newest checkpoint is still the old key's) and the next checkpoint is the new key's.
func TestRotationInterruptedBeforeTheNewKeysCheckpoint(t *testing.T) {
	tj := openTest(t, 1000)
	appendN(t, tj.Journal, 2)
	k2 := testpki.Key(t)
	rot, cp, err := tj.Rotate(t.Context(), &flakySigner{k2, 1}, "")
	if rot == nil || cp != nil || !errors.Is(err, ErrCheckpoint) {
		t.Fatalf("Rotate: %v, %v, %v; want the leaf durable and ErrCheckpoint", rot, cp, err)
	}
	tj.closeNow(t)
	j := tj.reopenRotated(t, k2)
	cp, err = j.Checkpoint(t.Context())
	if err != nil || cp.Size != 3 {
		t.Fatalf("checkpoint after reopening: %v, %v", cp, err)
	}
	if _, err := ParseCheckpoint(cp.Note, testVerifier(t, k2)); err != nil {
		t.Fatal(err)
	}
	if _, err := j.Verify(t.Context(), VerifyOptions{Verifier: testVerifier(t, tj.key)}); err != nil {
		t.Fatal(err)
	}
}
