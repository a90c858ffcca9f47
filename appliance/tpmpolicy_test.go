package appliance

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/attesta/attesta/appliance/panel"
	"github.com/attesta/attesta/tpm/attest"
)

// openWithImagePolicy opens an appliance on the simulator under a throw-away image key, with a policy of version 1
// that approves PCRs 0 and 7 with the values given (the simulator's are zero).
func openWithImagePolicy(t *testing.T, dir string, pcr7 []byte) *Appliance {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	keyFile, polFile := filepath.Join(dir, "image-key.pem"), filepath.Join(dir, "attesta.policy.json")
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	pol, err := attest.SignPolicy(key, 1, "test", attest.PCRSelection{0, 7}, [][]byte{make([]byte, 32), pcr7})
	if err != nil {
		t.Fatal(err)
	}
	data, _ := pol.Marshal()
	if err := os.WriteFile(polFile, data, 0o644); err != nil {
		t.Fatal(err)
	}
	a, err := Open(t.Context(), Config{DataDir: filepath.Join(dir, "data"), TPM: "sim", ImageKey: keyFile, TPMPolicy: polFile,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { a.Close() })
	if a.ident.ImagePolicyKey == nil {
		t.Fatal("the signing key is not under the image key")
	}
	return a
}

// TestImagePolicyTamperAndUnlock: under the image key's signed policy the self-test passes; an opened case sets the
// TPM's tamper index, so the key refuses to sign with a clear error; the administrator's unlock journals the clear
// before it, and the key signs again.
func TestImagePolicyTamperAndUnlock(t *testing.T) {
	ctx := t.Context()
	a := openWithImagePolicy(t, t.TempDir(), make([]byte, 32))
	if res, err := a.CheckAttestation(ctx); err != nil || !res.OK {
		t.Fatalf("CheckAttestation under the signed policy = %+v, %v", res, err)
	}
	if err := a.Tamper(ctx, panel.Event{At: time.Now(), Count: 1}); err != nil {
		t.Fatal(err)
	}
	res, err := a.CheckAttestation(ctx)
	if err != nil || res.OK || !strings.Contains(strings.Join(res.Failures, "\n"), "tamper index is set") {
		t.Fatalf("CheckAttestation after the case opened = %+v, %v; want a failure naming the tamper index", res, err)
	}
	if err := a.CheckCertify(); err == nil || !strings.Contains(err.Error(), "case opened") {
		t.Fatalf("lock = %v, want the case opening", err)
	}
	if err := a.Unlock(ctx, "admin", "case inspected, seals replaced"); err != nil {
		t.Fatalf("Unlock: %v", err)
	}
	if on, err := a.TPM().Tampered(ctx); err != nil || on {
		t.Fatalf("tamper index after the unlock = %v, %v", on, err)
	}
	clears, unlocks := leavesOfType(t, a, LeafTamperClear), leavesOfType(t, a, LeafUnlock)
	if len(clears) != 1 || clears[0].Fields["admin"] != "admin" || len(unlocks) != 1 {
		t.Fatalf("tamper-clear leaves %v, unlock leaves %v", clears, unlocks)
	}
	if res, err := a.CheckAttestation(ctx); err != nil || !res.OK {
		t.Fatalf("CheckAttestation after the unlock = %+v, %v", res, err)
	}
	if _, err := a.VerifyJournal(ctx, nil); err != nil {
		t.Fatalf("journal after the unlock: %v", err)
	}
}

// TestImagePolicySelfTestNamesThePCR: when the booted PCRs differ from the signed policy, the start-up self-test
// says which PCR, with the expected and the actual value.
func TestImagePolicySelfTestNamesThePCR(t *testing.T) {
	want := bytes.Repeat([]byte{0x77}, 32)
	a := openWithImagePolicy(t, t.TempDir(), want)
	res, err := a.CheckAttestation(t.Context())
	if err != nil || res.OK {
		t.Fatalf("CheckAttestation = %+v, %v; want a failure", res, err)
	}
	joined := strings.Join(res.Failures, "\n")
	for _, s := range []string{
		"PCR 7 differs from the signed policy version 1: expected 7777", "actual 0000",
		"signing key unusable: its authorized policy does not hold: PCR 7 differs",
	} {
		if !strings.Contains(joined, s) {
			t.Errorf("failures %q lack %q", joined, s)
		}
	}
	if strings.Contains(joined, "PCR 0 ") {
		t.Errorf("failures name PCR 0, which matches: %q", joined)
	}
}
