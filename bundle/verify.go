package bundle

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/attesta/attesta/journal/format"
)

// Limits on the small files of a delivery.
const (
	maxSmallFile = 1 << 20  // proofs, keys, SHA256SUMS, VERIFICA.txt
	maxCaseLD    = 64 << 20 // case.jsonld grows with the artifacts
	maxPDF       = 1 << 30
)

// PDFVerifier checks the signature of relazione.pdf (PAdES): it returns the public key of the signer's
// certificate when the signature is valid and covers the whole document, and otherwise an error saying what is
// wrong. Verify then requires that key to be the checkpoint key.
type PDFVerifier func(ctx context.Context, pdf []byte) (signer crypto.PublicKey, err error)

// TimestampVerifier checks an RFC 3161 time-stamp token over data and returns the time it certifies.
type TimestampVerifier func(ctx context.Context, token, data []byte) (time.Time, error)

// VerifyOptions configure Verify. The zero value verifies everything the delivery carries against its own key.
type VerifyOptions struct {
	// Key pins the checkpoint verifier key (the text of proofs/vkey, as the studio publishes it or the report
	// prints it). Empty trusts proofs/vkey, which proves integrity but not who signed.
	Key string
	// AK pins the TPM attestation key that must have certified the checkpoint key; nil accepts the one in
	// proofs/attestation/ak.pem (its link to a TPM is then established outside the delivery).
	AK crypto.PublicKey
	// RequireAttestation fails a delivery without proofs/attestation instead of skipping the check.
	RequireAttestation bool
	// VerifyPDF, when set, checks relazione.pdf; nil skips the check.
	VerifyPDF PDFVerifier
	// VerifyTimestamp, when set, checks proofs/checkpoint.tsr; nil skips the check.
	VerifyTimestamp TimestampVerifier
	// Logger receives the outcome; nil is silent.
	Logger *slog.Logger
}

// Verify checks a delivery folder, or its ZIP, with no access to the appliance: every check of the package
// documentation, in order. It returns the report and, when any check failed, a *CheckError wrapping ErrInvalid
// that names the first failed check and its file. Other errors (the path cannot be read) come without a report.
func Verify(ctx context.Context, path string, opts VerifyOptions) (*Report, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("bundle: verify: %w", err)
	}
	var t tree
	if info.IsDir() {
		t, err = openDirTree(path)
	} else {
		t, err = openZipTree(path)
	}
	if err != nil && !info.IsDir() {
		r := &Report{Path: path, Folder: filepath.Base(path), Checks: []Check{{Name: CheckContainer, Outcome: Fail,
			File: filepath.Base(path), IT: "non è una cartella né un file ZIP leggibile: " + err.Error(),
			EN: "neither a folder nor a readable ZIP file: " + err.Error()}}}
		return r, &CheckError{Path: path, Check: r.Checks[0], Count: 1}
	}
	if err != nil {
		return nil, fmt.Errorf("bundle: verify %s: %w", path, err)
	}
	defer t.close()
	v := &verifier{ctx: ctx, t: t, opts: opts, r: &Report{Path: path, Folder: t.name()}, seen: map[string]bool{}}
	v.run()
	if err := ctx.Err(); err != nil {
		return v.r, fmt.Errorf("bundle: verify %s: %w", path, err)
	}
	failed := v.r.Failed()
	if opts.Logger != nil {
		opts.Logger.InfoContext(ctx, "delivery verified", slog.String("path", path), slog.Int("checks", len(v.r.Checks)),
			slog.Int("failed", len(failed)))
	}
	if len(failed) > 0 {
		return v.r, &CheckError{Path: path, Check: failed[0], Count: len(failed)}
	}
	return v.r, nil
}

type verifier struct {
	ctx  context.Context
	t    tree
	opts VerifyOptions
	r    *Report
	seen map[string]bool // files some check accounts for

	m         *Manifest
	raw       []byte // manifest.json
	bodyLen   int
	key       string // the verifier key in force
	cp        *format.Checkpoint
	proof     *Proof
	leaf      *format.Delivery
	leafSeq   uint64
	leafTime  time.Time
	leafBytes []byte
}

func (v *verifier) add(name string, o Outcome, file, it, en string) {
	v.r.Checks = append(v.r.Checks, Check{Name: name, Outcome: o, File: file, IT: it, EN: en})
}
func (v *verifier) pass(name, file, it, en string) { v.add(name, Pass, file, it, en) }
func (v *verifier) fail(name, file, it, en string) { v.add(name, Fail, file, it, en) }
func (v *verifier) skip(name, file, it, en string) { v.add(name, Skip, file, it, en) }
func (v *verifier) failErr(name, file, it string, err error) {
	v.fail(name, file, it+": "+err.Error(), err.Error())
}

// read returns a file of the delivery, at most limit bytes; a missing file fails check.
func (v *verifier) read(check, p string, limit int64) ([]byte, bool) {
	v.seen[p] = true
	if _, ok := v.t.sizes()[p]; !ok {
		v.fail(check, p, "file mancante", "file missing")
		return nil, false
	}
	rc, err := v.t.open(p)
	if err != nil {
		v.failErr(check, p, "lettura non riuscita", err)
		return nil, false
	}
	defer rc.Close()
	data, err := readAllLimit(rc, limit, p)
	if err != nil {
		v.failErr(check, p, "lettura non riuscita", err)
		return nil, false
	}
	return data, true
}

func (v *verifier) has(p string) bool {
	_, ok := v.t.sizes()[p]
	return ok
}

func (v *verifier) run() {
	v.r.Checks = append(v.r.Checks, v.t.problems()...)
	if !v.manifest() {
		return // without a manifest no file can be accounted for
	}
	v.signature()
	v.tlogProof()
	v.deliveryLeaf()
	v.inclusion()
	v.body()
	v.journalBlock()
	v.derivedFiles()
	v.artifacts()
	v.custody()
	v.legalValues()
	v.certification()
	v.timestamp()
	v.pdf()
	v.instructions()
	v.extraFiles()
	v.folderName()
}

// folderName compares the folder's name with the chat and day of its manifest. A name that reads as another
// delivery's (another number or day) would make a recipient believe the evidence concerns somebody else: it fails.
// Any other name (a copy, an archive's own naming) is only noted: the manifest, not the name, is what is certified.
func (v *verifier) folderName() {
	name, want := v.t.name(), v.m.FolderName()
	switch {
	case sameDayName(name, want):
	case deliveryNamePattern.MatchString(name):
		v.fail(CheckFolderName, "", fmt.Sprintf("la cartella si chiama %q come la consegna di un'altra chat o di un altro giorno; il manifesto indica %q", name, want),
			fmt.Sprintf("the folder is named %q, as another chat's or day's delivery; the manifest gives %q", name, want))
	default:
		v.skip(CheckFolderName, "", fmt.Sprintf("la cartella si chiama %q, il manifesto indica %q (rinominata?)", name, want),
			fmt.Sprintf("the folder is named %q, the manifest gives %q (renamed?)", name, want))
	}
}

// deliveryNamePattern matches the names that evidence.FolderName and WriteUnique give: digits, day, Italian month,
// year, and a same-day suffix.
var deliveryNamePattern = regexp.MustCompile(`^[0-9]{1,15}-[0-9]{1,2}-(gennaio|febbraio|marzo|aprile|maggio|giugno|luglio|agosto|settembre|ottobre|novembre|dicembre)-[0-9]{4}(-[0-9]{1,2})?$`)

func (v *verifier) manifest() bool {
	data, ok := v.read(CheckManifest, manifestFile, MaxManifestSize)
	if !ok {
		return false
	}
	m, err := DecodeManifest(data)
	if err != nil {
		v.failErr(CheckManifest, manifestFile, "manifesto non valido", err)
		return false
	}
	n, err := splitManifest(data)
	if err != nil {
		v.failErr(CheckManifest, manifestFile, "manifesto non valido", err)
		return false
	}
	if m.Journal == nil {
		v.fail(CheckManifest, manifestFile, "manca il blocco journal", "no journal block")
		return false
	}
	v.m, v.raw, v.bodyLen = m, data, n
	v.r.Manifest = m
	v.pass(CheckManifest, manifestFile,
		fmt.Sprintf("%s: acquisizione %s, %d messaggi, %d reperti", Format, m.Acquisition.ID, len(m.Messages), len(m.Artifacts)),
		fmt.Sprintf("%s: acquisition %s, %d messages, %d artifacts", Format, m.Acquisition.ID, len(m.Messages), len(m.Artifacts)))
	return true
}

// signature checks the checkpoint's signature by the key in force: the pinned one, else proofs/vkey.
func (v *verifier) signature() {
	fileKey, ok := v.fileKey()
	v.key = fileKey
	if v.opts.Key != "" {
		switch {
		case !ok:
		case v.opts.Key != fileKey:
			v.fail(CheckPinnedKey, vkeyFile, "la chiave della consegna non è quella attesa: "+fileKey,
				"the delivery's key is not the pinned one: "+fileKey)
		default:
			v.pass(CheckPinnedKey, vkeyFile, "la chiave è quella attesa", "the key is the pinned one")
		}
		v.key = v.opts.Key
	} else if !ok {
		return
	}
	nv, err := format.NewNoteVerifier(v.key)
	if err != nil {
		v.failErr(CheckSignature, vkeyFile, "chiave di verifica non valida", err)
		return
	}
	note, ok := v.read(CheckSignature, checkpointFile, maxSmallFile)
	if !ok {
		return
	}
	cp, err := format.ParseCheckpoint(note, nv)
	if err != nil {
		v.failErr(CheckSignature, checkpointFile, "firma del checkpoint non valida", err)
		return
	}
	v.cp = cp
	v.pass(CheckSignature, checkpointFile,
		fmt.Sprintf("checkpoint di %s (%d foglie) firmato dalla chiave %s", cp.Origin, cp.Size, keyLabel(nv)),
		fmt.Sprintf("checkpoint of %s (%d leaves) signed by key %s", cp.Origin, cp.Size, keyLabel(nv)))
}

// fileKey reads proofs/vkey: one line ending in a newline.
func (v *verifier) fileKey() (string, bool) {
	raw, ok := v.read(CheckSignature, vkeyFile, maxSmallFile)
	if !ok {
		return "", false
	}
	key, ok := strings.CutSuffix(string(raw), "\n")
	if !ok || strings.ContainsAny(key, "\n\r") {
		v.fail(CheckSignature, vkeyFile, "la chiave deve essere una sola riga terminata da a capo",
			"the key must be one line ending in a newline")
		return "", false
	}
	return key, true
}

func keyLabel(nv note.Verifier) string { return fmt.Sprintf("%s+%08x", nv.Name(), nv.KeyHash()) }

func (v *verifier) tlogProof() {
	data, ok := v.read(CheckProof, proofFile, MaxProofSize)
	if !ok {
		return
	}
	p, err := ParseProof(data)
	if err != nil {
		v.failErr(CheckProof, proofFile, "prova non valida", err)
		return
	}
	if v.cp != nil && !bytes.Equal(p.Checkpoint, v.cp.Note) {
		v.fail(CheckProof, proofFile, "il checkpoint nella prova non è proofs/checkpoint",
			"the checkpoint in the proof is not proofs/checkpoint")
		return
	}
	v.proof = p
	v.pass(CheckProof, proofFile, fmt.Sprintf("prova per la foglia %d, %d hash", p.Index, len(p.Hashes)),
		fmt.Sprintf("proof for leaf %d, %d hashes", p.Index, len(p.Hashes)))
}

func (v *verifier) deliveryLeaf() {
	data, ok := v.read(CheckLeaf, leafFile, format.MaxLeafSize)
	if !ok {
		return
	}
	seq, e, err := format.DecodeLeaf(data)
	if err != nil {
		v.failErr(CheckLeaf, leafFile, "foglia non valida", err)
		return
	}
	if e.Type != LeafType {
		v.fail(CheckLeaf, leafFile, fmt.Sprintf("foglia di tipo %q, non %q", e.Type, LeafType),
			fmt.Sprintf("leaf of type %q, not %q", e.Type, LeafType))
		return
	}
	d, err := format.DeliveryOf(e)
	switch {
	case err != nil:
		v.failErr(CheckLeaf, leafFile, "la foglia non è una foglia di consegna "+format.DeliveryFormat, err)
	case d.Acquisition != v.m.Acquisition.ID:
		v.fail(CheckLeaf, leafFile, "la foglia registra un'altra acquisizione: "+d.Acquisition,
			"the leaf records another acquisition: "+d.Acquisition)
	case v.proof != nil && seq != v.proof.Index:
		v.fail(CheckLeaf, leafFile, fmt.Sprintf("la foglia ha seq %d, la prova indice %d", seq, v.proof.Index),
			fmt.Sprintf("the leaf has seq %d, the proof index %d", seq, v.proof.Index))
	default:
		v.leaf, v.leafSeq, v.leafTime = &d, seq, e.Time
		v.pass(CheckLeaf, leafFile, fmt.Sprintf("foglia %d di consegna dell'acquisizione %s, %s", seq, v.m.Acquisition.ID, e.Time.Format(time.RFC3339)),
			fmt.Sprintf("delivery leaf %d of acquisition %s, %s", seq, v.m.Acquisition.ID, e.Time.Format(time.RFC3339)))
		v.leafBytes = data
	}
}

func (v *verifier) inclusion() {
	if v.cp == nil || v.proof == nil || v.leaf == nil {
		v.fail(CheckInclusion, proofFile, "non verificabile: checkpoint, prova o foglia non validi",
			"cannot be checked: checkpoint, proof or leaf invalid")
		return
	}
	err := format.CheckInclusion(v.proof, v.cp, v.leafBytes)
	if err != nil {
		v.failErr(CheckInclusion, proofFile, "prova di inclusione non valida", err)
		return
	}
	v.pass(CheckInclusion, proofFile, fmt.Sprintf("la foglia %d è nell'albero di %d foglie del checkpoint", v.proof.Index, v.cp.Size),
		fmt.Sprintf("leaf %d is in the checkpoint's tree of %d leaves", v.proof.Index, v.cp.Size))
}

func (v *verifier) body() {
	if v.leaf == nil {
		v.fail(CheckBody, manifestFile, "non verificabile: foglia non valida", "cannot be checked: leaf invalid")
		return
	}
	sum := sha256Hex(v.raw[:v.bodyLen])
	if v.leaf.ManifestSHA256 != sum || v.leaf.ManifestSize != int64(v.bodyLen) {
		v.fail(CheckBody, manifestFile,
			fmt.Sprintf("il corpo del manifesto (%d byte, SHA-256 %s) non è quello registrato nella foglia (%d byte, %s)", v.bodyLen, sum, v.leaf.ManifestSize, v.leaf.ManifestSHA256),
			fmt.Sprintf("the manifest body (%d bytes, SHA-256 %s) is not the one the leaf records (%d bytes, %s)", v.bodyLen, sum, v.leaf.ManifestSize, v.leaf.ManifestSHA256))
		return
	}
	v.pass(CheckBody, manifestFile, fmt.Sprintf("corpo del manifesto (%d byte) registrato nella foglia", v.bodyLen),
		fmt.Sprintf("manifest body (%d bytes) recorded in the leaf", v.bodyLen))
}

func (v *verifier) journalBlock() {
	j := v.m.Journal
	if v.cp == nil || v.proof == nil {
		v.fail(CheckJournalBlock, manifestFile, "non verificabile: checkpoint o prova non validi", "cannot be checked: checkpoint or proof invalid")
		return
	}
	want := JournalRef{Origin: v.cp.Origin, LeafIndex: v.proof.Index, TreeSize: v.cp.Size, RootHash: hex.EncodeToString(v.cp.Root[:])}
	if *j != want {
		v.fail(CheckJournalBlock, manifestFile, fmt.Sprintf("il blocco journal %+v non corrisponde alle prove %+v", *j, want),
			fmt.Sprintf("the journal block %+v does not match the proofs %+v", *j, want))
		return
	}
	v.pass(CheckJournalBlock, manifestFile, "il blocco journal indica questa foglia e questo checkpoint",
		"the journal block names this leaf and checkpoint")
}

// derivedFiles checks SHA256SUMS and case.jsonld, which are functions of the manifest body.
func (v *verifier) derivedFiles() {
	d, err := derive(v.m)
	if err != nil {
		v.failErr(CheckSums, manifestFile, "manifesto non valido", err)
		return
	}
	if sums, ok := v.read(CheckSums, sumsFile, maxCaseLD); ok {
		switch {
		case !bytes.Equal(sums, d.sums):
			v.fail(CheckSums, sumsFile, "SHA256SUMS non elenca esattamente i file del manifesto",
				"SHA256SUMS does not list exactly the manifest's files")
		case v.leaf != nil && v.leaf.SumsSHA256 != sha256Hex(sums):
			v.fail(CheckSums, sumsFile, "SHA256SUMS non è quello registrato nella foglia", "SHA256SUMS is not the one the leaf records")
		default:
			v.pass(CheckSums, sumsFile, "SHA256SUMS elenca i file del manifesto", "SHA256SUMS lists the manifest's files")
		}
	}
	if cld, ok := v.read(CheckCaseLD, caseFile, maxCaseLD); ok {
		if !bytes.Equal(cld, d.caseLD) {
			v.fail(CheckCaseLD, caseFile, "case.jsonld non descrive questo manifesto", "case.jsonld does not describe this manifest")
		} else {
			v.pass(CheckCaseLD, caseFile, "descrizione CASE/UCO coerente con il manifesto", "CASE/UCO description matches the manifest")
		}
	}
}

func (v *verifier) artifacts() {
	files, err := v.m.files()
	if err != nil {
		v.failErr(CheckArtifact, manifestFile, "manifesto non valido", err)
		return
	}
	for _, f := range files {
		if v.ctx.Err() != nil {
			return
		}
		v.seen[f.Path] = true
		v.artifact(f)
	}
}

func (v *verifier) artifact(f file) {
	size, ok := v.t.sizes()[f.Path]
	if !ok {
		v.fail(CheckArtifact, f.Path, "reperto mancante", "artifact missing")
		return
	}
	if size != f.Size {
		v.fail(CheckArtifact, f.Path, fmt.Sprintf("dimensione %d byte, il manifesto indica %d", size, f.Size),
			fmt.Sprintf("size %d bytes, the manifest says %d", size, f.Size))
		return
	}
	rc, err := v.t.open(f.Path)
	if err != nil {
		v.failErr(CheckArtifact, f.Path, "lettura non riuscita", err)
		return
	}
	defer rc.Close()
	h := sha256.New()
	n, err := io.Copy(h, io.LimitReader(ctxReader{v.ctx, rc}, f.Size+1))
	if err != nil {
		v.failErr(CheckArtifact, f.Path, "lettura non riuscita", err)
		return
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != f.SHA256 || n != f.Size {
		v.fail(CheckArtifact, f.Path, fmt.Sprintf("SHA-256 %s (%d byte), il manifesto indica %s", got, n, f.SHA256),
			fmt.Sprintf("SHA-256 %s (%d bytes), the manifest says %s", got, n, f.SHA256))
		return
	}
	v.pass(CheckArtifact, f.Path, fmt.Sprintf("%d byte, SHA-256 %s", f.Size, f.SHA256), fmt.Sprintf("%d bytes, SHA-256 %s", f.Size, f.SHA256))
}

func (v *verifier) instructions() {
	data, ok := v.read(CheckInstructions, verificaFile, maxSmallFile)
	if !ok {
		return
	}
	want, err := encodeVerifica(v.m, verificaParts{Attestation: v.hasAttestation(), Timestamp: v.has(tsrFile), Report: v.m.Report != nil})
	if err != nil || !bytes.Equal(data, want) {
		v.fail(CheckInstructions, verificaFile, "VERIFICA.txt non è il testo che questa consegna deve riportare",
			"VERIFICA.txt is not the text this delivery should carry")
		return
	}
	v.pass(CheckInstructions, verificaFile, "istruzioni di verifica integre", "verification instructions intact")
}

func (v *verifier) extraFiles() {
	for _, p := range sortedPaths(v.t.sizes()) {
		if !v.seen[p] {
			v.fail(CheckExtraFile, p, "file estraneo: il manifesto e le prove non lo prevedono",
				"extra file: neither the manifest nor the proofs account for it")
		}
	}
}
