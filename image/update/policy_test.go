package update

import (
	"bytes"
	"crypto/ecdsa"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/attesta/attesta/tpm/attest"
)

// signedPolicy is a signed TPM policy file of key for image, version v; fill makes each slot's PCR values differ.
func signedPolicy(t testing.TB, key *ecdsa.PrivateKey, v uint64, image string, fill byte) []byte {
	t.Helper()
	vals := [][]byte{bytes.Repeat([]byte{fill}, 32), bytes.Repeat([]byte{fill + 1}, 32), bytes.Repeat([]byte{fill + 2}, 32)}
	p, err := attest.SignPolicy(key, v, image, attest.PCRSelection{4, 7, 11}, vals)
	if err != nil {
		t.Fatal(err)
	}
	b, err := p.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// policies are both slots' signed policies of key for image, version v.
func policies(t testing.TB, key *ecdsa.PrivateKey, v uint64, image string) map[string][]byte {
	return map[string][]byte{"a": signedPolicy(t, key, v, image, 0xa0), "b": signedPolicy(t, key, v, image, 0xb0)}
}

func (f *fixture) policyFile(slot string) string {
	return filepath.Join(f.esp, PoliciesDir, PolicyFile(slot))
}

func TestApplyWritesPolicy(t *testing.T) {
	ctx := t.Context()
	f := newFixture(t)
	polKey := newKey(t)
	v1 := policies(t, polKey, 2, "1.0.1")
	u := f.updater(Booted{Slot: "a", Version: "1.0.0"})
	u.PolicyKey, u.MinPolicyVersion = &polKey.PublicKey, 1
	res, err := u.Apply(ctx, f.bundleWith(t, "1.0.1", f.key, []byte("root 1.0.1"), v1))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := os.ReadFile(f.policyFile("b")); err != nil || !bytes.Equal(got, v1["b"]) {
		t.Fatalf("slot b's policy on the ESP: %q, %v; want the update's policy-b.json", got, err)
	}
	if _, err := os.Stat(f.policyFile("a")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("slot a's policy written by an update into slot b: %v", err)
	}
	if want := []string{LeafVerified, LeafSlotWritten, LeafPolicy, LeafBootEntry}; !slices.Equal(f.leafTypes(), want) {
		t.Fatalf("leaves %v, want %v", f.leafTypes(), want)
	}
	if pv := f.leaves[0].Fields["policy_version"]; pv != int64(2) {
		t.Errorf("verified leaf: policy_version %v, want 2", pv)
	}
	pl := f.leaves[2].Fields
	if pl["file"] != "attesta/policies/slot-b.json" || pl["policy_version"] != int64(2) || pl["slot"] != "b" ||
		pl["pcr_selection"] != "sha256:4,7,11" {
		t.Errorf("policy leaf %v", pl)
	}
	if res.Slot != "b" || res.Policy != "attesta/policies/slot-b.json" || res.PolicyVersion != 2 {
		t.Fatalf("installed %+v, want slot b with policy version 2", res)
	}

	// Blessed; the next update goes into slot a and replaces its policy (the factory image's).
	sdBootTry(t, f.esp)
	if _, err := Settle(ctx, f.esp, Booted{Slot: "b", Version: "1.0.1"}, f.record); err != nil {
		t.Fatal(err)
	}
	writeFile(t, f.policyFile("a"), signedPolicy(t, polKey, 1, "1.0.0", 1))
	v2 := policies(t, polKey, 3, "1.0.2")
	u = f.updater(Booted{Slot: "b", Version: "1.0.1"})
	u.PolicyKey, u.MinPolicyVersion = &polKey.PublicKey, 2
	if _, err := u.Apply(ctx, f.bundleWith(t, "1.0.2", f.key, []byte("root 1.0.2"), v2)); err != nil {
		t.Fatal(err)
	}
	for slot, want := range map[string][]byte{"a": v2["a"], "b": v1["b"]} {
		if got, _ := os.ReadFile(f.policyFile(slot)); !bytes.Equal(got, want) {
			t.Errorf("slot %s's policy after the second update: %s", slot, got)
		}
	}
}

func TestPolicyRefusals(t *testing.T) {
	f := newFixture(t)
	polKey := newKey(t)
	root := []byte("root 1.0.1")
	wrongVersion := policies(t, polKey, 2, "1.0.1")
	wrongVersion["b"] = signedPolicy(t, polKey, 2, "1.0.7", 0xb0)
	garbled := policies(t, polKey, 2, "1.0.1")
	garbled["b"] = bytes.Replace(garbled["b"], []byte(`"version": 2`), []byte(`"version": 9`), 1)
	cases := []struct {
		name, file string
		want       error
		say        string
	}{
		{"no policies", f.bundle(t, "1.0.1", f.key, root), ErrNoPolicy, "could not sign"},
		{"another key's policies", f.bundleWith(t, "1.0.1", f.key, root, policies(t, newKey(t), 2, "1.0.1")), ErrPolicy, "not the image key's"},
		{"policy of another image", f.bundleWith(t, "1.0.1", f.key, root, wrongVersion), ErrPolicy, "policy-b.json is for image 1.0.7"},
		{"older than the TPM's counter", f.bundleWith(t, "1.0.1", f.key, root, policies(t, polKey, 1, "1.0.1")), ErrPolicy, "version 1, the TPM accepts 2 and above"},
		{"version changed after signing", f.bundleWith(t, "1.0.1", f.key, root, garbled), ErrPolicy, "approved_policy"},
	}
	before, _ := os.ReadFile(f.disk)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			u := f.updater(Booted{Slot: "a", Version: "1.0.0"})
			u.PolicyKey, u.MinPolicyVersion = &polKey.PublicKey, 2
			_, err := u.Apply(t.Context(), c.file)
			if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.say) {
				t.Fatalf("error %v, want %v saying %q", err, c.want, c.say)
			}
		})
	}
	after, _ := os.ReadFile(f.disk)
	if _, err := os.Stat(filepath.Join(f.esp, PoliciesDir)); !bytes.Equal(before, after) || len(f.leaves) != 0 ||
		!errors.Is(err, os.ErrNotExist) || !slices.Equal(f.entries(t), []string{"attesta-1.0.0-a.efi"}) {
		t.Fatalf("a refused update changed something: disk changed %v, leaves %v, entries %v, policies %v",
			!bytes.Equal(before, after), f.leafTypes(), f.entries(t), err)
	}
}

// A box whose key is not bound to signed policies (no PolicyKey) installs an update that carries them and leaves
// the policies alone.
func TestPoliciesIgnoredWithoutPolicyKey(t *testing.T) {
	f := newFixture(t)
	polKey := newKey(t)
	if _, err := f.updater(Booted{Slot: "a", Version: "1.0.0"}).Apply(t.Context(),
		f.bundleWith(t, "1.0.1", f.key, []byte("root"), policies(t, polKey, 1, "1.0.1"))); err != nil {
		t.Fatal(err)
	}
	if want := []string{LeafVerified, LeafSlotWritten, LeafBootEntry}; !slices.Equal(f.leafTypes(), want) {
		t.Fatalf("leaves %v, want %v", f.leafTypes(), want)
	}
	if _, err := os.Stat(filepath.Join(f.esp, PoliciesDir)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("policies written: %v", err)
	}
}

func TestWriteRefusesHalfThePolicies(t *testing.T) {
	dir := t.TempDir()
	var srcs []Source
	for _, n := range append(slices.Clone(payload), PolicyName("a")) {
		writeFile(t, filepath.Join(dir, n), []byte(n))
		srcs = append(srcs, Source{Name: n, Path: filepath.Join(dir, n)})
	}
	var buf bytes.Buffer
	err := Write(&buf, newKey(t), "1.0.1", strings.Repeat("ab", 32), srcs, time.Unix(1700000000, 0))
	if err == nil || !strings.Contains(err.Error(), "4 payload files") {
		t.Fatalf("Write with policy-a.json alone: %v", err)
	}
	// Swapped policies are refused too.
	srcs = append(srcs[:3], Source{Name: PolicyName("b"), Path: srcs[3].Path}, Source{Name: PolicyName("a"), Path: srcs[3].Path})
	if err := Write(&buf, newKey(t), "1.0.1", strings.Repeat("ab", 32), srcs, time.Unix(1700000000, 0)); err == nil || !strings.Contains(err.Error(), `"policy-b.json", want "policy-a.json"`) {
		t.Fatalf("Write with the policies swapped: %v", err)
	}
}
