package desk

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/attesta/attesta/bundle"
	"github.com/attesta/attesta/capture/android"
	"github.com/attesta/attesta/certify"
	"github.com/attesta/attesta/internal/durable"
	"github.com/attesta/attesta/journal"
	"github.com/attesta/attesta/report"
	"github.com/attesta/attesta/ui"
)

// Leaf types of a client's backup upload. They carry the upload's id, digest and size, the link's hash and, for a
// refusal, why and how many bytes had arrived: never the key, a number or a name.
const (
	LeafBackupReceived = "backup-received"
	LeafBackupRefused  = "backup-refused"
)

var _ ui.ClientBackups = (*Desk)(nil)

// uploadsDir holds the backups clients uploaded, one folder per case, until the job certifying each ends.
const uploadsDir = "uploads"

// ReceiveBackup receives a backup the client uploads through the remote page (see ui.ClientBackups): the key and
// the job are checked before body is read; body streams into DataDir/uploads/<case>/<id>.crypt15 through a
// temporary file, hashed as it arrives, and is named only once whole; a body that fails (cut short, or over the
// limit) leaves nothing but a "backup-refused" leaf. A whole file is journaled ("backup-received") and a job of
// kind "upload" certifies the list from it; the file is deleted when that job ends, its bytes being then among the
// case's encrypted blobs.
func (k *Desk) ReceiveBackup(ctx context.Context, req ui.BackupUpload, body io.Reader) (ui.JobInfo, error) {
	d, err := k.work(ctx)
	if err != nil {
		return ui.JobInfo{}, err
	}
	key := normalizeKey(req.Key)
	if err := checkKey(key); err != nil {
		return ui.JobInfo{}, err
	}
	sec := jobSecret{List: req.List, Key: key, Operator: strings.TrimSpace(req.Operator)}
	if _, _, err := d.jobs.check(JobUpload, req.Case, &sec, nil); err != nil {
		return ui.JobInfo{}, err
	}
	if err := d.jobs.busy(JobUpload); err != nil {
		return ui.JobInfo{}, err
	}
	up, err := d.jobs.receive(ctx, req, body)
	if err != nil {
		return ui.JobInfo{}, err
	}
	sec.Backup, sec.Received = up.path, &up.receipt
	j, err := d.jobs.start(ctx, JobUpload, req.Case, sec, nil, "")
	if err != nil {
		os.Remove(up.path)
		return ui.JobInfo{}, err
	}
	return j, nil
}

// checkKey refuses what is not a 64-digit end-to-end backup key; the key is not in the error.
func checkKey(key string) error {
	if _, err := android.ParseHexKey(key); err != nil {
		return fmt.Errorf("%w: the backup key: write the 64 digits WhatsApp showed when the end-to-end backup "+
			"was turned on", ui.ErrInvalid)
	}
	return nil
}

// normalizeKey drops the spaces and dashes a person types between the key's groups of digits.
func normalizeKey(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '-' {
			return -1
		}
		return r
	}, s)
}

// uploadReceipt is what the journal recorded of a received backup, for the chain of custody.
type uploadReceipt struct {
	At     time.Time `json:"at"`
	SHA256 string    `json:"sha256"`
	Size   int64     `json:"size"`
	Leaf   uint64    `json:"leaf"`
}

type upload struct {
	path    string
	receipt uploadReceipt
}

// receive streams body into a new upload file of req's case and journals it; on a failed body it journals the
// refusal and keeps nothing.
func (s *jobStore) receive(ctx context.Context, req ui.BackupUpload, body io.Reader) (upload, error) {
	dir := filepath.Join(s.deps.Config.DataDir, uploadsDir, req.Case)
	if err := durable.MkdirAll(dir, 0o700); err != nil {
		return upload{}, fmt.Errorf("appliance: receive backup: %w", err)
	}
	var raw [8]byte
	rand.Read(raw[:])
	id := hex.EncodeToString(raw[:])
	f, err := durable.Create(filepath.Join(dir, id+".crypt15"), 0o600)
	if err != nil {
		return upload{}, fmt.Errorf("appliance: receive backup: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), body)
	if err == nil && n == 0 {
		err = fmt.Errorf("%w: the backup file is empty", ui.ErrInvalid)
	}
	if err != nil {
		reason := "interrupted"
		switch {
		case errors.Is(err, ui.ErrTooLarge):
			reason = "too-large"
		case errors.Is(err, ui.ErrInvalid):
			reason = "empty"
		}
		f.Close()
		if _, jerr := s.deps.Recorder.Record(context.WithoutCancel(ctx), journal.Entry{Type: LeafBackupRefused, Case: req.Case,
			Fields: map[string]any{"upload": id, "reason": reason, "bytes": n, "link": req.Link}}); jerr != nil {
			err = errors.Join(err, jerr)
		}
		s.deps.Log.WarnContext(ctx, "backup upload refused", slog.String("case", req.Case), slog.String("upload", id),
			slog.String("reason", reason), slog.Int64("bytes", n))
		return upload{}, fmt.Errorf("appliance: receive backup %s: %w", id, err)
	}
	if err := f.Commit(); err != nil {
		return upload{}, fmt.Errorf("appliance: receive backup %s: %w", id, err)
	}
	sum := hex.EncodeToString(h.Sum(nil))
	leaf, err := s.deps.Recorder.Record(ctx, journal.Entry{Type: LeafBackupReceived, Case: req.Case, Fields: map[string]any{
		"upload": id, "sha256": sum, "size": n, "link": req.Link, "channel": "remote-link"}})
	if err != nil {
		os.Remove(f.Name())
		return upload{}, fmt.Errorf("appliance: receive backup %s: %w", id, err)
	}
	s.deps.Log.InfoContext(ctx, "backup received", slog.String("case", req.Case), slog.String("upload", id),
		slog.String("sha256", sum), slog.Int64("bytes", n))
	return upload{path: f.Name(), receipt: uploadReceipt{At: time.Now().UTC(), SHA256: sum, Size: n, Leaf: leaf.Index}}, nil
}

// uploadJob is the extraction of a job of kind "upload": the client's backup, with its receipt at the head of the
// chain of custody.
func uploadJob(sec jobSecret, bjob certify.AndroidBackupJob) certify.AndroidBackupJob {
	bjob.Backup = sec.Backup
	bjob.Prior.Path = report.PathClientUpload
	if r := sec.Received; r != nil {
		bjob.Prior.Custody = []bundle.CustodyAction{{At: r.At, Action: bundle.CustodyReceived, Fields: map[string]string{
			"channel": "remote-link", "sha256": r.SHA256, "size": strconv.FormatInt(r.Size, 10),
			"leaf": strconv.FormatUint(r.Leaf, 10)}}}
	}
	return bjob
}

// removeUpload deletes the client's backup once its job has ended for good: an interrupted job keeps it, to be
// resumed. The bytes are among the case's encrypted blobs by then, or the job failed and the client uploads again.
func (s *jobStore) removeUpload(j *job, state string) {
	if j.rec.Kind != JobUpload || state == ui.JobInterrupted || j.secret.Backup == "" {
		return
	}
	if err := os.Remove(j.secret.Backup); err != nil && !errors.Is(err, os.ErrNotExist) {
		s.deps.Log.Error("uploaded backup not removed", slog.String("job", j.rec.ID), slog.Any("error", err))
	}
}

// removeUploads deletes what remains of a case's uploaded backups, when the case is erased.
func (d *desk) removeUploads(id string) error {
	if err := os.RemoveAll(filepath.Join(d.deps.Config.DataDir, uploadsDir, id)); err != nil {
		return fmt.Errorf("appliance: erase case %s: uploaded backups: %w", id, err)
	}
	return nil
}
