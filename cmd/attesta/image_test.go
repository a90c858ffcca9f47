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

// TestImageUpdateCommands: the build's bundle, the box's update into the inactive slot (partitions as files, the
// ESP as a folder), the next boot's settle blessing it; each step in the journal; a tampered file refused.
func TestImageUpdateCommands(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	put := filePutter(t, dir)
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	priv, _ := x509.MarshalPKCS8PrivateKey(k)
	pub, _ := x509.MarshalPKIXPublicKey(&k.PublicKey)
	privPEM := put("keys/image.key", string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: priv})))
	pubPEM := put("root/etc/attesta/image-key.pem", string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub})))
	root := strings.Repeat("squashfs and its hash tree ", 1000)
	bundle := filepath.Join(dir, "attesta-1.0.1.update")
	if code, _, errs := attesta(t, "image", "bundle", "--key", privPEM, "--version", "1.0.1", "--roothash", strings.Repeat("0", 64),
		"--root", put("build/root.img", root), "--uki-a", put("build/a.efi", "UKI a"), "--uki-b", put("build/b.efi", "UKI b"),
		"--out", bundle); code != 0 {
		t.Fatalf("image bundle: exit %d: %s", code, errs)
	}

	parts := filepath.Join(dir, "by-partlabel")
	put("by-partlabel/attesta-root-a", strings.Repeat("\x00", 64<<10))
	put("by-partlabel/attesta-root-b", strings.Repeat("\x00", 64<<10))
	esp := filepath.Join(dir, "esp")
	put("esp/EFI/Linux/attesta-1.0.0-a.efi", "UKI 1.0.0")
	box := func(slot, version string) []string {
		return []string{"--data", data, "--tpm", "sim", "--esp", esp, "--partitions", parts,
			"--cmdline", put("proc/cmdline", "attesta.slot="+slot+" ro"), "--os-release", put("os-release", "IMAGE_VERSION="+version+"\n")}
	}
	tampered := put("tampered.update", "")
	b, _ := os.ReadFile(bundle)
	b[len(b)/2] ^= 1
	os.WriteFile(tampered, b, 0o644)
	if code, _, errs := attesta(t, append(append([]string{"image", "update", "--key", pubPEM}, box("a", "1.0.0")...), tampered)...); code != 1 ||
		!strings.Contains(errs, "root.img: sha256") {
		t.Fatalf("a tampered file: exit %d: %s", code, errs)
	}
	code, out, errs := attesta(t, append(append([]string{"image", "update", "--key", pubPEM, "--tries", "2"}, box("a", "1.0.0")...), bundle)...)
	if code != 0 || !strings.Contains(out, "attesta-1.0.1-b+2.efi") {
		t.Fatalf("image update: exit %d: %s%s", code, out, errs)
	}
	slotB, _ := os.ReadFile(filepath.Join(parts, "attesta-root-b"))
	if !strings.HasPrefix(string(slotB), root) {
		t.Fatal("slot b does not hold the new root")
	}
	// systemd-boot boots the trial entry once (renaming it); the appliance opens: blessed.
	if err := os.Rename(filepath.Join(esp, "EFI/Linux/attesta-1.0.1-b+2.efi"), filepath.Join(esp, "EFI/Linux/attesta-1.0.1-b+1-1.efi")); err != nil {
		t.Fatal(err)
	}
	code, out, errs = attesta(t, append([]string{"image", "settle"}, box("b", "1.0.1")...)...)
	if code != 0 || !strings.Contains(out, "blessed") {
		t.Fatalf("image settle: exit %d: %s%s", code, out, errs)
	}
	if _, err := os.Stat(filepath.Join(esp, "EFI/Linux/attesta-1.0.1-b.efi")); err != nil {
		t.Fatalf("not blessed: %v", err)
	}
	_, out, _ = attesta(t, "journal", "show", "--data", data)
	for _, leaf := range []string{"image-update-verified", "image-update-slot-written", "image-update-boot-entry", "image-update-blessed"} {
		if !strings.Contains(out, `"type":"`+leaf+`"`) {
			t.Errorf("the journal has no %s leaf", leaf)
		}
	}
	if code, out, _ := attesta(t, append([]string{"image", "settle"}, box("b", "1.0.1")...)...); code != 0 || !strings.Contains(out, "nothing to settle") {
		t.Fatalf("second settle: exit %d: %s", code, out)
	}
	if code, _, errs := attesta(t, "journal", "verify", "--data", data, "--tpm", "sim"); code != 0 {
		t.Fatalf("journal verify: exit %d: %s", code, errs)
	}
}

// filePutter returns put(name, content), which writes content to dir/name (making its folders) and returns the path.
func filePutter(t *testing.T, dir string) func(name, content string) string {
	return func(name, content string) string {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
}
