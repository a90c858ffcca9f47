package appliance

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/attesta/attesta/appliance/desk"
	"github.com/attesta/attesta/bundle/tsa"
	"github.com/attesta/attesta/certify"
	"github.com/attesta/attesta/journal"
	"github.com/attesta/attesta/journal/blob"
	"github.com/attesta/attesta/tpm"
)

// ErrLocked is returned by CheckCertify while certification is locked (failed attestation, clock rollback, tamper).
var ErrLocked = errors.New("appliance: certification locked")

// Leaf types the appliance writes. Capture paths add their own.
const (
	LeafProvision         = "provision"
	LeafBoot              = "boot"
	LeafAttestation       = "attestation"
	LeafAttestationExport = "attestation-export"
	LeafLock              = "certification-lock"
	LeafUnlock            = "certification-unlock"
)

// Appliance is an opened appliance: its TPM, keys, journal and blob store.
type Appliance struct {
	cfg      Config
	id       identity
	sel      tpm.PCRSelection
	tpm      *tpm.TPM
	ident    *tpm.Identity
	journal  *journal.Journal
	blobs    *blob.Store
	log      *slog.Logger
	logFile  *os.File    // the default log's file, closed with the appliance
	tsa      *tsa.Client // nil when no TSA is configured
	tsaQueue *tsa.Queue
	offsite  *Offsite    // the mirror, the witnesses and Drive (offsite.go)
	desk     *desk.Desk  // cases, retention and jobs (package desk)
	links    *shareLinks // the share links, opened on first use (shares.go)
	certify  *certify.Pipelines

	mu              sync.Mutex
	lockedBy        string             // reason of the open certification lock; "" when unlocked
	lastAttestation *AttestationResult // the newest attestation check of this run
	lastClock       *tpm.Clock         // newest TPM clock reading recorded in the journal
}

// Open starts the appliance: see the package documentation for the sequence. The caller must Close it.
func Open(ctx context.Context, cfg Config) (a *Appliance, err error) {
	cfg = cfg.withDefaults()
	sel, err := tpm.ParsePCRSelection(cfg.PCRs)
	if err != nil {
		return nil, fmt.Errorf("appliance: pcrs %q: %w", cfg.PCRs, err)
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("appliance: data dir: %w", err)
	}
	a = &Appliance{cfg: cfg, sel: sel, log: cfg.Logger}
	opened := a // a is nil once an error is returned: close what was opened
	defer func() {
		if err != nil {
			opened.Close()
		}
	}()
	if a.log == nil {
		if a.log, a.logFile, err = openLogFile(cfg.DataDir); err != nil {
			return nil, err
		}
		a.cfg.Logger = a.log
	}
	if a.id, err = loadOrCreateIdentity(cfg.DataDir, time.Now()); err != nil {
		return nil, err
	}
	if err := openTPM(ctx, a); err != nil {
		return nil, err
	}
	if err := openStores(ctx, a); err != nil {
		return nil, err
	}
	if err := openTSA(a); err != nil {
		return nil, err
	}
	if a.offsite, err = openOffsite(a); err != nil {
		return nil, err
	}
	if a.certify, err = newPipelines(a); err != nil {
		return nil, fmt.Errorf("appliance: %w", err)
	}
	a.links = &shareLinks{path: filepath.Join(a.cfg.DataDir, "shares.json"), rec: recorder{a}}
	a.desk = newDesk(a)
	if err := a.journal.SelfTest(ctx); err != nil {
		return nil, fmt.Errorf("appliance: start-up self-test: %w", err)
	}
	if err := readState(ctx, a); err != nil {
		return nil, err
	}
	if err := boot(ctx, a); err != nil {
		return nil, err
	}
	return a, nil
}

func openTPM(ctx context.Context, a *Appliance) error {
	t, err := tpm.Open(ctx, a.cfg.TPM, filepath.Join(a.cfg.DataDir, "tpm"))
	if err != nil {
		return fmt.Errorf("appliance: %w", err)
	}
	a.tpm = t
	opts, err := provisionOptions(a.cfg, a.sel)
	if err != nil {
		return err
	}
	if a.ident, err = t.Provision(ctx, opts); errors.Is(err, tpm.ErrStateMismatch) {
		return fmt.Errorf("appliance: provision: %w (if the TPM was replaced or cleared, its key is lost: start a new key epoch with attesta keys epoch)", err)
	} else if err != nil {
		return fmt.Errorf("appliance: provision: %w", err)
	}
	return nil
}

func openStores(ctx context.Context, a *Appliance) error {
	signer, err := a.tpm.Signer(ctx)
	if err != nil {
		return fmt.Errorf("appliance: signer: %w", err)
	}
	a.journal, err = openJournal(ctx, a, journal.Options{
		Origin:          a.Origin(),
		Signer:          signer,
		CheckpointEvery: a.cfg.CheckpointEvery,
		Logger:          a.log,
	})
	if err != nil {
		return fmt.Errorf("appliance: %w", err)
	}
	a.blobs, err = blob.Open(filepath.Join(a.cfg.DataDir, "blobs"), a.tpm.KeyWrapper(), blob.WithLogger(a.log))
	if err != nil {
		return fmt.Errorf("appliance: %w", err)
	}
	return nil
}

// boot records the provisioning (first start only) and this start in the journal, and checks the TPM clock.
func boot(ctx context.Context, a *Appliance) error {
	if a.journal.Size() == 0 {
		if _, err := a.record(ctx, journal.Entry{Type: LeafProvision, Fields: provisionFields(a)}); err != nil {
			return fmt.Errorf("appliance: journal provisioning: %w", err)
		}
	}
	if err := applyLockout(ctx, a); err != nil {
		return err
	}
	clock, err := a.tpm.ReadClock(ctx)
	if err != nil {
		return fmt.Errorf("appliance: read TPM clock: %w", err)
	}
	cc := a.checkBootClock(clock)
	fields := map[string]any{
		"tool_version": a.cfg.Version,
		"tpm":          tpmKind(a),
		"tpm_clock":    clockFields(clock),
		"lock_reason":  a.lockReason(),
		"new_epoch":    cc.newEpoch,
	}
	if cc.note != "" {
		fields["clock_note"] = cc.note
	}
	policyFields(a, fields)
	if a.cfg.Operator != "" {
		fields["operator"] = a.cfg.Operator
	}
	if _, err := a.record(ctx, journal.Entry{Type: LeafBoot, Fields: fields}); err != nil {
		return fmt.Errorf("appliance: journal boot: %w", err)
	}
	a.setClock(clock)
	if cc.problem != "" {
		return a.lockCertification(ctx, cc.problem)
	}
	return nil
}

func provisionFields(a *Appliance) map[string]any {
	f := map[string]any{
		"signing_key_sha256": KeyDigest(a.ident.SigningKey),
		"ak_sha256":          KeyDigest(a.ident.AK),
		"pcr_selection":      a.ident.PCRSelection.String(),
		"pcr_values_sha256":  pcrValuesDigest(a.ident.PCRValues),
		"tpm":                tpmKind(a),
	}
	if a.ident.EKCert != nil {
		sum := sha256.Sum256(a.ident.EKCert.Raw)
		f["ek_cert_sha256"] = hex.EncodeToString(sum[:])
	}
	return f
}

// tpmKind names the TPM without the socket path, which may name a user's home.
func tpmKind(a *Appliance) string {
	switch s := a.cfg.TPM; {
	case s == "sim":
		return "simulator (development only)"
	case strings.HasPrefix(s, "swtpm:"):
		return "swtpm"
	default:
		return "device " + s
	}
}

// Close releases the journal, the blob store and the TPM. It is safe on a partly opened appliance.
func (a *Appliance) Close() error {
	var errs []error
	if a.blobs != nil {
		errs = append(errs, a.blobs.Close())
	}
	if a.journal != nil {
		if _, err := a.journal.Checkpoint(context.Background()); err != nil && !errors.Is(err, tpm.ErrKeyUnusable) {
			errs = append(errs, fmt.Errorf("appliance: final checkpoint: %w", err))
		}
		errs = append(errs, a.journal.Close())
	}
	if a.tpm != nil {
		errs = append(errs, a.tpm.Close())
	}
	if a.logFile != nil {
		errs = append(errs, a.logFile.Close())
	}
	return errors.Join(errs...)
}

// ID is the appliance id; Origin the journal's origin.
func (a *Appliance) ID() string     { return a.id.ID }
func (a *Appliance) Origin() string { return "attesta/" + a.id.ID }

// Journal, Blobs, TPM and Identity expose the parts, for capture paths and commands.
func (a *Appliance) Journal() *journal.Journal { return a.journal }
func (a *Appliance) Blobs() *blob.Store        { return a.blobs }
func (a *Appliance) TPM() *tpm.TPM             { return a.tpm }
func (a *Appliance) Identity() *tpm.Identity   { return a.ident }

// NoteVerifier returns the checkpoint verifier pinned to the TPM-resident key, not to the key recorded in the file.
func (a *Appliance) NoteVerifier() (note.Verifier, error) {
	vkey, err := journal.VerifierKey(a.Origin(), a.ident.SigningKey)
	if err != nil {
		return nil, err
	}
	return journal.NewNoteVerifier(vkey)
}

// CheckCertify returns an error wrapping ErrLocked, with the reason, while certification is locked.
func (a *Appliance) CheckCertify() error {
	if r := a.lockReason(); r != "" {
		return fmt.Errorf("%w: %s", ErrLocked, r)
	}
	return nil
}

// KeyDigest is the hex SHA-256 of pub's DER SubjectPublicKeyInfo, as the status leaf and the demo show it; "" when
// pub cannot be encoded.
func KeyDigest(pub any) string {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return ""
	}
	sum := sha256.Sum256(der)
	return hex.EncodeToString(sum[:])
}

func pcrValuesDigest(values [][]byte) string {
	h := sha256.New()
	for _, v := range values {
		h.Write(v)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func clockFields(c tpm.Clock) map[string]any {
	return map[string]any{
		"clock_ms":      int64(c.Clock),
		"reset_count":   int64(c.ResetCount),
		"restart_count": int64(c.RestartCount),
		"safe":          c.Safe,
	}
}

// openLogFile opens the default log: JSON lines appended to DataDir/attesta.log.
func openLogFile(dataDir string) (*slog.Logger, *os.File, error) {
	f, err := os.OpenFile(filepath.Join(dataDir, "attesta.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, nil, fmt.Errorf("appliance: log: %w", err)
	}
	return slog.New(slog.NewJSONHandler(f, nil)), f, nil
}
