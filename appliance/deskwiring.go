package appliance

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/attesta/attesta/appliance/desk"
	"github.com/attesta/attesta/journal/blob"
)

// newDesk returns the desk of an opened appliance, its dependencies given explicitly: the configuration it reads,
// the log, the journal, the certification gate, the TPM's sealing, the pipelines, the erasure of a case's evidence
// and the share links of the deliveries.
func newDesk(a *Appliance) *desk.Desk {
	cfg := &desk.Config{DataDir: a.cfg.DataDir, LegalMonths: a.cfg.LegalMonths,
		RetentionEvery: time.Duration(a.cfg.RetentionEvery), WhatsAppWebURL: a.cfg.WhatsAppWebURL,
		Chromium: a.cfg.Chromium, ADB: a.cfg.ADB, Usbmuxd: a.cfg.Usbmuxd, Privacy: a.cfg.Privacy}
	return desk.New(desk.Deps{Config: cfg, Log: a.log, Recorder: recorder{a}, Gate: a, Sealer: a.tpm,
		Pipelines: a.certify, Erase: a.EraseCase, Links: a.links, Blobs: lateBlobs{a}, Journal: a.Screens(),
		Drive: deskDrive(a)})
}

// lateBlobs is the appliance's blob store, which opens after the desk is made.
type lateBlobs struct{ a *Appliance }

func (b lateBlobs) Put(ctx context.Context, caseID string, r io.Reader) (blob.Ref, error) {
	if b.a.blobs == nil {
		return blob.Ref{}, errors.New("appliance: the blob store is not open")
	}
	return b.a.blobs.Put(ctx, caseID, r)
}

// deskDrive is the appliance's Drive as the desk sees it: a nil interface when none is configured.
func deskDrive(a *Appliance) desk.Drive {
	if a.offsite.drive == nil {
		return nil
	}
	return a.offsite.drive
}
