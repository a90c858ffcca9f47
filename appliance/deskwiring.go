package appliance

import (
	"time"

	"github.com/attesta/attesta/appliance/desk"
)

// newDesk returns the desk of an opened appliance, its dependencies given explicitly: the configuration it reads,
// the log, the journal, the certification gate, the TPM's sealing, the pipelines, the erasure of a case's evidence
// and the share links of the deliveries.
func newDesk(a *Appliance) *desk.Desk {
	cfg := &desk.Config{DataDir: a.cfg.DataDir, LegalMonths: a.cfg.LegalMonths,
		RetentionEvery: time.Duration(a.cfg.RetentionEvery), WhatsAppWebURL: a.cfg.WhatsAppWebURL,
		Chromium: a.cfg.Chromium, ADB: a.cfg.ADB}
	return desk.New(desk.Deps{Config: cfg, Log: a.log, Recorder: recorder{a}, Gate: a, Sealer: a.tpm,
		Pipelines: a.certify, Erase: a.EraseCase, Links: a.links})
}
