package tpmtest

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/attesta/attesta/internal/testpki"
	"github.com/attesta/attesta/journal/blob/blobtest"
	"github.com/attesta/attesta/tpm"
)

// Backend is a TPM transport that TestTPM runs against.
type Backend struct {
	Name string // for messages: "sim", "swtpm", "/dev/tpmrm0"
	Spec string // the transport spec for tpm.Open
	// Reset power-cycles the TPM (PCRs back to their boot values) while keeping its persistent state, as a reboot
	// of the appliance would; nil when the TPM cannot be power-cycled (a device). For the simulator, closing and
	// reopening already does that: give a Reset that does nothing.
	Reset func(t *testing.T)
	// HasEKCert says whether the TPM was manufactured with EK certificates (swtpm_setup --create-ek-cert).
	HasEKCert bool
}

// reset power-cycles the TPM when it can be; otherwise closing and reopening it is the restart.
func (b Backend) reset(t *testing.T) {
	if b.Reset != nil {
		b.Reset(t)
	}
}

func equalDigests(a, b [][]byte) bool { return slices.EqualFunc(a, b, bytes.Equal) }

// runShell runs a command line as VERIFY.txt gives it, in dir.
func runShell(t *testing.T, dir, line string) (string, error) {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), "sh", "-c", line)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

// TestTPM is the behaviour every TPM transport must show: provisioning, a restart, signing, sealing, quotes, the
// clock, the attestation folder and its interop commands (tpm2-tools, openssl), the tamper PCR, and the key
// wrapper (blobtest.TestKeyWrapper). Subtests run in order; each opens and closes its own TPM with b.Spec and a
// fresh state directory. A transport that cannot be power-cycled (b.Reset nil) skips the tamper subtest, which
// would leave the application PCR extended until the next reboot.
func TestTPM(t *testing.T, b Backend) {
	t.Run("ProvisionRestartSign", func(t *testing.T) { testProvisionRestartSign(t, b) })
	t.Run("SealUnseal", func(t *testing.T) { testSealUnseal(t, b) })
	t.Run("Quote", func(t *testing.T) { testQuote(t, b) })
	t.Run("Clock", func(t *testing.T) { testClock(t, b) })
	t.Run("Attestation", func(t *testing.T) { testAttestation(t, b) })
	t.Run("Tamper", func(t *testing.T) { testTamper(t, b) })
	t.Run("KeyWrapper", func(t *testing.T) {
		tp := openT(t, b, t.TempDir())
		provisionT(t, tp)
		blobtest.TestKeyWrapper(t, tp.KeyWrapper())
	})
}

func openT(t *testing.T, b Backend, stateDir string) *tpm.TPM {
	t.Helper()
	tp, err := tpm.Open(t.Context(), b.Spec, stateDir)
	if err != nil {
		t.Fatalf("tpm.Open(%q): %v", b.Spec, err)
	}
	t.Cleanup(func() { tp.Close() })
	return tp
}

func provisionT(t *testing.T, tp *tpm.TPM) *tpm.Identity {
	t.Helper()
	id, err := tp.Provision(t.Context(), tpm.ProvisionOptions{})
	if err != nil {
		t.Fatalf("Provision: %v", err)
	}
	return id
}

func signAndVerify(t *testing.T, tp *tpm.TPM, msg string) {
	t.Helper()
	s, err := tp.Signer(t.Context())
	if err != nil {
		t.Fatalf("Signer: %v", err)
	}
	digest := sha256.Sum256([]byte(msg))
	sig, err := s.Sign(rand.Reader, digest[:], crypto.SHA256)
	if err != nil {
		t.Fatalf("Sign: %v", err)
	}
	if !ecdsa.VerifyASN1(s.Public().(*ecdsa.PublicKey), digest[:], sig) {
		t.Fatalf("signature by the tpm.TPM does not verify with crypto/ecdsa")
	}
}

func testProvisionRestartSign(t *testing.T, b Backend) {
	dir := t.TempDir()
	tp := openT(t, b, dir)
	id := provisionT(t, tp)
	if id.SigningKey == nil || id.SigningKey.Curve != elliptic.P256() {
		t.Fatalf("signing key %v, want a P-256 key", id.SigningKey)
	}
	if got := id.PCRSelection.String(); got != "sha256:0,1,2,3,4,5,6,7,23" {
		t.Errorf("PCR selection %s", got)
	}
	if len(id.PCRValues) != 9 {
		t.Errorf("%d provisioned PCR values, want 9", len(id.PCRValues))
	}
	for _, c := range []tpm.Certification{id.Certify, id.CertifyCreation} {
		if err := tpm.VerifyCertification(id.AK, c.Msg, c.SigDER, id.SigningKeyTPMT); err != nil {
			t.Errorf("tpm.VerifyCertification: %v", err)
		}
	}
	if b.HasEKCert {
		if id.EKCert == nil || len(id.EKCerts) < 2 {
			t.Errorf("EK certificates %d, parsed %v; want RSA and ECC from swtpm", len(id.EKCerts), id.EKCert != nil)
		} else if !strings.Contains(id.EKCert.Issuer.String(), "swtpm-localca") {
			t.Errorf("EK certificate issuer %q", id.EKCert.Issuer)
		}
	} else if len(id.EKCerts) != 0 {
		t.Errorf("unexpected EK certificates on %s", b.Name)
	}
	for _, f := range []string{tpm.SigningKeyFile, tpm.ProvisionFile} {
		fi, err := os.Stat(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s mode %v, want 0600", f, fi.Mode().Perm())
		}
	}
	again, err := tp.Provision(t.Context(), tpm.ProvisionOptions{PCRs: tpm.PCRSelection{tpm.AppPCR, 7, 6, 5, 4, 3, 2, 1, 0}})
	if err != nil || again != id {
		t.Fatalf("second Provision in the same session: %v, same identity %v", err, again == id)
	}
	signAndVerify(t, tp, "before restart")
	dataKey := []byte("0123456789abcdef0123456789abcdef")
	wrapped, err := tp.KeyWrapper().Wrap(t.Context(), dataKey)
	if err != nil {
		t.Fatalf("Wrap: %v", err)
	}
	blob, _ := os.ReadFile(filepath.Join(dir, tpm.SigningKeyFile))
	if err := tp.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	b.reset(t)
	tp2 := openT(t, b, dir)
	id2 := provisionT(t, tp2)
	if !id2.SigningKey.Equal(id.SigningKey) || !id2.AK.Equal(id.AK) {
		t.Fatalf("after restart the keys changed")
	}
	if !bytes.Equal(id2.Certify.Msg, id.Certify.Msg) {
		t.Errorf("after restart the stored certification changed")
	}
	if blob2, _ := os.ReadFile(filepath.Join(dir, tpm.SigningKeyFile)); !bytes.Equal(blob, blob2) {
		t.Errorf("restart rewrote the key blob")
	}
	signAndVerify(t, tp2, "after restart")
	if got, err := tp2.KeyWrapper().Unwrap(t.Context(), wrapped); err != nil || !bytes.Equal(got, dataKey) {
		t.Fatalf("Unwrap after restart = %q, %v", got, err)
	}

	if _, err := tp2.Provision(t.Context(), tpm.ProvisionOptions{PCRs: tpm.PCRSelection{7, tpm.AppPCR}}); !errors.Is(err, tpm.ErrStateMismatch) {
		t.Errorf("Provision with another selection: %v, want ErrStateMismatch", err)
	}
}

func testSealUnseal(t *testing.T, b Backend) {
	tp := openT(t, b, t.TempDir())
	provisionT(t, tp) // the signing key occupies a slot, as in production
	kw := tp.KeyWrapper()
	key := make([]byte, 32)
	rand.Read(key)
	blob, err := kw.Wrap(t.Context(), key)
	if err != nil {
		t.Fatalf("Wrap: %v", err)
	}
	if bytes.Contains(blob, key) {
		t.Fatal("sealed blob contains the key in clear")
	}
	got, err := kw.Unwrap(t.Context(), blob)
	if err != nil || !bytes.Equal(got, key) {
		t.Fatalf("Unwrap = %x, %v; want %x", got, err, key)
	}

	flipPrivate := bytes.Clone(blob)
	flipPrivate[len(flipPrivate)-5] ^= 0x01
	flipPublic := bytes.Clone(blob)
	flipPublic[12] ^= 0x01 // inside the attribute bits or name algorithm
	tests := []struct {
		name    string
		blob    []byte
		badBlob bool // rejected before reaching the tpm.TPM
	}{
		{"empty", nil, true},
		{"truncated header", blob[:3], true},
		{"truncated private", blob[:len(blob)-1], true},
		{"trailing byte", append(bytes.Clone(blob), 0), true},
		{"wrong magic", append([]byte("ATK1"), blob[4:]...), true},
		{"future version", append([]byte("ATS2"), blob[4:]...), true},
		{"flipped private byte", flipPrivate, false},
		{"flipped public byte", flipPublic, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := tp.Unseal(t.Context(), tc.blob)
			if err == nil {
				t.Fatalf("Unseal accepted a %s blob, returned %x", tc.name, out)
			}
			if tc.badBlob != errors.Is(err, tpm.ErrBadBlob) {
				t.Errorf("error %v: ErrBadBlob=%v, want %v", err, errors.Is(err, tpm.ErrBadBlob), tc.badBlob)
			}
			if !strings.HasPrefix(err.Error(), "tpm: unseal: ") {
				t.Errorf("error %q does not say what failed", err)
			}
		})
	}
	// The tpm.TPM still works and the good blob still opens after the failures.
	if got, err := tp.Unseal(t.Context(), blob); err != nil || !bytes.Equal(got, key) {
		t.Fatalf("Unseal after failures = %v", err)
	}
	if _, err := tp.Seal(t.Context(), make([]byte, tpm.MaxSealed+1)); err == nil {
		t.Error("Seal accepted an oversized secret")
	}
}

func testQuote(t *testing.T, b Backend) {
	tp := openT(t, b, t.TempDir())
	id := provisionT(t, tp)
	nonce := []byte("auditor nonce 0123456789abcdef!!")
	q, err := tp.Quote(t.Context(), nonce, nil)
	if err != nil {
		t.Fatalf("tpm.Quote: %v", err)
	}
	if q.Selection != "sha256:0,1,2,3,4,5,6,7,23" {
		t.Errorf("Selection %q", q.Selection)
	}
	pcrs, err := tp.ReadPCRs(t.Context(), id.PCRSelection)
	if err != nil {
		t.Fatal(err)
	}
	if !equalDigests(pcrs, q.PCRs) || !equalDigests(pcrs, id.PCRValues) {
		t.Errorf("quoted PCRs differ from ReadPCRs or the provisioned values")
	}
	if err := tpm.VerifyQuote(id.AK, q, nonce, pcrs); err != nil {
		t.Fatalf("tpm.VerifyQuote: %v", err)
	}
	if err := tpm.VerifyQuote(id.AK, q, nonce, nil); err != nil {
		t.Fatalf("tpm.VerifyQuote with reported PCRs: %v", err)
	}
	if q.ClockInfo.Clock == 0 {
		t.Errorf("quote clock info is zero: %+v", q.ClockInfo)
	}

	t.Run("all 24 PCRs, largest nonce", func(t *testing.T) {
		var all tpm.PCRSelection
		for p := range uint(24) {
			all = append(all, p)
		}
		big := bytes.Repeat([]byte{0xa5}, tpm.MaxNonce)
		q, err := tp.Quote(t.Context(), big, all)
		if err != nil {
			t.Fatalf("tpm.Quote: %v", err)
		}
		if len(q.PCRs) != 24 {
			t.Fatalf("%d PCR values", len(q.PCRs))
		}
		if err := tpm.VerifyQuote(id.AK, q, big, nil); err != nil {
			t.Fatalf("tpm.VerifyQuote: %v", err)
		}
		if _, err := tp.Quote(t.Context(), append(big, 0), all); err == nil {
			t.Fatal("tpm.Quote accepted a nonce above MaxNonce")
		}
	})

	otherKey := testpki.Key(t)
	alteredPCRs := cloneDigests(pcrs)
	alteredPCRs[8][0] ^= 1
	alteredMsg := *q
	alteredMsg.Msg = bytes.Clone(q.Msg)
	alteredMsg.Msg[len(alteredMsg.Msg)-1] ^= 1
	otherSel := *q
	otherSel.Selection = "sha256:0,1,2,3,4,5,6,7"
	tests := []struct {
		name  string
		key   any
		q     *tpm.Quote
		nonce []byte
		pcrs  [][]byte
		want  error
	}{
		{"wrong nonce", id.AK, q, []byte("another nonce"), pcrs, tpm.ErrNonceMismatch},
		{"no nonce", id.AK, q, nil, pcrs, tpm.ErrNonceMismatch},
		{"altered PCR", id.AK, q, nonce, alteredPCRs, tpm.ErrPCRMismatch},
		{"missing PCR", id.AK, &tpm.Quote{Msg: q.Msg, Sig: q.Sig, Selection: q.Selection}, nonce, pcrs[:8], tpm.ErrPCRMismatch},
		{"other selection", id.AK, &otherSel, nonce, pcrs, tpm.ErrPCRMismatch},
		{"altered msg byte", id.AK, &alteredMsg, nonce, pcrs, tpm.ErrBadSignature},
		{"wrong key", &otherKey.PublicKey, q, nonce, pcrs, tpm.ErrBadSignature},
		{"signing key is not the AK", id.SigningKey, q, nonce, pcrs, tpm.ErrBadSignature},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tpm.VerifyQuote(tc.key, tc.q, tc.nonce, tc.pcrs)
			if !errors.Is(err, tpm.ErrAttestationInvalid) || !errors.Is(err, tc.want) {
				t.Fatalf("tpm.VerifyQuote = %v, want %v", err, tc.want)
			}
		})
	}
}

func cloneDigests(d [][]byte) [][]byte {
	out := make([][]byte, len(d))
	for i := range d {
		out[i] = bytes.Clone(d[i])
	}
	return out
}

func testClock(t *testing.T, b Backend) {
	tp := openT(t, b, t.TempDir())
	c1, err := tp.ReadClock(t.Context())
	if err != nil {
		t.Fatalf("ReadClock: %v", err)
	}
	q, err := tp.Quote(t.Context(), []byte("n"), tpm.PCRSelection{tpm.AppPCR})
	if err != nil {
		t.Fatal(err)
	}
	c2, err := tp.ReadClock(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if c2.Clock < c1.Clock || q.ClockInfo.Clock < c1.Clock || q.ClockInfo.Clock > c2.Clock {
		t.Errorf("clock not monotonic: read %d, quote %d, read %d", c1.Clock, q.ClockInfo.Clock, c2.Clock)
	}
	// The AK is in the endorsement hierarchy, so the quote's counters are
	// the real ones, not obfuscated.
	if q.ClockInfo.ResetCount != c1.ResetCount || q.ClockInfo.RestartCount != c1.RestartCount {
		t.Errorf("quote counters %+v differ from ReadClock %+v", q.ClockInfo, c1)
	}
}

func testTamper(t *testing.T, b Backend) {
	if b.Reset == nil {
		t.Skipf("%s cannot be power-cycled: extending the application PCR would last until the next reboot", b.Name)
	}
	dir := t.TempDir()
	tp := openT(t, b, dir)
	id := provisionT(t, tp)
	signAndVerify(t, tp, "before tamper")
	if drift, err := tp.PCRDrift(t.Context()); err != nil || len(drift) != 0 {
		t.Fatalf("PCRDrift before tamper = %v, %v", drift, err)
	}
	if err := tp.ExtendAppPCR(t.Context(), []byte("intrusion switch opened")); err != nil {
		t.Fatalf("ExtendAppPCR: %v", err)
	}
	if drift, err := tp.PCRDrift(t.Context()); err != nil || len(drift) != 1 || drift[0] != tpm.AppPCR {
		t.Fatalf("PCRDrift after tamper = %v, %v; want [23]", drift, err)
	}
	s, err := tp.Signer(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	digest := sha256.Sum256([]byte("after tamper"))
	if sig, err := s.Sign(rand.Reader, digest[:], crypto.SHA256); !errors.Is(err, tpm.ErrKeyUnusable) {
		t.Fatalf("Sign after tamper = %x, %v; want ErrKeyUnusable", sig, err)
	}
	q, err := tp.Quote(t.Context(), []byte("n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := tpm.VerifyQuote(id.AK, q, []byte("n"), id.PCRValues); !errors.Is(err, tpm.ErrPCRMismatch) {
		t.Errorf("quote after tamper against provisioned PCRs: %v, want ErrPCRMismatch", err)
	}
	want := sha256.Sum256(append(make([]byte, 32), sha256Sum("intrusion switch opened")...))
	if !bytes.Equal(q.PCRs[8], want[:]) {
		t.Errorf("PCR 23 = %x, want %x", q.PCRs[8], want)
	}
	// A tpm.TPM reset (reboot) clears PCR 23: the appliance must journal the
	// tamper event before that; the key works again afterwards.
	tp.Close()
	b.reset(t)
	tp2 := openT(t, b, dir)
	provisionT(t, tp2)
	signAndVerify(t, tp2, "after reset")
}

func sha256Sum(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}
