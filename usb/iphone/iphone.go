// Package iphone takes an iPhone's data over USB: it finds the phone through usbmuxd (package usb/usbmux), reads
// its identity and the pairing record the appliance keeps, and drives Debian's libimobiledevice tools
// (`ideviceinfo`, `idevicebackup2`) for what needs lockdownd's TLS session and mobilebackup2: the identity values,
// the backup-encryption switch, and a full backup into a folder of the appliance.
//
// # What it changes on the phone
//
// Nothing of the phone's data. Two settings-level actions are unavoidable and are reported to the caller, which
// journals them: the backup password (set to a one-time password the appliance generates when the phone has none,
// because encrypted backups carry WhatsApp's keychain-protected data, and cleared again afterwards), and the sync
// lock file (/com.apple.itunes.lock_sync) that every backup tool, Finder and iTunes included, takes over AFC.
//
// # The pairing record
//
// usbmuxd keeps it (/var/lib/lockdown/UDID.plist) after the owner taps "Trust this computer". [PairRecord]
// returns what may be journaled about it — its SHA-256, HostID, SystemBUID, the device certificate's SHA-256 —
// and never its private keys.
package iphone

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/attesta/attesta/capture/ios/plist"
	"github.com/attesta/attesta/usb/usbmux"
)

// What the technician must do when the phone cannot be read: each error says it plainly.
var (
	ErrNoIPhone  = errors.New("no iPhone on USB: connect it with a data cable and unlock it")
	ErrSeveral   = errors.New("more than one iPhone on USB: name one with --udid")
	ErrNotPaired = errors.New("the iPhone has not trusted this appliance: unlock it, tap \"Trust this computer\" " +
		"and enter the passcode, then start again")
	ErrUnplugged = errors.New("the iPhone was disconnected during the backup: nothing certified; reconnect it, " +
		"keep it unlocked and start again")
	ErrTools = errors.New("libimobiledevice tools missing (Debian packages libimobiledevice-utils and usbmuxd)")
)

// Tools says where the daemon and the tools are.
type Tools struct {
	// Socket is usbmuxd's address as USBMUXD_SOCKET_ADDRESS spells it ("" for /var/run/usbmuxd).
	Socket string
	// Dir holds ideviceinfo and idevicebackup2; "" looks them up in PATH.
	Dir string
}

func (t Tools) dial(ctx context.Context) (*usbmux.Conn, error) {
	network, addr := usbmux.ParseAddress(t.Socket)
	return usbmux.DialAddr(ctx, network, addr)
}

func (t Tools) command(ctx context.Context, name string, args ...string) (*exec.Cmd, error) {
	path := name
	if t.Dir != "" {
		path = t.Dir + "/" + name
	}
	path, err := exec.LookPath(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrTools, name, err)
	}
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.WaitDelay = 5 * time.Second // a killed tool's pipes are closed even if something inherited them
	cmd.Env = os.Environ()
	if t.Socket != "" {
		cmd.Env = append(cmd.Env, "USBMUXD_SOCKET_ADDRESS="+t.Socket)
	}
	return cmd, nil
}

// run runs a tool and returns its standard output; a failure carries the tool's own words.
func (t Tools) run(ctx context.Context, name string, args ...string) ([]byte, error) {
	cmd, err := t.command(ctx, name, args...)
	if err != nil {
		return nil, err
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return out.Bytes(), fmt.Errorf("%s %s: %w: %s", name, args[len(args)-1], err, lastLines(out.String()+errb.String()))
	}
	return out.Bytes(), nil
}

func lastLines(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(lines[max(0, len(lines)-3):], " / ")
}

// Find returns the phone to read: udid when given, else the only iPhone attached.
func (t Tools) Find(ctx context.Context, udid string) (usbmux.Device, error) {
	c, err := t.dial(ctx)
	if err != nil {
		return usbmux.Device{}, fmt.Errorf("%w (is usbmuxd running?): %v", ErrNoIPhone, err)
	}
	defer c.Close()
	devs, err := c.ListDevices(ctx)
	if err != nil {
		return usbmux.Device{}, err
	}
	var usbDevs []usbmux.Device
	for _, d := range devs {
		if d.ConnectionType == "USB" && (udid == "" || d.UDID == udid) {
			usbDevs = append(usbDevs, d)
		}
	}
	switch {
	case len(usbDevs) == 0 && udid != "":
		return usbmux.Device{}, fmt.Errorf("%w: %s is not attached", ErrNoIPhone, udid)
	case len(usbDevs) == 0:
		return usbmux.Device{}, ErrNoIPhone
	case len(usbDevs) > 1:
		return usbmux.Device{}, ErrSeveral
	}
	return usbDevs[0], nil
}

// Pairing is what the appliance journals about the pairing record: never its private keys.
type Pairing struct {
	RecordSHA256     string `json:"record_sha256"`
	HostID           string `json:"host_id"`
	SystemBUID       string `json:"system_buid"`
	DeviceCertSHA256 string `json:"device_certificate_sha256"`
}

// PairRecord reads the pairing record usbmuxd keeps for udid and returns its journaled facts.
func (t Tools) PairRecord(ctx context.Context, udid string) (Pairing, error) {
	c, err := t.dial(ctx)
	if err != nil {
		return Pairing{}, err
	}
	defer c.Close()
	rec, err := c.ReadPairRecord(ctx, udid)
	if errors.Is(err, usbmux.ErrRefused) {
		return Pairing{}, fmt.Errorf("%w (%s)", ErrNotPaired, udid)
	}
	if err != nil {
		return Pairing{}, err
	}
	return ParsePairRecord(rec)
}

// ParsePairRecord reads a pairing record (outside data: usbmuxd hands it over) into its journaled facts.
func ParsePairRecord(rec []byte) (Pairing, error) {
	d, err := plist.ParseDict(rec, "pairing record")
	if err != nil {
		return Pairing{}, fmt.Errorf("iphone: %w", err)
	}
	sum := sha256.Sum256(rec)
	p := Pairing{RecordSHA256: hex.EncodeToString(sum[:])}
	var ok bool
	if p.HostID, ok, err = plist.String(d, "HostID"); err != nil || !ok || p.HostID == "" {
		return Pairing{}, fmt.Errorf("iphone: pairing record: no HostID")
	}
	p.SystemBUID, _, _ = plist.String(d, "SystemBUID")
	certPEM, ok, err := plist.Data(d, "DeviceCertificate")
	if err != nil || !ok {
		return Pairing{}, fmt.Errorf("iphone: pairing record: no DeviceCertificate")
	}
	blk, _ := pem.Decode(certPEM)
	if blk == nil {
		return Pairing{}, fmt.Errorf("iphone: pairing record: DeviceCertificate is not PEM")
	}
	cs := sha256.Sum256(blk.Bytes)
	p.DeviceCertSHA256 = hex.EncodeToString(cs[:])
	return p, nil
}

// Identity is what lockdownd says about the phone.
type Identity struct {
	UDID           string `json:"udid"`
	Name           string `json:"device_name"`
	ProductType    string `json:"product_type"`
	ProductVersion string `json:"product_version"`
	BuildVersion   string `json:"build_version"`
	SerialNumber   string `json:"serial_number"`
	WillEncrypt    bool   `json:"will_encrypt"`
}

// Identify reads the phone's identity and whether its backups are encrypted, over lockdownd's TLS session.
func (t Tools) Identify(ctx context.Context, udid string) (Identity, error) {
	out, err := t.run(ctx, "ideviceinfo", "-u", udid, "-x")
	if err != nil {
		return Identity{}, notPaired(err)
	}
	d, err := plist.ParseDict(out, "ideviceinfo")
	if err != nil {
		return Identity{}, fmt.Errorf("iphone: %w", err)
	}
	str := func(k string) string { s, _, _ := plist.String(d, k); return s }
	id := Identity{UDID: str("UniqueDeviceID"), Name: str("DeviceName"), ProductType: str("ProductType"),
		ProductVersion: str("ProductVersion"), BuildVersion: str("BuildVersion"), SerialNumber: str("SerialNumber")}
	if id.UDID != udid {
		return Identity{}, fmt.Errorf("iphone: lockdownd says UniqueDeviceID %q, usbmuxd %q", id.UDID, udid)
	}
	out, err = t.run(ctx, "ideviceinfo", "-u", udid, "-q", "com.apple.mobile.backup", "-k", "WillEncrypt")
	if err != nil {
		return Identity{}, notPaired(err)
	}
	switch strings.TrimSpace(string(out)) {
	case "true":
		id.WillEncrypt = true
	case "false", "":
	default:
		return Identity{}, fmt.Errorf("iphone: WillEncrypt is %q", out)
	}
	return id, nil
}

func notPaired(err error) error {
	if strings.Contains(err.Error(), "pair") || strings.Contains(err.Error(), "Trust") {
		return fmt.Errorf("%w: %v", ErrNotPaired, err)
	}
	return err
}

// OneTimePassword makes a backup password for one extraction: 24 random bytes, base64url.
func OneTimePassword() (string, error) {
	var b [24]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}

// SetBackupPassword turns backup encryption on with password (the phone had none).
func (t Tools) SetBackupPassword(ctx context.Context, udid, password string) error {
	out, err := t.run(ctx, "idevicebackup2", "-u", udid, "encryption", "on", password)
	if err == nil && !bytes.Contains(out, []byte("enabled successfully")) {
		err = fmt.Errorf("idevicebackup2 encryption on: %s", lastLines(string(out)))
	}
	return redact(err, password)
}

// ClearBackupPassword turns backup encryption off again.
func (t Tools) ClearBackupPassword(ctx context.Context, udid, password string) error {
	out, err := t.run(ctx, "idevicebackup2", "-u", udid, "encryption", "off", password)
	if err == nil && !bytes.Contains(out, []byte("disabled successfully")) {
		err = fmt.Errorf("idevicebackup2 encryption off: %s", lastLines(string(out)))
	}
	return redact(err, password)
}

func redact(err error, password string) error {
	if err == nil || password == "" || !strings.Contains(err.Error(), password) {
		return err
	}
	return errors.New(strings.ReplaceAll(err.Error(), password, "***"))
}

// Progress is the backup's progress as the phone counts it (DLMessageUploadFiles' overall percentage).
type Progress struct {
	Percent int
}

var percentRe = regexp.MustCompile(`(\d{1,3})% Finished`)

// Backup takes a full backup of udid into dir (created by idevicebackup2 as dir/UDID) and reports progress. A
// backup that does not end in "Backup Successful." is an error.
//
// libimobiledevice's tool keeps waiting when the phone goes away mid-backup, so Backup also listens to usbmuxd and
// stops it with [ErrUnplugged] when the phone is detached.
func (t Tools) Backup(ctx context.Context, udid, dir string, progress func(Progress)) (string, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	go t.watchDetach(ctx, udid, func() { cancel(ErrUnplugged) })
	cmd, err := t.command(ctx, "idevicebackup2", "-u", udid, "backup", "--full", dir)
	if err != nil {
		return "", err
	}
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	if err := cmd.Start(); err != nil {
		return "", fmt.Errorf("idevicebackup2: %w", err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait(); pw.Close() }()
	var tail []string
	ok := false
	sc := bufio.NewScanner(pr)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	sc.Split(scanLinesOrCR)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if m := percentRe.FindStringSubmatch(line); m != nil && progress != nil {
			n, _ := strconv.Atoi(m[1])
			progress(Progress{Percent: min(n, 100)})
		}
		if line == "Backup Successful." {
			ok = true
		}
		if line != "" && !strings.HasPrefix(line, "[") {
			tail = append(tail[max(0, len(tail)-2):], line)
		}
	}
	io.Copy(io.Discard, pr)
	err = <-done
	if cause := context.Cause(ctx); errors.Is(cause, ErrUnplugged) {
		return "", cause
	}
	if err != nil || !ok {
		return "", fmt.Errorf("idevicebackup2 backup of %s failed: %v: %s", udid, err, strings.Join(tail, " / "))
	}
	if progress != nil {
		progress(Progress{Percent: 100})
	}
	return dir + "/" + udid, nil
}

// watchDetach calls gone when usbmuxd reports udid detached, until ctx ends.
func (t Tools) watchDetach(ctx context.Context, udid string, gone func()) {
	c, err := t.dial(ctx)
	if err != nil {
		return
	}
	defer c.Close()
	id := int64(-1)
	stop := errors.New("detached")
	c.Listen(ctx, func(ev usbmux.Event) error {
		switch {
		case ev.Attached && ev.Device.UDID == udid:
			id = ev.Device.ID
		case !ev.Attached && ev.Device.ID == id:
			gone()
			return stop
		}
		return nil
	})
}

// scanLinesOrCR splits at \n or \r (the progress bar redraws itself with \r).
func scanLinesOrCR(data []byte, atEOF bool) (int, []byte, error) {
	if i := bytes.IndexAny(data, "\r\n"); i >= 0 {
		return i + 1, data[:i], nil
	}
	if atEOF && len(data) > 0 {
		return len(data), data, nil
	}
	return 0, nil, nil
}

// State is where an iPhone is on the way to a backup, as the touch UI's Telefono screen shows it.
type State string

// States before a backup; the backup's own are "backing up" with [Progress], then done or failed.
const (
	StateAbsent       State = "absent"        // no iPhone on USB
	StateTrustPending State = "trust-pending" // attached, "Trust this computer" not answered yet (no pair record)
	StatePaired       State = "paired"        // usbmuxd holds the pair record: ready for a backup
)

// Attached is an iPhone on USB and where it is on the way to a backup.
type Attached struct {
	UDID  string
	State State // StateTrustPending or StatePaired
}

// Attached lists the iPhones on USB, in usbmuxd's order, each with its state. No usbmuxd is no iPhone, not an
// error: the appliance may have none running.
func (t Tools) Attached(ctx context.Context) ([]Attached, error) {
	c, err := t.dial(ctx)
	if err != nil {
		return nil, nil
	}
	defer c.Close()
	devs, err := c.ListDevices(ctx)
	if err != nil {
		return nil, err
	}
	var out []Attached
	for _, d := range devs {
		if d.ConnectionType != "USB" {
			continue
		}
		st, err := t.pairState(ctx, d.UDID)
		if err != nil {
			return nil, err
		}
		out = append(out, Attached{UDID: d.UDID, State: st})
	}
	return out, nil
}

// pairState is StatePaired when usbmuxd holds udid's pair record, StateTrustPending when it has none yet.
func (t Tools) pairState(ctx context.Context, udid string) (State, error) {
	if _, err := t.PairRecord(ctx, udid); errors.Is(err, ErrNotPaired) {
		return StateTrustPending, nil
	} else if err != nil {
		return "", err
	}
	return StatePaired, nil
}

// Status says where udid (or the only iPhone, when udid is "") is, and its UDID when attached. usbmuxd asks the
// phone to pair on its own when it is plugged in; the record appears once the owner trusts the appliance.
func (t Tools) Status(ctx context.Context, udid string) (State, string, error) {
	dev, err := t.Find(ctx, udid)
	if errors.Is(err, ErrNoIPhone) {
		return StateAbsent, "", nil
	}
	if err != nil {
		return "", "", err
	}
	st, err := t.pairState(ctx, dev.UDID)
	return st, dev.UDID, err
}
