package desk

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/attesta/attesta/appliance/gdpr"
	"github.com/attesta/attesta/evidence"
	"github.com/attesta/attesta/journal"
	"github.com/attesta/attesta/journal/blob"
	"github.com/attesta/attesta/ui"
)

// Leaf types of data protection. None carries personal data: a notice's acceptance carries the digest of the text
// accepted, its language and the channel; the paper mandate is an artifact leaf (its digest and size, kind
// "mandate"); a request carries its id, kind and deadline; an access reason its case and what was accessed.
const (
	LeafNoticeAccepted = "notice-accepted"
	LeafSubjectRequest = "subject-request"
	LeafSubjectAnswer  = "subject-answer"
	LeafSubjectExport  = "subject-export"
	LeafRestriction    = "restriction"
	LeafAccessReason   = "access-reason"
)

// maxMandateBytes bounds the scan of a paper mandate: a few pages photographed or scanned.
const maxMandateBytes = 20 << 20

var _ ui.Privacy = (*Desk)(nil)

// noticeRecord is the client's acceptance of the information notice, as the register keeps it.
type noticeRecord struct {
	SHA256 string    `json:"sha256"`
	Lang   string    `json:"lang"`
	At     time.Time `json:"at"`
	Leaf   uint64    `json:"leaf"`
}

// mandateRecord is the signed paper mandate of a couriered phone: a blob of the case.
type mandateRecord struct {
	SHA256 string    `json:"sha256"`
	Size   int64     `json:"size"`
	At     time.Time `json:"at"`
	Leaf   uint64    `json:"leaf"`
}

// settings returns the studio's data-protection settings, defaults applied.
func (k *Desk) settings() gdpr.Settings { return k.deps.Config.Privacy.WithDefaults() }

// Bases lists the lawful bases a case may name.
func (k *Desk) Bases(_ context.Context, lang ui.Lang) []ui.Basis {
	var out []ui.Basis
	for _, b := range k.settings().Bases {
		out = append(out, ui.Basis{ID: b.ID, Label: b.Label(string(lang))})
	}
	return out
}

// checkBases sets a new case's empty bases to the defaults and refuses a basis the studio does not offer.
func (k *Desk) checkBases(c *caseRecord) error {
	if c.ClientBasis == "" {
		c.ClientBasis = gdpr.BasisContract
	}
	if c.SubjectsBasis == "" {
		c.SubjectsBasis = gdpr.BasisLegalClaims
	}
	s := k.settings()
	for _, id := range []string{c.ClientBasis, c.SubjectsBasis} {
		if _, ok := s.Basis(id); !ok {
			return fmt.Errorf("%w: the lawful basis %q is not on the studio's list", ui.ErrInvalid, id)
		}
	}
	return nil
}

// privacyInfo fills what a case's screen shows of its mandate and notice, the bases labelled in lang.
func (d *desk) privacyInfo(c caseRecord, info *ui.CaseInfo, lang ui.Lang) {
	s := d.deps.Config.Privacy.WithDefaults()
	label := func(id string) string {
		if b, ok := s.Basis(id); ok {
			return b.Label(string(lang))
		}
		return id
	}
	info.ClientBasis, info.SubjectsBasis = label(c.ClientBasis), label(c.SubjectsBasis)
	if c.Notice != nil {
		info.NoticeAccepted = c.Notice.At
	}
	if c.Mandate != nil {
		info.PaperMandate = c.Mandate.SHA256
	}
}

// notice renders a case's notice in lang.
func (d *desk) notice(c caseRecord, lang ui.Lang) ui.Notice {
	s := d.deps.Config.Privacy.WithDefaults()
	info := d.info(c)
	d.privacyInfo(c, &info, lang)
	tmpl, layout := s.NoticeIT, "02/01/2006"
	if lang == ui.English {
		tmpl, layout = s.NoticeEN, "2 January 2006"
	}
	retain := ""
	if !info.RetainUntil.IsZero() {
		retain = info.RetainUntil.In(evidence.Location()).Format(layout)
	}
	text := gdpr.Render(tmpl, gdpr.NoticeFields{Studio: s.Studio, Case: c.ID, Client: c.Client, Proceeding: c.Proceeding,
		Purpose: c.Purpose, ClientBasis: info.ClientBasis, SubjectsBasis: info.SubjectsBasis, Plan: c.MaxMessages,
		ServiceMonths: c.ServiceMonths, RetainUntil: retain})
	return ui.Notice{Text: text, SHA256: gdpr.Digest(text), Case: info, Accepted: info.NoticeAccepted}
}

// Notice returns the case's notice rendered in lang.
func (k *Desk) Notice(ctx context.Context, caseID string, lang ui.Lang) (ui.Notice, error) {
	d, c, err := k.liveCase(ctx, caseID)
	if err != nil {
		return ui.Notice{}, err
	}
	return d.notice(c, lang), nil
}

// liveCase returns a case that exists and is not erased.
func (k *Desk) liveCase(ctx context.Context, caseID string) (*desk, caseRecord, error) {
	d, c, err := k.workCase(ctx, caseID)
	if err != nil {
		return nil, caseRecord{}, err
	}
	if rc, err := d.reg.Get(caseID); err == nil && !rc.Erased.IsZero() {
		return nil, caseRecord{}, fmt.Errorf("%w: case %s is erased", ui.ErrInvalid, caseID)
	}
	return d, c, nil
}

// AcceptNotice records the client's acceptance of the case's notice: the digest must be the one of the text the
// case's notice renders to now in that language (a digest of another case's notice, or of a text changed since,
// is refused). The acceptance is journaled first, then kept in the register.
func (k *Desk) AcceptNotice(ctx context.Context, caseID string, a ui.Acceptance) error {
	d, c, err := k.liveCase(ctx, caseID)
	if err != nil {
		return err
	}
	if a.Lang != ui.English {
		a.Lang = ui.Italian
	}
	if n := d.notice(c, a.Lang); a.SHA256 != n.SHA256 {
		return fmt.Errorf("%w: case %s: the notice accepted is not the case's notice (digest %.12s…, want %.12s…)",
			ui.ErrInvalid, caseID, a.SHA256, n.SHA256)
	}
	now := time.Now().UTC()
	leaf, err := k.deps.Recorder.Record(ctx, journal.Entry{Type: LeafNoticeAccepted, Case: caseID, Fields: map[string]any{
		"sha256": a.SHA256, "lang": string(a.Lang), "channel": a.Channel, "link_sha256": a.Link,
	}})
	if err != nil {
		return fmt.Errorf("appliance: notice of case %s: %w", caseID, err)
	}
	return d.update(caseID, func(c *caseRecord) {
		c.Notice = &noticeRecord{SHA256: a.SHA256, Lang: string(a.Lang), At: now, Leaf: leaf.Index}
	})
}

// update changes one case of the register durably.
func (d *desk) update(id string, change func(*caseRecord)) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	cases := slices.Clone(d.cases)
	i := slices.IndexFunc(cases, func(c caseRecord) bool { return c.ID == id })
	if i < 0 {
		return fmt.Errorf("case %q: %w", id, ui.ErrNotFound)
	}
	change(&cases[i])
	if err := d.saveCases(cases); err != nil {
		return err
	}
	d.cases = cases
	return nil
}

// RecordMandate keeps the scan of a couriered phone's signed paper mandate in the case's encrypted blobs and
// journals it as an artifact of kind "mandate"; the extraction refuses to start without one.
func (k *Desk) RecordMandate(ctx context.Context, caseID string, m ui.PaperMandate) error {
	d, _, err := k.liveCase(ctx, caseID)
	if err != nil {
		return err
	}
	ref, leaf, err := k.RecordMandateScan(ctx, caseID, m.Operator, m.Data)
	if err != nil {
		return err
	}
	return d.update(caseID, func(c *caseRecord) {
		c.Mandate = &mandateRecord{SHA256: ref.SHA256, Size: ref.Size, At: time.Now().UTC(), Leaf: leaf.Index}
	})
}

// CheckMandateScan refuses what is not the scan or photo of a mandate: empty, larger than 20 MB, neither a PDF
// nor an image. It returns the file's media type.
func CheckMandateScan(data []byte) (string, error) {
	if len(data) == 0 || len(data) > maxMandateBytes {
		return "", fmt.Errorf("%w: the mandate's scan is empty or larger than %d MB", ui.ErrInvalid, maxMandateBytes>>20)
	}
	mime := http.DetectContentType(data)
	if mime != "application/pdf" && !strings.HasPrefix(mime, "image/") {
		return "", fmt.Errorf("%w: the mandate's scan is %s: a PDF or a photo (JPEG, PNG) is needed", ui.ErrInvalid, mime)
	}
	return mime, nil
}

// RecordMandateScan keeps a mandate's scan among caseID's encrypted blobs and journals it as an artifact of kind
// "mandate", for a case of the register or one the command line names; the leaf comes before the acquisition's.
func (k *Desk) RecordMandateScan(ctx context.Context, caseID, operator string, data []byte) (blob.Ref, journal.Leaf, error) {
	mime, err := CheckMandateScan(data)
	if err != nil {
		return blob.Ref{}, journal.Leaf{}, err
	}
	if k.deps.Blobs == nil {
		return blob.Ref{}, journal.Leaf{}, fmt.Errorf("appliance: mandate of case %s: no blob store", caseID)
	}
	ref, err := k.deps.Blobs.Put(ctx, caseID, bytes.NewReader(data))
	if err != nil {
		return ref, journal.Leaf{}, fmt.Errorf("appliance: mandate of case %s: %w", caseID, err)
	}
	leaf, err := k.deps.Recorder.Record(ctx, journal.Entry{Type: journal.TypeArtifact, Case: caseID, Fields: map[string]any{
		"sha256": ref.SHA256, "size": ref.Size, "kind": "mandate", "mime": mime, "operator": strings.TrimSpace(operator),
	}})
	if err != nil {
		return ref, leaf, fmt.Errorf("appliance: mandate of case %s: stored, not journaled: %w", caseID, err)
	}
	k.deps.Log.InfoContext(ctx, "paper mandate recorded", slog.String("case", caseID), slog.Uint64("leaf", leaf.Index))
	return ref, leaf, nil
}

// checkMandate refuses an acquisition the case's data protection does not allow: a restricted case takes none; a
// remote session needs the client's acceptance of the notice; an extraction from a couriered phone needs the
// signed paper mandate.
func checkMandate(c caseRecord, kind string) error {
	switch {
	case !c.Restricted.IsZero():
		return fmt.Errorf("%w: case %s is restricted by a data subject's request since %s: nothing new is acquired (%w)",
			ui.ErrInvalid, c.ID, c.Restricted.In(evidence.Location()).Format(time.DateOnly), ui.ErrNoNotice)
	case (kind == JobWeb || kind == JobUpload || kind == JobCloud) && c.Notice == nil:
		return fmt.Errorf("%w: case %s: the client has not accepted the information notice yet: give the client "+
			"the case's link first (%w)", ui.ErrInvalid, c.ID, ui.ErrNoNotice)
	case (kind == JobADB || kind == JobIPhone) && c.Mandate == nil:
		return fmt.Errorf("%w: case %s: record the signed paper mandate (a scan or a photo) before the extraction (%w)",
			ui.ErrInvalid, c.ID, ui.ErrNoNotice)
	}
	return nil
}

// processingNote is what the deliveries' reports say of the processing, beside the purpose: the lawful basis and
// the retention date.
func (d *desk) processingNote(c caseRecord) string {
	info := d.info(c)
	note := strings.TrimSpace(c.Purpose)
	if c.Proceeding != "" {
		note = strings.TrimSpace(note + " (" + c.Proceeding + ")")
	}
	parts := []string{note, "base giuridica: " + info.SubjectsBasis}
	if !info.RetainUntil.IsZero() {
		parts = append(parts, "conservazione fino al "+info.RetainUntil.In(evidence.Location()).Format("02/01/2006"))
	}
	return strings.TrimPrefix(strings.Join(parts, " — "), " — ")
}

// BlobPutter stores a case's blobs encrypted under its key; *blob.Store is one.
type BlobPutter interface {
	Put(ctx context.Context, caseID string, r io.Reader) (blob.Ref, error)
}

var _ BlobPutter = (*blob.Store)(nil)
