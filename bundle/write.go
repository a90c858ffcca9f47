package bundle

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
	"path"
	"path/filepath"
	"strings"

	"github.com/attesta/attesta/internal/durable"
	"github.com/attesta/attesta/journal/format"
)

// Names of the files of a delivery folder, relative to it.
const (
	manifestFile   = "manifest.json"
	sumsFile       = "SHA256SUMS"
	caseFile       = "case.jsonld"
	verificaFile   = "VERIFICA.txt"
	reportFile     = "relazione.pdf"
	checkpointFile = "proofs/checkpoint"
	proofFile      = "proofs/delivery.tlog-proof"
	leafFile       = "proofs/delivery-leaf.json"
	vkeyFile       = "proofs/vkey"
	tsrFile        = "proofs/checkpoint.tsr"
	attestationDir = "proofs/attestation"
)

// ArtifactSource gives the bytes of artifacts by the SHA-256 of their content: the appliance passes its blob store
// for the case. Open returns an error wrapping fs.ErrNotExist when it has no such content; the reader's bytes are
// checked against the manifest while they are copied, so a source need not verify them itself.
type ArtifactSource interface {
	Open(ctx context.Context, sha256hex string) (io.ReadCloser, error)
}

// Delivery is what Write puts in a delivery folder.
type Delivery struct {
	Manifest  *Manifest      // sealed: Seal filled its journal block
	Sealed    *Sealed        // what Seal returned for Manifest
	Artifacts ArtifactSource // the bytes of every artifact and attachment the manifest names
	// Attestation is a folder written by tpm.(*TPM).WriteAttestation, copied to proofs/attestation; "" for none.
	// Its certify.msg must certify the checkpoint key.
	Attestation string
	// Report is relazione.pdf, recorded in Manifest by AttachReport before Seal; nil for none.
	Report []byte
}

// WriteOptions are the optional parts of Write.
type WriteOptions struct {
	// Timestamp returns an RFC 3161 time-stamp token over data (the checkpoint note), written to
	// proofs/checkpoint.tsr; a nil func, or a nil token (the TSA could not be reached and the request is queued),
	// writes none.
	Timestamp func(ctx context.Context, data []byte) ([]byte, error)
	// Witness, when set, is asked for proofs/witness once the checkpoint is known: the checkpoint note, cosigned
	// by witnesses, or a later one with the proof of their consistency (witness.Client.Proof). It returns nil when
	// no witness has cosigned yet: the delivery then carries none.
	Witness func(ctx context.Context, checkpoint []byte) ([]byte, error)
	// Chain is the PEM certificate chain of the checkpoint key (its certificate first, then its issuers), written
	// to proofs/chain.pem; AKChain the attestation key's, written to proofs/ak-chain.pem with an attestation.
	// Both nil for an appliance not enrolled with an authority.
	Chain, AKChain []byte
	// Logger receives one event per folder written; nil is silent.
	Logger *slog.Logger
}

// Write creates the delivery folder dir/<FolderName> with manifest.json, SHA256SUMS, case.jsonld, the artifacts
// (streamed from d.Artifacts, each hashed while copied and compared with the manifest), proofs/, relazione.pdf
// when the manifest records one (d.Report), and VERIFICA.txt. The folder is assembled under a temporary name in dir, synced, and
// renamed into place only if nothing has that name: an existing folder is never overwritten (ErrExists), and a
// failure or crash leaves no partial folder under the final name.
func Write(ctx context.Context, dir string, d Delivery, opts WriteOptions) error {
	if d.Manifest == nil || d.Sealed == nil {
		return errors.New("bundle: write: manifest or seal missing")
	}
	return write(ctx, dir, d.Manifest.FolderName(), d, opts)
}

// maxSameDay bounds the deliveries of one chat acquired on one day that WriteUnique names apart.
const maxSameDay = 99

// WriteUnique is Write for a chat that may already have a delivery from the same day (a second session, a
// resumed one): when <FolderName> is taken it writes <FolderName>-2, -3, … up to -99, the first free. It returns
// the folder written. The manifest is the same either way; the verifier accepts the suffix.
func WriteUnique(ctx context.Context, dir string, d Delivery, opts WriteOptions) (string, error) {
	if d.Manifest == nil || d.Sealed == nil {
		return "", errors.New("bundle: write: manifest or seal missing")
	}
	base := d.Manifest.FolderName()
	for n := 1; n <= maxSameDay; n++ {
		name := base
		if n > 1 {
			name = fmt.Sprintf("%s-%d", base, n)
		}
		err := write(ctx, dir, name, d, opts)
		if !errors.Is(err, ErrExists) {
			return filepath.Join(dir, name), err
		}
	}
	return "", fmt.Errorf("bundle: write %s: %d deliveries of this chat on this day: %w", filepath.Join(dir, base), maxSameDay, ErrExists)
}

// sameDayName reports whether a folder's name is the manifest's, possibly with WriteUnique's suffix.
func sameDayName(folder, base string) bool {
	if folder == base {
		return true
	}
	n, ok := strings.CutPrefix(folder, base+"-")
	if !ok || n == "" || n[0] == '0' || len(n) > 2 {
		return false
	}
	for _, c := range n {
		if c < '0' || c > '9' {
			return false
		}
	}
	return n != "1"
}

func write(ctx context.Context, dir, name string, d Delivery, opts WriteOptions) error {
	m := d.Manifest
	final := filepath.Join(dir, name)
	fail := func(err error) error { return fmt.Errorf("bundle: write %s: %w", final, err) }
	der, err := checkSealed(m, d.Sealed)
	if err == nil {
		err = checkReport(m, d.Report)
	}
	if err != nil {
		return fail(err)
	}
	if _, err := os.Lstat(final); err == nil {
		return fail(ErrExists)
	}
	tmp, err := os.MkdirTemp(dir, ".tmp-"+name+"-")
	if err != nil {
		return fail(err)
	}
	done := false
	defer func() {
		if !done {
			os.RemoveAll(tmp)
		}
	}()
	w := &folderWriter{root: tmp}
	if err := w.fill(ctx, d, der, opts); err != nil {
		return fail(err)
	}
	if err := w.syncDirs(); err != nil {
		return fail(err)
	}
	if err := renameNoReplace(tmp, final); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fail(ErrExists)
		}
		return fail(err)
	}
	done = true
	if err := syncDir(dir); err != nil {
		return fail(err)
	}
	if opts.Logger != nil {
		opts.Logger.InfoContext(ctx, "delivery written", slog.String("folder", final),
			slog.String("acquisition", m.Acquisition.ID), slog.Uint64("leaf", m.Journal.LeafIndex))
	}
	return nil
}

// checkReport makes sure that the report given is the one the manifest records, and that there is none when it
// records none.
func checkReport(m *Manifest, pdf []byte) error {
	switch r := m.Report; {
	case r == nil && pdf != nil:
		return fmt.Errorf("%w: %s given but not recorded in the manifest (AttachReport before Seal)", ErrSealMismatch, reportFile)
	case r != nil && (sha256Hex(pdf) != r.SHA256 || int64(len(pdf)) != r.Size):
		return fmt.Errorf("%w: %s is not the report the manifest records (%d bytes, SHA-256 %s)", ErrSealMismatch, reportFile, r.Size, r.SHA256)
	}
	return nil
}

// checkSealed makes sure that the manifest is the one Seal recorded and that the proof material belongs to it.
func checkSealed(m *Manifest, s *Sealed) (*derived, error) {
	der, err := derive(m)
	if err != nil {
		return nil, err
	}
	if m.Journal == nil {
		return nil, fmt.Errorf("%w: the manifest has no journal block", ErrSealMismatch)
	}
	seq, e, err := format.DecodeLeaf(s.Leaf)
	if err != nil {
		return nil, fmt.Errorf("%w: delivery leaf: %w", ErrSealMismatch, err)
	}
	got, err := format.DeliveryOf(e)
	if err != nil {
		return nil, fmt.Errorf("%w: leaf %d: %w", ErrSealMismatch, seq, err)
	}
	got.Case = ""
	if got != der.leaf {
		return nil, fmt.Errorf("%w: leaf %d records %+v, the manifest gives %+v", ErrSealMismatch, seq, got, der.leaf)
	}
	p, err := ParseProof(s.Proof)
	if err != nil {
		return nil, err
	}
	if seq != m.Journal.LeafIndex || p.Index != seq || !bytes.Equal(p.Checkpoint, s.Checkpoint) {
		return nil, fmt.Errorf("%w: journal block, leaf and proof name different leaves or checkpoints", ErrSealMismatch)
	}
	return der, nil
}

// folderWriter writes files under root durably and remembers the directories to sync.
// namedFile is a file of the delivery folder written whole from memory: its path in the folder and its bytes.
type namedFile struct {
	name string
	data []byte
}

type folderWriter struct {
	root string
	dirs []string
}

func (w *folderWriter) fill(ctx context.Context, d Delivery, der *derived, opts WriteOptions) error {
	m := d.Manifest
	// manifest.json is the body checkSealed derived from m and matched with the delivery leaf, and the journal
	// block: it starts with the sealed body by construction (encoding m again would give the same bytes).
	mf, err := withJournal(der.body, m)
	if err != nil {
		return err
	}
	files, err := m.files()
	if err != nil {
		return err
	}
	for _, f := range files {
		if err := w.copyArtifact(ctx, d.Artifacts, f); err != nil {
			return err
		}
	}
	hasTSR, hasReport := false, false
	put := []namedFile{
		{manifestFile, mf}, {sumsFile, der.sums}, {caseFile, der.caseLD},
		{checkpointFile, d.Sealed.Checkpoint}, {proofFile, d.Sealed.Proof}, {leafFile, d.Sealed.Leaf},
		{vkeyFile, []byte(d.Sealed.VKey + "\n")},
	}
	if len(d.Sealed.KeyChain) > 0 {
		put = append(put, namedFile{keychainFile, d.Sealed.KeyChain})
	}
	if opts.Timestamp != nil {
		tok, err := opts.Timestamp(ctx, d.Sealed.Checkpoint)
		if err != nil {
			return fmt.Errorf("time-stamp the checkpoint: %w", err)
		}
		if len(tok) > 0 { // none: the TSA could not be reached and the caller queued the request
			put = append(put, namedFile{tsrFile, tok})
			hasTSR = true
		}
	}
	if opts.Witness != nil {
		wf, err := opts.Witness(ctx, d.Sealed.Checkpoint)
		if err != nil {
			return fmt.Errorf("witnessed checkpoint: %w", err)
		}
		if len(wf) > 0 {
			put = append(put, namedFile{witnessFile, wf})
		}
	}
	hasAtt := d.Attestation != ""
	for _, c := range []namedFile{{chainFile, opts.Chain}, {akChainFile, opts.AKChain}} {
		if c.data == nil || c.name == akChainFile && !hasAtt {
			continue
		}
		if _, err := ParseChain(c.data); err != nil {
			return fmt.Errorf("%s: %w", c.name, err)
		}
		put = append(put, c)
	}
	for _, p := range put {
		if err := w.writeFile(p.name, p.data); err != nil {
			return err
		}
	}
	if hasAtt {
		if err := w.copyAttestation(d.Attestation); err != nil {
			return err
		}
	}
	if m.Report != nil {
		if err := w.writeFile(reportFile, d.Report); err != nil {
			return err
		}
		hasReport = true
	}
	text, err := encodeVerifica(m, verificaParts{Attestation: hasAtt, Timestamp: hasTSR, Report: hasReport,
		Chain: opts.Chain != nil, AKChain: opts.AKChain != nil && hasAtt})
	if err != nil {
		return err
	}
	return w.writeFile(verificaFile, text)
}

func (w *folderWriter) mkdirs(rel string) error {
	dir := path.Dir(rel)
	if dir == "." {
		return nil
	}
	if err := os.MkdirAll(filepath.Join(w.root, filepath.FromSlash(dir)), 0o755); err != nil {
		return err
	}
	for d := dir; d != "."; d = path.Dir(d) {
		w.dirs = append(w.dirs, d)
	}
	return nil
}

func (w *folderWriter) create(rel string) (*os.File, error) {
	if err := w.mkdirs(rel); err != nil {
		return nil, err
	}
	return os.OpenFile(filepath.Join(w.root, filepath.FromSlash(rel)), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
}

func (w *folderWriter) writeFile(rel string, data []byte) error {
	f, err := w.create(rel)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", rel, err)
	}
	return closeSynced(f, rel)
}

func closeSynced(f *os.File, rel string) error {
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("sync %s: %w", rel, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close %s: %w", rel, err)
	}
	return nil
}

// copyArtifact streams one artifact from the source, hashing it, and refuses bytes that are not the manifest's.
func (w *folderWriter) copyArtifact(ctx context.Context, src ArtifactSource, f file) error {
	if src == nil {
		return fmt.Errorf("artifact %s: no artifact source", f.Path)
	}
	r, err := src.Open(ctx, f.SHA256)
	if err != nil {
		return fmt.Errorf("artifact %s: open %s: %w", f.Path, f.SHA256, err)
	}
	defer r.Close()
	out, err := w.create(f.Path)
	if err != nil {
		return fmt.Errorf("artifact %s: %w", f.Path, err)
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(out, h), io.LimitReader(ctxReader{ctx, r}, f.Size+1))
	if err != nil {
		out.Close()
		return fmt.Errorf("artifact %s: copy %s: %w", f.Path, f.SHA256, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); n != f.Size || got != f.SHA256 {
		out.Close()
		return fmt.Errorf("%w: %s: source gave %d bytes with SHA-256 %s, the manifest says %d bytes, %s",
			ErrArtifact, f.Path, n, got, f.Size, f.SHA256)
	}
	return closeSynced(out, f.Path)
}

// ctxReader stops a long copy when ctx is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// copyAttestation copies the regular files of an attestation folder, which must hold what the key certification
// check needs.
func (w *folderWriter) copyAttestation(src string) error {
	entries, err := os.ReadDir(src)
	if err != nil {
		return fmt.Errorf("attestation %s: %w", src, err)
	}
	names := map[string]bool{}
	for _, e := range entries {
		if !e.Type().IsRegular() {
			return fmt.Errorf("attestation %s: %s: %w: not a regular file", src, e.Name(), ErrUnsafePath)
		}
		data, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			return fmt.Errorf("attestation: %w", err)
		}
		if err := w.writeFile(attestationDir+"/"+e.Name(), data); err != nil {
			return err
		}
		names[e.Name()] = true
	}
	for _, need := range attestationNeeds {
		if !names[need] {
			return fmt.Errorf("attestation %s: %s missing", src, need)
		}
	}
	return nil
}

// attestationNeeds are the files of an attestation folder that the key certification check reads.
var attestationNeeds = []string{"ak.pem", "certify.msg", "certify.sig", "signing-key.tpmt", "signing-key.pem", "SHA256SUMS"}

// syncDirs syncs every directory created, then the root, so that the rename publishes complete entries.
func (w *folderWriter) syncDirs() error {
	seen := map[string]bool{}
	for _, d := range w.dirs {
		if seen[d] {
			continue
		}
		seen[d] = true
		if err := syncDir(filepath.Join(w.root, filepath.FromSlash(d))); err != nil {
			return err
		}
	}
	return syncDir(w.root)
}

// syncDir makes dir's entries durable (internal/durable).
func syncDir(dir string) error { return durable.SyncDir(dir) }
