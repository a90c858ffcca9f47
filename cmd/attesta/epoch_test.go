package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// enrollBox runs the enrollment round trip from the command line (request, challenge, activation, issue) on the
// simulator and returns the issued chain's file; it does not install it.
func enrollBox(t *testing.T, dir, data, auth, pass, tag string) string {
	t.Helper()
	return enrollOn(t, "sim", dir, data, auth, pass, tag, "--accept-uncertified-ek")
}

// enrollOn is enrollBox on the TPM spec; the authority, when it does not exist yet, is made with initFlags.
func enrollOn(t *testing.T, spec, dir, data, auth, pass, tag string, initFlags ...string) string {
	t.Helper()
	req, ch, ans, chain := filepath.Join(dir, tag+"-req.json"), filepath.Join(dir, tag+"-ch.json"), filepath.Join(dir, tag+"-ans.json"), filepath.Join(dir, tag+"-chain.pem")
	run0(t, "enroll", "--out", req, "--data", data, "--tpm", spec)
	if _, err := os.Stat(filepath.Join(auth, "root.pem")); err != nil {
		run0(t, append([]string{"authority", "init", "--dir", auth, "--name", "Studio Test", "--passphrase-file", pass, "--pcr-policy", req}, initFlags...)...)
	}
	run0(t, "authority", "challenge", "--dir", auth, "--passphrase-file", pass, "--in", req, "--out", ch)
	run0(t, "enroll", "--activate", ch, "--out", ans, "--data", data, "--tpm", spec)
	run0(t, "authority", "issue", "--dir", auth, "--passphrase-file", pass, "--in", ans, "--out", chain)
	return chain
}

// TestTPMReplacedStartsANewKeyEpoch swaps the appliance's simulated TPM for another (a motherboard swap: another
// simulator seed under the same data disk). The old key cannot sign anymore; the box is re-enrolled, and a new key
// epoch, countersigned by the authority, links its new key to the old history. Deliveries of both epochs verify
// with --root and --status; a verifier pinned on the first key follows the epoch only with the authority's root,
// and another authority's root does not back it.
func TestTPMReplacedStartsANewKeyEpoch(t *testing.T) {
	dir := t.TempDir()
	data, auth, pass := filepath.Join(dir, "data"), filepath.Join(dir, "authority"), filepath.Join(dir, "pass")
	os.WriteFile(pass, []byte("a long passphrase\n"), 0o600)
	run0(t, "enroll", "--install", enrollBox(t, dir, data, auth, pass, "a"), "--data", data, "--tpm", "sim")
	first, _ := extractOnce(t, data, filepath.Join(dir, "out1"))
	firstKey := strings.TrimSpace(string(mustReadFile(t, filepath.Join(first, "proofs", "vkey"))))
	id := applianceID(t, data)

	// The motherboard is replaced: another TPM under the same data disk.
	if err := os.WriteFile(filepath.Join(data, "tpm", "sim-seed"), []byte("4242424242\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := attesta(t, "keys", "list", "--data", data, "--tpm", "sim"); code == 0 || !strings.Contains(errs, "keys epoch") {
		t.Errorf("the box with a new TPM opened, or did not say what to do: exit %d, %s", code, errs)
	}
	epReq, ep := filepath.Join(dir, "epoch-request"), filepath.Join(dir, "epoch")
	run0(t, "keys", "epoch", "--out", epReq, "--data", data, "--tpm", "sim")
	if m, _ := filepath.Glob(filepath.Join(data, "tpm-retired", "*", "provision.json")); len(m) != 1 {
		t.Errorf("the old TPM's state was not kept aside: %v", m)
	}
	// The authority countersigns only once an operator retired the old TPM and the new one is enrolled.
	if code, _, errs := attesta(t, "authority", "epoch", "--dir", auth, "--passphrase-file", pass, "--in", epReq, "--out", ep); code != exitFailure ||
		!strings.Contains(errs, "is not the signing key enrolled") {
		t.Errorf("epoch before the new enrollment: exit %d, %s", code, errs)
	}
	run0(t, "authority", "revoke", "--dir", auth, "--passphrase-file", pass, "--appliance", id, "--operator", "Mario Bianchi",
		"--reason", "TPM replaced (motherboard swap)")
	chainB := enrollBox(t, dir, data, auth, pass, "b")
	run0(t, "authority", "epoch", "--dir", auth, "--passphrase-file", pass, "--in", epReq, "--out", ep)
	if code, _, errs := attesta(t, "authority", "epoch", "--dir", auth, "--passphrase-file", pass, "--in", ep, "--out", ep+"2"); code != exitFailure ||
		!strings.Contains(errs, "already countersigned") {
		t.Errorf("a countersigned epoch sent again: exit %d, %s", code, errs)
	}
	if out := run0(t, "keys", "epoch", "--install", ep, "--data", data, "--tpm", "sim"); !strings.Contains(out, "new key epoch") {
		t.Errorf("keys epoch --install: %s", out)
	}
	run0(t, "enroll", "--install", chainB, "--data", data, "--tpm", "sim")
	// A new case: the keys of the cases before the swap were wrapped by the old TPM (recovered from their escrow).
	second, _ := extractOnce(t, data, filepath.Join(dir, "out2"), "--case", "after-the-swap")
	if keys := run0(t, "keys", "list", "--data", data, "--tpm", "sim"); !strings.Contains(keys, firstKey) {
		t.Errorf("keys list does not start from the first epoch's key:\n%s", keys)
	}

	// The journal follows its own epoch; the blobs of the case before the swap are counted as lost with the old TPM.
	if out := run0(t, "journal", "verify", "--data", data, "--tpm", "sim"); !strings.Contains(out, "lost with a replaced TPM") {
		t.Errorf("journal verify after the epoch:\n%s", out)
	}
	root, status := filepath.Join(auth, "root.pem"), filepath.Join(auth, "status.json")
	for _, d := range []string{first, second} {
		if out := run0(t, "verify", "--root", root, "--status", status, "--lang", "en", d); !strings.Contains(out, "VALID") {
			t.Errorf("verify --root --status %s:\n%s", filepath.Base(d), out)
		}
	}
	if out := run0(t, "verify", "--key", firstKey, "--root", root, "--lang", "en", second); !strings.Contains(out, "proofs/keychain") {
		t.Errorf("verify pinned on the first key with the root:\n%s", out)
	}
	if code, out, _ := attesta(t, "verify", "--key", firstKey, "--lang", "en", second); code != exitFailure || !strings.Contains(out, "not backed by a trusted authority") {
		t.Errorf("verify pinned on the first key without the root: exit %d\n%s", code, out)
	}
	if out := run0(t, "verify", "--lang", "en", second); !strings.Contains(out, "not checked against the authority's root") {
		t.Errorf("verify with nothing pinned does not note the epoch:\n%s", out)
	}
	other := filepath.Join(dir, "other")
	run0(t, "authority", "init", "--dir", other, "--name", "Another Studio", "--passphrase-file", pass, "--pcr-policy", filepath.Join(dir, "a-req.json"), "--accept-uncertified-ek")
	if code, out, _ := attesta(t, "verify", "--key", firstKey, "--root", filepath.Join(other, "root.pem"), "--lang", "en", second); code != exitFailure ||
		!strings.Contains(out, "does not chain to the authority's root") {
		t.Errorf("verify with another authority's root: exit %d\n%s", code, out)
	}
}

func mustReadFile(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestRotateAKFromTheCommandLine rotates the attestation key of a box on swtpm (whose creation tickets outlive the
// process, as a real TPM's do), then enrolls it again: the authority records the re-enrollment as an AK rotation.
func TestRotateAKFromTheCommandLine(t *testing.T) {
	sw, dir, data, auth, pass, ekCAs := swtpmEnrollment(t)
	enroll := func(tag string) {
		run0(t, "enroll", "--install", enrollOn(t, sw.Spec, dir, data, auth, pass, tag, "--ek-roots", ekCAs), "--data", data, "--tpm", sw.Spec)
	}
	enroll("a")
	if out := run0(t, "keys", "rotate-ak", "--data", data, "--tpm", sw.Spec); !strings.Contains(out, "generation 1") {
		t.Errorf("keys rotate-ak: %s", out)
	}
	enroll("b")
	if out := run0(t, "authority", "status", "--dir", auth, "--passphrase-file", pass); !strings.Contains(out, "good") {
		t.Errorf("authority status after the AK's re-enrollment: %s", out)
	}
	events, _ := os.ReadFile(filepath.Join(auth, "events.jsonl"))
	if strings.Count(string(events), `"event":"issued"`) != 2 {
		t.Errorf("events: %s", events)
	}
	if reg, _ := os.ReadFile(filepath.Join(auth, "registry.json")); !strings.Contains(string(reg), "re-enrolled after a rotation of the attestation key") {
		t.Error("the registry does not record the re-enrollment as an AK rotation")
	}
	if out := run0(t, "journal", "verify", "--data", data, "--tpm", sw.Spec); !strings.Contains(out, "VALID") {
		t.Errorf("journal verify after the AK rotation: %s", out)
	}
}
