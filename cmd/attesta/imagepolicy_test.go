package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestImageUpdateSignedPolicies: on a box whose signing key is bound to the image-policy key's signed policies
// (image_key, tpm_policy in its configuration), an update carries the new slot's signed policy, written beside the
// factory one on the ESP; an update without one is refused; blessing the new image advances the TPM's counter
// (journaled); a fall-back leaves it alone; a new image whose key cannot sign under its policy is marked bad, not
// blessed.
func TestImageUpdateSignedPolicies(t *testing.T) {
	dir := t.TempDir()
	put := filePutter(t, dir)
	run := func(args ...string) string {
		t.Helper()
		code, out, errs := attesta(t, args...)
		if code != 0 {
			t.Fatalf("attesta %s: exit %d: %s%s", strings.Join(args, " "), code, out, errs)
		}
		return out
	}
	imageKey, imagePub := imageKeyFiles(t, t.TempDir()) // update files
	policyKey, policyPub := imageKeyFiles(t, t.TempDir())
	esp := filepath.Join(dir, "esp")
	put("esp/EFI/Linux/attesta-1.0.0-a.efi", "UKI 1.0.0")
	// The simulator's PCRs 4, 7 and 11 are zero: every slot's prediction here.
	zero := strings.Repeat("0", 64)
	// sign signs image's policy over PCR values pcr (default zero).
	sign := func(image, version, out string, pcr ...string) {
		v := zero
		if len(pcr) > 0 {
			v = pcr[0]
		}
		pcrs := put("build/pcrs-"+image+".json", `{"version":"`+image+`","bank":"sha256","pcrs":{"4":"`+v+`","7":"`+v+
			`","11":"`+v+`"},"uki_sha256":"","partitions":[],"note":""}`)
		os.Remove(out)
		run("keys", "policy", "sign", "--key", policyKey, "--pcrs", pcrs, "--version", version, "--out", out)
	}
	if err := os.MkdirAll(filepath.Join(esp, "attesta/policies"), 0o755); err != nil {
		t.Fatal(err)
	}
	sign("1.0.0", "1", filepath.Join(esp, "attesta/policies/slot-a.json"))
	cfg := put("root/etc/attesta/config.json", `{"image_key":"`+policyPub+`","tpm_policy":"`+filepath.Join(esp, "attesta/policies")+`"}`)
	bundle := func(version, policyVersion string, pcr ...string) string {
		args := []string{"image", "bundle", "--key", imageKey, "--version", version, "--roothash", zero,
			"--root", put("build/root-"+version, "root "+version), "--uki-a", put("build/a.efi", "UKI a"), "--uki-b", put("build/b.efi", "UKI b"),
			"--out", filepath.Join(dir, "attesta-"+version+".update")}
		if policyVersion != "" {
			pa, pb := filepath.Join(dir, "build/policy-a-"+version), filepath.Join(dir, "build/policy-b-"+version)
			sign(version, policyVersion, pa, pcr...)
			sign(version, policyVersion, pb, pcr...)
			args = append(args, "--policy-a", pa, "--policy-b", pb)
		}
		os.Remove(filepath.Join(dir, "attesta-"+version+".update"))
		run(args...)
		return filepath.Join(dir, "attesta-"+version+".update")
	}
	parts := filepath.Join(dir, "by-partlabel")
	put("by-partlabel/attesta-root-a", strings.Repeat("\x00", 64<<10))
	put("by-partlabel/attesta-root-b", strings.Repeat("\x00", 64<<10))
	data := filepath.Join(dir, "data")
	box := func(slot, version string) []string {
		return []string{"--config", cfg, "--data", data, "--tpm", "sim", "--esp", esp, "--partitions", parts,
			"--cmdline", put("proc/cmdline", "attesta.slot="+slot+" ro"), "--os-release", put("os-release", "IMAGE_VERSION="+version+"\n")}
	}
	update := func(slot, version, file string) (int, string) {
		code, out, errs := attesta(t, append(append([]string{"image", "update", "--key", imagePub, "--tries", "2"}, box(slot, version)...), file)...)
		return code, out + errs
	}

	// The build refuses to bundle another image's policies.
	sign("1.0.0", "1", filepath.Join(dir, "build/old-policy"))
	if code, _, errs := attesta(t, "image", "bundle", "--key", imageKey, "--version", "1.0.1", "--roothash", zero, "--root", put("build/r", "r"),
		"--uki-a", put("build/a.efi", "UKI a"), "--uki-b", put("build/b.efi", "UKI b"), "--policy-a", filepath.Join(dir, "build/old-policy"),
		"--policy-b", filepath.Join(dir, "build/old-policy"), "--out", filepath.Join(dir, "x.update")); code != 2 || !strings.Contains(errs, "signed policy of image 1.0.0, not 1.0.1") {
		t.Fatalf("bundle with 1.0.0's policies as 1.0.1's: exit %d: %s", code, errs)
	}
	if code, out := update("a", "1.0.0", bundle("1.0.1", "")); code != 1 || !strings.Contains(out, "carries no signed TPM policy") {
		t.Fatalf("an update without signed policies: exit %d: %s", code, out)
	}
	if code, out := update("a", "1.0.0", bundle("1.0.1", "2")); code != 0 || !strings.Contains(out, "attesta-1.0.1-b+2.efi") ||
		!strings.Contains(out, "signed TPM policy version 2 of image 1.0.1 written to the ESP as attesta/policies/slot-b.json") {
		t.Fatalf("image update: exit %d: %s", code, out)
	}
	if out := run("keys", "policy", "check", "--image-key", policyPub, filepath.Join(esp, "attesta/policies/slot-b.json")); !strings.Contains(out, "VALID: policy version 2 for image 1.0.1") {
		t.Fatalf("slot b's policy on the ESP: %s", out)
	}
	// systemd-boot boots the trial entry once; the appliance opens under the new policy: blessed, counter advanced.
	if err := os.Rename(filepath.Join(esp, "EFI/Linux/attesta-1.0.1-b+2.efi"), filepath.Join(esp, "EFI/Linux/attesta-1.0.1-b+1-1.efi")); err != nil {
		t.Fatal(err)
	}
	out := run(append([]string{"image", "settle"}, box("b", "1.0.1")...)...)
	if !strings.Contains(out, "blessed") || !strings.Contains(out, "policy counter at 2") {
		t.Fatalf("image settle: %s", out)
	}

	// 1.0.2 into slot a; it never comes up (its tries used up): the box falls back, the counter stays.
	if code, out := update("b", "1.0.1", bundle("1.0.2", "3")); code != 0 || !strings.Contains(out, "attesta-1.0.2-a+2.efi") {
		t.Fatalf("second update: exit %d: %s", code, out)
	}
	if err := os.Rename(filepath.Join(esp, "EFI/Linux/attesta-1.0.2-a+2.efi"), filepath.Join(esp, "EFI/Linux/attesta-1.0.2-a+0-2.efi")); err != nil {
		t.Fatal(err)
	}
	out = run(append([]string{"image", "settle"}, box("b", "1.0.1")...)...)
	if !strings.Contains(out, "fell back") || strings.Contains(out, "policy counter") {
		t.Fatalf("settle after the fall-back: %s", out)
	}

	// 1.0.3, whose signed policies do not match the PCRs it boots with (a wrong prediction): its key cannot sign,
	// so the slot is marked bad before it is blessed, and the counter stays.
	if code, out := update("b", "1.0.1", bundle("1.0.3", "4", strings.Repeat("ab", 32))); code != 0 || !strings.Contains(out, "attesta-1.0.3-a+2.efi") {
		t.Fatalf("third update: exit %d: %s", code, out)
	}
	for _, slot := range []string{"a", "b"} { // only the new image's policies, as on a box booted from the new slot
		os.Rename(filepath.Join(esp, "attesta/policies/slot-"+slot+".json"), filepath.Join(dir, "set-aside-"+slot))
	}
	sign("1.0.3", "4", filepath.Join(esp, "attesta/policies/slot-a.json"), strings.Repeat("ab", 32))
	if err := os.Rename(filepath.Join(esp, "EFI/Linux/attesta-1.0.3-a+2.efi"), filepath.Join(esp, "EFI/Linux/attesta-1.0.3-a+1-1.efi")); err != nil {
		t.Fatal(err)
	}
	code, out, errs := attesta(t, append([]string{"image", "settle"}, box("a", "1.0.3")...)...)
	if code != 1 || !strings.Contains(errs, "marked bad") || !strings.Contains(errs, "PCR 4") || strings.Contains(out, "policy counter") {
		t.Fatalf("settle of an image whose policy does not hold: exit %d: %s%s", code, out, errs)
	}
	t.Logf("settle of 1.0.3: %s", errs)
	if _, err := os.Stat(filepath.Join(esp, "EFI/Linux/attesta-1.0.3-a+0-2.efi")); err != nil {
		t.Fatalf("the failed image's entry has tries left: %v", err)
	}

	out = run("journal", "show", "--data", data)
	for leaf, want := range map[string]int{"image-update-policy": 3, "tpm-policy-advance": 1, "image-update-fallback": 1, "image-update-blessed": 1} {
		if got := strings.Count(out, `"type":"`+leaf+`"`); got != want {
			t.Errorf("the journal has %d %s leaves, want %d", got, leaf, want)
		}
	}
	if !strings.Contains(out, `"to":2`) {
		t.Errorf("the policy advance leaf does not say the counter moved to 2")
	}
}
