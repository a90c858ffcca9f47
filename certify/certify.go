// Package certify holds the acquisition pipelines: WhatsApp Web over a linked session ([Pipelines.CaptureWeb]), a
// WhatsApp Android backup handed over by the client ([Pipelines.ExtractAndroidBackup]), a phone on USB through the
// adb server ([Pipelines.ExtractADB]), an iPhone's iTunes/Finder backup ([Pipelines.ExtractIOSBackup]), and the delivery folders they end in ([Pipelines.Deliver]).
//
// Each pipeline records an [Acquisition] as it happens: a start leaf, one leaf per artifact (whose bytes go
// encrypted into the case's blobs first), an end leaf and a signed checkpoint; then one delivery folder per chat of
// the acquisition list, with the report signed by the appliance's key.
//
// The pipelines know the appliance only through the small interfaces of [Config]: a [Recorder] that appends leaves,
// a [Gate] that says whether the appliance may certify, an [Attester] that writes fresh TPM attestation, and a
// [Reporter] that makes the signed report. package appliance implements them.
package certify

import (
	"context"
	"errors"
	"io"
	"log/slog"

	"github.com/attesta/attesta/bundle"
	"github.com/attesta/attesta/journal"
	"github.com/attesta/attesta/journal/blob"
	"github.com/attesta/attesta/report"
	"github.com/attesta/attesta/tpm"
)

// Recorder appends one leaf to the evidence journal. A leaf is durable when Record returns without error.
type Recorder interface {
	Record(ctx context.Context, e journal.Entry) (journal.Leaf, error)
}

// Gate says whether the appliance may certify: CheckCertify returns an error (the appliance's lock, with its
// reason) while it may not. Every pipeline asks before it starts and before each artifact and delivery.
type Gate interface {
	CheckCertify() error
}

// Attester writes fresh TPM attestation evidence into dir (created; it must not exist) with nonce, which a
// delivery binds to its checkpoint. *tpm.TPM is one.
type Attester interface {
	WriteAttestation(ctx context.Context, dir string, nonce []byte) (*tpm.Attestation, error)
}

var _ Attester = (*tpm.TPM)(nil)

// Reporter makes a delivery's write options and its report renderer (relazione.pdf, signed) for acq, whose
// deliveries come from src and whose journal verifier key is vkey. The renderer writes the report of a manifest
// before it is sealed, so that the manifest can record the report's digest. An error stops the delivery.
type Reporter interface {
	ReportOptions(ctx context.Context, acq *Acquisition, src report.Source, vkey string) (bundle.WriteOptions, RenderFunc, error)
}

// RenderFunc writes the signed report of a manifest to w.
type RenderFunc func(ctx context.Context, m *bundle.Manifest, w io.Writer) error

// Config is what the pipelines work with. Every field is required but Logger.
type Config struct {
	Journal  *journal.Journal // sealing deliveries, checkpoints
	Blobs    *blob.Store      // the cases' encrypted artifacts
	Recorder Recorder
	Gate     Gate
	Attester Attester
	Reporter Reporter
	// ApplianceID and Version are recorded in every manifest.
	ApplianceID, Version string
	// TempDir holds the short-lived clear files of an extraction (a decrypted database, a pulled backup): it must be
	// private to the appliance (its data directory).
	TempDir string
	// Logger receives the pipelines' logs; nil discards them.
	Logger *slog.Logger
}

// Pipelines runs acquisitions. Its methods are safe for concurrent use.
type Pipelines struct {
	journal     *journal.Journal
	blobs       *blob.Store
	rec         Recorder
	gate        Gate
	attester    Attester
	reporter    Reporter
	applianceID string
	version     string
	tempDir     string
	log         *slog.Logger
}

// New returns the pipelines over cfg.
func New(cfg Config) (*Pipelines, error) {
	if cfg.Journal == nil || cfg.Blobs == nil || cfg.Recorder == nil || cfg.Gate == nil || cfg.Attester == nil ||
		cfg.Reporter == nil || cfg.TempDir == "" {
		return nil, errors.New("certify: incomplete configuration")
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Pipelines{journal: cfg.Journal, blobs: cfg.Blobs, rec: cfg.Recorder, gate: cfg.Gate,
		attester: cfg.Attester, reporter: cfg.Reporter, applianceID: cfg.ApplianceID, version: cfg.Version,
		tempDir: cfg.TempDir, log: log}, nil
}
