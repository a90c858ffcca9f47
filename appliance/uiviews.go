package appliance

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/attesta/attesta/appliance/desk"
	"github.com/attesta/attesta/internal/durable"
	"github.com/attesta/attesta/journal"
	"github.com/attesta/attesta/ui"
	"github.com/attesta/attesta/usb"
	"github.com/attesta/attesta/usb/iphone"
)

// What the touch UI reads from the appliance beyond its state: the journal, the attestation history, the phones on
// USB; and where it keeps a changed PIN.

// LeafPINChanged records that an administrator changed a PIN: which ones, never the PINs or their hashes.
const LeafPINChanged = "ui-pin-changed"

var (
	_ ui.JournalView     = (*Screens)(nil)
	_ ui.Phones          = (*Screens)(nil)
	_ ui.CredentialStore = (*Screens)(nil)
)

// Leaves returns up to n leaves of the journal from index from on, and the journal's size.
func (s *Screens) Leaves(ctx context.Context, from uint64, n int) ([]ui.LeafInfo, uint64, error) {
	size := s.a.journal.Size()
	if from >= size || n <= 0 {
		return nil, size, nil
	}
	to := min(size, from+uint64(n))
	var out []ui.LeafInfo
	for leaf, err := range s.a.journal.Entries(ctx, from, to) {
		if err != nil {
			return out, size, fmt.Errorf("appliance: read journal leaves %d–%d: %w", from, to, err)
		}
		out = append(out, leafInfo(leaf))
	}
	return out, size, nil
}

// leafInfo shows a leaf as it is stored: its canonical JSON, byte for byte, which is what its hash covers.
func leafInfo(l journal.Leaf) ui.LeafInfo {
	li := ui.LeafInfo{Index: l.Index, Hash: hex.EncodeToString(l.Hash[:]), Fields: string(l.Data)}
	if e, err := l.Entry(); err == nil {
		li.Type, li.Time = e.Type, e.Time
	} else {
		li.Type = "?"
	}
	return li
}

// attestationWindow is how many leaves Attestations reads at a time, walking back from the newest.
const attestationWindow = 4096

// Attestations returns the latest n attestation checks, newest first, reading the journal backwards: the checks
// run periodically, so the recent ones are near its end.
func (s *Screens) Attestations(ctx context.Context, n int) ([]ui.AttestationInfo, error) {
	var out []ui.AttestationInfo
	for to := s.a.journal.Size(); to > 0 && len(out) < n; {
		from := to - min(to, attestationWindow)
		var window []ui.AttestationInfo
		for leaf, err := range s.a.journal.Entries(ctx, from, to) {
			if err != nil {
				return out, fmt.Errorf("appliance: read attestation history at leaves %d–%d: %w", from, to, err)
			}
			if info, ok := attestationInfo(leaf); ok {
				window = append(window, info)
			}
		}
		for i := len(window) - 1; i >= 0 && len(out) < n; i-- {
			out = append(out, window[i])
		}
		to = from
	}
	return out, nil
}

func attestationInfo(l journal.Leaf) (ui.AttestationInfo, bool) {
	e, err := l.Entry()
	if err != nil || e.Type != LeafAttestation {
		return ui.AttestationInfo{}, false
	}
	ok, _ := e.Fields["ok"].(bool)
	info := ui.AttestationInfo{Leaf: l.Index, At: e.Time, OK: ok}
	if fs, _ := e.Fields["failures"].([]any); len(fs) > 0 {
		var parts []string
		for _, f := range fs {
			parts = append(parts, fmt.Sprint(f))
		}
		info.Summary = strings.Join(parts, "; ")
	}
	if note, _ := e.Fields["clock_note"].(string); note != "" {
		info.Summary = strings.TrimPrefix(info.Summary+"; "+note, "; ")
	}
	return info, true
}

// Phones lists the phones on USB: those the adb server sees, then the iPhones usbmuxd sees, each iPhone where it is
// on the way to its backup (trust pending, paired, backing up, backed up). No adb server or no usbmuxd is not an
// error: there is simply no phone of that kind.
func (s *Screens) Phones(ctx context.Context) ([]ui.Phone, error) {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	var out []ui.Phone
	devs, err := usb.New(usb.Options{Addr: s.adbServer(), Logger: s.a.log}).Devices(ctx)
	if err != nil {
		s.a.log.DebugContext(ctx, "no adb server", "error", err)
	}
	for _, d := range devs {
		out = append(out, ui.Phone{Serial: d.Serial, Model: strings.ReplaceAll(d.Model, "_", " "), State: d.State})
	}
	iphones, err := iphone.Tools{Socket: s.a.cfg.Usbmuxd}.Attached(ctx)
	if err != nil {
		return out, fmt.Errorf("appliance: iPhones on USB: %w", err)
	}
	if len(iphones) == 0 {
		return out, nil
	}
	jobs, err := s.a.desk.ListJobs(ctx)
	if err != nil {
		return out, err
	}
	return append(out, iphoneStates(iphones, jobs)...), nil
}

// iphoneStates gives each attached iPhone its Telefono screen's state: a paired iPhone is backing up while its
// newest job takes the backup, backed up once that backup is complete (while the job certifies, and after a job
// that ended done), else paired. jobs are newest first.
func iphoneStates(attached []iphone.Attached, jobs []ui.JobInfo) []ui.Phone {
	out := make([]ui.Phone, 0, len(attached))
	for _, at := range attached {
		p := ui.Phone{Serial: at.UDID, Model: "iPhone", Kind: ui.PhoneIPhone, State: ui.PhoneTrustPending}
		if at.State == iphone.StatePaired {
			p.State = ui.PhonePaired
			if i := slices.IndexFunc(jobs, func(j ui.JobInfo) bool { return j.Kind == desk.JobIPhone && j.Phone == at.UDID }); i >= 0 {
				j := jobs[i]
				switch {
				case j.BackedUp && (j.State == ui.JobRunning || j.State == ui.JobDone):
					p.State = ui.PhoneBackedUp
				case j.State == ui.JobRunning:
					p.State, p.Percent = ui.PhoneBackingUp, j.Backup
				}
			}
		}
		out = append(out, p)
	}
	return out
}

// adbServer is the adb server the appliance talks to.
func (s *Screens) adbServer() string { return s.a.cfg.ADB }

// SaveCredentials replaces the UI's PIN hashes after an administrator changed a PIN, and journals which PINs
// changed.
func (s *Screens) SaveCredentials(ctx context.Context, c ui.Credentials) error {
	if len(c.Salt) == 0 || len(c.Technician) == 0 {
		return errors.New("appliance: save credentials: no salt or technician PIN")
	}
	path := filepath.Join(s.a.cfg.DataDir, credentialsName)
	old, err := LoadOrCreateCredentials(s.a.cfg.DataDir, "", "")
	if err != nil {
		return fmt.Errorf("appliance: save credentials: %w", err)
	}
	f := credentialsFile{Format: credentialsFormat, Salt: c.Salt, Technician: c.Technician, Admin: c.Admin}
	if err := durable.ReplaceJSON(path, f, 0o600); err != nil {
		return fmt.Errorf("appliance: save credentials: %w", err)
	}
	_, err = s.a.record(ctx, journal.Entry{Type: LeafPINChanged, Fields: map[string]any{
		"technician": !bytes.Equal(old.Technician, c.Technician) || !bytes.Equal(old.Salt, c.Salt),
		"admin":      !bytes.Equal(old.Admin, c.Admin) || !bytes.Equal(old.Salt, c.Salt),
	}})
	return err
}

// credentialsName is the file of the UI's PIN hashes in the data directory.
const credentialsName = "ui-credentials.json"
