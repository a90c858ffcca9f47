package certify

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/attesta/attesta/evidence"
	"github.com/attesta/attesta/report"
	"github.com/attesta/attesta/usb"
)

// Where WhatsApp keeps its files on the phone's shared storage: its folder, and in it the local end-to-end
// encrypted backups.
const (
	PhoneWhatsApp  = "/sdcard/Android/media/com.whatsapp/WhatsApp"
	PhoneDatabases = PhoneWhatsApp + "/Databases"
)

// phoneMedia fetches media files from the phone, read-only, by their path relative to WhatsApp's folder.
type phoneMedia struct {
	c      *usb.Client
	serial string
}

func (p phoneMedia) fetch(ctx context.Context, rel string, w io.Writer) error {
	clean := path.Clean("/" + rel)
	if clean != "/"+rel || strings.ContainsRune(rel, 0) {
		return fmt.Errorf("media path %q from the database is not a plain relative path", rel)
	}
	_, err := p.c.Pull(ctx, p.serial, PhoneWhatsApp+clean, w)
	return err
}

// What the technician must do when the phone's data is not reachable: each error says it plainly.
var (
	ErrNoPhone = errors.New("no phone ready on USB: connect it with a data cable, unlock it, and in Settings → " +
		"About phone tap Build number seven times to enable Developer options, then turn on USB debugging")
	ErrPhoneNotAuthorized = errors.New("the phone has not authorized this appliance: unlock it and accept " +
		"\"Allow USB debugging?\" (tick \"Always allow from this computer\" only if the studio's policy allows it)")
	ErrNoBackupOnPhone = errors.New("no WhatsApp backup on the phone: in WhatsApp open Settings → Chats → " +
		"Chat backup → End-to-end encrypted backup, turn it on with a 64-digit key (write the key down for the " +
		"extraction), then tap Back up and wait for it to finish; the backup needs no Google account or SIM")
)

// ADBJob is an extraction from a phone plugged in over USB, through the adb server.
type ADBJob struct {
	ADB    string // the adb server, default 127.0.0.1:5037
	Serial string // the phone; empty: the only phone ready
	AndroidBackupJob
}

// ExtractADB certifies the chats of a list from a phone over ADB, without writing to it: it identifies the phone
// and records it in the chain of custody, pulls WhatsApp's Databases folder (each file hashed while it streams and
// stored as evidence), and certifies the chats from the newest local backup, decrypted with the key the client
// gives. A transfer cut short records the acquisition as failed: nothing partial is delivered as complete.
func (p *Pipelines) ExtractADB(ctx context.Context, job ADBJob) ([]ChatOutcome, error) {
	if err := evidence.Plan(job.MaxMessages).Validate(); err != nil {
		return nil, err
	}
	if err := p.gate.CheckCertify(); err != nil {
		return nil, err
	}
	c := usb.New(usb.Options{Addr: job.ADB})
	serial, err := pickPhone(ctx, c, job.Serial)
	if err != nil {
		return nil, err
	}
	dev, err := c.Identify(ctx, serial)
	if err != nil {
		return nil, err
	}
	started := time.Now().UTC()
	serialSum := sha256.Sum256([]byte(dev.Serial))
	acq, err := p.StartAcquisition(ctx, job.Case, string(evidence.MethodADB), map[string]any{
		"chats": len(job.List.Entries), "device_model": dev.Model, "device_manufacturer": dev.Manufacturer,
		"android_version": dev.AndroidVersion, "whatsapp_version": dev.WhatsAppVersion,
		"device_serial_sha256": hex.EncodeToString(serialSum[:]),
	})
	if err != nil {
		return nil, err
	}
	acq.Request = report.Request{Client: job.Client, Case: job.Case, Purpose: job.Purpose}
	acq.prior(job.Prior)
	outcomes, err := p.extractFromPhone(ctx, acq, c, serial, dev, job, started)
	return outcomes, p.finishExtraction(ctx, acq, job.OutDir, outcomes, err)
}

func (p *Pipelines) extractFromPhone(ctx context.Context, acq *Acquisition, c *usb.Client, serial string, dev usb.Device,
	job ADBJob, started time.Time) ([]ChatOutcome, error) {
	custody, _ := json.MarshalIndent(dev, "", "  ")
	if _, err := acq.AddArtifact(ctx, "device", strings.NewReader(string(custody))); err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp(p.tempDir, ".pull-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	job.step("copia dei backup dal telefono", 0)
	results, err := c.PullTree(ctx, serial, PhoneDatabases, tmp)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%s: %w", PhoneDatabases, ErrNoBackupOnPhone)
	}
	if err != nil {
		return nil, fmt.Errorf("pull %s from %s interrupted, nothing certified: reconnect the phone and start again: %w",
			PhoneDatabases, dev.Model, err)
	}
	var backups []string
	for _, r := range results {
		if r.Err != nil || r.Local == "" {
			continue
		}
		if err := p.addPulledFile(ctx, acq, r); err != nil {
			return nil, err
		}
		if isBackupName(filepath.Base(r.Local)) {
			backups = append(backups, r.Local)
		}
	}
	newest, ok := newestBackup(backups)
	if !ok {
		return nil, ErrNoBackupOnPhone
	}
	bjob := job.AndroidBackupJob
	bjob.Backup = newest
	bjob.media = phoneMedia{c: c, serial: serial}
	device := fmt.Sprintf("%s %s, Android %s", dev.Manufacturer, dev.Model, dev.AndroidVersion)
	return p.certifyFromBackup(ctx, acq, bjob, source{method: evidence.MethodADB, started: started, device: device,
		model: dev.Manufacturer + " " + dev.Model, os: "Android " + dev.AndroidVersion})
}

// addPulledFile stores a file pulled from the phone and checks it against the hash computed while it streamed.
func (p *Pipelines) addPulledFile(ctx context.Context, acq *Acquisition, r usb.FileResult) error {
	f, err := os.Open(r.Local)
	if err != nil {
		return err
	}
	defer f.Close()
	art, err := acq.AddArtifact(ctx, "phone-file", f)
	if err != nil {
		return err
	}
	if art.Ref.SHA256 != hex.EncodeToString(r.SHA256[:]) || art.Ref.Size != r.Size {
		return fmt.Errorf("%s changed between the pull and storage (pulled sha256 %x, stored %s)",
			r.Remote, r.SHA256, art.Ref.SHA256)
	}
	return nil
}

// pickPhone returns the serial of the phone to use: the one asked for, or the only one ready.
func pickPhone(ctx context.Context, c *usb.Client, want string) (string, error) {
	devs, err := c.Devices(ctx)
	if err != nil {
		return "", fmt.Errorf("adb server: %w", err)
	}
	var ready, unauthorized []string
	for _, d := range devs {
		if want != "" && d.Serial != want {
			continue
		}
		switch d.State {
		case usb.StateDevice:
			ready = append(ready, d.Serial)
		case usb.StateUnauthorized:
			unauthorized = append(unauthorized, d.Serial)
		}
	}
	switch {
	case len(ready) == 1:
		return ready[0], nil
	case len(ready) > 1:
		return "", fmt.Errorf("several phones are connected (%s): choose one with --serial", strings.Join(ready, ", "))
	case len(unauthorized) > 0:
		return "", fmt.Errorf("%s: %w", unauthorized[0], ErrPhoneNotAuthorized)
	default:
		return "", ErrNoPhone
	}
}

// WhatsApp names its local backups msgstore.db.cryptNN (the newest) and msgstore-YYYY-MM-DD.1.db.cryptNN.
var backupName = regexp.MustCompile(`^msgstore(-(\d{4}-\d{2}-\d{2})\.\d+)?\.db\.crypt1[245]$`)

func isBackupName(name string) bool { return backupName.MatchString(name) }

// newestBackup prefers msgstore.db.cryptNN, which WhatsApp rewrites at every backup, then the latest dated one.
func newestBackup(paths []string) (string, bool) {
	if len(paths) == 0 {
		return "", false
	}
	sort.Slice(paths, func(i, j int) bool { return backupRank(paths[i]) > backupRank(paths[j]) })
	return paths[0], true
}

func backupRank(path string) string {
	m := backupName.FindStringSubmatch(filepath.Base(path))
	if m == nil {
		return ""
	}
	if m[2] == "" {
		return "9999-99-99" + filepath.Base(path) // the undated file is the newest
	}
	return m[2] + filepath.Base(path)
}
