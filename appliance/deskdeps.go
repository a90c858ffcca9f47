package appliance

import (
	"context"
	"log/slog"

	"github.com/attesta/attesta/certify"
	"github.com/attesta/attesta/journal"
	"github.com/attesta/attesta/tpm"
)

// deskDeps is what the desk (cases, retention, jobs) works with. It is passed in explicitly, so that the desk holds
// no *Appliance and can move to a package of its own: the configuration (read at use: the data directory, the
// legal retention and its period, WhatsApp Web, Chromium, the adb server), the log, the journal, the certification
// gate, the TPM's sealing of the job records' key, the acquisition pipelines the jobs run, and the erasure of a
// case's evidence and of its deliveries' share links when its retention ends.
type deskDeps struct {
	cfg       *Config
	log       *slog.Logger
	rec       certify.Recorder
	gate      certify.Gate
	sealer    sealer
	pipelines *certify.Pipelines
	erase     func(ctx context.Context, caseID, by, why string) (journal.Leaf, error)
	links     deliveryLinks
}

// deliveryLinks are the share links of the delivery folders. ForgetDeliveries revokes, journaled, every link of
// the folders named (those of caseID, which is being erased) and of folders gone from outDir, and removes their
// names from the store; it returns nil once that is durable.
type deliveryLinks interface {
	ForgetDeliveries(ctx context.Context, caseID, outDir string, folders []string) error
}

// sealer seals a secret to this appliance's TPM and opens it again; *tpm.TPM is one. Unseal fails for a secret
// that another TPM sealed, or that was altered.
type sealer interface {
	Seal(ctx context.Context, secret []byte) ([]byte, error)
	Unseal(ctx context.Context, sealed []byte) ([]byte, error)
}

var _ sealer = (*tpm.TPM)(nil)

// newDesk returns the desk of an opened appliance; its state is read on first use.
func newDesk(a *Appliance) *Desk {
	return &Desk{deps: deskDeps{cfg: &a.cfg, log: a.log, rec: recorder{a}, gate: a, sealer: a.tpm,
		pipelines: a.certify, erase: a.EraseCase, links: a.links}}
}
