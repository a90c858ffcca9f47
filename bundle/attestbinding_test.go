package bundle

import (
	"crypto/sha256"
	"os"
	"path/filepath"
	"testing"

	"github.com/attesta/attesta/tpm"
)

// deliverAttested seals m, has the TPM write an attestation whose nonce is the SHA-256 of the delivery's
// checkpoint (as the appliance does), and writes the folder with it. It returns the folder and the attestation.
func deliverAttested(t *testing.T, f *fixture, tp *tpm.TPM, m *Manifest) (string, string) {
	t.Helper()
	s, err := Seal(t.Context(), f.j, m, f.caseID)
	if err != nil {
		t.Fatal(err)
	}
	nonce := sha256.Sum256(s.Checkpoint)
	att := filepath.Join(t.TempDir(), "attestation")
	if _, err := tp.WriteAttestation(t.Context(), att, nonce[:]); err != nil {
		t.Fatal(err)
	}
	d := Delivery{Manifest: m, Sealed: s, Artifacts: source{f.store, f.caseID}, Attestation: att}
	if err := Write(t.Context(), f.out, d, WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(f.out, m.FolderName()), att
}

// newSimFixture opens and provisions the reference TPM simulator and returns a fixture whose journal its signing
// key signs, with the TPM and its identity.
func newSimFixture(t *testing.T) (*fixture, *tpm.TPM, *tpm.Identity) {
	t.Helper()
	ctx := t.Context()
	tp, err := tpm.Open(ctx, "sim", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tp.Close() })
	id, err := tp.Provision(ctx, tpm.ProvisionOptions{})
	if err != nil {
		t.Fatal(err)
	}
	signer, err := tp.Signer(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return newFixtureWithSigner(t, signer, nil), tp, id
}

// TestAttestationBoundToDelivery moves the attestation of one delivery into another delivery of the same appliance
// (same TPM, same key: the certification alone still holds), and puts an auditor's attestation with its own nonce
// in its place: the attestation must be rejected, its quote not being over this delivery's checkpoint.
func TestAttestationBoundToDelivery(t *testing.T) {
	ctx := t.Context()
	f, tp, id := newSimFixture(t)
	a, _ := deliverAttested(t, f, tp, f.chatManifest(t, 40, 10))
	_, attB := deliverAttested(t, f, tp, f.chatManifest(t, 41, 10))
	opts := VerifyOptions{AK: id.AK, RequireAttestation: true}
	r, err := Verify(ctx, a, opts)
	if err != nil {
		t.Fatalf("bound attestation: %v\n%s", err, r.Text())
	}
	if c := r.Find(CheckAttestationBinding); len(c) != 1 || c[0].Outcome != Pass {
		t.Fatalf("attestation binding: %v", c)
	}
	auditor := filepath.Join(t.TempDir(), "attestation")
	if _, err := tp.WriteAttestation(ctx, auditor, []byte("auditor's nonce")); err != nil {
		t.Fatal(err)
	}
	for name, att := range map[string]string{"another delivery's": attB, "an auditor's": auditor} {
		t.Run(name, func(t *testing.T) {
			dir := copyDir(t, a)
			swap := filepath.Join(dir, attestationDir)
			if err := os.RemoveAll(swap); err != nil {
				t.Fatal(err)
			}
			if err := os.CopyFS(swap, os.DirFS(att)); err != nil {
				t.Fatal(err)
			}
			r, err := Verify(ctx, dir, opts)
			failedCheck(t, r, err, CheckAttestationBinding, attestationDir+"/quote.msg")
		})
	}
}
