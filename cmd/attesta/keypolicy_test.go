package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// imageKeyFiles writes a throw-away image key (PKCS #8, as openssl genpkey writes it) and its public half.
func imageKeyFiles(t *testing.T, dir string) (key, pub string) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKCS8PrivateKey(k)
	pubDER, _ := x509.MarshalPKIXPublicKey(&k.PublicKey)
	key, pub = filepath.Join(dir, "image-policy.key"), filepath.Join(dir, "image-policy.pub")
	os.WriteFile(key, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600)
	os.WriteFile(pub, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER}), 0o644)
	return key, pub
}

// TestKeysPolicyMigration: the image build signs the predicted PCRs (keys policy sign); the signed policy checks
// offline; a box provisioned under the literal PCR policy moves under the image key with keys rotate, its old
// journal still verifying; keys policy show and advance report and move the anti-rollback counter.
func TestKeysPolicyMigration(t *testing.T) {
	dir, data := t.TempDir(), t.TempDir()
	key, pub := imageKeyFiles(t, dir)
	pcrs := filepath.Join(dir, "attesta.pcrs.json")
	zero := strings.Repeat("00", 32)
	os.WriteFile(pcrs, []byte(`{"version": "v1-test", "bank": "sha256", "pcrs": {"7": "`+zero+`", "0": "`+zero+`"},
		"uki_sha256": "`+zero+`", "partitions": [{"name": "esp", "size": 1, "sha256": "`+zero+`"}], "note": "the simulator's PCRs"}`), 0o644)
	pol := filepath.Join(dir, "attesta.policy.json")
	if got := run0(t, "keys", "policy", "sign", "--key", key, "--pcrs", pcrs, "--version", "1", "--out", pol); !strings.Contains(got, "version 1 for image v1-test over sha256:0,7") {
		t.Fatalf("keys policy sign: %s", got)
	}
	if code, _, errs := attesta(t, "keys", "policy", "sign", "--key", key, "--pcrs", pcrs, "--version", "1", "--out", pol); code == 0 || !strings.Contains(errs, "exists") {
		t.Fatalf("keys policy sign over an existing file: exit %d %s", code, errs)
	}
	if got := run0(t, "keys", "policy", "check", "--image-key", pub, pol); !strings.Contains(got, "VALID: policy version 1") {
		t.Fatalf("keys policy check: %s", got)
	}
	_, otherPub := imageKeyFiles(t, t.TempDir())
	if code, _, errs := attesta(t, "keys", "policy", "check", "--image-key", otherPub, pol); code == 0 || !strings.Contains(errs, "not the image key's") {
		t.Fatalf("keys policy check with another key: exit %d %s", code, errs)
	}

	box := []string{"--data", data, "--tpm", "sim"}
	withKey := append([]string{"--image-key", pub, "--tpm-policy", pol}, box...)
	run0(t, append([]string{"keys", "list"}, box...)...) // provisions under the literal PCR policy
	if got := run0(t, append([]string{"keys", "policy", "show"}, withKey...)...); !strings.Contains(got, "under the literal PCR policy") {
		t.Fatalf("keys policy show before the rotation: %s", got)
	}
	if got := run0(t, append([]string{"keys", "rotate"}, withKey...)...); !strings.Contains(got, "new key attesta/") {
		t.Fatalf("keys rotate under the image key: %s", got)
	}
	got := run0(t, append([]string{"keys", "policy", "show"}, withKey...)...)
	for _, want := range []string{"under the image key's signed policies; it signs", "signed policy: version 1 for image v1-test", "policy counter: 1", "tamper index: clear"} {
		if !strings.Contains(got, want) {
			t.Errorf("keys policy show after the rotation lacks %q:\n%s", want, got)
		}
	}
	if got := run0(t, append([]string{"journal", "verify"}, box...)...); !strings.Contains(got, "VALID") {
		t.Fatalf("journal verify after the move to the image key:\n%s", got)
	}
	if code, _, errs := attesta(t, append([]string{"keys", "policy", "advance", "--version", "2"}, withKey...)...); code == 0 || !strings.Contains(errs, "locked out") {
		t.Fatalf("keys policy advance past the policy in force: exit %d %s", code, errs)
	}
	if got := run0(t, append([]string{"keys", "policy", "advance"}, withKey...)...); !strings.Contains(got, "policy counter at 1") {
		t.Fatalf("keys policy advance: %s", got)
	}
	if code, _, errs := attesta(t, "keys", "policy", "spin"); code != exitUsage || !strings.Contains(errs, "sign, check, show or advance") {
		t.Fatalf("keys policy spin: exit %d %s", code, errs)
	}
}

// TestKeysPolicySignKeyForms: the image key as openssl ecparam -genkey writes it (EC PARAMETERS, then SEC 1) signs;
// another curve, a missing PCR and a missing flag are refused as usage errors that say what.
func TestKeysPolicySignKeyForms(t *testing.T) {
	dir := t.TempDir()
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	sec1, _ := x509.MarshalECPrivateKey(k)
	params := []byte{0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07} // OID prime256v1
	ecparam := filepath.Join(dir, "ecparam.key")
	os.WriteFile(ecparam, append(pem.EncodeToMemory(&pem.Block{Type: "EC PARAMETERS", Bytes: params}),
		pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: sec1})...), 0o600)
	k384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	der384, _ := x509.MarshalPKCS8PrivateKey(k384)
	p384 := filepath.Join(dir, "p384.key")
	os.WriteFile(p384, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der384}), 0o600)
	pcrs := filepath.Join(dir, "pcrs.json")
	os.WriteFile(pcrs, []byte(`{"version": "x", "bank": "sha256", "pcrs": {"4": "`+strings.Repeat("ab", 32)+`"}, "uki_sha256": "", "partitions": null, "note": ""}`), 0o644)
	if got := run0(t, "keys", "policy", "sign", "--key", ecparam, "--pcrs", pcrs, "--version", "7", "--out", filepath.Join(dir, "p.json")); !strings.Contains(got, "version 7 for image x over sha256:4") {
		t.Fatalf("sign with an ecparam key: %s", got)
	}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--key", p384, "--pcrs", pcrs, "--version", "1"}, "want an ECDSA P-256 key"},
		{[]string{"--key", ecparam, "--pcrs", pcrs, "--version", "1", "--pcr-selection", "sha256:4,7"}, "predicts no PCR 7"},
		{[]string{"--key", ecparam, "--pcrs", pcrs}, "--version (from 1)"},
	} {
		args := append([]string{"keys", "policy", "sign", "--out", filepath.Join(dir, "never.json")}, tt.args...)
		if code, _, errs := attesta(t, args...); code != exitUsage || !strings.Contains(errs, tt.want) {
			t.Errorf("%v: exit %d %s, want usage error with %q", tt.args, code, errs, tt.want)
		}
	}
}
