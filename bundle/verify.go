package bundle

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
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
// certificate, which Verify compares with the checkpoint key, and whether revisions were appended after the
// signature (document time-stamps, PAdES B-LTA). Such revisions are accepted only when the manifest records the
// report's digest, which the journal commits to: the signature alone does not cover them.
type PDFVerifier func(ctx context.Context, pdf []byte) (signer crypto.PublicKey, extended bool, err error)

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
	// Witnesses are the verifier keys of the witnesses whose cosignatures proofs/witness is checked against
	// (witness/cosig); none leaves the file unchecked.
	Witnesses []string
	// MinWitnesses is how many of Witnesses must have cosigned proofs/checkpoint or a later checkpoint consistent
	// with it; with Witnesses given, at least 1. A delivery without proofs/witness then fails.
	MinWitnesses int
	// Trust, when set, judges the report's signer against an authority (trust.go); nil leaves the check out.
	Trust SignerTrust
	// ChainTrust, when set, judges the certificate chains the delivery carries against an authority (chain.go).
	ChainTrust ChainTrust
	// Roots are the authority's roots (verify --root): a key epoch in proofs/keychain (the journal handed to a
	// replaced TPM's key) is followed only when the authority countersigned it under them (keychain.go).
	Roots *x509.CertPool
	// Restored are keys pinned from outside the delivery (verify --restored-key: the key of a box rebuilt from its
	// mirror, as its operator or the authority's enrollment vouches): a restore leaf in proofs/keychain hands the
	// pinned Key over only to one of them (keychain.go).
	// With ChainTrust set (verify --root), a restore to the delivery's own key is also followed when the
	// delivery carries the authority's certificate of that key (proofs/chain.pem), which ChainTrust then judges.
	Restored []string
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
			File: filepath.Base(path)}}}
		r.Checks[0].IT, r.Checks[0].EN = texts("container.unreadable", err.Error())
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

	m       *Manifest
	raw     []byte // manifest.json
	bodyLen int
	key     string           // the verifier key in force
	chain   *format.KeyChain // proofs/keychain, followed from the pinned key; nil when not needed
	// restoredByCert is the delivery's key when the chain reached it through a restore leaf on the strength of
	// the authority's certificate of that key (proofs/chain.pem, judged by ChainTrust), which must then be there.
	restoredByCert *format.Restore
	cp             *format.Checkpoint
	proof          *Proof
	leaf           *format.Delivery
	leafSeq        uint64
	leafTime       time.Time
	leafBytes      []byte
	ak             *ecdsa.PublicKey // the attestation key that certified the checkpoint key; nil when none did
	// signerChain and akChain are proofs/chain.pem and proofs/ak-chain.pem once certChains checked them.
	signerChain, akChain []*x509.Certificate
}

func (v *verifier) add(name string, o Outcome, file, it, en string) {
	v.r.Checks = append(v.r.Checks, Check{Name: name, Outcome: o, File: file, IT: it, EN: en})
}

// pass, fail and skip record a check whose detail is the catalog's text of key with args.
func (v *verifier) pass(name, file, key string, args ...any) {
	v.addText(name, Pass, file, key, args...)
}
func (v *verifier) fail(name, file, key string, args ...any) {
	v.addText(name, Fail, file, key, args...)
}
func (v *verifier) skip(name, file, key string, args ...any) {
	v.addText(name, Skip, file, key, args...)
}

func (v *verifier) addText(name string, o Outcome, file, key string, args ...any) {
	it, en := texts(key, args...)
	v.add(name, o, file, it, en)
}

// failErr records a failed check: the catalog's text of key with args, then the technical error.
func (v *verifier) failErr(name, file, key string, args ...any) {
	err, _ := args[len(args)-1].(error)
	it, en := texts(key, args[:len(args)-1]...)
	v.add(name, Fail, file, it+": "+err.Error(), en+": "+err.Error())
}

// read returns a file of the delivery, at most limit bytes; a missing file fails check.
func (v *verifier) read(check, p string, limit int64) ([]byte, bool) {
	v.seen[p] = true
	if _, ok := v.t.sizes()[p]; !ok {
		v.fail(check, p, "check.file-missing")
		return nil, false
	}
	rc, err := v.t.open(p)
	if err != nil {
		v.failErr(check, p, "check.read-failed", err)
		return nil, false
	}
	defer rc.Close()
	data, err := readAllLimit(rc, limit, p)
	if err != nil {
		v.failErr(check, p, "check.read-failed", err)
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
	v.certChains(v.ak)
	v.restoreCertified()
	v.timestamp()
	v.witness()
	v.pdf()
	v.trust()
	v.instructions()
	v.extraFiles()
	v.folderName()
}

func (v *verifier) manifest() bool {
	data, ok := v.read(CheckManifest, manifestFile, MaxManifestSize)
	if !ok {
		return false
	}
	m, err := DecodeManifest(data)
	if err != nil {
		v.failErr(CheckManifest, manifestFile, "manifest.invalid-manifest", err)
		return false
	}
	n, err := splitManifest(data)
	if err != nil {
		v.failErr(CheckManifest, manifestFile, "manifest.invalid-manifest", err)
		return false
	}
	if m.Journal == nil {
		v.fail(CheckManifest, manifestFile, "manifest.no-journal-block")
		return false
	}
	v.m, v.raw, v.bodyLen = m, data, n
	v.r.Manifest = m
	v.pass(CheckManifest, manifestFile, "manifest.ok", Format, m.Acquisition.ID, len(m.Messages), len(m.Artifacts))
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
			if v.followKeyChain(v.opts.Key, fileKey) {
				v.key = fileKey // reached from the pinned key through the rotations of proofs/keychain
			}
		default:
			v.pass(CheckPinnedKey, vkeyFile, "pinnedkey.the-key-is-the-pinned")
			v.seen[keychainFile] = true // the pinned key is the delivery's own: no chain is needed
		}
		if v.chain == nil {
			v.key = v.opts.Key
		}
	} else if !ok {
		return
	} else if v.has(keychainFile) {
		v.followKeyChain("", fileKey) // nothing pinned: the chain is checked for itself, from its own first key
	}
	nv, err := format.NewNoteVerifier(v.key)
	if err != nil {
		v.failErr(CheckSignature, vkeyFile, "signature.invalid-verifier-key", err)
		return
	}
	note, ok := v.read(CheckSignature, checkpointFile, maxSmallFile)
	if !ok {
		return
	}
	cp, err := format.ParseCheckpoint(note, nv)
	if err != nil {
		v.failErr(CheckSignature, checkpointFile, "signature.invalid-checkpoint-signature", err)
		return
	}
	v.cp = cp
	v.pass(CheckSignature, checkpointFile, "signature.checkpoint-of-s-d-leaves", cp.Origin, cp.Size, keyLabel(nv))
	v.keyChainIncluded()
}

// fileKey reads proofs/vkey: one line ending in a newline.
func (v *verifier) fileKey() (string, bool) {
	raw, ok := v.read(CheckSignature, vkeyFile, maxSmallFile)
	if !ok {
		return "", false
	}
	key, ok := strings.CutSuffix(string(raw), "\n")
	if !ok || strings.ContainsAny(key, "\n\r") {
		v.fail(CheckSignature, vkeyFile, "signature.the-key-must-be-one")
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
		v.failErr(CheckProof, proofFile, "proof.invalid-proof", err)
		return
	}
	if v.cp != nil && !bytes.Equal(p.Checkpoint, v.cp.Note) {
		v.fail(CheckProof, proofFile, "proof.the-checkpoint-in-the-proof")
		return
	}
	v.proof = p
	v.pass(CheckProof, proofFile, "proof.proof-for-leaf-d-d", p.Index, len(p.Hashes))
}

func (v *verifier) deliveryLeaf() {
	data, ok := v.read(CheckLeaf, leafFile, format.MaxLeafSize)
	if !ok {
		return
	}
	seq, e, err := format.DecodeLeaf(data)
	if err != nil {
		v.failErr(CheckLeaf, leafFile, "leaf.invalid-leaf", err)
		return
	}
	if e.Type != LeafType {
		v.fail(CheckLeaf, leafFile, "leaf.leaf-of-type-q-not", e.Type, LeafType)
		return
	}
	d, err := format.DeliveryOf(e)
	switch {
	case err != nil:
		v.failErr(CheckLeaf, leafFile, "leaf.the-leaf-is-not-a", format.DeliveryFormat, err)
	case d.Acquisition != v.m.Acquisition.ID:
		v.fail(CheckLeaf, leafFile, "leaf.the-leaf-records-another-acquisition", d.Acquisition)
	case v.proof != nil && seq != v.proof.Index:
		v.fail(CheckLeaf, leafFile, "leaf.the-leaf-has-seq-d", seq, v.proof.Index)
	default:
		v.leaf, v.leafSeq, v.leafTime = &d, seq, e.Time
		v.pass(CheckLeaf, leafFile, "leaf.delivery-leaf-d-of-acquisition", seq, v.m.Acquisition.ID, e.Time.Format(time.RFC3339))
		v.leafBytes = data
	}
}

func (v *verifier) inclusion() {
	if v.cp == nil || v.proof == nil || v.leaf == nil {
		v.fail(CheckInclusion, proofFile, "inclusion.cannot-be-checked")
		return
	}
	err := format.CheckInclusion(v.proof, v.cp, v.leafBytes)
	if err != nil {
		v.failErr(CheckInclusion, proofFile, "inclusion.invalid-inclusion-proof", err)
		return
	}
	v.pass(CheckInclusion, proofFile, "inclusion.leaf-d-is-in-the", v.proof.Index, v.cp.Size)
}

func (v *verifier) body() {
	if v.leaf == nil {
		v.fail(CheckBody, manifestFile, "body.cannot-be-checked")
		return
	}
	sum := sha256Hex(v.raw[:v.bodyLen])
	if v.leaf.ManifestSHA256 != sum || v.leaf.ManifestSize != int64(v.bodyLen) {
		v.fail(CheckBody, manifestFile, "body.the-manifest-body-d-bytes", v.bodyLen, sum, v.leaf.ManifestSize, v.leaf.ManifestSHA256)
		return
	}
	v.pass(CheckBody, manifestFile, "body.manifest-body-d-bytes-recorded", v.bodyLen)
}

func (v *verifier) journalBlock() {
	j := v.m.Journal
	if v.cp == nil || v.proof == nil {
		v.fail(CheckJournalBlock, manifestFile, "journalblock.cannot-be-checked")
		return
	}
	want := JournalRef{Origin: v.cp.Origin, LeafIndex: v.proof.Index, TreeSize: v.cp.Size, RootHash: hex.EncodeToString(v.cp.Root[:])}
	if *j != want {
		v.fail(CheckJournalBlock, manifestFile, "journalblock.mismatch", j.LeafIndex, j.TreeSize, j.RootHash,
			want.LeafIndex, want.TreeSize, want.RootHash)
		return
	}
	v.pass(CheckJournalBlock, manifestFile, "journalblock.the-journal-block-names-this")
}
