package tpm

import (
	"crypto/ecdsa"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/attesta/attesta/journal/format"
)

func TestRotateSigningKey(t *testing.T) {
	dir := t.TempDir()
	tp := openT(t, simBackend(), dir)
	old := provisionT(t, tp)
	oldSigner, err := tp.Signer(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	p, err := tp.NewSigningKey(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	id := p.Identity()
	if id.SigningKey.Equal(old.SigningKey) || string(id.AKTPMT) != string(old.AKTPMT) {
		t.Fatal("the new key is the old one, or is certified by another AK")
	}
	// Both keys sign the rotation statement while the new one is pending.
	cert := id.CertificationText()
	r, err := format.NewRotation("attesta/sim", 3, [32]byte{1}, time.Now(), oldSigner, p, cert)
	if err != nil {
		t.Fatal(err)
	}
	oldKey, _ := format.VerifierKey("attesta/sim", old.SigningKey)
	if err := r.Check(oldKey); err != nil {
		t.Fatal(err)
	}
	if ak, err := CheckCertificationText(cert, id.SigningKey); err != nil || string(ak) != string(old.AKTPMT) {
		t.Fatalf("certification of the new key: %v", err)
	}
	if _, err := CheckCertificationText(cert, old.SigningKey); err == nil {
		t.Fatal("the new key's certification was accepted for the old key")
	}
	if _, err := CheckCertificationText(old.CertificationText()[:40], id.SigningKey); err == nil {
		t.Fatal("a truncated certification was accepted")
	}
	if err := tp.CommitKey(t.Context(), p); err != nil {
		t.Fatal(err)
	}
	if !oldSigner.Public().(*ecdsa.PublicKey).Equal(id.SigningKey) {
		t.Fatal("the TPM's signer does not sign with the new key after the commit")
	}
	signAndVerify(t, tp, "after the rotation")
	if _, err := p.Sign(nil, make([]byte, 32), nil); err != nil {
		t.Fatalf("the committed key no longer signs through its PendingKey: %v", err)
	}
	if err := tp.CommitKey(t.Context(), p); err == nil {
		t.Fatal("a key was committed twice")
	}
	retired, err := os.ReadDir(filepath.Join(dir, RetiredDir))
	if err != nil || len(retired) != 1 {
		t.Fatalf("retired keys: %v, %v", retired, err)
	}
	if _, err := os.Stat(filepath.Join(dir, RetiredDir, retired[0].Name(), ProvisionFile)); err != nil {
		t.Fatal(err)
	}
	// Reopened, the TPM loads the new key.
	if err := tp.Close(); err != nil {
		t.Fatal(err)
	}
	tp2 := openT(t, simBackend(), dir)
	if again := provisionT(t, tp2); !again.SigningKey.Equal(id.SigningKey) {
		t.Fatal("after reopening, the key in force is not the rotated one")
	}
	signAndVerify(t, tp2, "after reopening")
}

func TestDiscardPendingKey(t *testing.T) {
	tp := openT(t, simBackend(), t.TempDir())
	old := provisionT(t, tp)
	p, err := tp.NewSigningKey(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if err := tp.DiscardKey(p); err != nil {
		t.Fatal(err)
	}
	if err := tp.CommitKey(t.Context(), p); err == nil {
		t.Fatal("a discarded key was committed")
	}
	if id := provisionT(t, tp); !id.SigningKey.Equal(old.SigningKey) {
		t.Fatal("discarding changed the key in force")
	}
	signAndVerify(t, tp, "after discarding")
}

func TestPendingKeySurvivesARestart(t *testing.T) {
	dir := t.TempDir()
	tp := openT(t, simBackend(), dir)
	old := provisionT(t, tp)
	p, err := tp.NewSigningKey(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	tp.Close() // stopped between the journal's rotation leaf and the commit
	tp = openT(t, simBackend(), dir)
	if id := provisionT(t, tp); !id.SigningKey.Equal(old.SigningKey) {
		t.Fatal("an uncommitted key came into force")
	}
	again, err := tp.PendingSigningKey(t.Context())
	if err != nil || again == nil || !again.Identity().SigningKey.Equal(p.Identity().SigningKey) {
		t.Fatalf("pending key after a restart: %v, %v", again, err)
	}
	if err := tp.CommitKey(t.Context(), again); err != nil {
		t.Fatal(err)
	}
	signAndVerify(t, tp, "after finishing the rotation")
	if none, err := tp.PendingSigningKey(t.Context()); none != nil || err != nil {
		t.Fatalf("a pending key is left after the commit: %v, %v", none, err)
	}
}

// A new key whose pending state cannot be saved is refused: a key that a crash would lose is never handed out.
func TestNewSigningKeyFailsWhenItsStateCannotBeSaved(t *testing.T) {
	dir := t.TempDir()
	tp := openT(t, simBackend(), dir)
	provisionT(t, tp)
	if err := os.WriteFile(filepath.Join(dir, PendingDir), []byte("not a folder"), 0o600); err != nil {
		t.Fatal(err)
	}
	if p, err := tp.NewSigningKey(t.Context()); err == nil || p != nil {
		t.Fatalf("NewSigningKey with an unwritable pending folder: %v, %v; want an error", p, err)
	}
	signAndVerify(t, tp, "after the refused rotation")
}
