package bundle

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/attesta/attesta/journal/format"
)

// LeafType is the journal leaf type that records a delivery.
const LeafType = format.TypeDelivery

// Journal is what sealing needs of the evidence journal (*journal.Journal implements it): append a leaf durably,
// sign a checkpoint that covers it, prove the leaf's inclusion in that checkpoint's tree, and name the key that
// verifies checkpoints. Append returns the leaf with its data whenever it is durable, also together with an error
// when only the checkpoint due after it could not be signed; Checkpoint then retries that signature. Errors are
// the journal's own; Seal wraps them naming the step.
type Journal interface {
	Append(ctx context.Context, e format.Entry) (format.Leaf, error)
	Checkpoint(ctx context.Context) (*format.Checkpoint, error)
	InclusionProof(ctx context.Context, index, treeSize uint64) (tlog.RecordProof, error)
	VerifierKey() string
}

// Sealed is the proof material of a delivery: what proofs/ holds.
type Sealed struct {
	Leaf       []byte // the delivery leaf, exactly as in the journal (proofs/delivery-leaf.json)
	Checkpoint []byte // the signed checkpoint note (proofs/checkpoint)
	Proof      []byte // the tlog-proof of the leaf in that checkpoint (proofs/delivery.tlog-proof)
	VKey       string // the checkpoint verifier key (proofs/vkey)
	KeyChain   []byte // the rotations from the journal's first key to VKey (proofs/keychain); nil when none
}

// derived is everything the delivery leaf commits to, computed from the manifest body.
type derived struct {
	body   []byte          // manifest.json up to the journal member
	caseLD []byte          // case.jsonld
	sums   []byte          // SHA256SUMS
	leaf   format.Delivery // the delivery leaf's fields, without the case
}

func derive(m *Manifest) (*derived, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	body, err := encodeBody(m)
	if err != nil {
		return nil, err
	}
	cld, err := encodeCaseJSONLD(m)
	if err != nil {
		return nil, err
	}
	sums, err := encodeSums(m, cld)
	if err != nil {
		return nil, err
	}
	return &derived{body: body, caseLD: cld, sums: sums, leaf: format.Delivery{
		Acquisition:    m.Acquisition.ID,
		ManifestSHA256: sha256Hex(body),
		ManifestSize:   int64(len(body)),
		SumsSHA256:     sha256Hex(sums),
	}}, nil
}

// encodeSums returns SHA256SUMS: one "<sha256>  <path>" line, as sha256sum writes it, for case.jsonld, every
// file under artifacts/ and relazione.pdf when the manifest records it, sorted by path.
func encodeSums(m *Manifest, caseLD []byte) ([]byte, error) {
	files, err := m.files()
	if err != nil {
		return nil, err
	}
	files = append(files, file{Path: caseFile, SHA256: sha256Hex(caseLD), Size: int64(len(caseLD))})
	if r := m.Report; r != nil {
		files = append(files, file{Path: r.Path, SHA256: r.SHA256, Size: r.Size})
	}
	sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	var b strings.Builder
	for _, f := range files {
		fmt.Fprintf(&b, "%s  %s\n", f.SHA256, f.Path)
	}
	return []byte(b.String()), nil
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// Seal records the manifest in the journal: it appends a delivery leaf (case caseID, "" for none) carrying the
// SHA-256 and length of the manifest body and the SHA-256 of SHA256SUMS, has the journal sign a checkpoint that
// covers it, proves the leaf's inclusion, checks that proof, and fills m.Journal. The manifest must not change
// afterwards: Write refuses one whose body differs from the sealed one. When Seal fails after the append, the
// leaf stays in the journal (it is append-only) and a later Seal appends another.
func Seal(ctx context.Context, j Journal, m *Manifest, caseID string) (*Sealed, error) {
	d, err := derive(m)
	if err != nil {
		return nil, fmt.Errorf("bundle: seal acquisition %s: %w", m.Acquisition.ID, err)
	}
	fail := func(step string, err error) (*Sealed, error) {
		return nil, fmt.Errorf("bundle: seal acquisition %s: %s: %w", m.Acquisition.ID, step, err)
	}
	dl := d.leaf
	dl.Case = caseID
	leaf, err := j.Append(ctx, dl.Entry(time.Time{}))
	if err != nil && leaf.Data == nil {
		return fail("append delivery leaf", err)
	}
	cp, err := j.Checkpoint(ctx)
	if err != nil {
		return fail(fmt.Sprintf("checkpoint after leaf %d", leaf.Index), err)
	}
	if cp.Size <= leaf.Index {
		return fail("checkpoint", fmt.Errorf("checkpoint of size %d does not cover leaf %d", cp.Size, leaf.Index))
	}
	rp, err := j.InclusionProof(ctx, leaf.Index, cp.Size)
	if err != nil {
		return fail(fmt.Sprintf("inclusion proof of leaf %d in tree %d", leaf.Index, cp.Size), err)
	}
	if err := tlog.CheckRecord(rp, int64(cp.Size), cp.Root, int64(leaf.Index), tlog.RecordHash(leaf.Data)); err != nil {
		return fail(fmt.Sprintf("check inclusion of leaf %d in tree %d", leaf.Index, cp.Size), err)
	}
	m.Journal = &JournalRef{Origin: cp.Origin, LeafIndex: leaf.Index, TreeSize: cp.Size, RootHash: hex.EncodeToString(cp.Root[:])}
	p := Proof{Index: leaf.Index, Hashes: rp, Checkpoint: cp.Note}
	chain, err := keyChainOf(ctx, j, cp)
	if err != nil {
		return fail(fmt.Sprintf("key chain to the checkpoint of size %d", cp.Size), err)
	}
	return &Sealed{Leaf: leaf.Data, Checkpoint: cp.Note, Proof: p.Marshal(), VKey: j.VerifierKey(), KeyChain: chain}, nil
}
