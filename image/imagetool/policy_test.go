package main

import (
	"archive/zip"
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"strings"
	"testing"

	"github.com/google/go-tpm/tpm2"

	"github.com/attesta/attesta/tpm/attest"
)

// policyFixture is a build's image-policy key, its predicted PCRs and its signed policy.
type policyFixture struct {
	key           *ecdsa.PrivateKey
	pub, pcrs, pj []byte
}

func newPolicyFixture(t *testing.T) *policyFixture {
	t.Helper()
	f := &policyFixture{key: newECKey(t)}
	f.pub = pubPEM(t, &f.key.PublicKey)
	vals := [][]byte{bytes.Repeat([]byte{4}, 32), bytes.Repeat([]byte{7}, 32), bytes.Repeat([]byte{11}, 32)}
	pred := pcrFile{Version: "1.2.3", Bank: "sha256", PCRs: map[string]string{
		"4": hex.EncodeToString(vals[0]), "7": hex.EncodeToString(vals[1]), "11": hex.EncodeToString(vals[2]),
	}, Partitions: []partition{}}
	var err error
	if f.pcrs, err = json.Marshal(pred); err != nil {
		t.Fatal(err)
	}
	p, err := attest.SignPolicy(f.key, 3, "1.2.3", attest.PCRSelection{4, 7, 11}, vals)
	if err != nil {
		t.Fatal(err)
	}
	if f.pj, err = p.Marshal(); err != nil {
		t.Fatal(err)
	}
	return f
}

func newECKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func pubPEM(t *testing.T, pub *ecdsa.PublicKey) []byte {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

// signingKeyTPMT is a signing key's TPMT_PUBLIC with authPolicy policy.
func signingKeyTPMT(t *testing.T, policy []byte) []byte {
	t.Helper()
	pub, err := attest.ImageKeyPublic(&newECKey(t).PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	pub.AuthPolicy = tpm2.TPM2BDigest{Buffer: policy}
	return tpm2.Marshal(pub)
}

func attestZip(t *testing.T, members map[string][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, data := range members {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestCheckImagePolicy(t *testing.T) {
	f := newPolicyFixture(t)
	authorized, err := attest.AuthorizedKeyPolicy(&f.key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	lines, err := checkImagePolicy(f.pub, "policy.json", f.pj, "pcrs.json", f.pcrs, signingKeyTPMT(t, authorized))
	if err != nil {
		t.Fatalf("checkImagePolicy: %v", err)
	}
	if len(lines) != 3 || !strings.Contains(lines[0], "version 3 for image 1.2.3 over sha256:4,7,11") ||
		!strings.Contains(lines[2], "PolicyAuthorize(image-policy key)") {
		t.Errorf("lines: %q", lines)
	}
	// Without the box's attestation only the policy is checked.
	if lines, err := checkImagePolicy(f.pub, "policy.json", f.pj, "pcrs.json", f.pcrs, nil); err != nil || len(lines) != 2 {
		t.Errorf("without an attestation: %q, %v", lines, err)
	}
}

func TestCheckImagePolicyRefuses(t *testing.T) {
	f := newPolicyFixture(t)
	other := pubPEM(t, &newECKey(t).PublicKey)
	literal, err := attest.PolicyPCRDigest(attest.PCRSelection{4, 7, 11}, [][]byte{make([]byte, 32), make([]byte, 32), make([]byte, 32)})
	if err != nil {
		t.Fatal(err)
	}
	var pred pcrFile
	if err := json.Unmarshal(f.pcrs, &pred); err != nil {
		t.Fatal(err)
	}
	withPCR := func(k, v string) []byte {
		p := pred
		p.PCRs = map[string]string{}
		for kk, vv := range pred.PCRs {
			p.PCRs[kk] = vv
		}
		if v == "" {
			delete(p.PCRs, k)
		} else {
			p.PCRs[k] = v
		}
		b, _ := json.Marshal(p)
		return b
	}
	tampered := bytes.Replace(f.pj, []byte(`"version": 3`), []byte(`"version": 4`), 1)
	for _, c := range []struct {
		name          string
		key, pol, pcr []byte
		tpmt          []byte
		want          string
	}{
		{"another key's policy", other, f.pj, f.pcrs, nil, "not the image key's"},
		{"version changed after signing", f.pub, tampered, f.pcrs, nil, "approved_policy"},
		{"PCR 7 differs", f.pub, f.pj, withPCR("7", strings.Repeat("00", 32)), nil, "PCR 7: the signed policy has 0707"},
		{"PCR 11 not predicted", f.pub, f.pj, withPCR("11", ""), nil, "predicts 2 PCRs"},
		{"truncated policy", f.pub, f.pj[:len(f.pj)/2], f.pcrs, nil, "policy.json"},
		{"literal PCR policy on the box", f.pub, f.pj, f.pcrs, signingKeyTPMT(t, literal), "not bound to the signed policies"},
		{"corrupt TPMT_PUBLIC", f.pub, f.pj, f.pcrs, []byte{0, 0x23, 1}, "signing-key.tpmt"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := checkImagePolicy(c.key, "policy.json", c.pol, "pcrs.json", c.pcr, c.tpmt)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want one saying %q", err, c.want)
			}
		})
	}
}

func TestZipMember(t *testing.T) {
	z := attestZip(t, map[string][]byte{"signing-key.tpmt": []byte("tpmt"), "quote.msg": []byte("q")})
	if b, err := zipMember("a.zip", z, "signing-key.tpmt"); err != nil || string(b) != "tpmt" {
		t.Fatalf("zipMember: %q, %v", b, err)
	}
	if _, err := zipMember("a.zip", z, "ak.pem"); err == nil || !strings.Contains(err.Error(), "no member ak.pem") {
		t.Errorf("missing member: %v", err)
	}
	if _, err := zipMember("a.zip", z[:len(z)/2], "signing-key.tpmt"); err == nil || !strings.Contains(err.Error(), "a.zip") {
		t.Errorf("truncated ZIP: %v", err)
	}
	big := attestZip(t, map[string][]byte{"signing-key.tpmt": make([]byte, maxAttestMember+1)})
	if _, err := zipMember("a.zip", big, "signing-key.tpmt"); err == nil || !strings.Contains(err.Error(), "more than") {
		t.Errorf("oversized member: %v", err)
	}
}
