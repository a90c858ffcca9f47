package certify

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/attesta/attesta/capture/ios"
	"github.com/attesta/attesta/capture/ios/chatstorage"
	"github.com/attesta/attesta/evidence"
	"github.com/attesta/attesta/report"
)

// WhatsApp's app groups in an iPhone backup, WhatsApp's first.
var iosDomains = []string{
	"AppDomainGroup-group.net.whatsapp.WhatsApp.shared",
	"AppDomainGroup-group.net.whatsapp.WhatsAppSMB.shared",
}

// AnomalyIOSMediaDamaged: the backup lists a message's file but its copy fails the backup's own checks (length,
// padding).
const AnomalyIOSMediaDamaged = "ios-media-damaged"

// ErrNoChatStorage: the backup holds no WhatsApp database.
var ErrNoChatStorage = errors.New("the backup holds no WhatsApp ChatStorage.sqlite")

// IOSBackupJob is an extraction from an iTunes/Finder backup folder of an iPhone.
type IOSBackupJob struct {
	Backup   string // the backup folder (the one holding Manifest.db)
	Password []byte // the backup password, for an encrypted backup
	// Business reads WhatsApp Business's database; otherwise WhatsApp's, else Business's when WhatsApp is absent.
	Business    bool
	List        evidence.List
	MaxMessages int
	Case        string
	Operator    string
	OutDir      string
	Client      string
	Purpose     string
	Progress    func(text string, done, total int)
	// Prior is how the iPhone came to hold the chats, when the chain of custody must say it.
	Prior Prior
}

func (job IOSBackupJob) step(text string, done int) {
	if job.Progress != nil {
		job.Progress(text, done, len(job.List.Entries))
	}
}

// ExtractIOSBackup certifies the chats of a list from an iPhone backup. The backup is opened and unlocked, and
// WhatsApp's database copied out of it and opened, before anything is journaled: a wrong password, a damaged
// keybag, an unfinished or truncated backup, or one without WhatsApp's chats is an error that leaves no trace.
// The backup's index and WhatsApp's database files are then kept, encrypted under the case key, as artifacts;
// each delivery carries only its chat's rows and media.
func (p *Pipelines) ExtractIOSBackup(ctx context.Context, job IOSBackupJob) ([]ChatOutcome, error) {
	if err := evidence.Plan(job.MaxMessages).Validate(); err != nil {
		return nil, err
	}
	started := time.Now().UTC()
	tmp, err := os.MkdirTemp(p.tempDir, ".ios-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	bk, wa, err := openIOSBackup(ctx, job, tmp)
	if err != nil {
		return nil, err
	}
	defer bk.Close()
	defer wa.db.Close()
	acq, err := p.StartAcquisition(ctx, job.Case, string(evidence.MethodIOSBackup), map[string]any{"chats": len(job.List.Entries), "encrypted": bk.Encrypted})
	if err != nil {
		return nil, err
	}
	acq.Request = report.Request{Client: job.Client, Case: job.Case, Purpose: job.Purpose}
	acq.prior(job.Prior)
	outcomes, err := p.certifyFromIOS(ctx, acq, job, bk, wa, started)
	return outcomes, p.finishExtraction(ctx, acq, job.OutDir, outcomes, err)
}

// openIOSBackup opens and unlocks job's backup and copies WhatsApp's database out of it into tmp.
func openIOSBackup(ctx context.Context, job IOSBackupJob, tmp string) (*ios.Backup, *whatsApp, error) {
	job.step("apertura del backup", 0)
	bk, err := ios.Open(ctx, job.Backup, job.Password, tmp)
	if err != nil {
		return nil, nil, err
	}
	job.step("estrazione del database di WhatsApp", 0)
	wa, err := openWhatsApp(ctx, bk, job.Business, filepath.Join(tmp, "whatsapp"))
	if err != nil {
		bk.Close()
		return nil, nil, err
	}
	return bk, wa, nil
}

// whatsApp is WhatsApp's database copied out of a backup into a private working directory, and opened.
type whatsApp struct {
	domain string              // the app group it came from
	files  map[string]ios.File // ChatStorage.sqlite, and its WAL and LID.sqlite when present
	work   string              // the working directory holding the copies
	db     *chatstorage.DB
}

// openWhatsApp finds WhatsApp's files in the backup, copies them into work (created) and opens the copy.
func openWhatsApp(ctx context.Context, bk *ios.Backup, business bool, work string) (*whatsApp, error) {
	domain, files, err := whatsAppFiles(ctx, bk, business)
	if err != nil {
		return nil, err
	}
	if err := os.Mkdir(work, 0o700); err != nil {
		return nil, err
	}
	for name, f := range files {
		if err := bk.ExtractTo(ctx, f, filepath.Join(work, name)); err != nil {
			return nil, err
		}
	}
	lid := ""
	if _, ok := files["LID.sqlite"]; ok {
		lid = filepath.Join(work, "LID.sqlite")
	}
	db, err := chatstorage.Open(ctx, filepath.Join(work, "ChatStorage.sqlite"), lid)
	if err != nil {
		return nil, err
	}
	return &whatsApp{domain: domain, files: files, work: work, db: db}, nil
}

// whatsAppFiles finds WhatsApp's database in the backup, with its WAL and LID.sqlite when present.
func whatsAppFiles(ctx context.Context, bk *ios.Backup, business bool) (string, map[string]ios.File, error) {
	domains := iosDomains
	if business {
		domains = iosDomains[1:]
	}
	for _, d := range domains {
		cs, err := bk.Stat(ctx, d, "ChatStorage.sqlite")
		if errors.Is(err, ios.ErrNotInBackup) {
			continue
		}
		if err != nil {
			return "", nil, err
		}
		files := map[string]ios.File{"ChatStorage.sqlite": cs}
		for _, name := range []string{"ChatStorage.sqlite-wal", "LID.sqlite", "LID.sqlite-wal"} {
			f, err := bk.Stat(ctx, d, name)
			if errors.Is(err, ios.ErrNotInBackup) {
				continue
			}
			if err != nil {
				return "", nil, err
			}
			files[name] = f
		}
		return d, files, nil
	}
	return "", nil, fmt.Errorf("certify: %s: %w. WhatsApp's own end-to-end encrypted backups keep the chats out of "+
		"device backups (they go to iCloud only): capture the chats over WhatsApp Web instead, with the phone linked "+
		"on the panel, or turn WhatsApp's end-to-end backup off and take a new backup", bk.Dir(), ErrNoChatStorage)
}

func (p *Pipelines) certifyFromIOS(ctx context.Context, acq *Acquisition, job IOSBackupJob, bk *ios.Backup, wa *whatsApp,
	started time.Time) ([]ChatOutcome, error) {
	job.step("conservazione dell'indice del backup e del database", 0)
	for _, name := range []string{"Info.plist", "Manifest.plist", "Status.plist", "Manifest.db"} {
		if err := p.addFileArtifact(ctx, acq, "backup", filepath.Join(job.Backup, name)); err != nil {
			return nil, err
		}
	}
	for _, name := range slices.Sorted(maps.Keys(wa.files)) {
		if err := p.addFileArtifact(ctx, acq, "database", filepath.Join(wa.work, name)); err != nil {
			return nil, err
		}
	}
	base, src := p.iosSource(acq, job, bk, wa, started)
	var outcomes []ChatOutcome
	for i, entry := range job.List.Entries {
		job.step(fmt.Sprintf("chat %d di %d: consegna", i+1, len(job.List.Entries)), i)
		out, err := p.deliverIOSChat(ctx, acq, bk, wa.db, wa.domain, base, entry, job, src)
		if err != nil {
			return outcomes, err
		}
		outcomes = append(outcomes, out)
	}
	return outcomes, nil
}

// iosSource describes the acquisition for the manifests and the report.
func (p *Pipelines) iosSource(acq *Acquisition, job IOSBackupJob, bk *ios.Backup, wa *whatsApp, started time.Time) (evidence.Acquisition, report.Source) {
	d := bk.Device
	enc, encIT := "plain", "non cifrato"
	if bk.Encrypted {
		enc, encIT = "encrypted", "cifrato"
	}
	app := "WhatsApp"
	if wa.domain == iosDomains[1] {
		app = "WhatsApp Business"
	}
	base := evidence.Acquisition{
		ID: acq.ID, Method: evidence.MethodIOSBackup, StartedAt: evidence.At(started), Operator: job.Operator,
		ApplianceID: p.applianceID, ToolVersion: p.version,
		SourceVersion: fmt.Sprintf("%s ChatStorage.sqlite, %s iTunes/Finder backup of %s, iOS %s", app, enc, d.ProductType, d.ProductVersion),
	}
	src := report.Source{DeviceModel: d.ProductType, OSVersion: "iOS " + d.ProductVersion, WhatsAppVersion: app,
		ExtractionPath: job.Prior.pathOr("backup iTunes/Finder di iPhone (" + encIT + ") → ChatStorage.sqlite")}
	return base, src
}

func (p *Pipelines) deliverIOSChat(ctx context.Context, acq *Acquisition, bk *ios.Backup, db *chatstorage.DB, domain string,
	base evidence.Acquisition, entry evidence.ListEntry, job IOSBackupJob, src report.Source) (ChatOutcome, error) {
	out := ChatOutcome{Entry: entry}
	chat, err := db.FindChat(ctx, entry.Phone)
	if errors.Is(err, chatstorage.ErrChatNotFound) {
		return p.chatNotFound(ctx, acq, out)
	}
	if err != nil {
		return out, err
	}
	recs, err := db.HistoryWithoutRows(ctx, chat, entry.Phone)
	if err != nil {
		return out, err
	}
	history := make([]evidence.Message, len(recs))
	pks := make(map[string]int64, len(recs))
	media := map[string]*chatstorage.Media{}
	for i, r := range recs {
		history[i] = r.Message
		pks[r.Message.ID] = r.PK
		if r.Media != nil {
			media[r.Message.ID] = r.Media
		}
	}
	recs = nil
	echat := chat.Evidence(entry.Phone, entry.Name)
	sel := evidence.Certify(echat, history, entry.Range, job.MaxMessages)
	if len(sel.Certified) == 0 {
		out.Problem = "no message sent by the studio in the range"
	}
	// The rows as stored, read again for the messages delivered only: a long chat's rows are never all in memory.
	kept := make([]int64, 0, len(sel.Messages))
	for _, m := range sel.Messages {
		kept = append(kept, pks[m.ID])
	}
	rows, err := db.RawRows(ctx, kept)
	if err != nil {
		return out, err
	}
	raw := make(map[string][]byte, len(rows))
	for _, m := range sel.Messages {
		raw[m.ID] = rows[pks[m.ID]]
	}
	for i := range sel.Messages {
		if md := media[sel.Messages[i].ID]; md != nil {
			if err := p.attachIOSMedia(ctx, acq, bk, domain, md, &sel.Messages[i]); err != nil {
				return out, err
			}
		}
	}
	return p.deliverSelection(ctx, acq, base, echat, sel, raw, job.OutDir, src, out)
}

// attachIOSMedia copies a message's file out of the backup into the case's evidence and puts it in the message in
// place of the placeholder. A file the backup does not hold, or holds damaged, is recorded as such.
func (p *Pipelines) attachIOSMedia(ctx context.Context, acq *Acquisition, bk *ios.Backup, domain string, md *chatstorage.Media, m *evidence.Message) error {
	if md.LocalPath == "" {
		return nil // the placeholder already says not-in-backup
	}
	att, an, err := p.extractIOSMedia(ctx, acq, bk, domain, md, m.ID)
	if err != nil {
		return err
	}
	m.Attachments = evidence.Attachments{att}
	if an != nil {
		m.Anomalies = append(append([]evidence.Anomaly(nil), m.Anomalies...), *an)
	}
	return nil
}

func (p *Pipelines) extractIOSMedia(ctx context.Context, acq *Acquisition, bk *ios.Backup, domain string, md *chatstorage.Media,
	msgID string) (evidence.Attachment, *evidence.Anomaly, error) {
	f, err := bk.Stat(ctx, domain, md.BackupPath())
	if errors.Is(err, ios.ErrNotInBackup) {
		return md.Missing(chatstorage.UnavailableNotInBackup), nil, nil
	}
	if err != nil {
		acq.note("media not obtained", err.Error())
		return md.Missing(chatstorage.UnavailableNotInBackup), nil, nil
	}
	tmp, err := os.CreateTemp(p.tempDir, ".media-")
	if err != nil {
		return evidence.Attachment{}, nil, err
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	if _, err := bk.Extract(ctx, f, tmp); err != nil {
		if ctx.Err() != nil {
			return evidence.Attachment{}, nil, ctx.Err()
		}
		acq.note("media not obtained", err.Error())
		return md.Missing(chatstorage.UnavailableDamaged), &evidence.Anomaly{Code: AnomalyIOSMediaDamaged,
			Detail: "the backup's copy of the file is damaged or truncated (see the chain of custody)"}, nil
	}
	if _, err := tmp.Seek(0, 0); err != nil {
		return evidence.Attachment{}, nil, err
	}
	art, err := acq.AddArtifact(ctx, "media", tmp)
	if err != nil {
		return evidence.Attachment{}, nil, err
	}
	name := "artifacts/media/" + safeName(msgID) + strings.ToLower(path.Ext(md.LocalPath))
	att, an := md.Attachment(name, art.Ref.SHA256, art.Ref.Size)
	return att, an, nil
}
