package appliance

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/attesta/attesta/bundle"
	"github.com/attesta/attesta/bundle/verifycmd"
	"github.com/attesta/attesta/evidence"
	"github.com/attesta/attesta/journal/blob"
	"github.com/attesta/attesta/report"
	"github.com/attesta/attesta/report/pades"
)

// caseBlobs gives a delivery the bytes of one case's artifacts from the blob store.
type caseBlobs struct {
	store  *blob.Store
	caseID string
}

func (c caseBlobs) Open(ctx context.Context, sha256hex string) (io.ReadCloser, error) {
	return c.store.Open(ctx, c.caseID, sha256hex)
}

// Deliver seals a manifest into the journal and writes its delivery folder in outDir: the manifest, its artifacts
// from the case's blobs, the checkpoint and inclusion proof, a fresh TPM attestation whose nonce is the SHA-256 of
// that checkpoint (so the attestation provably postdates it and certifies the key that signed it), and
// relazione.pdf, the report in Italian, signed (PAdES) with the same TPM-resident key. The report is rendered
// first, from the manifest before sealing, so that the manifest records its digest and the delivery leaf commits
// to it. It returns the folder's path. An existing folder is never overwritten.
func (a *Appliance) Deliver(ctx context.Context, acq *Acquisition, m *bundle.Manifest, outDir string, src report.Source) (string, error) {
	if err := a.CheckCertify(); err != nil {
		return "", err
	}
	opts, render, err := a.reportOptions(ctx, acq, src, a.journal.VerifierKey())
	if err != nil {
		return "", err
	}
	var pdf bytes.Buffer
	if err := render(ctx, m, &pdf); err != nil {
		return "", fmt.Errorf("appliance: report of delivery of %s: %w", m.Chat.Phone, err)
	}
	bundle.AttachReport(m, pdf.Bytes())
	sealed, err := bundle.Seal(ctx, a.journal, m, acq.Case)
	if err != nil {
		return "", fmt.Errorf("appliance: seal delivery of %s: %w", m.Chat.Phone, err)
	}
	acq.note("delivery sealed in the journal", fmt.Sprintf("leaf %d of %d", m.Journal.LeafIndex, m.Journal.TreeSize))
	tmp, err := os.MkdirTemp(a.cfg.DataDir, ".attestation-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	nonce := sha256.Sum256(sealed.Checkpoint)
	attDir := filepath.Join(tmp, "attestation")
	if _, err := a.tpm.WriteAttestation(ctx, attDir, nonce[:]); err != nil {
		return "", fmt.Errorf("appliance: attestation for delivery of %s: %w", m.Chat.Phone, err)
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return "", err
	}
	d := bundle.Delivery{Manifest: m, Sealed: sealed, Artifacts: caseBlobs{a.blobs, acq.Case}, Attestation: attDir, Report: pdf.Bytes()}
	folder, err := bundle.WriteUnique(ctx, outDir, d, opts)
	if err != nil {
		return "", fmt.Errorf("appliance: write delivery of %s: %w", m.Chat.Phone, err)
	}
	return folder, nil
}

// reportOptions makes the delivery's write options and its report renderer: relazione.pdf in Italian, the
// detailed kind, of the manifest before sealing, signed with the TPM key.
func (a *Appliance) reportOptions(ctx context.Context, acq *Acquisition, src report.Source, vkey string) (bundle.WriteOptions, func(context.Context, *bundle.Manifest, io.Writer) error, error) {
	cert, err := a.certificate(ctx)
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
		Files:       caseBlobs{a.blobs, acq.Case},
	}
	sign := pades.Options{Signer: signer, Chain: []*x509.Certificate{cert}, Name: "Attesta " + a.ID(),
		Reason: "Relazione tecnica di acquisizione forense"}
	opts := bundle.WriteOptions{Logger: a.log}
	if a.tsa != nil {
		opts.Timestamp = a.stampCheckpoint
		sign.Timestamp = a.stampSignature
	}
	render := report.Hook(in, report.Options{Lang: "it", Kind: report.Personalizzata, BeforeSeal: true}, &sign)
	return opts, render, nil
}

// VerifyOptions returns the options for checking a delivery offline, with the report's PAdES signature checked too:
// those of attesta verify and attesta-verify (bundle/verifycmd).
func VerifyOptions(vkey string) bundle.VerifyOptions {
	opts, _ := verifycmd.Options(vkey, nil) // fails only on TSA roots, and there are none
	return opts
}

// finishSession writes the ZIP of each new delivery beside its folder, for sending as one file, and the session
// index of outDir, which lists every delivery folder in it.
func (a *Appliance) finishSession(ctx context.Context, outDir string, outcomes []ChatOutcome) error {
	for _, o := range outcomes {
		if o.Folder != "" {
			if err := bundle.WriteZipFile(ctx, o.Folder+".zip", o.Folder); err != nil {
				return fmt.Errorf("appliance: zip %s: %w", o.Folder, err)
			}
		}
	}
	return writeIndex(outDir)
}

// writeIndex lists the delivery folders of dir (those with a manifest.json) in index.html and index.json.
func writeIndex(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	var index []bundle.IndexEntry
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name(), "manifest.json"))
		if err != nil {
			continue // not a delivery folder
		}
		m, err := bundle.DecodeManifest(b)
		if err != nil {
			return fmt.Errorf("appliance: index %s: %w", e.Name(), err)
		}
		index = append(index, bundle.IndexEntry{Folder: e.Name(), Phone: m.Chat.Phone, Name: m.Chat.Name,
			Day: evidence.DateOf(m.Acquisition.StartedAt.Time)})
	}
	if len(index) == 0 {
		return nil
	}
	return bundle.WriteIndex(dir, index)
}
