package bundle

// The files of a delivery besides its manifest and proofs: the files derived from the manifest, every artifact by
// size and digest, the verification instructions, files the manifest does not list, and the folder's name.

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"regexp"
)

// folderName compares the folder's name with the chat and day of its manifest. A name that reads as another
// delivery's (another number or day) would make a recipient believe the evidence concerns somebody else: it fails.
// Any other name (a copy, an archive's own naming) is only noted: the manifest, not the name, is what is certified.
func (v *verifier) folderName() {
	name, want := v.t.name(), v.m.FolderName()
	switch {
	case sameDayName(name, want):
	case deliveryNamePattern.MatchString(name):
		v.fail(CheckFolderName, "", "foldername.other-delivery", name, want)
	default:
		v.skip(CheckFolderName, "", "foldername.renamed", name, want)
	}
}

// deliveryNamePattern matches the names that evidence.FolderName and WriteUnique give: digits, day, Italian month,
// year, and a same-day suffix.
var deliveryNamePattern = regexp.MustCompile(`^[0-9]{1,15}-[0-9]{1,2}-(gennaio|febbraio|marzo|aprile|maggio|giugno|luglio|agosto|settembre|ottobre|novembre|dicembre)-[0-9]{4}(-[0-9]{1,2})?$`)

// derivedFiles checks SHA256SUMS and case.jsonld, which are functions of the manifest body.
func (v *verifier) derivedFiles() {
	d, err := derive(v.m)
	if err != nil {
		v.failErr(CheckSums, manifestFile, "sums.invalid-manifest", err)
		return
	}
	if sums, ok := v.read(CheckSums, sumsFile, maxCaseLD); ok {
		switch {
		case !bytes.Equal(sums, d.sums):
			v.fail(CheckSums, sumsFile, "sums.sha256sums-does-not-list-exactly")
		case v.leaf != nil && v.leaf.SumsSHA256 != sha256Hex(sums):
			v.fail(CheckSums, sumsFile, "sums.sha256sums-is-not-the-one")
		default:
			v.pass(CheckSums, sumsFile, "sums.sha256sums-lists-the-manifest-s")
		}
	}
	if cld, ok := v.read(CheckCaseLD, caseFile, maxCaseLD); ok {
		if !bytes.Equal(cld, d.caseLD) {
			v.fail(CheckCaseLD, caseFile, "caseld.case-jsonld-does-not-describe")
		} else {
			v.pass(CheckCaseLD, caseFile, "caseld.case-uco-description-matches-the")
		}
	}
}

func (v *verifier) artifacts() {
	files, err := v.m.files()
	if err != nil {
		v.failErr(CheckArtifact, manifestFile, "artifact.invalid-manifest", err)
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
		v.fail(CheckArtifact, f.Path, "artifact.artifact-missing")
		return
	}
	if size != f.Size {
		v.fail(CheckArtifact, f.Path, "artifact.size-d-bytes-the-manifest", size, f.Size)
		return
	}
	rc, err := v.t.open(f.Path)
	if err != nil {
		v.failErr(CheckArtifact, f.Path, "artifact.read-failed", err)
		return
	}
	defer rc.Close()
	h := sha256.New()
	n, err := io.Copy(h, io.LimitReader(ctxReader{v.ctx, rc}, f.Size+1))
	if err != nil {
		v.failErr(CheckArtifact, f.Path, "artifact.read-failed", err)
		return
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != f.SHA256 || n != f.Size {
		v.fail(CheckArtifact, f.Path, "artifact.digest-mismatch", got, n, f.SHA256)
		return
	}
	v.pass(CheckArtifact, f.Path, "artifact.ok", f.Size, f.SHA256)
}

func (v *verifier) instructions() {
	data, ok := v.read(CheckInstructions, verificaFile, maxSmallFile)
	if !ok {
		return
	}
	parts := verificaParts{Attestation: v.hasAttestation(), Timestamp: v.has(tsrFile), Report: v.m.Report != nil,
		Chain: v.has(chainFile), AKChain: v.has(akChainFile)}
	want, err := encodeVerifica(v.m, parts)
	if err == nil && !bytes.Equal(data, want) && parts.Report {
		parts.ReportV1 = true
		want, err = encodeVerifica(v.m, parts)
	}
	if err != nil || !bytes.Equal(data, want) {
		v.fail(CheckInstructions, verificaFile, "instructions.verifica-txt-is-not-the")
		return
	}
	v.pass(CheckInstructions, verificaFile, "instructions.verification-instructions-intact")
}

func (v *verifier) extraFiles() {
	for _, p := range sortedPaths(v.t.sizes()) {
		if !v.seen[p] {
			v.fail(CheckExtraFile, p, "extrafile.extra-file")
		}
	}
}
