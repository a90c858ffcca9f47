package bundle_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/attesta/attesta/bundle"
	"github.com/attesta/attesta/bundle/bundletest"
	"github.com/attesta/attesta/journal/format"
)

// rotated makes a delivery before and one after a rotation of the checkpoint key, and returns them with the first
// key, the second key and that key's private half.
func rotated(t *testing.T) (before, after, first, second string) {
	t.Helper()
	m, err := bundletest.NewMaker(t.Context(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	first = m.VKey()
	man, src := bundletest.Manifest(1)
	if before, err = m.Deliver(t.Context(), man, src, bundle.Delivery{}, bundle.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	k2, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := m.Journal.Rotate(t.Context(), k2, ""); err != nil {
		t.Fatal(err)
	}
	man, src = bundletest.Manifest(2)
	if after, err = m.Deliver(t.Context(), man, src, bundle.Delivery{}, bundle.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	return before, after, first, m.VKey()
}

func TestDeliveriesBeforeAndAfterARotationVerify(t *testing.T) {
	before, after, first, second := rotated(t)
	if first == second {
		t.Fatal("the key did not change")
	}
	if _, err := os.Stat(filepath.Join(before, "proofs", "keychain")); err == nil {
		t.Error("a delivery made before any rotation carries a key chain")
	}
	for _, tc := range []struct {
		name, path, key string
	}{
		{"before, pinned on the first key", before, first},
		{"after, pinned on the first key", after, first},
		{"after, pinned on the new key", after, second},
		{"after, nothing pinned", after, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := bundle.Verify(t.Context(), tc.path, bundle.VerifyOptions{Key: tc.key})
			if err != nil {
				t.Fatal(err)
			}
			if tc.path == after && tc.key != second {
				found := false
				for _, c := range r.Checks {
					found = found || c.Name == bundle.CheckPinnedKey && c.File == "proofs/keychain" && c.Outcome == bundle.Pass
				}
				if !found {
					t.Errorf("no passed key-chain check in %v", r.Checks)
				}
			}
		})
	}
}

// rewriteChain edits the first rotation leaf of the delivery's key chain.
func rewriteChain(t *testing.T, dir string, edit func(e format.Entry)) {
	t.Helper()
	p := filepath.Join(dir, "proofs", "keychain")
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	c, err := format.ParseKeyChain(data)
	if err != nil {
		t.Fatal(err)
	}
	seq, e, err := format.DecodeLeaf(c.Links[0].Leaf)
	if err != nil {
		t.Fatal(err)
	}
	edit(e)
	if c.Links[0].Leaf, err = format.EncodeLeaf(seq, e); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, c.Marshal(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestForgedKeyChainIsRejected(t *testing.T) {
	_, after, first, second := rotated(t)
	attacker, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	attackerKey, err := format.VerifierKey(bundletest.Origin, &attacker.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		edit func(t *testing.T, dir string)
		want string
	}{
		{"no key chain", func(t *testing.T, dir string) {
			if err := os.Remove(filepath.Join(dir, "proofs", "keychain")); err != nil {
				t.Fatal(err)
			}
		}, "not the pinned one"},
		{"new public changed", func(t *testing.T, dir string) {
			rewriteChain(t, dir, func(e format.Entry) { e.Fields["new_key"] = attackerKey })
		}, "rotation leaf 1"},
		{"signed by the new key only", func(t *testing.T, dir string) {
			rewriteChain(t, dir, func(e format.Entry) { e.Fields["old_sig"] = e.Fields["new_sig"] })
		}, "rotation leaf 1: bad signature: the old key's signature"},
		{"chain from another key", func(t *testing.T, dir string) {
			p := filepath.Join(dir, "proofs", "keychain")
			data, _ := os.ReadFile(p)
			os.WriteFile(p, []byte(strings.Replace(string(data), first, attackerKey, 1)), 0o644)
		}, "not from the pinned key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), filepath.Base(after))
			if err := os.CopyFS(dir, os.DirFS(after)); err != nil {
				t.Fatal(err)
			}
			tc.edit(t, dir)
			r, err := bundle.Verify(t.Context(), dir, bundle.VerifyOptions{Key: first})
			if !errors.Is(err, bundle.ErrInvalid) {
				t.Fatalf("verify: %v, want ErrInvalid", err)
			}
			var ce *bundle.CheckError
			if !errors.As(err, &ce) || ce.Check.Name != bundle.CheckPinnedKey || !strings.Contains(ce.Check.EN, tc.want) {
				t.Fatalf("first failure %v; want the pinned-key check saying %q (checks: %v)", err, tc.want, r.Failed())
			}
		})
	}
	_ = second
}
