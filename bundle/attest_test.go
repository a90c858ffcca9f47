package bundle

import (
	"path/filepath"
	"testing"

	"github.com/attesta/attesta/internal/testpki"
)

// TestAttestation signs the journal with the signing key of the reference TPM simulator, ships the simulator's
// attestation folder (made for the delivery's checkpoint), and checks the certification both ways: with Verify and with VERIFICA.txt's commands.
func TestAttestation(t *testing.T) {
	ctx := t.Context()
	f, tp, id := newSimFixture(t)
	folder, att := deliverAttested(t, f, tp, f.chatManifest(t, 6, 10)) // nonce: the SHA-256 of its checkpoint

	r, err := Verify(ctx, folder, VerifyOptions{AK: id.AK, RequireAttestation: true})
	if err != nil {
		t.Fatalf("Verify: %v\n%s", err, r.Text())
	}
	if c := r.Find(CheckCertification); len(c) != 1 || c[0].Outcome != Pass {
		t.Fatalf("key certification: %v", c)
	}
	requireTools(t, "tpm2_print")
	if failed := runVerifica(t, folder); len(failed) > 0 {
		for c, out := range failed {
			t.Errorf("step failed:\n%s\n%s", c, out)
		}
	}

	t.Run("other AK pinned", func(t *testing.T) {
		k := testpki.Key(t)
		r, err := Verify(ctx, folder, VerifyOptions{AK: &k.PublicKey})
		failedCheck(t, r, err, CheckCertification, attestationDir+"/ak.pem")
	})
	t.Run("certify.msg altered", func(t *testing.T) {
		dir := copyDir(t, folder)
		p := filepath.Join(dir, attestationDir, "certify.msg")
		b := mustRead(t, p)
		b[len(b)-1] ^= 1
		mustWrite(t, p, b)
		r, err := Verify(ctx, dir, VerifyOptions{})
		failedCheck(t, r, err, CheckCertification, attestationDir+"/SHA256SUMS")
	})
	t.Run("journal key not the TPM's", func(t *testing.T) {
		sw := newFixture(t)
		m := sw.chatManifest(t, 7, 10)
		dir := sw.deliver(t, m, Delivery{Attestation: att}, WriteOptions{})
		r, err := Verify(ctx, dir, VerifyOptions{})
		failedCheck(t, r, err, CheckCertification, vkeyFile)
		failed := runVerifica(t, dir)
		if len(failed) != 1 {
			t.Errorf("%d VERIFICA steps failed, want the certified-key step only: %v", len(failed), failed)
		}
	})
	t.Run("attestation required", func(t *testing.T) {
		sw := newFixture(t)
		dir := sw.deliver(t, sw.chatManifest(t, 8, 10), Delivery{}, WriteOptions{})
		r, err := Verify(ctx, dir, VerifyOptions{RequireAttestation: true})
		failedCheck(t, r, err, CheckCertification, attestationDir)
	})
}
