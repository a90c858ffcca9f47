package desk

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/attesta/attesta/appliance/gdpr"
	"github.com/attesta/attesta/appliance/retention"
	"github.com/attesta/attesta/bundle"
	"github.com/attesta/attesta/evidence"
	"github.com/attesta/attesta/internal/durable"
	"github.com/attesta/attesta/journal"
	"github.com/attesta/attesta/ui"
)

// findings is what the appliance holds about a number.
type findings struct {
	Cases      []ui.SubjectCase
	Deliveries []ui.SubjectDelivery
}

// SubjectRequests lists the data-subject requests, newest first.
func (k *Desk) SubjectRequests(ctx context.Context) ([]ui.SubjectRequest, error) {
	d, err := k.work(ctx)
	if err != nil {
		return nil, err
	}
	var out []ui.SubjectRequest
	for _, q := range d.reqs.List() {
		out = append(out, requestInfo(q))
	}
	return out, nil
}

func requestInfo(q gdpr.Request) ui.SubjectRequest {
	return ui.SubjectRequest{ID: q.ID, Kind: q.Kind, Masked: q.Masked, Received: q.Received, Due: q.Due,
		Answered: q.Answered, Outcome: q.Outcome}
}

// SubjectRequest registers and answers a data-subject request of kind access (its export is then fetched with
// SubjectExport), erasure or restriction.
func (k *Desk) SubjectRequest(ctx context.Context, kind, phone, operator string) (ui.SubjectAnswer, error) {
	switch kind {
	case gdpr.KindAccess:
		d, ans, err := k.request(ctx, kind, phone, operator)
		if err != nil {
			return ans, err
		}
		return ans, d.answer(ctx, &ans, fmt.Sprintf("found %d cases and %d deliveries; export on the screen",
			len(ans.Cases), len(ans.Deliveries)))
	case gdpr.KindErasure:
		return k.Erase(ctx, phone, operator)
	case gdpr.KindRestriction:
		return k.Restrict(ctx, phone, operator)
	}
	return ui.SubjectAnswer{}, fmt.Errorf("%w: request %q: %w", ui.ErrInvalid, kind, gdpr.ErrKind)
}

// SubjectExport writes, as a ZIP, the export of access request id for phone, which must be the request's number:
// the export is made in a temporary folder, streamed, and removed, so that the data folder keeps no copy of it.
func (k *Desk) SubjectExport(ctx context.Context, id, phone string, w io.Writer) error {
	d, err := k.work(ctx)
	if err != nil {
		return err
	}
	e164, err := evidence.NormalizePhone(phone, "39")
	if err != nil {
		return fmt.Errorf("%w: the number: %v", ui.ErrInvalid, err)
	}
	i := slices.IndexFunc(d.reqs.List(), func(q gdpr.Request) bool { return q.ID == id })
	if i < 0 {
		return fmt.Errorf("request %q: %w", id, ui.ErrNotFound)
	}
	q := d.reqs.List()[i]
	if q.Kind != gdpr.KindAccess || q.Subject != d.reqs.SubjectID(e164) {
		return fmt.Errorf("%w: request %s is not an access request for that number", ui.ErrInvalid, id)
	}
	f, err := d.find(e164)
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "attesta-access-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	folder := filepath.Join(tmp, id)
	if err := d.writeAccess(folder, ui.SubjectAnswer{Request: requestInfo(q), Cases: f.Cases, Deliveries: f.Deliveries}); err != nil {
		return err
	}
	if _, err := k.deps.Recorder.Record(ctx, journal.Entry{Type: LeafSubjectExport, Fields: map[string]any{
		"request": id, "cases": len(f.Cases), "deliveries": len(f.Deliveries)}}); err != nil {
		return fmt.Errorf("appliance: export of %s: %w", id, err)
	}
	return bundle.WriteZip(ctx, w, folder)
}

// Access answers an access request (GDPR art. 15) for phone: it registers and journals the request, finds every
// case and delivery that concerns the number, and writes into outDir (created; it must not exist) access.json —
// the cases' mandates, bases, purposes and retention, the deliveries and their journal leaves — and a copy of each
// delivery's manifest and proofs, which verify offline. The answer is journaled.
func (k *Desk) Access(ctx context.Context, phone, operator, outDir string) (ui.SubjectAnswer, error) {
	if _, err := os.Lstat(outDir); err == nil {
		return ui.SubjectAnswer{}, fmt.Errorf("%w: %s already exists: an export is never overwritten", ui.ErrInvalid, outDir)
	}
	d, ans, err := k.request(ctx, gdpr.KindAccess, phone, operator)
	if err != nil {
		return ans, err
	}
	if err := d.writeAccess(outDir, ans); err != nil {
		return ans, err
	}
	ans.Export = outDir
	return ans, d.answer(ctx, &ans, fmt.Sprintf("export of %d cases and %d deliveries", len(ans.Cases), len(ans.Deliveries)))
}

// Erase answers an erasure request (GDPR art. 17) for phone: every case that concerns the number is erased —
// evidence, deliveries, share links, the register's and the job records' personal data — except a case on legal
// hold, which is kept with the hold's reason (art. 17(3)(e)). The answer lists both and is journaled.
func (k *Desk) Erase(ctx context.Context, phone, operator string) (ui.SubjectAnswer, error) {
	d, ans, err := k.request(ctx, gdpr.KindErasure, phone, operator)
	if err != nil {
		return ans, err
	}
	s := retention.NewScheduler(d.reg, retention.EraserFunc(d.eraseCase), retention.Options{Logger: k.deps.Log})
	var errs []error
	for _, c := range ans.Cases {
		switch {
		case !c.Erased.IsZero():
			continue
		case c.Hold != "":
			ans.Kept = append(ans.Kept, ui.KeptCase{Case: c.Case, Reason: "legal hold: " + c.Hold})
			continue
		}
		err := s.EraseNow(ctx, c.Case, "data subject", "erasure request "+ans.Request.ID)
		if errors.Is(err, retention.ErrOnHold) {
			rc, _ := d.reg.Get(c.Case)
			ans.Kept = append(ans.Kept, ui.KeptCase{Case: c.Case, Reason: "legal hold: " + rc.Hold.Reason})
			continue
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		ans.Erased = append(ans.Erased, c.Case)
	}
	if err := errors.Join(errs...); err != nil {
		return ans, fmt.Errorf("appliance: erasure request %s: %w", ans.Request.ID, err)
	}
	outcome := fmt.Sprintf("erased %d cases %v; kept %d", len(ans.Erased), ans.Erased, len(ans.Kept))
	for _, kp := range ans.Kept {
		outcome += "; " + kp.Case + ": " + kp.Reason
	}
	return ans, d.answer(ctx, &ans, outcome)
}

// Restrict answers a restriction request (GDPR art. 18) for phone: every case that concerns the number is marked
// restricted, journaled; a restricted case starts no acquisition and makes no share link.
func (k *Desk) Restrict(ctx context.Context, phone, operator string) (ui.SubjectAnswer, error) {
	d, ans, err := k.request(ctx, gdpr.KindRestriction, phone, operator)
	if err != nil {
		return ans, err
	}
	now := time.Now().UTC()
	var marked []string
	for _, c := range ans.Cases {
		if !c.Erased.IsZero() || !c.Restricted.IsZero() {
			continue
		}
		if _, err := k.deps.Recorder.Record(ctx, journal.Entry{Type: LeafRestriction, Case: c.Case, Fields: map[string]any{
			"request": ans.Request.ID}}); err != nil {
			return ans, fmt.Errorf("appliance: restriction request %s: %w", ans.Request.ID, err)
		}
		if err := d.update(c.Case, func(r *caseRecord) { r.Restricted = now }); err != nil {
			return ans, err
		}
		marked = append(marked, c.Case)
	}
	return ans, d.answer(ctx, &ans, fmt.Sprintf("restricted %d cases %v", len(marked), marked))
}

// Restricted reports whether the case of a delivery folder is restricted.
func (k *Desk) Restricted(ctx context.Context, caseID string) bool {
	d, err := k.work(ctx)
	if err != nil {
		return false
	}
	c, ok := d.lookup(caseID)
	return ok && !c.Restricted.IsZero()
}

// request registers and journals a request for phone and finds what concerns it.
func (k *Desk) request(ctx context.Context, kind, phone, operator string) (*desk, ui.SubjectAnswer, error) {
	ctx = context.WithoutCancel(ctx) // a request registered is answered, or stays open on the home screen
	d, err := k.work(ctx)
	if err != nil {
		return nil, ui.SubjectAnswer{}, err
	}
	e164, err := evidence.NormalizePhone(phone, "39")
	if err != nil {
		return nil, ui.SubjectAnswer{}, fmt.Errorf("%w: the number: %v", ui.ErrInvalid, err)
	}
	q, err := d.reqs.Add(kind, e164, strings.TrimSpace(operator), time.Now())
	if err != nil {
		return nil, ui.SubjectAnswer{}, err
	}
	if _, err := k.deps.Recorder.Record(ctx, journal.Entry{Type: LeafSubjectRequest, Fields: map[string]any{
		"request": q.ID, "kind": kind, "due": q.Due.Format(time.RFC3339)}}); err != nil {
		return nil, ui.SubjectAnswer{}, fmt.Errorf("appliance: %s request: %w", kind, err)
	}
	f, err := d.find(e164)
	if err != nil {
		return nil, ui.SubjectAnswer{}, err
	}
	k.deps.Log.InfoContext(ctx, "data-subject request", slog.String("request", q.ID), slog.String("kind", kind),
		slog.Int("cases", len(f.Cases)), slog.Int("deliveries", len(f.Deliveries)))
	return d, ui.SubjectAnswer{Request: requestInfo(q), Cases: f.Cases, Deliveries: f.Deliveries}, nil
}

// answer records and journals the answer to a request.
func (d *desk) answer(ctx context.Context, ans *ui.SubjectAnswer, outcome string) error {
	q, err := d.reqs.Answer(ans.Request.ID, outcome, time.Now())
	if err != nil {
		return err
	}
	ans.Request = requestInfo(q)
	fields := map[string]any{"request": q.ID, "kind": q.Kind, "cases": len(ans.Cases),
		"deliveries": len(ans.Deliveries), "erased": len(ans.Erased), "kept": len(ans.Kept)}
	if _, err := d.deps.Recorder.Record(ctx, journal.Entry{Type: LeafSubjectAnswer, Fields: fields}); err != nil {
		return fmt.Errorf("appliance: answer to %s: %w", q.ID, err)
	}
	return nil
}

// find returns the cases and deliveries that concern a number (E.164): the cases whose client it is, the cases
// whose lists or deliveries name it as a chat, and every delivery of those cases.
func (d *desk) find(phone string) (findings, error) {
	roles := map[string]string{}
	d.mu.Lock()
	for _, c := range d.cases {
		if c.ClientPhone == phone {
			roles[c.ID] = "client"
		}
	}
	d.mu.Unlock()
	d.jobs.mu.Lock()
	outDir := d.jobs.outDir
	for _, j := range d.jobs.jobs {
		for _, ch := range j.secret.Chats {
			if f := strings.Fields(ch.Chat); len(f) > 0 && samePhone(f[0], phone) && roles[j.rec.Case] == "" {
				roles[j.rec.Case] = "correspondent"
			}
		}
	}
	d.jobs.mu.Unlock()
	var out findings
	entries, err := os.ReadDir(outDir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return out, fmt.Errorf("appliance: search deliveries: %w", err)
	}
	for _, e := range entries {
		folder := filepath.Join(outDir, e.Name())
		if !e.IsDir() {
			continue
		}
		leaf, caseID, ok := DeliveryLeaf(folder)
		b, err := os.ReadFile(filepath.Join(folder, "manifest.json"))
		if !ok || err != nil {
			continue
		}
		m, err := bundle.DecodeManifest(b)
		if err != nil {
			continue
		}
		role := ""
		switch {
		case m.Chat.Phone == phone:
			role = "correspondent"
			if roles[caseID] == "" {
				roles[caseID] = role
			}
		case roles[caseID] == "client":
			role = "client"
		}
		if role != "" {
			out.Deliveries = append(out.Deliveries, ui.SubjectDelivery{Folder: e.Name(), Case: caseID, Role: role,
				Messages: len(m.Messages), Leaf: leaf})
		}
	}
	for id, role := range roles {
		sc := ui.SubjectCase{Case: id, Role: role}
		if rc, err := d.reg.Get(id); err == nil {
			sc.RetainUntil, sc.Erased = retention.RetainUntil(rc), rc.Erased
			if rc.Hold != nil {
				sc.Hold = rc.Hold.Reason
			}
		}
		if c, ok := d.lookup(id); ok {
			sc.Restricted = c.Restricted
		}
		out.Cases = append(out.Cases, sc)
	}
	slices.SortFunc(out.Cases, func(a, b ui.SubjectCase) int { return strings.Compare(a.Case, b.Case) })
	return out, nil
}

// samePhone compares a number as a list wrote it with an E.164 number.
func samePhone(written, e164 string) bool {
	n, err := evidence.NormalizePhone(written, "39")
	return err == nil && n == e164
}

// accessExport is access.json: what the studio holds about a number and on which basis.
type accessExport struct {
	Format     string               `json:"format"`
	Subject    string               `json:"subject"` // masked: the subject knows their number
	Request    string               `json:"request"`
	Generated  time.Time            `json:"generated"`
	Cases      []accessCase         `json:"cases"`
	Deliveries []ui.SubjectDelivery `json:"deliveries"`
	Rights     string               `json:"rights"`
}

type accessCase struct {
	ui.SubjectCase
	Client     string `json:"client,omitempty"` // only when the subject is the client
	Purpose    string `json:"purpose"`
	Proceeding string `json:"proceeding,omitempty"`
	Basis      string `json:"basis"`
	Recipients string `json:"recipients"`
	Source     string `json:"source"`
}

// writeAccess writes an access request's export.
func (d *desk) writeAccess(outDir string, ans ui.SubjectAnswer) error {
	if err := durable.MkdirAll(outDir, 0o700); err != nil {
		return fmt.Errorf("appliance: access export: %w", err)
	}
	exp := accessExport{Format: "attesta.gdpr.access/v1", Subject: ans.Request.Masked, Generated: time.Now().UTC(),
		Request: ans.Request.ID, Deliveries: ans.Deliveries, Rights: "rettifica, cancellazione, limitazione, opposizione; reclamo al Garante (art. 77 GDPR)"}
	for _, sc := range ans.Cases {
		c, _ := d.lookup(sc.Case)
		info := d.info(c)
		ac := accessCase{SubjectCase: sc, Purpose: c.Purpose, Proceeding: c.Proceeding, Basis: info.SubjectsBasis,
			Recipients: "il cliente dello studio e i destinatari dei link di condivisione per ruolo", Source: "il telefono del cliente dello studio"}
		if sc.Role == "client" {
			ac.Client, ac.Basis, ac.Source = c.Client, info.ClientBasis, "l'interessato"
		}
		exp.Cases = append(exp.Cases, ac)
	}
	if err := durable.WriteNewJSON(filepath.Join(outDir, "access.json"), exp, 0o600); err != nil {
		return fmt.Errorf("appliance: access export: %w", err)
	}
	d.jobs.mu.Lock()
	deliveries := d.jobs.outDir
	d.jobs.mu.Unlock()
	for _, dl := range ans.Deliveries {
		if err := copyDeliveryProofs(filepath.Join(deliveries, dl.Folder), filepath.Join(outDir, dl.Folder)); err != nil {
			return err
		}
	}
	return nil
}

// copyDeliveryProofs copies a delivery's manifest, report and proofs: what verifies the messages offline.
func copyDeliveryProofs(from, to string) error {
	if err := durable.MkdirAll(filepath.Join(to, "proofs"), 0o700); err != nil {
		return err
	}
	names := []string{"manifest.json", "relazione.pdf", "VERIFICA.txt"}
	proofs, _ := os.ReadDir(filepath.Join(from, "proofs"))
	for _, p := range proofs {
		if p.Type().IsRegular() {
			names = append(names, filepath.Join("proofs", p.Name()))
		}
	}
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join(from, n))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("appliance: access export: %w", err)
		}
		if err := durable.WriteNew(filepath.Join(to, n), b, 0o600); err != nil {
			return fmt.Errorf("appliance: access export: %w", err)
		}
	}
	return nil
}
