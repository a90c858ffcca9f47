package bundle

import (
	"context"
	"crypto/ecdsa"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/attesta/attesta/internal/testpki"
	"github.com/attesta/attesta/journal"
)

// restoredFrom rebuilds the journal of f onto key, as a restore from its mirror does (leaves imported, then the
// restore leaf handing over to key), and makes it f's journal. It returns the restore leaf's index.
func restoredFrom(t *testing.T, f *fixture, old *journal.Journal, key *ecdsa.PrivateKey) uint64 {
	t.Helper()
	ctx := context.Background()
	j, err := journal.Open(ctx, filepath.Join(t.TempDir(), "journal.db"), journal.Options{Origin: testOrigin, Signer: key, CheckpointEvery: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	var leaves [][]byte
	for i := range old.Size() {
		l, err := old.LeafBytes(ctx, i)
		if err != nil {
			t.Fatal(err)
		}
		leaves = append(leaves, l)
	}
	if err := j.ImportLeaves(ctx, leaves); err != nil {
		t.Fatal(err)
	}
	e, err := j.RestoreEntry(ctx, old.VerifierKey(), map[string]any{"from": "s3://test"})
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := j.AppendRestore(ctx, e)
	if err != nil {
		t.Fatal(err)
	}
	f.j = j
	return leaf.Index
}

// A delivery made after the box was restored onto a new TPM, from a journal whose key had been rotated: a
// verifier pinned on the first key follows the rotation and the restore when the restored key is pinned beside it
// (--restored-key) or when the authority certified that key (proofs/chain.pem under --root); otherwise, and for a
// restore onto a key nobody vouched for, the restore leaf is refused by its index.
func TestDeliveriesAfterARestore(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	first := f.j.VerifierKey()
	if _, _, err := f.j.Rotate(ctx, testpki.Key(t), ""); err != nil {
		t.Fatal(err)
	}
	before := f.deliver(t, f.chatManifest(t, 1, 6), Delivery{}, WriteOptions{})
	rotated := f.j

	mallory := testpki.Key(t)
	forgedLeaf := restoredFrom(t, f, rotated, mallory)
	forged := f.deliver(t, f.chatManifest(t, 4, 6), Delivery{}, WriteOptions{})

	k3 := testpki.Key(t)
	leaf := restoredFrom(t, f, rotated, k3)
	k3v := f.j.VerifierKey()
	ca, other := newTestCA(t, "Studio Appliance CA"), newTestCA(t, "Another authority")
	after := f.deliver(t, f.chatManifest(t, 2, 6), Delivery{}, WriteOptions{Chain: ca.chainFor(t, &k3.PublicKey, "Attesta appliance test")})
	uncertified := f.deliver(t, f.chatManifest(t, 3, 6), Delivery{}, WriteOptions{})
	trusted, untrusted := &rootJudge{ca: ca.cert}, &rootJudge{ca: other.cert}
	refusedLeaf := "restore leaf " + strconv.FormatUint(leaf, 10)

	for _, tc := range []struct {
		name  string
		path  string
		opts  VerifyOptions
		valid bool
		want  string
	}{
		{"before, pinned on the first key", before, VerifyOptions{Key: first}, true, ""},
		{"after, first key and restored key pinned", after, VerifyOptions{Key: first, Restored: []string{k3v}}, true, "rotation"},
		{"after, restored key pinned alone", after, VerifyOptions{Key: k3v}, true, ""},
		{"after, first key pinned, certified by the authority", after, VerifyOptions{Key: first, ChainTrust: trusted.judge}, true, "ok "},
		{"after, first key pinned, certified by another authority", after, VerifyOptions{Key: first, ChainTrust: untrusted.judge}, false, "does not chain"},
		{"after, first key pinned only", after, VerifyOptions{Key: first}, false, refusedLeaf},
		{"after, first key pinned, no certificate", uncertified, VerifyOptions{Key: first, ChainTrust: trusted.judge}, false, "neither --restored-key nor a certificate"},
		{"after, nothing pinned", after, VerifyOptions{}, true, "no pinned key vouched for it"},
		{"forged, first key and the real restored key pinned", forged, VerifyOptions{Key: first, Restored: []string{k3v}}, false, "restore leaf " + strconv.FormatUint(forgedLeaf, 10)},
		{"forged, certified by the authority for the real key", forged, VerifyOptions{Key: first, ChainTrust: trusted.judge}, false, "(restore leaf " + strconv.FormatUint(forgedLeaf, 10) + ")"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := Verify(t.Context(), tc.path, tc.opts)
			if (err == nil) != tc.valid {
				t.Fatalf("Verify: %v, want valid %v\n%s", err, tc.valid, r.Text())
			}
			if tc.want != "" && !strings.Contains(r.Text(), tc.want) {
				t.Errorf("the report does not say %q:\n%s", tc.want, r.Text())
			}
		})
	}
}
