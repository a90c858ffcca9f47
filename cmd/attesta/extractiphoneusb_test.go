package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/attesta/attesta/capture/ios/iostest"
	"github.com/attesta/attesta/certify"
	"github.com/attesta/attesta/usb/iphone"
	"github.com/attesta/attesta/usb/iphonetest"
)

func iphoneList(t *testing.T, dir string) string {
	t.Helper()
	return writeList(t, dir, "lista.csv", rossi)
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
	checkManifest(t, folders[0], iostest.Expect(iosDay))
	checkIPhoneJournal(t, phone, data, out, true, "set", "cleared")
	verifyThenAlter(t, folders[0])
}

// checkIPhoneJournal checks that the journal names the pairing record by its hash and the password switches in
// order, and that the record's private keys are nowhere in the journal or the deliveries.
// backedUp says whether a backup came in, whose every file's hash the journal then holds (backup-listing).
func checkIPhoneJournal(t *testing.T, phone *iphonetest.Phone, data, out string, backedUp bool, actions ...string) {
	t.Helper()
	rec, err := phone.Pair.Plist()
	if err != nil {
		t.Fatal(err)
	}
	pairing, err := iphone.ParsePairRecord(rec)
	if err != nil {
		t.Fatal(err)
	}
	_, shown, _ := attesta(t, "journal", "show", "--data", data)
	if !strings.Contains(shown, `"pair_record_sha256":"`+pairing.RecordSHA256+`"`) {
		t.Errorf("the journal does not name the pairing record by its hash:\n%s", shown)
	}
	var seen []string
	for _, line := range strings.Split(shown, "\n") {
		if strings.Contains(line, certify.LeafIPhonePassword) {
			for _, a := range []string{"set", "cleared", "clear-failed"} {
				if strings.Contains(line, `"action":"`+a+`"`) {
					seen = append(seen, a)
				}
			}
		}
	}
	if strings.Contains(shown, `"kind":"backup-listing"`) != backedUp {
		t.Errorf("backup-listing artifact in the journal: %v, want %v", !backedUp, backedUp)
	}
	if !slices.Equal(seen, actions) {
		t.Errorf("password leaves %v, want %v", seen, actions)
	}
	for _, key := range [][]byte{phone.Pair.HostKey, phone.Pair.RootKey} {
		body := strings.Split(string(key), "\n")[1] // a line of the key's base64
		if strings.Contains(shown, body) {
			t.Errorf("a private key of the pairing record is in the journal")
		}
		filepath.WalkDir(out, func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				if b, _ := os.ReadFile(p); strings.Contains(string(b), body) {
					t.Errorf("a private key of the pairing record is in %s", p)
				}
			}
			return nil
		})
	}
}

func TestExtractIPhonePasswordsAndRefusals(t *testing.T) {
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
	t.Run("owner password given", func(t *testing.T) {
		phone := iphonetest.Start(t, iphonetest.Config{BackupPassword: "owner", Backup: iphonetest.WhatsAppBackup(iosDay)})
		pw := filepath.Join(dir, "pw")
		os.WriteFile(pw, []byte("owner\n"), 0o600)
		data, out := filepath.Join(dir, "data4"), filepath.Join(dir, "out4")
		code, stdout, errs := attesta(t, "extract", "iphone", "--usbmuxd", phone.Addr, "--password-file", pw,
			"--list", list, "--out", out, "--data", data, "--tpm", "sim")
		if code != 0 {
			t.Fatalf("exit %d\n%s%s", code, stdout, errs)
		}
		if n, now := phone.PasswordChanges(); n != 0 || now != "owner" {
			t.Errorf("the owner's password was touched: %d changes, now %q", n, now)
		}
		if f := deliveryFolders(t, filepath.Join(out, "3331112222-*")); len(f) != 1 {
			t.Errorf("deliveries %v", f)
		}
		checkIPhoneJournal(t, phone, data, out, true)
	})
	t.Run("backup fails", func(t *testing.T) {
		phone := iphonetest.Start(t, iphonetest.Config{FailBackup: "the iPhone is locked", Backup: iphonetest.WhatsAppBackup(iosDay)})
		data, out := filepath.Join(dir, "data3"), filepath.Join(dir, "out3")
		code, stdout, errs := attesta(t, "extract", "iphone", "--usbmuxd", phone.Addr, "--list", list,
			"--out", out, "--data", data, "--tpm", "sim")
		if code == 0 || !strings.Contains(errs, "the iPhone is locked") || !strings.Contains(errs, "nothing certified") {
			t.Fatalf("exit %d\n%s%s", code, stdout, errs)
		}
		if n, now := phone.PasswordChanges(); n != 2 || now != "" {
			t.Errorf("after a failed backup: %d password changes, password now %q", n, now)
		}
		if f := deliveryFolders(t, filepath.Join(out, "3331112222-*")); len(f) != 0 {
			t.Errorf("a failed backup delivered %v", f)
		}
		checkIPhoneJournal(t, phone, data, out, false, "set", "cleared")
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
