package appliance

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/attesta/attesta/appliance/panel"
	"github.com/attesta/attesta/tpm/attest"
	"github.com/attesta/attesta/tpm/tpmtest"
)

// openWithImagePolicy opens an appliance on the simulator under a throw-away image key, with signed policies of
// versions 1, 2, … that approve PCRs 0 (zero) and 7 with the values given (the simulator's are zero): one file for
// one policy, a folder of them for more.
func openWithImagePolicy(t *testing.T, dir string, pcr7 ...[]byte) *Appliance {
	t.Helper()
	cfg := imagePolicyConfig(t, dir, pcr7...)
	cfg.TPM = "sim"
	a, err := Open(t.Context(), cfg)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { a.Close() })
	if a.ident.ImagePolicyKey == nil {
		t.Fatal("the signing key is not under the image key")
	}
	return a
}

// imagePolicyConfig writes the image key and the policies of openWithImagePolicy into dir and returns the
// configuration that names them (data in dir/data, no TPM chosen).
func imagePolicyConfig(t *testing.T, dir string, pcr7 ...[]byte) Config {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	keyFile, polFile := filepath.Join(dir, "image-key.pem"), filepath.Join(dir, "policies")
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	os.Mkdir(polFile, 0o755)
	for i, v := range pcr7 {
		pol, err := attest.SignPolicy(key, uint64(i+1), "test", attest.PCRSelection{0, 7}, [][]byte{make([]byte, 32), v})
		if err != nil {
			t.Fatal(err)
		}
		data, _ := pol.Marshal()
		name := filepath.Join(polFile, fmt.Sprintf("slot-%d.json", i))
		if err := os.WriteFile(name, data, 0o644); err != nil {
			t.Fatal(err)
		}
		if len(pcr7) == 1 {
			polFile = name
		}
	}
	return Config{DataDir: filepath.Join(dir, "data"), ImageKey: keyFile, TPMPolicy: polFile,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
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
	clears, unlocks := leavesOfType(t, a, LeafTamperClear), leavesOfType(t, a, LeafUnlock)
	if len(clears) != 1 || clears[0].Fields["admin"] != "admin" || len(unlocks) != 1 {
		t.Fatalf("tamper-clear leaves %v, unlock leaves %v", clears, unlocks)
	}
	wantUnlocked(t, ctx, a)
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

// TestImagePolicyFolder: of an A/B box's two signed policies, the one whose PCRs hold is put in force, though the
// other is newer.
func TestImagePolicyFolder(t *testing.T) {
	a := openWithImagePolicy(t, t.TempDir(), make([]byte, 32), bytes.Repeat([]byte{0x77}, 32))
	if p := a.TPM().Policy(); p == nil || p.Version != 1 {
		t.Fatalf("policy in force %+v, want version 1 (the booted slot's)", p)
	}
	if res, err := a.CheckAttestation(t.Context()); err != nil || !res.OK {
		t.Fatalf("CheckAttestation = %+v, %v", res, err)
	}
}

// TestImagePolicyConfigErrors: a bad image key or policy file stops the start with an error naming the file.
func TestImagePolicyConfigErrors(t *testing.T) {
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage.json")
	os.WriteFile(garbage, []byte(`{"format": "attesta.tpm.policy/v1", "version": 1}`), 0o644)
	empty := filepath.Join(dir, "empty")
	os.Mkdir(empty, 0o755)
	for _, tt := range []struct {
		cfg  Config
		want string
	}{
		{Config{TPMPolicy: garbage}, "without image_key"},
		{Config{ImageKey: garbage}, "image_key " + garbage},
		{Config{ImageKey: filepath.Join(dir, "missing.pem")}, "missing.pem"},
	} {
		if _, err := provisionOptions(tt.cfg, nil); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("provisionOptions(%+v) = %v, want an error with %q", tt.cfg, err, tt.want)
		}
	}
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	keyFile := filepath.Join(dir, "key.pem")
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o644)
	for _, tt := range []struct{ policy, want string }{
		{garbage, garbage + ": pcr_selection"}, {empty, "no signed policy"},
	} {
		if _, err := provisionOptions(Config{ImageKey: keyFile, TPMPolicy: tt.policy}, nil); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("tpm_policy %s: %v, want an error with %q", tt.policy, err, tt.want)
		}
	}
}

// TestImagePolicyAdvance: after an update (the policies of both slots approve the PCRs of now: the newer is in
// force), the counter moves to the newer's version, journaled; it refuses to move past the policy in force.
func TestImagePolicyAdvance(t *testing.T) {
	ctx := t.Context()
	a := openWithImagePolicy(t, t.TempDir(), make([]byte, 32), make([]byte, 32))
	if boots := leavesOfType(t, a, LeafBoot); len(boots) != 1 || boots[0].Fields["tpm_policy_version"] != int64(2) {
		t.Fatalf("boot leaf %v: want tpm_policy_version 2", boots)
	}
	if _, err := AdvancePolicy(ctx, a, 3); err == nil || !strings.Contains(err.Error(), "locked out") {
		t.Fatalf("AdvancePolicy(3) under policy v2: %v", err)
	}
	if got, err := AdvancePolicy(ctx, a, 0); err != nil || got != 2 {
		t.Fatalf("AdvancePolicy = %d, %v; want 2", got, err)
	}
	adv := leavesOfType(t, a, LeafPolicyAdvance)
	if len(adv) != 1 || adv[0].Fields["from"] != int64(1) || adv[0].Fields["to"] != int64(2) {
		t.Fatalf("advance leaves %v", adv)
	}
	if res, err := a.CheckAttestation(ctx); err != nil || !res.OK {
		t.Fatalf("CheckAttestation after the advance = %+v, %v", res, err)
	}
}

// TestSwtpmTamperSurvivesPowerCycle: on a TPM that keeps NV (swtpm), an opening of the case still stops the key
// after a power cycle, which resets PCR 23, until the administrator's unlock; the journal verifies throughout.
func TestSwtpmTamperSurvivesPowerCycle(t *testing.T) {
	ctx := t.Context()
	sw := tpmtest.Start(t)
	cfg := imagePolicyConfig(t, t.TempDir(), make([]byte, 32))
	cfg.TPM = sw.Spec
	a, err := Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Tamper(ctx, panel.Event{At: time.Now(), Count: 1}); err != nil {
		a.Close()
		t.Fatal(err)
	}
	a.Close()
	sw.PowerCycle(t)

	b, err := Open(ctx, cfg)
	if err != nil {
		t.Fatalf("Open after the power cycle: %v", err)
	}
	defer b.Close()
	res, err := b.CheckAttestation(ctx)
	if err != nil || res.OK || !strings.Contains(strings.Join(res.Failures, "\n"), "tamper index is set") {
		t.Fatalf("CheckAttestation after the power cycle = %+v, %v; want the tamper index named", res, err)
	}
	if err := b.Unlock(ctx, "admin", "case inspected"); err != nil {
		t.Fatalf("Unlock: %v", err)
	}
	if res, err := b.CheckAttestation(ctx); err != nil || !res.OK {
		t.Fatalf("CheckAttestation after the unlock = %+v, %v", res, err)
	}
	if _, err := b.VerifyJournal(ctx, nil); err != nil {
		t.Fatalf("journal: %v", err)
	}
}
