package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/attesta/attesta/report/pades"
	"github.com/attesta/attesta/tpm/tpmtest"
)

// extractOnce makes one delivery into out and returns its folder and the command's output.
func extractOnce(t *testing.T, data, out string, more ...string) (string, string) {
	t.Helper()
	dir := t.TempDir()
	backup, key := androidBackup(t, dir)
	list := writeList(t, dir, "lista.csv", rossi)
	code, stdout, errs := attesta(t, append([]string{"extract", "android", "--backup", backup, "--key", key.RootHex(), "--list", list,
		"--out", out, "--data", data, "--tpm", "sim", "--max-messages", "5"}, more...)...)
	if code != 0 {
		t.Fatalf("extract: exit %d\n%s%s", code, stdout, errs)
	}
	folders := deliveryFolders(t, filepath.Join(out, "3331112222-*"))
	if len(folders) != 1 {
		t.Fatalf("delivery folders: %v", folders)
	}
	return folders[0], stdout
}

func run0(t *testing.T, args ...string) string {
	t.Helper()
	code, stdout, errs := attesta(t, args...)
	if code != 0 {
		t.Fatalf("attesta %s: exit %d\n%s%s", strings.Join(args[:min(3, len(args))], " "), code, stdout, errs)
	}
	return stdout
}

// TestEnrollThenTrustedReports enrolls the (simulated) appliance with an authority from the command line, then
// checks that its reports carry the chain — pdfsig with the root in an NSS store says trusted, openssl cms
// verifies against the root, verify --root accepts — while a delivery made before enrollment stays valid as it was
// but is not the authority's, and a delivery made after a revocation is refused with --status.
func TestEnrollThenTrustedReports(t *testing.T) {
	for _, tool := range []string{"pdfsig", "certutil", "openssl"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s not found: run scripts/setup", tool)
		}
	}
	dir := t.TempDir()
	data, auth := filepath.Join(dir, "data"), filepath.Join(dir, "authority")
	before, _ := extractOnce(t, data, filepath.Join(dir, "out0"))

	pass := filepath.Join(dir, "pass")
	os.WriteFile(pass, []byte("a long passphrase\n"), 0o600)
	req, ch, ans, chain := filepath.Join(dir, "req.json"), filepath.Join(dir, "ch.json"), filepath.Join(dir, "ans.json"), filepath.Join(dir, "chain.pem")
	run0(t, "enroll", "--out", req, "--data", data, "--tpm", "sim")
	out := run0(t, "authority", "init", "--dir", auth, "--name", "Studio Test", "--passphrase-file", pass, "--pcr-policy", req, "--accept-uncertified-ek")
	if !strings.Contains(out, "root.pem") {
		t.Errorf("init output: %s", out)
	}
	run0(t, "authority", "challenge", "--dir", auth, "--passphrase-file", pass, "--in", req, "--out", ch)
	run0(t, "enroll", "--activate", ch, "--out", ans, "--data", data, "--tpm", "sim")
	run0(t, "authority", "issue", "--dir", auth, "--passphrase-file", pass, "--in", ans, "--out", chain)
	run0(t, "enroll", "--install", chain, "--data", data, "--tpm", "sim")
	if code, _, errs := attesta(t, "authority", "issue", "--dir", auth, "--passphrase-file", pass, "--in", ans, "--out", chain+"2"); code != exitFailure || !strings.Contains(errs, "replayed challenge") {
		t.Errorf("a replayed answer: exit %d, %s", code, errs)
	}

	after, _ := extractOnce(t, data, filepath.Join(dir, "out1"))
	root := filepath.Join(auth, "root.pem")
	if out := run0(t, "verify", "--root", root, "--lang", "en", after); !strings.Contains(out, "signer-trust") || !strings.Contains(out, "VALID") {
		t.Errorf("verify --root of an enrolled delivery:\n%s", out)
	}
	checkChainsWithOpenSSL(t, after, root)
	// The exported journal carries the chain too: its newest checkpoint checks against the root with openssl.
	exp := filepath.Join(dir, "export")
	if out := run0(t, "journal", "export", "--out", exp, "--data", data); !strings.Contains(out, "chain.pem") {
		t.Errorf("journal export of an enrolled box: %s", out)
	}
	cmd := exec.CommandContext(t.Context(), "sh", "-ec", `openssl verify -CAfile "$ROOT" -untrusted chain.pem chain.pem
		D=$(mktemp -d); openssl x509 -in chain.pem -noout -pubkey > "$D/key.pem"
		grep "^— $(sed -n 1p checkpoint) " checkpoint | cut -d' ' -f3 | base64 -d | tail -c +5 > "$D/sig"
		head -n 3 checkpoint | openssl dgst -sha256 -verify "$D/key.pem" -signature "$D/sig"`)
	cmd.Dir, cmd.Env = exp, append(os.Environ(), "ROOT="+root, "TMPDIR="+t.TempDir())
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("the exported checkpoint against the root: %v\n%s", err, b)
	}
	if out := run0(t, "verify", "--root", root, "--lang", "en", after); !strings.Contains(out, "proofs/chain.pem") || !strings.Contains(out, "proofs/ak-chain.pem") {
		t.Errorf("verify --root does not judge the delivery's chains:\n%s", out)
	}
	run0(t, "verify", before) // made before enrollment: valid as it was
	for _, f := range []string{"proofs/chain.pem", "proofs/ak-chain.pem"} {
		if _, err := os.Stat(filepath.Join(before, f)); err == nil {
			t.Errorf("a delivery made before enrollment carries %s", f)
		}
	}
	if code, out, _ := attesta(t, "verify", "--root", root, "--lang", "en", before); code != exitFailure || !strings.Contains(out, "does not chain to the authority's root") {
		t.Errorf("verify --root of a delivery of the unenrolled box: exit %d\n%s", code, out)
	}

	// pdfsig, with the authority's root in an NSS trust store.
	pdf := filepath.Join(after, "relazione.pdf")
	nss := filepath.Join(dir, "nss")
	os.Mkdir(nss, 0o700)
	for _, args := range [][]string{{"-N", "-d", "sql:" + nss, "--empty-password"}, {"-A", "-d", "sql:" + nss, "-n", "attesta-root", "-t", "C,C,C", "-i", root}} {
		if b, err := exec.CommandContext(t.Context(), "certutil", args...).CombinedOutput(); err != nil {
			t.Fatalf("certutil %v: %v\n%s", args, err, b)
		}
	}
	// No -no-ocsp: poppler 22.12 then reports every chain as "Unknown issue"; the certificates name no OCSP responder.
	b, err := exec.CommandContext(t.Context(), "pdfsig", "-nssdir", "sql:"+nss, pdf).CombinedOutput()
	if err != nil || !strings.Contains(string(b), "Signature is Valid") || !strings.Contains(string(b), "Certificate is Trusted") {
		t.Errorf("pdfsig: %v\n%s", err, b)
	}

	// openssl cms, against the root alone.
	raw, _ := os.ReadFile(pdf)
	sigs, err := pades.Verify(raw)
	if err != nil || len(sigs) != 1 {
		t.Fatalf("pades.Verify: %v", err)
	}
	br := sigs[0].ByteRange
	signed := append(append([]byte(nil), raw[br[0]:br[0]+br[1]]...), raw[br[2]:br[2]+br[3]]...)
	sigFile, content := filepath.Join(dir, "sig.der"), filepath.Join(dir, "signed.bin")
	os.WriteFile(sigFile, sigs[0].CMS, 0o644)
	os.WriteFile(content, signed, 0o644)
	if b, err := exec.CommandContext(t.Context(), "openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", sigFile,
		"-content", content, "-CAfile", root, "-out", os.DevNull).CombinedOutput(); err != nil {
		t.Errorf("openssl cms -verify -CAfile root.pem: %v\n%s", err, b)
	}

	// A poll of a box that does not answer flags it (exit 1), in the registry and the status list.
	code, out, errs := attesta(t, "authority", "poll", "--dir", auth, "--passphrase-file", pass, "--appliance", applianceID(t, data),
		"--url", "http://127.0.0.1:1")
	if code != exitFailure || !strings.Contains(out, "FAILING") || !strings.Contains(out, "did not answer") {
		t.Errorf("poll of a silent box: exit %d\n%s%s", code, out, errs)
	}
	// The address is recorded: a poll of the fleet asks it again.
	if code, out, _ := attesta(t, "authority", "poll", "--dir", auth, "--passphrase-file", pass); code != exitFailure || !strings.Contains(out, "FAILING") {
		t.Errorf("poll of the fleet: exit %d\n%s", code, out)
	}
	if out := run0(t, "authority", "status", "--dir", auth, "--passphrase-file", pass); !strings.Contains(out, "failing") {
		t.Errorf("authority status after a failed poll: %s", out)
	}

	// Revocation: deliveries after it are refused with the status list, those before are not.
	run0(t, "authority", "revoke", "--dir", auth, "--passphrase-file", pass, "--appliance", applianceID(t, data),
		"--operator", "Mario Bianchi", "--reason", "box stolen")
	status := filepath.Join(auth, "status.json")
	if out := run0(t, "verify", "--root", root, "--status", status, "--lang", "en", after); !strings.Contains(out, "good since") {
		t.Errorf("verify --status of a delivery before the revocation:\n%s", out)
	}
	revoked, _ := extractOnce(t, data, filepath.Join(dir, "out2"))
	if code, out, _ := attesta(t, "verify", "--root", root, "--status", status, "--lang", "en", revoked); code != exitFailure || !strings.Contains(out, "was revoked since") {
		t.Errorf("verify --status of a delivery after the revocation: exit %d\n%s", code, out)
	}
}

// checkChainsWithOpenSSL checks a delivery's chains against the authority's root with openssl alone, as a third
// party would: both certificates chain to the root; the checkpoint (which commits to the manifest through the
// delivery leaf) verifies under the key of proofs/chain.pem; the TPM's certification of that key verifies under
// the key of proofs/ak-chain.pem.
func checkChainsWithOpenSSL(t *testing.T, delivery, root string) {
	t.Helper()
	sh := func(script string) {
		t.Helper()
		cmd := exec.CommandContext(t.Context(), "sh", "-ec", script)
		cmd.Dir = delivery
		cmd.Env = append(os.Environ(), "ROOT="+root, "TMPDIR="+t.TempDir())
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("%s: %v\n%s", script, err, b)
		}
	}
	sh(`openssl verify -CAfile "$ROOT" -untrusted proofs/chain.pem proofs/chain.pem`)
	sh(`openssl verify -CAfile "$ROOT" -untrusted proofs/ak-chain.pem proofs/ak-chain.pem`)
	sh(`D=$(mktemp -d); openssl x509 -in proofs/chain.pem -noout -pubkey > "$D/key.pem"
		grep "^— $(sed -n 1p proofs/checkpoint) " proofs/checkpoint | cut -d' ' -f3 | base64 -d | tail -c +5 > "$D/sig"
		head -n 3 proofs/checkpoint | openssl dgst -sha256 -verify "$D/key.pem" -signature "$D/sig"`)
	sh(`D=$(mktemp -d); openssl x509 -in proofs/ak-chain.pem -noout -pubkey > "$D/ak.pem"
		openssl dgst -sha256 -verify "$D/ak.pem" -signature proofs/attestation/certify.sig proofs/attestation/certify.msg`)
}

func applianceID(t *testing.T, data string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(data, "appliance.json"))
	if err != nil {
		t.Fatal(err)
	}
	_, rest, _ := strings.Cut(string(b), `"id": "`)
	id, _, _ := strings.Cut(rest, `"`)
	return id
}

func TestEnrollAndAuthorityUsage(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	existing := filepath.Join(dir, "exists")
	os.WriteFile(existing, []byte("x"), 0o600)
	delivery := filepath.Join(dir, "delivery")
	os.Mkdir(delivery, 0o700)
	os.WriteFile(filepath.Join(delivery, "manifest.json"), []byte("{}"), 0o600)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"enroll", "--data", data}, "--out is required"},
		{[]string{"enroll", "--out", existing, "--data", data}, "never overwritten"},
		{[]string{"enroll", "--install", existing, "--out", "x", "--data", data}, "--install takes neither"},
		{[]string{"authority"}, "want a subcommand"},
		{[]string{"authority", "sign"}, "unknown subcommand"},
		{[]string{"authority", "init", "--dir", filepath.Join(dir, "ca")}, "--pcr-policy or --image-key are required"},
		{[]string{"authority", "challenge", "--dir", filepath.Join(dir, "ca")}, "--in and --out are required"},
		{[]string{"authority", "revoke", "--dir", filepath.Join(dir, "ca"), "--appliance", "x"}, "--operator and --reason are required"},
		{[]string{"verify", "--status", existing, delivery}, "--status needs --root"},
		{[]string{"verify", "--root", existing, delivery}, "no PEM certificate"},
	} {
		code, _, errs := attesta(t, tc.args...)
		if code != exitUsage || !strings.Contains(errs, tc.want) {
			t.Errorf("attesta %v: exit %d, stderr %q; want 2 and %q", tc.args, code, errs, tc.want)
		}
	}
	if _, err := os.Stat(data); err == nil {
		t.Error("a refused command created the data directory")
	}
}

// TestEnrollSwtpmFromTheCommandLine runs the enrollment with commands only, on swtpm whose EK certificate comes
// from a CA made at run time: the request carries the certificate, the authority trusts that CA and issues.
func TestEnrollSwtpmFromTheCommandLine(t *testing.T) {
	sw, dir, data, auth, pass, ekCAs := swtpmEnrollment(t)
	req, ch, ans, chain := filepath.Join(dir, "req.json"), filepath.Join(dir, "ch.json"), filepath.Join(dir, "ans.json"), filepath.Join(dir, "chain.pem")
	if out := run0(t, "enroll", "--out", req, "--data", data, "--tpm", sw.Spec); !strings.Contains(out, "EK certificate included") {
		t.Errorf("enroll: %s", out)
	}
	run0(t, "authority", "init", "--dir", auth, "--name", "Studio Test", "--passphrase-file", pass, "--pcr-policy", req, "--ek-roots", ekCAs)
	run0(t, "authority", "challenge", "--dir", auth, "--passphrase-file", pass, "--in", req, "--out", ch)
	run0(t, "enroll", "--activate", ch, "--out", ans, "--data", data, "--tpm", sw.Spec)
	run0(t, "authority", "issue", "--dir", auth, "--passphrase-file", pass, "--in", ans, "--out", chain)
	if out := run0(t, "authority", "status", "--dir", auth, "--passphrase-file", pass); !strings.Contains(out, "good") || !strings.Contains(out, "enrolled") {
		t.Errorf("authority status: %s", out)
	}
	b, _ := exec.CommandContext(t.Context(), "openssl", "verify", "-CAfile", filepath.Join(auth, "root.pem"), "-untrusted", chain, chain).CombinedOutput()
	if !strings.Contains(string(b), "OK") {
		t.Errorf("openssl verify of the issued chain: %s", b)
	}
	// Without the TPM vendor's CA the same request is refused, with the reason.
	other := filepath.Join(dir, "ca2")
	run0(t, "authority", "init", "--dir", other, "--name", "Other", "--passphrase-file", pass, "--pcr-policy", req, "--ek-roots", filepath.Join(auth, "root.pem"))
	code, _, errs := attesta(t, "authority", "challenge", "--dir", other, "--passphrase-file", pass, "--in", req, "--out", filepath.Join(dir, "ch2.json"))
	if code != exitFailure || !strings.Contains(errs, "does not chain to a TPM manufacturer root") {
		t.Errorf("challenge without the vendor CA: exit %d %s", code, errs)
	}
}

// swtpmEnrollment starts swtpm, whose EK certificate comes from a CA made at run time, and names the files of an
// enrollment from the command line in a new directory dir: the box's data, the authority's directory, its
// passphrase file and the EK CAs file (both written).
func swtpmEnrollment(t *testing.T) (sw *tpmtest.Swtpm, dir, data, auth, pass, ekCAs string) {
	t.Helper()
	sw = tpmtest.Start(t)
	dir = t.TempDir()
	data, auth, pass = filepath.Join(dir, "data"), filepath.Join(dir, "ca"), filepath.Join(dir, "pass")
	os.WriteFile(pass, []byte("another long passphrase\n"), 0o600)
	ekCAs = filepath.Join(dir, "ek-cas.pem")
	os.WriteFile(ekCAs, sw.EKCAs(t), 0o644)
	return sw, dir, data, auth, pass, ekCAs
}
