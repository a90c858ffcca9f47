package desk

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/attesta/attesta/appliance/gdpr"
	"github.com/attesta/attesta/appliance/retention"
	"github.com/attesta/attesta/ui"
)

// LinkCounter counts the share links made to delivery folders; the appliance's share links are one. The record of
// processing names the recipients by role and counts the links, never who received them.
type LinkCounter interface {
	CountLinks(ctx context.Context, folders []string) (int, error)
}

// ProcessingRecord writes the record of processing (GDPR art. 30), per case and aggregated, as "csv" or "pdf".
func (k *Desk) ProcessingRecord(ctx context.Context, format string, w io.Writer) error {
	s, cases, err := k.processingRecord(ctx)
	if err != nil {
		return err
	}
	switch format {
	case "csv":
		return gdpr.WriteRegisterCSV(w, s, cases)
	case "pdf":
		return gdpr.WriteRegisterPDF(w, s, cases, time.Now())
	}
	return fmt.Errorf("%w: record of processing as %q: want csv or pdf", ui.ErrInvalid, format)
}

// processingRecord returns the studio's data-protection settings and, per case, what the record of processing
// (GDPR art. 30) says of it: bases, dates, the chats acquired, the share links made, its state. Write it with
// gdpr.WriteRegisterCSV or gdpr.WriteRegisterPDF.
func (k *Desk) processingRecord(ctx context.Context) (gdpr.Settings, []gdpr.RegisterCase, error) {
	d, err := k.work(ctx)
	if err != nil {
		return gdpr.Settings{}, nil, err
	}
	d.mu.Lock()
	cases := append([]caseRecord(nil), d.cases...)
	d.mu.Unlock()
	d.jobs.mu.Lock()
	outDir := d.jobs.outDir
	chats := map[string]int{}
	for _, j := range d.jobs.jobs {
		for _, l := range j.rec.Lines {
			if l.Delivered {
				chats[j.rec.Case]++
			}
		}
	}
	d.jobs.mu.Unlock()
	folders := map[string][]string{}
	entries, _ := os.ReadDir(outDir)
	for _, e := range entries {
		if _, c, ok := DeliveryLeaf(filepath.Join(outDir, e.Name())); e.IsDir() && ok {
			folders[c] = append(folders[c], e.Name())
		}
	}
	counter, _ := k.deps.Links.(LinkCounter)
	var out []gdpr.RegisterCase
	for _, c := range cases {
		rc := gdpr.RegisterCase{Case: c.ID, Opened: c.Created, ClientBasis: c.ClientBasis, SubjectsBasis: c.SubjectsBasis,
			Chats: chats[c.ID], Restricted: !c.Restricted.IsZero()}
		if rc.ClientBasis == "" { // a case opened before the mandate was recorded
			rc.ClientBasis, rc.SubjectsBasis = gdpr.BasisContract, gdpr.BasisLegalClaims
		}
		if counter != nil && len(folders[c.ID]) > 0 {
			if rc.ShareLinks, err = counter.CountLinks(ctx, folders[c.ID]); err != nil {
				return gdpr.Settings{}, nil, err
			}
		}
		if r, err := d.reg.Get(c.ID); err == nil {
			rc.RetainUntil, rc.Hold, rc.Erased = retention.RetainUntil(r), r.Hold != nil, r.Erased
		}
		out = append(out, rc)
	}
	return k.settings(), out, nil
}
