package iphone

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/attesta/attesta/capture/ios"
	"github.com/attesta/attesta/usb/iphonetest"
)

var whatsAppBackup = iphonetest.WhatsAppBackup(time.Date(2026, 1, 12, 9, 0, 0, 0, time.UTC))

func start(t *testing.T, cfg iphonetest.Config) (*iphonetest.Phone, Tools) {
	t.Helper()
	iphonetest.SkipWithoutTools(t)
	cfg.Backup = whatsAppBackup
	p := iphonetest.Start(t, cfg)
	return p, Tools{Socket: p.Addr}
}

func TestFindIdentifyAndPairRecord(t *testing.T) {
	p, tools := start(t, iphonetest.Config{})
	dev, err := tools.Find(t.Context(), "")
	if err != nil || dev.UDID != p.UDID {
		t.Fatalf("Find: %+v, %v", dev, err)
	}
	if _, err := tools.Find(t.Context(), "someone-else"); !errors.Is(err, ErrNoIPhone) {
		t.Fatalf("Find of another phone: %v", err)
	}
	id, err := tools.Identify(t.Context(), p.UDID)
	if err != nil {
		t.Fatal(err)
	}
	if id.Name != p.Name || id.ProductVersion != p.ProductVersion || id.WillEncrypt {
		t.Fatalf("identity %+v", id)
	}
	pair, err := tools.PairRecord(t.Context(), p.UDID)
	if err != nil || pair.HostID != p.Pair.HostID || len(pair.RecordSHA256) != 64 || len(pair.DeviceCertSHA256) != 64 {
		t.Fatalf("pairing %+v, %v", pair, err)
	}
	if _, err := tools.PairRecord(t.Context(), "unpaired"); !errors.Is(err, ErrNotPaired) {
		t.Fatalf("pair record of an unpaired phone: %v", err)
	}
	p.Unplug()
	if _, err := tools.Find(t.Context(), ""); !errors.Is(err, ErrNoIPhone) {
		t.Fatalf("Find after unplugging: %v", err)
	}
}

func TestEncryptedBackupWithOneTimePasswordThenSwitchedBack(t *testing.T) {
	p, tools := start(t, iphonetest.Config{})
	pw, err := OneTimePassword()
	if err != nil {
		t.Fatal(err)
	}
	if err := tools.SetBackupPassword(t.Context(), p.UDID, pw); err != nil {
		t.Fatal(err)
	}
	if id, _ := tools.Identify(t.Context(), p.UDID); !id.WillEncrypt {
		t.Fatalf("WillEncrypt false after setting the password")
	}
	var seen []int
	dir, err := tools.Backup(t.Context(), p.UDID, t.TempDir(), func(pr Progress) { seen = append(seen, pr.Percent) })
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) < 2 || seen[len(seen)-1] != 100 || !slices.IsSorted(seen[1:]) {
		t.Fatalf("progress %v", seen)
	}
	if err := tools.ClearBackupPassword(t.Context(), p.UDID, pw); err != nil {
		t.Fatal(err)
	}
	if n, now := p.PasswordChanges(); n != 2 || now != "" {
		t.Fatalf("password changes %d, password now %q", n, now)
	}
	b, err := ios.Open(t.Context(), dir, []byte(pw), t.TempDir())
	if err != nil {
		t.Fatalf("the encrypted backup does not open with the one-time password: %v", err)
	}
	defer b.Close()
	if !b.Encrypted || b.Device.UDID != p.UDID {
		t.Fatalf("backup encrypted=%v device %+v", b.Encrypted, b.Device)
	}
	if _, err := ios.Open(t.Context(), dir, []byte("wrong"), t.TempDir()); err == nil {
		t.Fatal("the backup opened with a wrong password")
	}
}

func TestWrongPasswordToSwitchBackIsRefusedAndRedacted(t *testing.T) {
	p, tools := start(t, iphonetest.Config{BackupPassword: "the-owners"})
	err := tools.ClearBackupPassword(t.Context(), p.UDID, "guess-1234")
	if err == nil || strings.Contains(err.Error(), "guess-1234") {
		t.Fatalf("clear with a wrong password: %v", err)
	}
	if _, now := p.PasswordChanges(); now != "the-owners" {
		t.Fatalf("password changed to %q", now)
	}
}

func TestParsePairRecordRefusesIncompleteRecords(t *testing.T) {
	for name, rec := range map[string]string{
		"not a plist": "hello",
		"not a dict":  `<plist version="1.0"><array/></plist>`,
		"no host id":  `<plist version="1.0"><dict><key>DeviceCertificate</key><data>AA==</data></dict></plist>`,
		"no cert":     `<plist version="1.0"><dict><key>HostID</key><string>H</string></dict></plist>`,
		"cert not pem": `<plist version="1.0"><dict><key>HostID</key><string>H</string>` +
			`<key>DeviceCertificate</key><data>AA==</data></dict></plist>`,
	} {
		if _, err := ParsePairRecord([]byte(rec)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func FuzzParsePairRecord(f *testing.F) {
	f.Add([]byte(`<plist version="1.0"><dict><key>HostID</key><string>H</string><key>DeviceCertificate</key>` +
		`<data>LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCkFBPT0KLS0tLS1FTkQgQ0VSVElGSUNBVEUtLS0tLQo=</data></dict></plist>`))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := ParsePairRecord(b)
		if err == nil && (p.HostID == "" || len(p.RecordSHA256) != 64) {
			t.Fatalf("accepted %+v", p)
		}
	})
}

// TestStatusFollowsTheTelefonoScreensStates walks an iPhone from absent to paired as the UI shows it.
func TestStatusFollowsTheTelefonoScreensStates(t *testing.T) {
	p, tools := start(t, iphonetest.Config{Untrusted: true})
	st, udid, err := tools.Status(t.Context(), "")
	if err != nil || st != StateTrustPending || udid != p.UDID {
		t.Fatalf("untrusted phone: %s %s %v", st, udid, err)
	}
	if _, err := tools.Identify(t.Context(), p.UDID); err == nil {
		t.Fatal("an untrusted phone was identified over a lockdown session")
	}
	if at, err := tools.Attached(t.Context()); err != nil || len(at) != 1 || at[0] != (Attached{UDID: p.UDID, State: StateTrustPending}) {
		t.Fatalf("Attached, untrusted: %+v %v", at, err)
	}
	p.Trust()
	if st, _, err := tools.Status(t.Context(), ""); err != nil || st != StatePaired {
		t.Fatalf("trusted phone: %s %v", st, err)
	}
	if at, err := tools.Attached(t.Context()); err != nil || len(at) != 1 || at[0].State != StatePaired {
		t.Fatalf("Attached, trusted: %+v %v", at, err)
	}
	p.Unplug()
	if st, _, err := tools.Status(t.Context(), ""); err != nil || st != StateAbsent {
		t.Fatalf("unplugged phone: %s %v", st, err)
	}
	if at, err := tools.Attached(t.Context()); err != nil || len(at) != 0 {
		t.Fatalf("Attached, unplugged: %+v %v", at, err)
	}
	// No usbmuxd: no iPhone, no error.
	if at, err := (Tools{Socket: "127.0.0.1:1"}).Attached(t.Context()); err != nil || len(at) != 0 {
		t.Fatalf("Attached without usbmuxd: %+v %v", at, err)
	}
}

func TestBackupCutShortIsAnError(t *testing.T) {
	p, tools := start(t, iphonetest.Config{CutBackupAfter: 1})
	_, err := tools.Backup(t.Context(), p.UDID, t.TempDir(), nil)
	if !errors.Is(err, ErrUnplugged) {
		t.Fatalf("a backup cut short: %v", err)
	}
}
