package attest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// testPolicy signs version 3 over PCRs 4, 7, 11 with a fresh image key.
func testPolicy(t testing.TB) (*ecdsa.PrivateKey, *SignedPolicy, []byte) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	vals := [][]byte{bytes.Repeat([]byte{4}, 32), bytes.Repeat([]byte{7}, 32), bytes.Repeat([]byte{11}, 32)}
	p, err := SignPolicy(key, 3, "2026.12-test", PCRSelection{11, 4, 7}, vals)
	if err != nil {
		t.Fatal(err)
	}
	data, err := p.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return key, p, data
}

func TestSignedPolicyRoundTrip(t *testing.T) {
	key, p, data := testPolicy(t)
	got, err := ParsePolicy("attesta.policy.json", data)
	if err != nil {
		t.Fatalf("ParsePolicy: %v", err)
	}
	if got.Version != 3 || got.ImageVersion != "2026.12-test" || got.Selection.String() != "sha256:4,7,11" ||
		!bytes.Equal(got.Approved, p.Approved) {
		t.Fatalf("parsed %+v, want %+v", got, p)
	}
	if err := got.Verify(&key.PublicKey); err != nil {
		t.Fatalf("Verify: %v", err)
	}
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err := got.Verify(&other.PublicKey); !errors.Is(err, ErrBadPolicy) {
		t.Fatalf("Verify with another key: %v, want ErrBadPolicy", err)
	}
	if _, err := got.TPMSignature(); err != nil {
		t.Fatalf("TPMSignature: %v", err)
	}
	again, _ := SignPolicy(key, p.Version, p.ImageVersion, p.Selection, p.Values)
	if b, _ := again.Marshal(); !bytes.Equal(b, data) {
		t.Fatal("signing the same policy again gives another file: the image build would not be reproducible")
	}
	// The version is inside the approved digest: another version is another digest.
	v4, _ := ApprovedPolicyDigest(got.Selection, got.Values, 4)
	if bytes.Equal(v4, got.Approved) {
		t.Fatal("the approved digest does not depend on the version")
	}
	now := [][]byte{got.Values[0], bytes.Repeat([]byte{0xee}, 32)}
	ms := got.Diff(PCRSelection{4, 11}, now)
	if len(ms) != 2 || ms[0].PCR != 7 || ms[0].Actual != nil || ms[1].PCR != 11 || !strings.Contains(DescribeMismatches(ms), "PCR 11: expected 0b0b") {
		t.Fatalf("Diff = %v", ms)
	}
}

// TestParsePolicyRejects: every damaged file is refused with ErrBadPolicy and an error that says what.
func TestParsePolicyRejects(t *testing.T) {
	_, p, data := testPolicy(t)
	s := string(data)
	value0 := strings.Repeat("04", 32)
	tests := []struct{ name, in, want string }{
		{"empty", "", "offset"},
		{"truncated", s[:len(s)/2], "offset"},
		{"trailing", s + "{}", "after the JSON value"},
		{"unknown member", strings.Replace(s, `"version"`, `"extra": 1, "version"`, 1), "unknown field"},
		{"other format", strings.Replace(s, PolicyFormat, "attesta.tpm.policy/v9", 1), "attesta.tpm.policy/v9"},
		{"version 0", strings.Replace(s, `"version": 3`, `"version": 0`, 1), "version 0"},
		{"bad selection", strings.Replace(s, "sha256:4,7,11", "sha1:4,7,11", 1), "pcr_selection"},
		{"too few values", strings.Replace(s, `"`+value0+`",`, "", 1), "2 pcr_values for selection"},
		{"short value", strings.Replace(s, value0, "0404", 1), "pcr_values[0] (PCR 4)"},
		{"changed value", strings.Replace(s, value0, strings.Repeat("05", 32), 1), "is not the policy of its PCR values"},
		{"changed version", strings.Replace(s, `"version": 3`, `"version": 2`, 1), "is not the policy of its PCR values"},
		{"no signature", strings.Replace(s, `"signature": "`+hexOf(p.Signature)+`"`, `"signature": ""`, 1), "signature"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParsePolicy("attesta.policy.json", []byte(tt.in))
			if !errors.Is(err, ErrBadPolicy) || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "attesta.policy.json") {
				t.Fatalf("ParsePolicy: %v, want ErrBadPolicy naming the file and %q", err, tt.want)
			}
		})
	}
	garbled := *p
	garbled.Signature = []byte{0x30, 0x03, 0x02, 0x01, 0x00}
	if _, err := garbled.TPMSignature(); !errors.Is(err, ErrBadPolicy) {
		t.Fatalf("TPMSignature of a zero signature: %v", err)
	}
}

func TestParseImageKey(t *testing.T) {
	key, _, _ := testPolicy(t)
	der, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	got, err := ParseImageKey(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
	if err != nil || !got.Equal(&key.PublicKey) {
		t.Fatalf("ParseImageKey = %v, %v", got, err)
	}
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	der384, _ := x509.MarshalPKIXPublicKey(&p384.PublicKey)
	for name, in := range map[string][]byte{
		"not PEM":     []byte("hello"),
		"private key": pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der}),
		"P-384":       pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der384}),
	} {
		if _, err := ParseImageKey(in); !errors.Is(err, ErrBadPolicy) {
			t.Errorf("ParseImageKey(%s): %v, want ErrBadPolicy", name, err)
		}
	}
}

func FuzzParsePolicy(f *testing.F) {
	key, _, data := testPolicy(f)
	f.Add(data)
	f.Fuzz(func(t *testing.T, in []byte) {
		p, err := ParsePolicy("fuzz", in)
		if err != nil {
			if !errors.Is(err, ErrBadPolicy) {
				t.Fatalf("error does not wrap ErrBadPolicy: %v", err)
			}
			return
		}
		_ = p.Verify(&key.PublicKey)
		_, _ = p.TPMSignature()
		if _, err := p.Marshal(); err != nil {
			t.Fatal(err)
		}
	})
}

func hexOf(b []byte) string { return hex.EncodeToString(b) }

// TestSignedPolicyOpenSSL: an auditor checks the image key's signature with openssl alone: the signed message is
// the approved policy digest followed by PolicyRef.
func TestSignedPolicyOpenSSL(t *testing.T) {
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Fatal("openssl not found: run scripts/setup")
	}
	key, p, _ := testPolicy(t)
	dir := t.TempDir()
	der, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	files := map[string][]byte{
		"pub.pem": pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}),
		"msg":     append(append([]byte{}, p.Approved...), PolicyRef...),
		"sig.der": p.Signature,
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out, err := exec.CommandContext(t.Context(), "openssl", "dgst", "-sha256", "-verify", filepath.Join(dir, "pub.pem"),
		"-signature", filepath.Join(dir, "sig.der"), filepath.Join(dir, "msg")).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "Verified OK") {
		t.Fatalf("openssl dgst -verify: %v\n%s", err, out)
	}
}
