package appliance

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"

	"github.com/attesta/attesta/appliance/desk"
	"github.com/attesta/attesta/internal/durable"
	"github.com/attesta/attesta/internal/strictjson"
	"github.com/attesta/attesta/journal"
	"github.com/attesta/attesta/ui"
)

// LeafShareAccess records an access to a delivery through a share link: the SHA-256 of the link's token and the
// file. The visitor's address is personal data and stays out of the journal.
const LeafShareAccess = "share-access"

// Screens is what the touch UI shows of the appliance and records through it: its state on the home screen, the
// journal and the attestation history, the phones on USB; the accesses through share links, the UI's security
// events and a changed PIN go into the journal.
type Screens struct{ a *Appliance }

// Screens returns what the touch UI shows of the appliance and records through it.
func (a *Appliance) Screens() *Screens { return &Screens{a} }

var (
	_ ui.State     = (*Screens)(nil)
	_ ui.AccessLog = (*Screens)(nil)
	_ ui.Audit     = (*Screens)(nil)
)

// Status is the appliance's state for the home screen.
func (s *Screens) Status(ctx context.Context) ui.Status {
	st := ui.Status{ApplianceID: s.a.ID(), Clock: time.Now()}
	if res := s.a.lastAttestationSummary(); res != nil {
		st.AttestationOK, st.AttestedAt, st.Attestation = res.OK, res.At, res.Summary
	}
	if reason := s.a.lockReason(); reason != "" {
		st.AttestationOK = false
		st.Attestation = "certificazione bloccata: " + reason
		st.Tamper = isTamperReason(reason)
	}
	if m, ok := s.a.offsite.mirror.Status(); ok {
		st.Mirror = &ui.MirrorStatus{Target: m.Target, Behind: m.Behind(), LastOK: m.LastOK, LastError: m.LastError}
	}
	var fsStat unix.Statfs_t
	if err := unix.Statfs(s.a.cfg.DataDir, &fsStat); err == nil {
		st.DiskFree = fsStat.Bavail * uint64(fsStat.Bsize)
		st.DiskTotal = fsStat.Blocks * uint64(fsStat.Bsize)
	}
	return st
}

// LeafUIEvent records a security event of the touch UI: a login (its role) or a wrong PIN.
const LeafUIEvent = "ui-event"

// UIEvent journals a security event of the touch UI.
func (s *Screens) UIEvent(ctx context.Context, kind string, fields map[string]any) error {
	f := map[string]any{"event": kind}
	for k, v := range fields {
		f[k] = v
	}
	_, err := s.a.record(ctx, journal.Entry{Type: LeafUIEvent, Fields: f})
	return err
}

// ShareAccess journals an access through a share link, or a count of accesses served without a leaf each
// (coalesced_requests, coalesced_ranges). The visitor's address stays out of the journal.
func (s *Screens) ShareAccess(ctx context.Context, rec ui.AccessRecord) error {
	fields := map[string]any{"token_sha256": rec.Token, "path": rec.Path}
	if rec.Coalesced {
		fields["coalesced_requests"], fields["coalesced_ranges"] = rec.Requests, rec.Ranges
	}
	_, err := s.a.record(ctx, journal.Entry{Type: LeafShareAccess, Fields: fields})
	return err
}

// UIServer builds the touch UI over the appliance: its state on the home screen, the cases and their jobs (which
// write into deliveriesDir and show their progress on the UI's feeds), the phones on USB, the journal, the
// delivery folders of deliveriesDir, share links kept in DataDir/shares.json, every access through them journaled,
// the wrong-PIN counts kept in DataDir/ui-lockout.json.
func (a *Appliance) UIServer(creds ui.Credentials, deliveriesDir string) (*ui.Server, error) {
	if err := os.MkdirAll(deliveriesDir, 0o755); err != nil {
		return nil, err
	}
	fileShares, err := a.links.open()
	if err != nil {
		return nil, err
	}
	shares := journaledShares{ShareStore: fileShares, rec: a.links.rec, deliveries: deliveriesDir, restricted: a.desk.Restricted}
	if err := a.desk.SetDeliveriesDir(deliveriesDir); err != nil {
		return nil, err
	}
	screens := a.Screens()
	srv, err := ui.New(ui.Config{Credentials: creds, CredStore: screens, State: screens, Deliveries: ui.DirDeliveries(deliveriesDir),
		Shares: shares, Access: screens, Cases: a.desk, Jobs: a.desk, Privacy: a.desk, Backups: a.desk, Cloud: a.desk, MaxBackupUpload: a.cfg.MaxBackupUpload, Phones: screens, Journal: screens, PublicURL: a.cfg.PublicURL,
		Audit: screens, Logger: a.log, LockoutFile: filepath.Join(a.cfg.DataDir, "ui-lockout.json")})
	if err != nil {
		return nil, err
	}
	if err := a.desk.SetJobSinks(func(id string) desk.ProgressSink { return srv.Feed(id) }); err != nil {
		return nil, err
	}
	return srv, nil
}

// credentialsFile holds the PINs' hashes (format attesta.ui.credentials/v1).
type credentialsFile struct {
	Format     string `json:"format"`
	Salt       []byte `json:"salt"`
	Technician []byte `json:"technician"`
	Admin      []byte `json:"admin,omitempty"`
}

const credentialsFormat = "attesta.ui.credentials/v1"

// ErrNoPIN is returned when the UI has no PIN yet and none was given for the first start.
var ErrNoPIN = errors.New("no technician PIN set: give one for the first start (ATTESTA_TECHNICIAN_PIN)")

// LoadOrCreateCredentials reads the UI's PIN hashes from DataDir/ui-credentials.json. On first start it creates
// them from the PINs given (the administrator PIN is optional), refusing what [ui.CheckPINs] refuses; afterwards the PINs given are ignored: changing a
// PIN is an administrator's act.
func LoadOrCreateCredentials(dataDir, technicianPIN, adminPIN string) (ui.Credentials, error) {
	path := filepath.Join(dataDir, credentialsName)
	b, err := os.ReadFile(path)
	if err == nil {
		var f credentialsFile
		if err := strictjson.DecodeFormat(path, b, credentialsFormat, &f); err != nil {
			return ui.Credentials{}, fmt.Errorf("appliance: not a %s file: %w", credentialsFormat, err)
		}
		if len(f.Technician) == 0 {
			return ui.Credentials{}, fmt.Errorf("appliance: %s: not a %s file: no technician PIN", path, credentialsFormat)
		}
		return ui.Credentials{Salt: f.Salt, Technician: f.Technician, Admin: f.Admin}, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return ui.Credentials{}, err
	}
	if technicianPIN == "" {
		return ui.Credentials{}, fmt.Errorf("appliance: %w, 6 to 12 digits", ErrNoPIN)
	}
	if err := ui.CheckPINs(technicianPIN, adminPIN); err != nil { // the PIN-change screen's rules
		return ui.Credentials{}, fmt.Errorf("appliance: first start (ATTESTA_TECHNICIAN_PIN, ATTESTA_ADMIN_PIN): %w", err)
	}
	salt, err := ui.NewSalt()
	if err != nil {
		return ui.Credentials{}, err
	}
	f := credentialsFile{Format: credentialsFormat, Salt: salt, Technician: ui.HashPIN(salt, technicianPIN)}
	if adminPIN != "" {
		f.Admin = ui.HashPIN(salt, adminPIN)
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return ui.Credentials{}, err
	}
	if err := durable.WriteNewJSON(path, f, 0o600); err != nil {
		return ui.Credentials{}, err
	}
	return ui.Credentials{Salt: f.Salt, Technician: f.Technician, Admin: f.Admin}, nil
}
