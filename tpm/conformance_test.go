package tpm

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/attesta/attesta/journal/blob/blobtest"
)

func TestConformanceSimulator(t *testing.T) { runConformance(t, simBackend()) }

func TestConformanceSwtpm(t *testing.T) { runConformance(t, swtpmBackend(t)) }

// runConformance is the behaviour every TPM transport must show. Subtests
// run in order; each opens and closes its own TPM.
func runConformance(t *testing.T, b backend) {
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

func openT(t *testing.T, b backend, stateDir string) *TPM {
	t.Helper()
	tp, err := Open(t.Context(), b.spec, stateDir)
	if err != nil {
		t.Fatalf("Open(%q): %v", b.spec, err)
	}
	t.Cleanup(func() { tp.Close() })
	return tp
}

func provisionT(t *testing.T, tp *TPM) *Identity {
	t.Helper()
	id, err := tp.Provision(t.Context(), ProvisionOptions{})
	if err != nil {
		t.Fatalf("Provision: %v", err)
	}
	return id
}

func signAndVerify(t *testing.T, tp *TPM, msg string) {
	t.Helper()
	s, err := tp.Signer(t.Context())
	if err != nil {
		t.Fatalf("Signer: %v", err)
	}
	digest := sha256.Sum256([]byte(msg))
	sig, err := s.Sign(rand.Reader, digest[:], cryptoSHA256)
	if err != nil {
		t.Fatalf("Sign: %v", err)
	}
	if !ecdsa.VerifyASN1(s.Public().(*ecdsa.PublicKey), digest[:], sig) {
		t.Fatalf("signature by the TPM does not verify with crypto/ecdsa")
	}
}

func testProvisionRestartSign(t *testing.T, b backend) {
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
	for _, c := range []Certification{id.Certify, id.CertifyCreation} {
		if err := VerifyCertification(id.AK, c.Msg, c.SigDER, id.SigningKeyTPMT); err != nil {
			t.Errorf("VerifyCertification: %v", err)
		}
	}
	if b.hasEKCert {
		if id.EKCert == nil || len(id.EKCerts) < 2 {
			t.Errorf("EK certificates %d, parsed %v; want RSA and ECC from swtpm", len(id.EKCerts), id.EKCert != nil)
		} else if !strings.Contains(id.EKCert.Issuer.String(), "swtpm-localca") {
			t.Errorf("EK certificate issuer %q", id.EKCert.Issuer)
		}
	} else if len(id.EKCerts) != 0 {
		t.Errorf("unexpected EK certificates on %s", b.name)
	}
	for _, f := range []string{signingKeyFile, provisionFile} {
		fi, err := os.Stat(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s mode %v, want 0600", f, fi.Mode().Perm())
		}
	}
	again, err := tp.Provision(t.Context(), ProvisionOptions{PCRs: PCRSelection{AppPCR, 7, 6, 5, 4, 3, 2, 1, 0}})
	if err != nil || again != id {
		t.Fatalf("second Provision in the same session: %v, same identity %v", err, again == id)
	}
	signAndVerify(t, tp, "before restart")
	dataKey := []byte("0123456789abcdef0123456789abcdef")
	wrapped, err := tp.KeyWrapper().Wrap(t.Context(), dataKey)
	if err != nil {
		t.Fatalf("Wrap: %v", err)
	}
	blob, _ := os.ReadFile(filepath.Join(dir, signingKeyFile))
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
	if blob2, _ := os.ReadFile(filepath.Join(dir, signingKeyFile)); !bytes.Equal(blob, blob2) {
		t.Errorf("restart rewrote the key blob")
	}
	signAndVerify(t, tp2, "after restart")
	if got, err := tp2.KeyWrapper().Unwrap(t.Context(), wrapped); err != nil || !bytes.Equal(got, dataKey) {
		t.Fatalf("Unwrap after restart = %q, %v", got, err)
	}

	if _, err := tp2.Provision(t.Context(), ProvisionOptions{PCRs: PCRSelection{7, AppPCR}}); !errors.Is(err, ErrStateMismatch) {
		t.Errorf("Provision with another selection: %v, want ErrStateMismatch", err)
	}
}

func testSealUnseal(t *testing.T, b backend) {
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
		badBlob bool // rejected before reaching the TPM
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
			if tc.badBlob != errors.Is(err, ErrBadBlob) {
				t.Errorf("error %v: ErrBadBlob=%v, want %v", err, errors.Is(err, ErrBadBlob), tc.badBlob)
			}
			if !strings.HasPrefix(err.Error(), "tpm: unseal: ") {
				t.Errorf("error %q does not say what failed", err)
			}
		})
	}
	// The TPM still works and the good blob still opens after the failures.
	if got, err := tp.Unseal(t.Context(), blob); err != nil || !bytes.Equal(got, key) {
		t.Fatalf("Unseal after failures = %v", err)
	}
	if _, err := tp.Seal(t.Context(), make([]byte, MaxSealed+1)); err == nil {
		t.Error("Seal accepted an oversized secret")
	}
}

func testQuote(t *testing.T, b backend) {
	tp := openT(t, b, t.TempDir())
	id := provisionT(t, tp)
	nonce := []byte("auditor nonce 0123456789abcdef!!")
	q, err := tp.Quote(t.Context(), nonce, nil)
	if err != nil {
		t.Fatalf("Quote: %v", err)
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
	if err := VerifyQuote(id.AK, q, nonce, pcrs); err != nil {
		t.Fatalf("VerifyQuote: %v", err)
	}
	if err := VerifyQuote(id.AK, q, nonce, nil); err != nil {
		t.Fatalf("VerifyQuote with reported PCRs: %v", err)
	}
	if q.ClockInfo.Clock == 0 {
		t.Errorf("quote clock info is zero: %+v", q.ClockInfo)
	}

	t.Run("all 24 PCRs, largest nonce", func(t *testing.T) {
		var all PCRSelection
		for p := range uint(24) {
			all = append(all, p)
		}
		big := bytes.Repeat([]byte{0xa5}, MaxNonce)
		q, err := tp.Quote(t.Context(), big, all)
		if err != nil {
			t.Fatalf("Quote: %v", err)
		}
		if len(q.PCRs) != 24 {
			t.Fatalf("%d PCR values", len(q.PCRs))
		}
		if err := VerifyQuote(id.AK, q, big, nil); err != nil {
			t.Fatalf("VerifyQuote: %v", err)
		}
		if _, err := tp.Quote(t.Context(), append(big, 0), all); err == nil {
			t.Fatal("Quote accepted a nonce above MaxNonce")
		}
	})

	otherKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
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
		q     *Quote
		nonce []byte
		pcrs  [][]byte
		want  error
	}{
		{"wrong nonce", id.AK, q, []byte("another nonce"), pcrs, ErrNonceMismatch},
		{"no nonce", id.AK, q, nil, pcrs, ErrNonceMismatch},
		{"altered PCR", id.AK, q, nonce, alteredPCRs, ErrPCRMismatch},
		{"missing PCR", id.AK, &Quote{Msg: q.Msg, Sig: q.Sig, Selection: q.Selection}, nonce, pcrs[:8], ErrPCRMismatch},
		{"other selection", id.AK, &otherSel, nonce, pcrs, ErrPCRMismatch},
		{"altered msg byte", id.AK, &alteredMsg, nonce, pcrs, ErrBadSignature},
		{"wrong key", &otherKey.PublicKey, q, nonce, pcrs, ErrBadSignature},
		{"signing key is not the AK", id.SigningKey, q, nonce, pcrs, ErrBadSignature},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := VerifyQuote(tc.key, tc.q, tc.nonce, tc.pcrs)
			if !errors.Is(err, ErrAttestationInvalid) || !errors.Is(err, tc.want) {
				t.Fatalf("VerifyQuote = %v, want %v", err, tc.want)
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

func testClock(t *testing.T, b backend) {
	tp := openT(t, b, t.TempDir())
	c1, err := tp.ReadClock(t.Context())
	if err != nil {
		t.Fatalf("ReadClock: %v", err)
	}
	q, err := tp.Quote(t.Context(), []byte("n"), PCRSelection{AppPCR})
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

func testAttestation(t *testing.T, b backend) {
	requireTools(t, "tpm2_checkquote", "tpm2_print", "openssl", "sha256sum", "od")
	tp := openT(t, b, t.TempDir())
	id := provisionT(t, tp)
	out := t.TempDir()
	nonce, _ := hex.DecodeString("5eed0123456789abcdef0123456789abcdef0123456789abcdef0123456789ab")
	att, err := tp.WriteAttestation(t.Context(), out, nonce)
	if err != nil {
		t.Fatalf("WriteAttestation: %v", err)
	}
	if err := VerifyQuote(id.AK, att.Quote, nonce, nil); err != nil {
		t.Fatalf("VerifyQuote on the written quote: %v", err)
	}

	verify, err := os.ReadFile(filepath.Join(out, "VERIFY.txt"))
	if err != nil {
		t.Fatal(err)
	}
	var cmds int
	for line := range strings.Lines(string(verify)) {
		cmd, ok := strings.CutPrefix(strings.TrimRight(line, "\n"), "$ ")
		if !ok {
			continue
		}
		cmds++
		got, err := runShell(t, out, cmd)
		if err != nil {
			t.Errorf("VERIFY.txt command failed: %s\n%v\n%s", cmd, err, got)
			continue
		}
		if strings.HasPrefix(cmd, "openssl dgst") && got != "Verified OK" {
			t.Errorf("%s: %q, want Verified OK", cmd, got)
		}
	}
	if want := 9; b.hasEKCert {
		want++
		if cmds != want {
			t.Errorf("VERIFY.txt has %d commands, want %d", cmds, want)
		}
	} else if cmds != want {
		t.Errorf("VERIFY.txt has %d commands, want %d", cmds, want)
	}
	if !strings.Contains(string(verify), "-q "+hex.EncodeToString(nonce)) {
		t.Errorf("VERIFY.txt does not carry the nonce")
	}

	// Interop failures: tpm2_checkquote must reject a wrong nonce and
	// altered PCR values; openssl must reject another message.
	checkquote := "tpm2_checkquote -u ak.pem -m quote.msg -s quote.sig -f pcrs.tpm2 -g sha256 -q "
	bad := []string{
		checkquote + "00" + att.Nonce[2:],
		"openssl dgst -sha256 -verify ak.pem -signature certify.sig certify-creation.msg",
		"openssl dgst -sha256 -verify signing-key.pem -signature certify.sig certify.msg",
	}
	for _, cmd := range bad {
		if got, err := runShell(t, out, cmd); err == nil {
			t.Errorf("accepted: %s\n%s", cmd, got)
		}
	}
	for _, f := range []struct {
		name string
		off  int
	}{{"pcrs.tpm2", 132 + 4 + 4 + 2 + 5}, {"pcrs.bin", 8*32 + 1}} {
		data, _ := os.ReadFile(filepath.Join(out, f.name))
		data[f.off] ^= 1
		os.WriteFile(filepath.Join(out, f.name), data, 0o644)
	}
	if got, err := runShell(t, out, checkquote+att.Nonce); err == nil {
		t.Errorf("tpm2_checkquote accepted altered pcrs.tpm2\n%s", got)
	}
	if got, err := runShell(t, out, "sha256sum -c SHA256SUMS"); err == nil {
		t.Errorf("sha256sum accepted altered PCR files\n%s", got)
	}

	// The Go verifier agrees with the files.
	fileQuote := &Quote{Selection: att.PCRSelection}
	fileQuote.Msg, _ = os.ReadFile(filepath.Join(out, "quote.msg"))
	fileQuote.Sig, _ = os.ReadFile(filepath.Join(out, "quote.sig"))
	raw, _ := os.ReadFile(filepath.Join(out, "pcrs.bin"))
	raw[8*32+1] ^= 1 // undo the damage above
	for ; len(raw) >= 32; raw = raw[32:] {
		fileQuote.PCRs = append(fileQuote.PCRs, raw[:32])
	}
	if err := VerifyQuote(id.AK, fileQuote, nonce, att.Quote.PCRs); err != nil {
		t.Errorf("VerifyQuote on quote.msg, quote.sig, pcrs.bin: %v", err)
	}
	msg, _ := os.ReadFile(filepath.Join(out, "certify.msg"))
	sig, _ := os.ReadFile(filepath.Join(out, "certify.sig"))
	tpmt, _ := os.ReadFile(filepath.Join(out, "signing-key.tpmt"))
	if err := VerifyCertification(id.AK, msg, sig, tpmt); err != nil {
		t.Errorf("VerifyCertification(certify.msg): %v", err)
	}
	if extra, err := AttestExtraData(msg); err != nil || !bytes.Equal(extra, nonce) {
		t.Errorf("certify.msg extraData %x, %v; want the nonce", extra, err)
	}
	var js Attestation
	data, _ := os.ReadFile(filepath.Join(out, "attestation.json"))
	if err := json.Unmarshal(data, &js); err != nil {
		t.Fatal(err)
	}
	if js.Format != AttestationFormat || js.Nonce != hex.EncodeToString(nonce) || js.PCRSelection != "sha256:0,1,2,3,4,5,6,7,23" {
		t.Errorf("attestation.json: %+v", js)
	}
	for _, f := range js.Files {
		if _, err := os.Stat(filepath.Join(out, f.Name)); err != nil {
			t.Errorf("attestation.json lists %s: %v", f.Name, err)
		}
	}
}

func testTamper(t *testing.T, b backend) {
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
	if drift, err := tp.PCRDrift(t.Context()); err != nil || len(drift) != 1 || drift[0] != AppPCR {
		t.Fatalf("PCRDrift after tamper = %v, %v; want [23]", drift, err)
	}
	s, err := tp.Signer(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	digest := sha256.Sum256([]byte("after tamper"))
	if sig, err := s.Sign(rand.Reader, digest[:], cryptoSHA256); !errors.Is(err, ErrKeyUnusable) {
		t.Fatalf("Sign after tamper = %x, %v; want ErrKeyUnusable", sig, err)
	}
	q, err := tp.Quote(t.Context(), []byte("n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := VerifyQuote(id.AK, q, []byte("n"), id.PCRValues); !errors.Is(err, ErrPCRMismatch) {
		t.Errorf("quote after tamper against provisioned PCRs: %v, want ErrPCRMismatch", err)
	}
	want := sha256.Sum256(append(make([]byte, 32), sha256Sum("intrusion switch opened")...))
	if !bytes.Equal(q.PCRs[8], want[:]) {
		t.Errorf("PCR 23 = %x, want %x", q.PCRs[8], want)
	}
	// A TPM reset (reboot) clears PCR 23: the appliance must journal the
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
