package witness

import (
	"errors"
	"github.com/attesta/attesta/internal/testpki"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"

	"github.com/attesta/attesta/journal"
	"github.com/attesta/attesta/witness/cosig"
)

// TestWitnesses runs the same protocol suite against our Server and against transparency-dev's omniwitness.
func TestWitnesses(t *testing.T) {
	for _, im := range impls {
		t.Run(im.name, func(t *testing.T) {
			t.Run("Cosign", func(t *testing.T) { testCosign(t, im) })
			t.Run("Conflict", func(t *testing.T) { testConflict(t, im) })
			t.Run("Rewind", func(t *testing.T) { testRewind(t, im) })
			t.Run("Fork", func(t *testing.T) { testFork(t, im) })
			t.Run("Hostile", func(t *testing.T) { testHostile(t, im) })
		})
	}
}

// testCosign: checkpoints of a growing journal are cosigned one after the other (the second with the consistency
// proof from the first), stored, journaled, and carried in a delivery's proofs/witness that cosig.Check accepts.
func testCosign(t *testing.T, im impl) {
	ctx := t.Context()
	b, p := im.witnessed(t)
	c := b.client(t, p)
	cp0 := b.grow(t, 5, "0") // never submitted: its delivery carries a later cosigned checkpoint
	cp1 := b.grow(t, 10, "a")
	if _, err := c.Submit(ctx, cp1); err != nil {
		t.Fatal(err)
	}
	cp2 := b.grow(t, 300, "b")
	for range 2 { // the second time the witness cosigns again; nothing new is journaled
		if _, err := c.Submit(ctx, cp2); err != nil {
			t.Fatal(err)
		}
	}
	wv, err := cosig.Verifier(p.VKey)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := c.store.LastSize(IDOf(wv)); err != nil || n != cp2.Size {
		t.Fatalf("stored size for the witness: %d, %v; want %d", n, err, cp2.Size)
	}
	latest, err := c.store.Latest()
	if err != nil || latest.Size != cp2.Size {
		t.Fatalf("latest cosigned: %+v, %v; want size %d", latest, err, cp2.Size)
	}
	if ids, err := cosig.Cosigners(latest.Note, []note.Verifier{wv}); err != nil || len(ids) != 1 {
		t.Fatalf("cosigners of the latest: %q, %v", ids, err)
	}
	// Each cosignature is journaled.
	var journaled int
	for l, err := range b.j.Entries(ctx, 0, b.j.Size()) {
		if err != nil {
			t.Fatal(err)
		}
		if e, _ := l.Entry(); e.Type == TypeCosignature {
			journaled++
		}
	}
	if journaled != 2 {
		t.Fatalf("%d cosignature leaves, want 2", journaled)
	}

	logV, err := journal.NewNoteVerifier(b.j.VerifierKey())
	if err != nil {
		t.Fatal(err)
	}
	// The delivery of cp0 carries the later cosigned checkpoint cp1 with the proof of consistency; cp1 and cp2
	// their own.
	for _, tc := range []struct{ cp, want *journal.Checkpoint }{{cp0, cp1}, {cp1, cp1}, {cp2, cp2}} {
		cp := tc.cp
		file, err := c.Proof(ctx, cp)
		if err != nil || file == nil {
			t.Fatalf("proofs/witness for size %d: %q, %v", cp.Size, file, err)
		}
		w, err := cosig.Check(file, cp, logV, []note.Verifier{wv})
		if err != nil {
			t.Fatalf("check proofs/witness for size %d: %v", cp.Size, err)
		}
		if len(w.Witnesses) != 1 || w.Checkpoint.Size != tc.want.Size {
			t.Fatalf("witnessed size %d by %q, want size %d by 1 witness", w.Checkpoint.Size, w.Witnesses, tc.want.Size)
		}
		// Another witness's key finds no cosignature.
		_, other, _ := GenerateKey("witness.test/other")
		ov, _ := cosig.Verifier(other)
		if w, err := cosig.Check(file, cp, logV, []note.Verifier{ov}); err != nil || len(w.Witnesses) != 0 {
			t.Fatalf("a key that did not cosign: %+v, %v", w, err)
		}
	}
}

// testConflict: a box that lost its store of cosignatures starts from size 0; the witness answers 409 with its
// size, and the client proves consistency from there.
func testConflict(t *testing.T, im impl) {
	ctx := t.Context()
	b, p := im.witnessed(t)
	if _, err := b.client(t, p).Submit(ctx, b.grow(t, 7, "a")); err != nil {
		t.Fatal(err)
	}
	cp := b.grow(t, 9, "b")
	status, answer := post(t, p, (&cosig.Request{OldSize: 0, Checkpoint: cp.Note}).Marshal())
	if status != http.StatusConflict || answer != "7\n" {
		t.Fatalf("stale old size: HTTP %d %q, want 409 \"7\\n\"", status, answer)
	}
	if _, err := b.client(t, p).Submit(ctx, cp); err != nil {
		t.Fatalf("a fresh client after a 409: %v", err)
	}
}

// testRewind: once the witness cosigned size 20, an older checkpoint (size 10, validly signed, re-submitted) is
// refused: 409 for a client that believes the witness at 10, 400 for one that knows it at 20; our client reports
// ErrAhead.
func testRewind(t *testing.T, im impl) {
	ctx := t.Context()
	b, p := im.witnessed(t)
	old := b.grow(t, 10, "a")
	c := b.client(t, p)
	if _, err := c.Submit(ctx, old); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Submit(ctx, b.grow(t, 10, "b")); err != nil {
		t.Fatal(err)
	}
	if status, answer := post(t, p, (&cosig.Request{OldSize: 10, Checkpoint: old.Note}).Marshal()); status != http.StatusConflict {
		t.Fatalf("rewound checkpoint from size 10: HTTP %d %q, want 409", status, answer)
	}
	if status, answer := post(t, p, (&cosig.Request{OldSize: 20, Checkpoint: old.Note}).Marshal()); status != http.StatusBadRequest {
		t.Fatalf("rewound checkpoint from size 20: HTTP %d %q, want 400", status, answer)
	}
	if _, err := b.client(t, p).Submit(ctx, old); !errors.Is(err, ErrAhead) {
		t.Fatalf("submitting the rewound checkpoint: %v, want ErrAhead", err)
	}
}

// testFork: a second journal with the same key and origin (a forked or rebuilt box) is refused at the same size
// (another root) and at a larger size (its proof does not lead from the witnessed root): 422 both.
func testFork(t *testing.T, im impl) {
	ctx := t.Context()
	a, p := im.witnessed(t)
	if _, err := a.client(t, p).Submit(ctx, a.grow(t, 20, "a")); err != nil {
		t.Fatal(err)
	}
	fork := newBox(t, a.key)
	same := fork.grow(t, 20, "fork")
	if status, answer := post(t, p, (&cosig.Request{OldSize: 20, Checkpoint: same.Note}).Marshal()); status != http.StatusUnprocessableEntity {
		t.Fatalf("fork at the same size: HTTP %d %q, want 422", status, answer)
	}
	larger := fork.grow(t, 5, "fork-more")
	proof, err := fork.j.ConsistencyProof(ctx, 20, larger.Size)
	if err != nil {
		t.Fatal(err)
	}
	if status, answer := post(t, p, (&cosig.Request{OldSize: 20, Proof: proof, Checkpoint: larger.Note}).Marshal()); status != http.StatusUnprocessableEntity {
		t.Fatalf("fork at a larger size: HTTP %d %q, want 422", status, answer)
	}
	if _, err := fork.client(t, p).Submit(ctx, larger); !errors.Is(err, ErrRefused) {
		t.Fatalf("the forked box's client: %v, want ErrRefused", err)
	}
	// The honest box goes on.
	if _, err := a.client(t, p).Submit(ctx, a.grow(t, 1, "a2")); err != nil {
		t.Fatalf("the honest box after the fork attempts: %v", err)
	}
}

// testHostile: malformed bodies, an unknown log, a signature by another key are refused, and nothing of them is
// cosigned. Our Server answers the status codes of c2sp.org/tlog-witness; omniwitness (this version) answers 500 for
// three of them (an empty checkpoint, an unknown log with its SQLite state, a signature by an unknown key: errors its
// handler does not map), which is a refusal all the same.
func testHostile(t *testing.T, im impl) {
	b, p := im.witnessed(t)
	cp := b.grow(t, 3, "a")
	stranger := newBox(t, nil) // same origin, another key
	scp := stranger.grow(t, 3, "a")
	otherOrigin, err := journal.Open(t.Context(), t.TempDir()+"/j.db", journal.Options{Origin: "attesta/unknown", Signer: b.key})
	if err != nil {
		t.Fatal(err)
	}
	defer otherOrigin.Close()
	if _, err := otherOrigin.Append(t.Context(), journal.Entry{Type: "test-event"}); err != nil {
		t.Fatal(err)
	}
	ucp, err := otherOrigin.Checkpoint(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		body []byte
		want int
	}{
		{"garbage", []byte("hello\n"), http.StatusBadRequest},
		{"no checkpoint", []byte("old 0\n\n"), http.StatusBadRequest},
		{"bad proof line", append([]byte("old 1\n!!!\n\n"), cp.Note...), http.StatusBadRequest},
		{"unknown log", (&cosig.Request{Checkpoint: ucp.Note}).Marshal(), http.StatusNotFound},
		{"signed by another key", (&cosig.Request{Checkpoint: scp.Note}).Marshal(), http.StatusForbidden},
	} {
		status, answer := post(t, p, tc.body)
		if status != tc.want && (im.name != "omniwitness" || status != http.StatusInternalServerError) {
			t.Errorf("%s: HTTP %d %q, want %d", tc.name, status, answer, tc.want)
		}
	}
	// Nothing of that was cosigned: the first honest checkpoint is still taken from size 0.
	if status, answer := post(t, p, (&cosig.Request{Checkpoint: cp.Note}).Marshal()); status != http.StatusOK {
		t.Fatalf("honest checkpoint after hostile requests: HTTP %d %q", status, answer)
	} else if _, err := cosig.ParseSignatures([]byte(answer)); err != nil {
		t.Fatal(err)
	}
}

// TestServerKeyRotation: our witness follows a log whose key was rotated (or a box restored onto a new TPM) once
// the new key is added beside the old one; before that, the new key's checkpoint is refused (403).
func TestServerKeyRotation(t *testing.T) {
	ctx := t.Context()
	b := newBox(t, nil)
	s, err := NewServer(ServerOptions{Dir: t.TempDir(), Name: "witness.test/rot", Logs: []string{b.j.VerifierKey()}})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s)
	defer ts.Close()
	c := b.client(t, Peer{URL: ts.URL, VKey: s.VerifierKey()})
	if _, err := c.Submit(ctx, b.grow(t, 10, "a")); err != nil {
		t.Fatal(err)
	}
	_, cp, err := b.j.Rotate(ctx, testpki.Key(t), "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Submit(ctx, cp); !errors.Is(err, ErrRefused) {
		t.Fatalf("checkpoint under an unknown new key: %v, want ErrRefused", err)
	}
	if err := s.AddLog(b.j.VerifierKey()); err != nil {
		t.Fatal(err)
	}
	if err := s.AddLog(b.j.VerifierKey()); err != nil { // twice: no change
		t.Fatal(err)
	}
	if _, err := c.Submit(ctx, b.grow(t, 3, "b")); err != nil {
		t.Fatalf("after the new key was added: %v", err)
	}
}

// TestHostileWitness: a witness that answers garbage, too much, another witness's or a forged cosignature, a
// cosignature over another checkpoint, or a 409 that is not a size, makes Submit fail, and nothing is stored or
// journaled.
func TestHostileWitness(t *testing.T) {
	ctx := t.Context()
	b := newBox(t, nil)
	honest := startOurs(t, b.j.VerifierKey())
	other := startOurs(t, b.j.VerifierKey())
	cp := b.grow(t, 5, "a")
	// Real answers to replay: the honest witness's cosignature over another checkpoint, the other witness's over cp.
	_, otherLine := post(t, other, (&cosig.Request{Checkpoint: cp.Note}).Marshal())
	stale := b.grow(t, 1, "b")
	_, staleLine := post(t, honest, (&cosig.Request{Checkpoint: stale.Note}).Marshal())
	forged := []byte(staleLine)
	forged[len(forged)-4] ^= 1

	for _, tc := range []struct {
		name   string
		status int
		body   string
	}{
		{"garbage", 200, "hello\n"},
		{"empty", 200, ""},
		{"too long", 200, strings.Repeat("— w AAAAAAAA\n", 5000)},
		{"another witness's cosignature", 200, otherLine},
		{"over another checkpoint", 200, staleLine},
		{"forged", 200, string(forged)},
		{"409 without a size", 409, "soon\n"},
		{"500", 500, "down"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tc.status)
				_, _ = w.Write([]byte(tc.body))
			}))
			defer h.Close()
			before := b.j.Size()
			c := b.client(t, Peer{URL: h.URL, VKey: honest.VKey})
			if _, err := c.Submit(ctx, cp); err == nil {
				t.Fatal("Submit accepted the answer")
			}
			if sizes, _ := c.store.Sizes(); len(sizes) != 0 || b.j.Size() != before {
				t.Fatalf("stored %v, journal %d → %d", sizes, before, b.j.Size())
			}
		})
	}
}
