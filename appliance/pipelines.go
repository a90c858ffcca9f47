package appliance

import (
	"context"
	"github.com/attesta/attesta/authority"

	"github.com/attesta/attesta/appliance/desk"
	"github.com/attesta/attesta/bundle"
	"github.com/attesta/attesta/certify"
	"github.com/attesta/attesta/journal"
	"github.com/attesta/attesta/report"
	"github.com/attesta/attesta/report/pades"
)

// The appliance's side of the acquisition pipelines (package certify): it records their leaves, gates them on the
// certification lock, attests with its TPM and signs their reports with its TPM-resident key.

// recorder appends the pipelines' leaves through [Appliance.record]: certify.Recorder.
type recorder struct{ a *Appliance }

func (r recorder) Record(ctx context.Context, e journal.Entry) (journal.Leaf, error) {
	return r.a.record(ctx, e)
}

// reporter makes the deliveries' reports: certify.Reporter.
type reporter struct{ a *Appliance }

var (
	_ certify.Recorder = recorder{}
	_ certify.Reporter = reporter{}
	_ certify.Gate     = (*Appliance)(nil)
)

// newPipelines returns the acquisition pipelines over a's journal, blobs and TPM.
func newPipelines(a *Appliance) (*certify.Pipelines, error) {
	return certify.New(certify.Config{Journal: a.journal, Blobs: a.blobs, Recorder: recorder{a}, Gate: a,
		Attester: a.tpm, Reporter: reporter{a}, ApplianceID: a.ID(), Version: a.cfg.Version, TempDir: a.cfg.DataDir,
		Logger: a.log})
}

// Certify returns the acquisition pipelines: WhatsApp Web, Android backups, phones over ADB, and their deliveries.
func (a *Appliance) Certify() *certify.Pipelines { return a.certify }

// ReportOptions makes the delivery's write options and its report renderer: relazione.pdf in Italian, the detailed
// kind, of the manifest before sealing, signed with the TPM key.
func (r reporter) ReportOptions(ctx context.Context, acq *certify.Acquisition, src report.Source, vkey string) (bundle.WriteOptions, certify.RenderFunc, error) {
	a := r.a
	chain, err := r.certificate(ctx)
	if err != nil {
		return bundle.WriteOptions{}, nil, err
	}
	signer, err := a.tpm.Signer(ctx)
	if err != nil {
		return bundle.WriteOptions{}, nil, err
	}
	signingKey, _ := report.Fingerprint(a.ident.SigningKey)
	ak, _ := report.Fingerprint(a.ident.AK)
	in := report.Input{
		Request:     acq.Request,
		Appliance:   report.Appliance{ID: a.ID(), SoftwareVersion: a.cfg.Version, SigningKey: signingKey, AK: ak, VKey: vkey},
		Attestation: a.lastAttestationSummary(),
		Source:      src,
		Custody:     acq.Custody(),
		Files:       acq.Files(),
	}
	sign := pades.Options{Signer: signer, Chain: chain, Name: "Attesta " + a.ID(),
		Reason: "Relazione tecnica di acquisizione forense"}
	var opts bundle.WriteOptions // no logger: bundle logs the folder's name, which holds the chat's number
	if chains, err := a.enrolled(); err != nil {
		return bundle.WriteOptions{}, nil, err
	} else if chains != nil {
		opts.Chain = authority.PEMChain(chains.signer...)
		if chains.ak != nil {
			opts.AKChain = authority.PEMChain(chains.ak...)
		}
	}
	if a.tsa != nil {
		opts.Timestamp = r.stampCheckpoint
		sign.Timestamp = r.stampSignature
		sign.DocumentTimestamp = r.stampDocument
	}
	if w := a.offsite.witnesses; w != nil {
		opts.Witness = w.DeliveryHook(witnessTimeout)
	}
	render := report.Hook(in, report.Options{Lang: "it", Kind: report.Personalizzata, BeforeSeal: true}, &sign)
	return opts, render, nil
}

// Desk returns the studio's side of the appliance: cases, their retention, and the jobs that acquire evidence.
func (a *Appliance) Desk() *desk.Desk { return a.desk }
