package certify

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/attesta/attesta/bundle"
	"github.com/attesta/attesta/capture/android"
	"github.com/attesta/attesta/capture/android/msgstore"
	"github.com/attesta/attesta/evidence"
	"github.com/attesta/attesta/journal"
	"github.com/attesta/attesta/report"
)

// LeafChatNotFound records that a chat on the acquisition list is not in the source. It names the list line, not
// the number: numbers are personal data and stay out of the journal.
const LeafChatNotFound = "chat-not-found"

// AndroidBackupJob is an extraction from a WhatsApp Android backup (crypt12, crypt14 or crypt15).
type AndroidBackupJob struct {
	Backup      string        // the backup file the client handed over
	Key         android.Key   // its key file, or the 64-digit end-to-end key
	List        evidence.List // the chats to certify, with their ranges
	MaxMessages int           // the plan bought: the last N messages the sender sent in each range
	Case        string        // the case the evidence belongs to
	Operator    string        // the technician
	OutDir      string        // where the delivery folders go
	Client      string        // who asked for the acquisition, for the report
	Purpose     string        // what it is for, in the client's words
	// Progress, when set, is told each step, in Italian (the touch UI translates): what is being done, and how
	// many of the list's chats are done.
	Progress func(text string, done, total int)
	// Prior is how the backup reached the appliance, when the chain of custody must say it.
	Prior Prior

	media mediaSource // where media files come from; nil when only the backup is at hand
}

// mediaSource fetches a media file by its path relative to WhatsApp's folder on the phone.
type mediaSource interface {
	fetch(ctx context.Context, phonePath string, w io.Writer) error
}

// ChatOutcome is what became of one line of the acquisition list.
type ChatOutcome struct {
	Entry     evidence.ListEntry
	Folder    string // the delivery folder; empty when none was written
	Messages  int    // messages in the delivery (certified and context)
	Certified int    // messages certified
	Problem   string // why there is no delivery, or what is missing from it

	// index is the session index's line of Folder, from the manifest written there: the index lists the folders
	// of this session without reading their manifests back.
	index *bundle.IndexEntry
	// zipped says that the ZIP of Folder is written already.
	zipped bool
}

// delivered records in out the delivery folder written for m.
func (out *ChatOutcome) delivered(folder string, m *bundle.Manifest) {
	out.Folder, out.index = folder, indexEntry(folder, m)
}

// indexEntry is the session index's line of the delivery of m written in folder.
func indexEntry(folder string, m *bundle.Manifest) *bundle.IndexEntry {
	return &bundle.IndexEntry{Folder: filepath.Base(folder), Phone: m.Chat.Phone, Name: m.Chat.Name,
		Day: evidence.DateOf(m.Acquisition.StartedAt.Time)}
}

// ExtractAndroidBackup certifies the chats of a list from a WhatsApp backup. The backup itself and the database it
// decrypts to are kept, encrypted under the case key, as artifacts of the acquisition; each delivery carries only
// its chat's rows, never the whole database, which holds every other conversation of the phone too.
func (p *Pipelines) ExtractAndroidBackup(ctx context.Context, job AndroidBackupJob) ([]ChatOutcome, error) {
	if err := evidence.Plan(job.MaxMessages).Validate(); err != nil {
		return nil, err
	}
	started := time.Now().UTC()
	acq, err := p.StartAcquisition(ctx, job.Case, string(evidence.MethodAndroidBackup), map[string]any{"chats": len(job.List.Entries)})
	if err != nil {
		return nil, err
	}
	acq.Request = report.Request{Client: job.Client, Case: job.Case, Purpose: job.Purpose}
	acq.prior(job.Prior)
	outcomes, err := p.certifyFromBackup(ctx, acq, job, source{method: evidence.MethodAndroidBackup, started: started})
	return outcomes, p.finishExtraction(ctx, acq, job.OutDir, outcomes, err)
}

// source says where a backup came from, for the manifests and the report.
type source struct {
	method   evidence.Method
	started  time.Time
	device   string // "samsung SM-G991B, Android 14" for a phone; empty for a handed-over backup
	model    string
	os       string
	whatsApp string
	prior    Prior
}

func (s source) report() report.Source {
	// The report is in Italian; these phrases are printed as they are.
	path := report.PathAndroidBackup
	if s.method == evidence.MethodADB {
		path = report.PathADB
	}
	return report.Source{DeviceModel: s.model, OSVersion: s.os, WhatsAppVersion: s.whatsApp, ExtractionPath: s.prior.pathOr(path)}
}

// finishExtraction writes the ZIPs and the index of the deliveries made, and journals the acquisition's end
// with its outcome.
func (p *Pipelines) finishExtraction(ctx context.Context, acq *Acquisition, outDir string, outcomes []ChatOutcome, err error) error {
	if failedChats(outcomes) < len(outcomes) {
		if ierr := p.finishSession(ctx, outDir, outcomes); ierr != nil {
			err = errors.Join(err, ierr)
		}
	}
	outcome := "complete"
	if err != nil {
		outcome = "failed: " + err.Error()
	} else if n := failedChats(outcomes); n > 0 {
		outcome = fmt.Sprintf("partial: %d of %d chats not delivered", n, len(outcomes))
	}
	if _, ferr := acq.Finish(context.WithoutCancel(ctx), outcome); ferr != nil { // a stopped acquisition is closed too
		err = errors.Join(err, ferr)
	}
	return err
}

// step reports a step of the extraction when the job asked for it.
func (job AndroidBackupJob) step(text string, done int) {
	if job.Progress != nil {
		job.Progress(text, done, len(job.List.Entries))
	}
}

func (p *Pipelines) certifyFromBackup(ctx context.Context, acq *Acquisition, job AndroidBackupJob, src source) ([]ChatOutcome, error) {
	// The decrypted database is personal data in clear: it lives only in a private temporary directory of the data
	// directory, and only until it is stored encrypted and parsed.
	tmp, err := os.MkdirTemp(p.tempDir, ".extract-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	dbPath := filepath.Join(tmp, "msgstore.db")
	// The backup is decrypted while it is stored (decrypting journals nothing; the backup's leaf comes first all
	// the same, and no decryption outlives a failure to store it).
	job.step("conservazione del backup", 0)
	dctx, stopDecrypt := context.WithCancel(ctx)
	defer stopDecrypt()
	type decrypted struct {
		info android.Info
		err  error
	}
	dec := make(chan decrypted, 1)
	go func() {
		info, err := android.DecryptFile(dctx, job.Backup, job.Key, dbPath)
		dec <- decrypted{info, err}
	}()
	if err := p.addFileArtifact(ctx, acq, "backup", job.Backup); err != nil {
		stopDecrypt()
		<-dec
		return nil, err
	}
	job.step("decifratura del backup", 0)
	d := <-dec
	if d.err != nil {
		return nil, d.err // names the file and says plainly when the key is wrong
	}
	info := d.info
	// Each chat's history is read from the database while the chat before it is delivered (report, signatures,
	// files written and synced): reading is most of an extraction's work on a large backup, and it then runs on the
	// other core. Only one chat is read ahead, so memory holds at most two histories; the journal sees the same
	// leaves in the same order, since reading journals nothing. The first chat is read while the database is
	// stored: msgstore opens it read-only and immutable, so the bytes stored are the bytes decrypted.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	entries := job.List.Entries
	db, openErr := msgstore.Open(ctx, dbPath)
	next := make(chan chatHistory)
	close(next)
	if openErr == nil {
		defer db.Close()
		db.WillRead(listedChats(ctx, db, entries))
		next = readAhead(ctx, db, entries, 0)
	}
	defer func() {
		cancel()
		for range next { // the read in flight ends before the database is closed
		}
	}()
	if err := p.addFileArtifact(ctx, acq, "database", dbPath); err != nil {
		return nil, err
	}
	if openErr != nil {
		return nil, openErr
	}

	src.whatsApp, src.prior = info.Header.AppVersion, job.Prior
	version := fmt.Sprintf("WhatsApp %s, %s backup", info.Header.AppVersion, info.Format)
	if src.device != "" {
		version += ", from " + src.device
	}
	base := evidence.Acquisition{
		ID: acq.ID, Method: src.method, StartedAt: evidence.At(src.started), Operator: job.Operator,
		ApplianceID: p.applianceID, ToolVersion: p.version, SourceVersion: version,
	}
	// Each delivery's folder (attestation, files written and synced, ZIP) is written on its own goroutine while the
	// next chat is certified and sealed: writing records nothing, so the journal and the chains of custody are
	// the same, in the same order, as when each delivery is written before the next starts (deliveryWriter).
	w := p.newDeliveryWriter(ctx)
	var outcomes []ChatOutcome
	for i, entry := range entries {
		if w.failed() {
			break
		}
		job.step(fmt.Sprintf("chat %d di %d: consegna", i+1, len(entries)), i)
		h := <-next
		next = readAhead(ctx, db, entries, i+1)
		out, sd, err := p.deliverChat(ctx, acq, h, base, entry, job, src)
		if err != nil {
			outs, werr := w.wait(outcomes)
			return outs, errors.Join(werr, err)
		}
		outcomes = append(outcomes, out)
		if sd != nil {
			w.submit(len(outcomes)-1, sd)
		}
	}
	return w.wait(outcomes)
}

// chatHistory is a chat's whole history as read from the database, for deliverChat.
type chatHistory struct {
	chat    msgstore.ChatInfo
	err     error // msgstore.ErrChatNotFound when the list line's number has no chat
	history []evidence.Message
	raw     map[string][]byte
	media   map[string]*msgstore.Media
}

// listedChats are the chats of the list's lines that the database has, in the list's order, for
// [msgstore.DB.WillRead].
func listedChats(ctx context.Context, db *msgstore.DB, entries []evidence.ListEntry) []msgstore.ChatInfo {
	var chats []msgstore.ChatInfo
	for _, e := range entries {
		if c, err := db.FindChat(ctx, e.Phone); err == nil {
			chats = append(chats, c)
		}
	}
	return chats
}

// readAhead reads the history of entries[i] on its own goroutine; the channel yields it once and is closed. Past
// the last entry the channel is closed at once.
func readAhead(ctx context.Context, db *msgstore.DB, entries []evidence.ListEntry, i int) chan chatHistory {
	ch := make(chan chatHistory, 1)
	if i >= len(entries) {
		close(ch)
		return ch
	}
	go func() {
		defer close(ch)
		ch <- readHistory(ctx, db, entries[i])
	}()
	return ch
}

// readHistory reads every message of the list line's chat, with its raw rows and media: the legal-value rule looks
// at the whole history, replies after the range included.
func readHistory(ctx context.Context, db *msgstore.DB, entry evidence.ListEntry) chatHistory {
	var h chatHistory
	h.chat, h.err = db.FindChat(ctx, entry.Phone)
	if h.err != nil {
		return h
	}
	h.raw, h.media = map[string][]byte{}, map[string]*msgstore.Media{}
	for rec, err := range db.Messages(ctx, h.chat, time.Time{}, time.Time{}) {
		if err != nil {
			h.err = err
			return h
		}
		h.history = append(h.history, rec.Message)
		h.raw[rec.Message.ID] = rec.RawRow
		if rec.Media != nil {
			h.media[rec.Message.ID] = rec.Media
		}
	}
	return h
}

// deliverChat certifies one list line. A chat that is not in the database is an outcome, not an error.
func (p *Pipelines) deliverChat(ctx context.Context, acq *Acquisition, h chatHistory, base evidence.Acquisition,
	entry evidence.ListEntry, job AndroidBackupJob, src source) (ChatOutcome, *sealedDelivery, error) {
	out := ChatOutcome{Entry: entry}
	chat, err := h.chat, h.err
	if errors.Is(err, msgstore.ErrChatNotFound) {
		out, err = p.chatNotFound(ctx, acq, out)
		return out, nil, err
	}
	if err != nil {
		return out, nil, err
	}
	history, raw, media := h.history, h.raw, h.media
	echat := chat.Evidence(entry.Phone, entry.Name)
	sel := evidence.Certify(echat, history, entry.Range, job.MaxMessages)
	if len(sel.Certified) == 0 {
		out.Problem = "no message sent by the studio in the range"
	}
	if job.media != nil {
		for i := range sel.Messages {
			if md := media[sel.Messages[i].ID]; md != nil && md.PhonePath != "" {
				if err := p.attachMedia(ctx, acq, job.media, md, &sel.Messages[i]); err != nil {
					return out, nil, err
				}
			}
		}
	}
	return p.sealSelection(ctx, acq, base, echat, sel, raw, job.OutDir, src.report(), out)
}

// chatNotFound records that a list line's chat is not in the source: an outcome, not an error.
func (p *Pipelines) chatNotFound(ctx context.Context, acq *Acquisition, out ChatOutcome) (ChatOutcome, error) {
	out.Problem = "chat not found in the backup"
	_, err := p.rec.Record(ctx, journal.Entry{Type: LeafChatNotFound, Case: acq.Case, Fields: map[string]any{
		"acquisition": acq.ID, "list_line": out.Entry.Line,
	}})
	return out, err
}

// deliverSelection writes the delivery of a selection: the raw rows of exactly the delivered messages (one JSON
// object per line, from raw by message id) as an artifact, and the manifest, sealed and delivered.
func (p *Pipelines) deliverSelection(ctx context.Context, acq *Acquisition, base evidence.Acquisition, echat evidence.Chat,
	sel evidence.Selection, raw map[string][]byte, outDir string, src report.Source, out ChatOutcome) (ChatOutcome, error) {
	out, sd, err := p.sealSelection(ctx, acq, base, echat, sel, raw, outDir, src, out)
	if err != nil {
		return out, err
	}
	folder, err := p.write(ctx, sd)
	if err != nil {
		return out, err
	}
	out.delivered(folder, sd.m)
	return out, nil
}

// sealSelection is deliverSelection up to the delivery sealed: the folder is left to write (Pipelines.write).
func (p *Pipelines) sealSelection(ctx context.Context, acq *Acquisition, base evidence.Acquisition, echat evidence.Chat,
	sel evidence.Selection, raw map[string][]byte, outDir string, src report.Source, out ChatOutcome) (ChatOutcome, *sealedDelivery, error) {
	var rows bytes.Buffer
	for _, m := range sel.Messages {
		rows.Write(raw[m.ID])
		rows.WriteByte('\n')
	}
	art, err := acq.AddArtifact(ctx, "rows", &rows)
	if err != nil {
		return out, nil, err
	}
	acqInfo := base
	acqInfo.FinishedAt = evidence.At(time.Now().UTC())
	m := &bundle.Manifest{
		Format: bundle.Format, Acquisition: acqInfo, Chat: echat, Range: sel.Range, Messages: sel.Messages,
		Artifacts: []evidence.Artifact{{Path: "artifacts/messages.jsonl", SHA256: art.Ref.SHA256, Size: art.Ref.Size,
			Kind: evidence.ArtifactDatabase}},
	}
	sd, err := p.seal(ctx, acq, m, outDir, src)
	if err != nil {
		return out, nil, err
	}
	out.Messages, out.Certified = len(sel.Messages), len(sel.Certified)
	return out, sd, nil
}

// addFileArtifact stores a file as an artifact of the acquisition.
func (p *Pipelines) addFileArtifact(ctx context.Context, acq *Acquisition, kind, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = acq.AddArtifact(ctx, kind, f)
	return err
}

func failedChats(outs []ChatOutcome) int {
	n := 0
	for _, o := range outs {
		if o.Folder == "" {
			n++
		}
	}
	return n
}

// attachMedia fetches a message's media file, stores it as evidence and puts it in the message in place of the
// "not extracted" placeholder, with the comparison against WhatsApp's own hash. A file the phone no longer holds
// is recorded as such; only a failure of the appliance itself is an error.
func (p *Pipelines) attachMedia(ctx context.Context, acq *Acquisition, src mediaSource, md *msgstore.Media, m *evidence.Message) error {
	att, err := p.fetchMedia(ctx, acq, src, md, m.ID)
	if err != nil {
		return err
	}
	m.Attachments = slices.Clone(m.Attachments)
	for j := range m.Attachments {
		if m.Attachments[j].Unavailable == msgstore.UnavailableNotExtracted {
			m.Attachments[j] = att
			return nil
		}
	}
	m.Attachments = append(m.Attachments, att)
	return nil
}

func (p *Pipelines) fetchMedia(ctx context.Context, acq *Acquisition, src mediaSource, md *msgstore.Media, msgID string) (evidence.Attachment, error) {
	tmp, err := os.CreateTemp(p.tempDir, ".media-")
	if err != nil {
		return evidence.Attachment{}, err
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	if err := src.fetch(ctx, md.PhonePath, tmp); err != nil {
		if ctx.Err() != nil {
			return evidence.Attachment{}, ctx.Err()
		}
		acq.note(bundle.CustodyMediaMissed, "", "path", md.PhonePath, "error", err.Error())
		return md.Missing(msgstore.UnavailableNotOnPhone), nil
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return evidence.Attachment{}, err
	}
	art, err := acq.AddArtifact(ctx, "media", tmp)
	if err != nil {
		return evidence.Attachment{}, err
	}
	var sum [32]byte
	hex.Decode(sum[:], []byte(art.Ref.SHA256))
	name := "artifacts/media/" + safeName(msgID) + strings.ToLower(path.Ext(md.PhonePath))
	return md.Attachment(name, sum, art.Ref.Size), nil
}

// safeName keeps the characters of an id that are safe in a file name; ids come from the phone's database.
func safeName(id string) string {
	var b strings.Builder
	for _, r := range id {
		if r < 128 && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_') && b.Len() < 64 {
			b.WriteRune(r)
		}
	}
	if b.Len() == 0 {
		return "media"
	}
	return b.String()
}
