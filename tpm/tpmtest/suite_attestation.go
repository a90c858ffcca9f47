package tpmtest

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/attesta/attesta/tpm"
)

// testAttestation writes an attestation folder and runs its VERIFY.txt, the interop tools on altered copies, and
// the Go verifier on its files.
func testAttestation(t *testing.T, b Backend) {
	RequireTools(t, "tpm2_checkquote", "tpm2_print", "openssl", "sha256sum", "od")
	tp := openT(t, b, t.TempDir())
	id := provisionT(t, tp)
	out := t.TempDir()
	nonce, _ := hex.DecodeString("5eed0123456789abcdef0123456789abcdef0123456789abcdef0123456789ab")
	att, err := tp.WriteAttestation(t.Context(), out, nonce)
	if err != nil {
		t.Fatalf("WriteAttestation: %v", err)
	}
	if err := tpm.VerifyQuote(id.AK, att.Quote, nonce, nil); err != nil {
		t.Fatalf("tpm.VerifyQuote on the written quote: %v", err)
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
	if want := 9; b.HasEKCert {
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
	fileQuote := &tpm.Quote{Selection: att.PCRSelection}
	fileQuote.Msg, _ = os.ReadFile(filepath.Join(out, "quote.msg"))
	fileQuote.Sig, _ = os.ReadFile(filepath.Join(out, "quote.sig"))
	raw, _ := os.ReadFile(filepath.Join(out, "pcrs.bin"))
	raw[8*32+1] ^= 1 // undo the damage above
	for ; len(raw) >= 32; raw = raw[32:] {
		fileQuote.PCRs = append(fileQuote.PCRs, raw[:32])
	}
	if err := tpm.VerifyQuote(id.AK, fileQuote, nonce, att.Quote.PCRs); err != nil {
		t.Errorf("tpm.VerifyQuote on quote.msg, quote.sig, pcrs.bin: %v", err)
	}
	msg, _ := os.ReadFile(filepath.Join(out, "certify.msg"))
	sig, _ := os.ReadFile(filepath.Join(out, "certify.sig"))
	tpmt, _ := os.ReadFile(filepath.Join(out, "signing-key.tpmt"))
	if err := tpm.VerifyCertification(id.AK, msg, sig, tpmt); err != nil {
		t.Errorf("tpm.VerifyCertification(certify.msg): %v", err)
	}
	if extra, err := tpm.AttestExtraData(msg); err != nil || !bytes.Equal(extra, nonce) {
		t.Errorf("certify.msg extraData %x, %v; want the nonce", extra, err)
	}
	var js tpm.Attestation
	data, _ := os.ReadFile(filepath.Join(out, "attestation.json"))
	if err := json.Unmarshal(data, &js); err != nil {
		t.Fatal(err)
	}
	if js.Format != tpm.AttestationFormat || js.Nonce != hex.EncodeToString(nonce) || js.PCRSelection != "sha256:0,1,2,3,4,5,6,7,23" {
		t.Errorf("attestation.json: %+v", js)
	}
	for _, f := range js.Files {
		if _, err := os.Stat(filepath.Join(out, f.Name)); err != nil {
			t.Errorf("attestation.json lists %s: %v", f.Name, err)
		}
	}
}
