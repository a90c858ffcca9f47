package certify

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"

	"github.com/attesta/attesta/bundle"
	"github.com/attesta/attesta/bundle/verifycmd"
	"github.com/attesta/attesta/evidence"
	"github.com/attesta/attesta/internal/durable"
	"github.com/attesta/attesta/journal/blob"
	"github.com/attesta/attesta/report"
)

// caseBlobs gives a delivery the bytes of one case's artifacts from the blob store.
type caseBlobs struct {
	store  *blob.Store
	caseID string
}

func (c caseBlobs) Open(ctx context.Context, sha256hex string) (io.ReadCloser, error) {
	return c.store.Open(ctx, c.caseID, sha256hex)
}

// Files opens the acquisition's artifacts by SHA-256, for the report's thumbnails and screenshot pages.
func (acq *Acquisition) Files() report.Opener { return caseBlobs{acq.p.blobs, acq.Case} }

// Deliver seals a manifest into the journal and writes its delivery folder in outDir: the manifest, its artifacts
// from the case's blobs, the checkpoint and inclusion proof, a fresh TPM attestation whose nonce is the SHA-256 of
// that checkpoint (so the attestation provably postdates it and certifies the key that signed it), and
// relazione.pdf, the report in Italian, signed (PAdES) with the same TPM-resident key. The report is rendered
// first, from the manifest before sealing, so that the manifest records its digest and the delivery leaf commits
// to it. It returns the folder's path. An existing folder is never overwritten.
func (p *Pipelines) Deliver(ctx context.Context, acq *Acquisition, m *bundle.Manifest, outDir string, src report.Source) (string, error) {
	sd, err := p.seal(ctx, acq, m, outDir, src)
	if err != nil {
		return "", err
	}
	return p.write(ctx, sd)
}

// sealedDelivery is a delivery sealed into the journal whose folder is not written yet: what [Pipelines.write]
// needs, and nothing that the journal or the chain of custody still has to record.
type sealedDelivery struct {
	acq     *Acquisition
	m       *bundle.Manifest
	sealed  *bundle.Sealed
	custody custodyLog
	pdf     []byte
	opts    bundle.WriteOptions
	outDir  string
}

// seal is the first half of Deliver, the part that records: the report rendered and signed, the manifest sealed
// into the journal, the chain of custody told, and the checkpoint's time-stamp and cosignatures fetched (a
// time-stamp is journaled too). Everything it records is recorded in the order of the calls.
func (p *Pipelines) seal(ctx context.Context, acq *Acquisition, m *bundle.Manifest, outDir string, src report.Source) (*sealedDelivery, error) {
	if err := p.gate.CheckCertify(); err != nil {
		return nil, err
	}
	opts, render, err := p.reporter.ReportOptions(ctx, acq, src, p.journal.VerifierKey())
	if err != nil {
		return nil, err
	}
	custody, err := attachCustody(m, acq.Custody())
	if err != nil {
		return nil, err
	}
	var pdf bytes.Buffer
	if err := render(ctx, m, &pdf); err != nil {
		return nil, fmt.Errorf("appliance: report of delivery of %s: %w", m.Chat.Phone, err)
	}
	bundle.AttachReport(m, pdf.Bytes())
	sealed, err := bundle.Seal(ctx, p.journal, m, acq.Case)
	if err != nil {
		return nil, fmt.Errorf("appliance: seal delivery of %s: %w", m.Chat.Phone, err)
	}
	acq.note(bundle.CustodySealed, m.Chat.Phone, "leaf", strconv.FormatUint(m.Journal.LeafIndex, 10),
		"tree_size", strconv.FormatUint(m.Journal.TreeSize, 10))
	if opts, err = resolveHooks(ctx, opts, sealed.Checkpoint); err != nil {
		return nil, fmt.Errorf("appliance: write delivery of %s: %w", m.Chat.Phone, err)
	}
	return &sealedDelivery{acq: acq, m: m, sealed: sealed, custody: custody, pdf: pdf.Bytes(), opts: opts, outDir: outDir}, nil
}

// resolveHooks asks the write options' time-stamp and witness hooks for the checkpoint now, and returns options
// whose hooks give those answers: the time-stamp's leaf is journaled here, right after the delivery's, and the
// folder can then be written while the next delivery is sealed without changing the journal's order.
func resolveHooks(ctx context.Context, opts bundle.WriteOptions, checkpoint []byte) (bundle.WriteOptions, error) {
	if opts.Timestamp != nil {
		tok, err := opts.Timestamp(ctx, checkpoint)
		if err != nil {
			return opts, fmt.Errorf("time-stamp the checkpoint: %w", err)
		}
		opts.Timestamp = func(context.Context, []byte) ([]byte, error) { return tok, nil }
	}
	if opts.Witness != nil {
		wf, err := opts.Witness(ctx, checkpoint)
		if err != nil {
			return opts, fmt.Errorf("witnessed checkpoint: %w", err)
		}
		opts.Witness = func(context.Context, []byte) ([]byte, error) { return wf, nil }
	}
	return opts, nil
}

// write is the second half of Deliver, which records nothing: the TPM attestation bound to the checkpoint, and
// the folder written. It returns the folder's path.
func (p *Pipelines) write(ctx context.Context, sd *sealedDelivery) (string, error) {
	m := sd.m
	tmp, err := os.MkdirTemp(p.tempDir, ".attestation-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	nonce := sha256.Sum256(sd.sealed.Checkpoint)
	attDir := filepath.Join(tmp, "attestation")
	if _, err := p.attester.WriteAttestation(ctx, attDir, nonce[:]); err != nil {
		return "", fmt.Errorf("appliance: attestation for delivery of %s: %w", m.Chat.Phone, err)
	}
	if err := os.MkdirAll(sd.outDir, 0o755); err != nil {
		return "", err
	}
	d := bundle.Delivery{Manifest: m, Sealed: sd.sealed, Artifacts: sd.custody.over(caseBlobs{p.blobs, sd.acq.Case}),
		Attestation: attDir, Report: sd.pdf}
	folder, err := bundle.WriteUnique(ctx, sd.outDir, d, sd.opts)
	if err != nil {
		return "", fmt.Errorf("appliance: write delivery of %s: %w", m.Chat.Phone, err)
	}
	// Not the folder: its name holds the chat's number, and the log outlives the case's erasure.
	p.log.InfoContext(ctx, "delivery written", slog.String("case", sd.acq.Case), slog.String("acquisition", m.Acquisition.ID),
		slog.Uint64("leaf", m.Journal.LeafIndex))
	return folder, nil
}

// custodyLog is a delivery's artifacts/custody.jsonl: its bytes, served by their digest beside the case's blobs.
type custodyLog struct {
	sha  string
	data []byte
}

// attachCustody writes the chain of custody of m's chat (bundle.CustodyFor) as custody.jsonl and lists it among
// m's artifacts, so that the manifest, sealed next, commits to it. The report, rendered from the same actions,
// prints the same log.
func attachCustody(m *bundle.Manifest, actions []bundle.CustodyAction) (custodyLog, error) {
	data, err := bundle.EncodeCustody(bundle.CustodyFor(actions, m.Chat.Phone))
	if err != nil {
		return custodyLog{}, fmt.Errorf("appliance: custody of delivery of %s: %w", m.Chat.Phone, err)
	}
	sum := sha256.Sum256(data)
	c := custodyLog{sha: hex.EncodeToString(sum[:]), data: data}
	m.Artifacts = append(m.Artifacts, evidence.Artifact{Path: bundle.CustodyPath, SHA256: c.sha, Size: int64(len(data)),
		Kind: evidence.ArtifactLog})
	return c, nil
}

func (c custodyLog) over(src bundle.ArtifactSource) bundle.ArtifactSource {
	return custodySource{c, src}
}

type custodySource struct {
	log custodyLog
	src bundle.ArtifactSource
}

func (s custodySource) Open(ctx context.Context, sha256hex string) (io.ReadCloser, error) {
	if sha256hex == s.log.sha {
		return io.NopCloser(bytes.NewReader(s.log.data)), nil
	}
	return s.src.Open(ctx, sha256hex)
}

// VerifyOptions returns the options for checking a delivery offline, with the report's PAdES signature checked too:
// those of attesta verify and attesta-verify (bundle/verifycmd).
func VerifyOptions(vkey string) bundle.VerifyOptions {
	opts, _ := verifycmd.Options(vkey, nil) // fails only on TSA roots, and there are none
	return opts
}

// finishSession writes the ZIP of each new delivery beside its folder, for sending as one file, and the session
// index of outDir, which lists every delivery folder in it.
func (p *Pipelines) finishSession(ctx context.Context, outDir string, outcomes []ChatOutcome) error {
	for _, o := range outcomes {
		if o.Folder != "" && !o.zipped {
			if err := bundle.WriteZipFile(ctx, o.Folder+".zip", o.Folder); err != nil {
				return fmt.Errorf("appliance: zip %s: %w", o.Folder, err)
			}
		}
	}
	known := map[string]bundle.IndexEntry{}
	for _, o := range outcomes {
		if o.index != nil && filepath.Dir(o.Folder) == filepath.Clean(outDir) {
			known[o.index.Folder] = *o.index
		}
	}
	if err := writeIndex(outDir, nil, known); err != nil && !errors.Is(err, errNoDeliveries) {
		return err
	}
	return nil
}

// RewriteIndex lists again the delivery folders left in dir in its index.html and index.json, after some were
// removed (a case erased); when none is left it removes both, so that no index names a delivery that is gone.
func RewriteIndex(dir string) error {
	return RewriteIndexLinks(dir, nil)
}

// RewriteIndexLinks is RewriteIndex that also lists, for the folders that drive names, their direct link on Google
// Drive (a folder's earlier link is kept).
func RewriteIndexLinks(dir string, drive map[string]string) error {
	err := writeIndex(dir, drive, nil)
	if !errors.Is(err, errNoDeliveries) {
		return err
	}
	for _, name := range []string{"index.json", "index.html"} {
		if err := os.Remove(filepath.Join(dir, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("appliance: remove index: %w", err)
		}
	}
	return durable.SyncDir(dir)
}

// errNoDeliveries is writeIndex's answer for a folder without a delivery: it writes no index.
var errNoDeliveries = errors.New("no delivery folder")

// writeIndex lists the delivery folders of dir (those with a manifest.json) in index.html and index.json, with
// the Drive links of drive and those the index listed already. known gives the lines of the folders this session
// wrote, by folder name, from their manifests in memory; every other folder's manifest is read and decoded.
func writeIndex(dir string, drive map[string]string, known map[string]bundle.IndexEntry) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	old, err := bundle.ReadIndex(dir)
	if err != nil {
		return fmt.Errorf("appliance: %w", err)
	}
	links := map[string]string{}
	for _, e := range old {
		links[e.Folder] = e.DriveURL
	}
	for k, v := range drive {
		links[k] = v
	}
	var index []bundle.IndexEntry
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		if k, ok := known[e.Name()]; ok {
			k.DriveURL = links[e.Name()]
			index = append(index, k)
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
			Day: evidence.DateOf(m.Acquisition.StartedAt.Time), DriveURL: links[e.Name()]})
	}
	if len(index) == 0 {
		return errNoDeliveries
	}
	return bundle.WriteIndex(dir, index)
}
