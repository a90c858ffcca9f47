package desk

import (
	"context"
	"log/slog"
	"time"

	"github.com/attesta/attesta/appliance/gdpr"
	"github.com/attesta/attesta/certify"
	"github.com/attesta/attesta/delivery/drive"
	"github.com/attesta/attesta/journal"
	"github.com/attesta/attesta/tpm"
	"github.com/attesta/attesta/ui"
)

// Config is the part of the appliance's configuration the desk reads, at use.
type Config struct {
	DataDir        string        // cases.json, retention.json and jobs/ live here; deliveries/ by default
	LegalMonths    int           // retention added to the service bought; see [retention.Case]
	RetentionEvery time.Duration // how often [Desk.RunRetention] checks
	WhatsAppWebURL string        // where web sessions open WhatsApp Web
	Chromium       string        // the browser's executable; "" finds it
	ADB            string        // the adb server extractions talk to
	Usbmuxd        string        // usbmuxd's address as USBMUXD_SOCKET_ADDRESS spells it; "" its default socket
	LinkTimeout    time.Duration // how long a web session waits for the QR code to be scanned; 0 is JobLinkTimeout
	Privacy        gdpr.Settings // the studio's notice and bases; empty fields take the defaults
}

// Deps is what the desk (cases, retention, jobs) works with, passed in explicitly: the configuration, the log,
// the journal, the certification gate, the TPM's sealing of the job records' key, the acquisition pipelines the
// jobs run, and the erasure of a case's evidence and of its deliveries' share links when its retention ends.
type Deps struct {
	Config    *Config
	Log       *slog.Logger
	Recorder  certify.Recorder
	Gate      certify.Gate
	Sealer    Sealer
	Pipelines *certify.Pipelines
	// Erase destroys a case's key and blobs and journals it; it returns an error matching blob.ErrNotFound for a
	// case that never acquired anything.
	Erase func(ctx context.Context, caseID, by, why string) (journal.Leaf, error)
	Links DeliveryLinks
	// Blobs keeps the paper mandates' scans among the case's encrypted blobs.
	Blobs BlobPutter
	// Journal reads the journal back, for the report of accesses to a case.
	Journal ui.JournalView
	// Drive deposits deliveries on Google Drive; nil when no Drive is configured.
	Drive Drive
}

// Drive is Google Drive as the desk uses it (package delivery/drive through the appliance).
type Drive interface {
	// Deliver puts a session's delivery folders on account's Drive (drive.StudioAccount or the case id), restricted
	// to emails when there are any, and returns the links of the folders done.
	Deliver(ctx context.Context, caseID, account string, folders, emails []string) ([]drive.Link, error)
	// Authorize starts the device flow for account; Pending returns the code still waiting, Authorized whether a
	// token is stored.
	Authorize(ctx context.Context, account, caseID string) (*drive.DeviceCode, error)
	Pending(account string) (*drive.DeviceCode, bool)
	Authorized(account string) bool
	// Revoke revokes and destroys account's token, journaled.
	Revoke(ctx context.Context, account, caseID, reason string) error
	// Links returns the links of the folders of dir that are done (on Drive and shared).
	Links(dir string) []drive.Link
	// ForgetCase deletes the case's folders from the studio's Drive, or leaves them to the client and revokes the
	// appliance's access, journaled; it returns the folders left on the client's Drive.
	ForgetCase(ctx context.Context, caseID string) ([]string, error)
}

// DeliveryLinks are the share links of the delivery folders. ForgetDeliveries revokes, journaled, every link of
// the folders named (those of caseID, which is being erased) and of folders gone from outDir, and removes their
// names from the store; it returns nil once that is durable.
type DeliveryLinks interface {
	ForgetDeliveries(ctx context.Context, caseID, outDir string, folders []string) error
}

// Sealer seals a secret to this appliance's TPM and opens it again; *tpm.TPM is one. Unseal fails for a secret
// that another TPM sealed, or that was altered.
type Sealer interface {
	Seal(ctx context.Context, secret []byte) ([]byte, error)
	Unseal(ctx context.Context, sealed []byte) ([]byte, error)
}

var _ Sealer = (*tpm.TPM)(nil)

// New returns the desk over deps; its state is read on first use.
func New(deps Deps) *Desk {
	return &Desk{deps: deps}
}
