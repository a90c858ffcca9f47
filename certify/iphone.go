package certify

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/attesta/attesta/evidence"
	"github.com/attesta/attesta/journal"
	"github.com/attesta/attesta/report"
	"github.com/attesta/attesta/usb/iphone"
)

// LeafIPhonePassword journals a change of an iPhone's backup password by the appliance: "set" when it gave a
// phone without one a one-time password for the backup, "cleared" when it took it off again, "clear-failed" when
// the phone refused (the technician must then turn encryption off in Finder or with the one-time password, which
// the acquisition keeps as an encrypted artifact). The password itself is never journaled.
const LeafIPhonePassword = "iphone-backup-password"

// ErrIPhonePassword: the phone encrypts its backups with its owner's password and none was given.
var ErrIPhonePassword = errors.New("the iPhone encrypts its backups with a password of its owner: ask the client " +
	"for it and give it with --password-file (it is not the phone's passcode)")

// IPhoneJob is an extraction from an iPhone on USB: a full backup through usbmuxd and libimobiledevice, taken into
// the appliance's data directory and certified by the iPhone backup pipeline.
type IPhoneJob struct {
	Tools iphone.Tools
	UDID  string // the phone; empty: the only iPhone attached
	// Password is the owner's backup password when the phone already encrypts its backups.
	Password []byte
	// BackupProgress receives the backup's progress as the phone counts it, 0..100.
	BackupProgress func(percent int)
	// BackupDone is called once the backup is complete, before the chats are certified from it.
	BackupDone func()
	IOSBackupJob
}

// ExtractIPhone certifies the chats of a list from an iPhone on USB. It identifies the phone and its pairing
// record (journaled: their facts and the record's hash, never its keys), opens the acquisition, gives a phone
// without a backup password a one-time one (journaled, and kept encrypted as an artifact so that the kept backup
// index can be read again), takes a full encrypted backup, clears the password again (journaled), and certifies
// the listed chats from the backup as ExtractIOSBackup does.
func (p *Pipelines) ExtractIPhone(ctx context.Context, job IPhoneJob) ([]ChatOutcome, error) {
	if err := evidence.Plan(job.MaxMessages).Validate(); err != nil {
		return nil, err
	}
	if err := p.gate.CheckCertify(); err != nil {
		return nil, err
	}
	dev, err := job.Tools.Find(ctx, job.UDID)
	if err != nil {
		return nil, err
	}
	pairing, err := job.Tools.PairRecord(ctx, dev.UDID)
	if err != nil {
		return nil, err
	}
	id, err := job.Tools.Identify(ctx, dev.UDID)
	if err != nil {
		return nil, err
	}
	if id.WillEncrypt && len(job.Password) == 0 {
		return nil, ErrIPhonePassword
	}
	started := time.Now().UTC()
	acq, err := p.StartAcquisition(ctx, job.Case, string(evidence.MethodIOSBackup), map[string]any{
		"chats": len(job.List.Entries), "transport": "usb", "product_type": id.ProductType,
		"ios_version": id.ProductVersion, "pair_record_sha256": pairing.RecordSHA256, "encrypted": true,
		"owner_password": id.WillEncrypt,
	})
	if err != nil {
		return nil, err
	}
	acq.Request = report.Request{Client: job.Client, Case: job.Case, Purpose: job.Purpose}
	acq.prior(job.Prior)
	outcomes, err := p.extractIPhone(ctx, acq, job, id, pairing, started)
	return outcomes, p.finishExtraction(ctx, acq, job.OutDir, outcomes, err)
}

func (p *Pipelines) extractIPhone(ctx context.Context, acq *Acquisition, job IPhoneJob, id iphone.Identity,
	pairing iphone.Pairing, started time.Time) ([]ChatOutcome, error) {
	custody, _ := json.MarshalIndent(map[string]any{"device": id, "pairing": pairing}, "", "  ")
	if _, err := acq.AddArtifact(ctx, "device", bytes.NewReader(custody)); err != nil {
		return nil, err
	}
	password := string(job.Password)
	restore := func() error { return nil }
	if !id.WillEncrypt {
		pw, err := iphone.OneTimePassword()
		if err != nil {
			return nil, err
		}
		if _, err := acq.AddArtifact(ctx, "backup-password", strings.NewReader(pw)); err != nil {
			return nil, err
		}
		job.step("impostazione della password temporanea del backup", 0)
		if err := job.Tools.SetBackupPassword(ctx, id.UDID, pw); err != nil {
			return nil, fmt.Errorf("the iPhone refused a backup password: %w", err)
		}
		if err := p.passwordLeaf(ctx, acq, "set"); err != nil {
			return nil, err
		}
		password = pw
		var once sync.Once
		restore = func() error {
			var err error
			once.Do(func() {
				bg := context.WithoutCancel(ctx)
				action := "cleared"
				if err = job.Tools.ClearBackupPassword(bg, id.UDID, pw); err != nil {
					action = "clear-failed"
					err = fmt.Errorf("the iPhone kept the one-time backup password (kept encrypted in the case): %w", err)
				}
				err = errors.Join(err, p.passwordLeaf(bg, acq, action))
			})
			return err
		}
		// Switched back even when the backup failed or the extraction was stopped.
		defer restore()
	}
	tmp, err := os.MkdirTemp(p.tempDir, ".iphone-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	job.step("backup completo dell'iPhone", 0)
	dir, err := job.Tools.Backup(ctx, id.UDID, tmp, func(pr iphone.Progress) {
		if job.BackupProgress != nil {
			job.BackupProgress(pr.Percent)
		}
	})
	if err != nil {
		return nil, fmt.Errorf("backup interrupted, nothing certified: keep the iPhone unlocked and connected and start again: %w", err)
	}
	if job.BackupDone != nil {
		job.BackupDone()
	}
	job.step("impronte dei file del backup", 0)
	listing, err := backupListing(ctx, dir)
	if err != nil {
		return nil, err
	}
	if _, err := acq.AddArtifact(ctx, "backup-listing", bytes.NewReader(listing)); err != nil {
		return nil, err
	}
	// The phone gets its setting back as soon as the backup is in: certification needs only the folder. A phone
	// that refuses is journaled ("clear-failed") and the chats are still certified: the backup is whole.
	if err := restore(); err != nil {
		slog.WarnContext(ctx, "iphone: backup password not cleared", "udid", id.UDID, "err", err)
	}
	bjob := job.IOSBackupJob
	bjob.Backup, bjob.Password = dir, []byte(password)
	work, err := os.MkdirTemp(p.tempDir, ".ios-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(work)
	bk, wa, err := openIOSBackup(ctx, bjob, work)
	if err != nil {
		return nil, err
	}
	defer bk.Close()
	defer wa.db.Close()
	return p.certifyFromIOS(ctx, acq, bjob, bk, wa, started)
}

func (p *Pipelines) passwordLeaf(ctx context.Context, acq *Acquisition, action string) error {
	_, err := p.rec.Record(ctx, journal.Entry{Type: LeafIPhonePassword, Case: acq.Case,
		Fields: map[string]any{"acquisition": acq.ID, "action": action}})
	return err
}

// backupListing lists every file of the backup as it came off the phone: SHA-256, size and path, one a line,
// sorted by path, so that the whole backup is fixed in the journal while only its index, WhatsApp's files and
// the delivered media are kept.
func backupListing(ctx context.Context, dir string) ([]byte, error) {
	var b bytes.Buffer
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		h := sha256.New()
		n, err := io.Copy(h, f)
		if err != nil {
			return fmt.Errorf("backup listing: %s: %w", path, err)
		}
		rel, _ := filepath.Rel(dir, path)
		fmt.Fprintf(&b, "%x  %d  %s\n", h.Sum(nil), n, filepath.ToSlash(rel))
		return nil
	})
	return b.Bytes(), err
}
