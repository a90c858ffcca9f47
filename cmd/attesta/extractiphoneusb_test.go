package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/attesta/attesta/capture/ios/iostest"
	"github.com/attesta/attesta/usb/iphonetest"
)

func iphoneList(t *testing.T, dir string) string {
	t.Helper()
	list := filepath.Join(dir, "lista.csv")
	os.WriteFile(list, []byte("numero;nominativo;dal;al\n3331112222;Mario Rossi;2026-01-10;2026-01-20\n"), 0o600)
	return list
}

// TestExtractIPhoneOverUSBThenVerify takes a full backup of the fake iPhone through Debian's usbmuxd protocol
// tools, encrypted with a one-time password the appliance sets and clears again, and certifies a chat from it:
// the manifest says what the generator expects and verify accepts the delivery and rejects it changed.
func TestExtractIPhoneOverUSBThenVerify(t *testing.T) {
	if _, err := exec.LookPath("idevicebackup2"); err != nil {
		t.Skip("Debian libimobiledevice-utils not installed")
	}
	phone := iphonetest.Start(t, iphonetest.Config{Backup: iphonetest.WhatsAppBackup(iosDay)})
	dir := t.TempDir()
	data, out := filepath.Join(dir, "data"), filepath.Join(dir, "out")
	code, stdout, errs := attesta(t, "extract", "iphone", "--usbmuxd", phone.Addr, "--list", iphoneList(t, dir),
		"--out", out, "--data", data, "--tpm", "sim", "--max-messages", "20")
	if code != 0 {
		t.Fatalf("extract iphone: exit %d\n%s%s\nphone: %v", code, stdout, errs, phone.Requests())
	}
	if n, now := phone.PasswordChanges(); n != 2 || now != "" {
		t.Errorf("backup password changed %d times, now %q: want set then cleared", n, now)
	}
	if !strings.Contains(stdout, "backup: 100%") {
		t.Errorf("no backup progress:\n%s", stdout)
	}
	reqs := phone.Requests()
	if !slices.Contains(reqs, "mb2:Backup") || slices.Contains(reqs, "mb2:Restore") {
		t.Errorf("phone requests %v", reqs)
	}
	folders := deliveryFolders(t, filepath.Join(out, "3331112222-*"))
	if len(folders) != 1 {
		t.Fatalf("delivery folders: %v\n%s", folders, stdout)
	}
	checkManifest(t, folders[0], iostest.Expect())
	verifyThenAlter(t, folders[0])
}

func TestExtractIPhoneRefusals(t *testing.T) {
	if _, err := exec.LookPath("idevicebackup2"); err != nil {
		t.Skip("Debian libimobiledevice-utils not installed")
	}
	dir := t.TempDir()
	list := iphoneList(t, dir)
	t.Run("owner password not given", func(t *testing.T) {
		phone := iphonetest.Start(t, iphonetest.Config{BackupPassword: "owner", Backup: iphonetest.WhatsAppBackup(iosDay)})
		code, stdout, errs := attesta(t, "extract", "iphone", "--usbmuxd", phone.Addr, "--list", list,
			"--out", filepath.Join(dir, "out1"), "--data", filepath.Join(dir, "data1"), "--tpm", "sim")
		if code == 0 || !strings.Contains(errs, "--password-file") {
			t.Fatalf("exit %d\n%s%s", code, stdout, errs)
		}
		if slices.Contains(phone.Requests(), "mb2:Backup") {
			t.Fatal("a backup was taken without the owner's password")
		}
	})
	t.Run("no iphone", func(t *testing.T) {
		phone := iphonetest.Start(t, iphonetest.Config{})
		phone.Unplug()
		code, stdout, errs := attesta(t, "extract", "iphone", "--usbmuxd", phone.Addr, "--list", list,
			"--out", filepath.Join(dir, "out2"), "--data", filepath.Join(dir, "data2"), "--tpm", "sim")
		if code == 0 || !strings.Contains(errs, "no iPhone on USB") {
			t.Fatalf("exit %d\n%s%s", code, stdout, errs)
		}
	})
}
