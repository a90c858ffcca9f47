package bundle

import (
	"fmt"
	"strings"
)

// Outcome is the result of one check.
type Outcome string

// Outcomes.
const (
	Pass Outcome = "pass" // checked and found right
	Fail Outcome = "fail" // checked and found wrong: the delivery is invalid
	Skip Outcome = "skip" // not checked: the part is absent or no checker was given; the detail says which
)

// Names of the checks Verify runs, stable for programs and tests.
const (
	CheckContainer          = "container"            // the folder or ZIP: regular files, safe names
	CheckManifest           = "manifest"             // manifest.json decodes and follows attesta.manifest/v1
	CheckPinnedKey          = "pinned-key"           // proofs/vkey is the key VerifyOptions.Key pins
	CheckSignature          = "checkpoint-signature" // proofs/checkpoint is signed by the key
	CheckProof              = "tlog-proof"           // proofs/delivery.tlog-proof parses and carries the checkpoint
	CheckLeaf               = "delivery-leaf"        // proofs/delivery-leaf.json is a delivery leaf of this acquisition
	CheckInclusion          = "inclusion"            // the leaf is in the checkpoint's tree
	CheckBody               = "manifest-body"        // the leaf records manifest.json's body
	CheckJournalBlock       = "journal-block"        // the journal block names this leaf and checkpoint
	CheckSums               = "sha256sums"           // SHA256SUMS lists exactly the manifest's files; the leaf records it
	CheckCaseLD             = "case-jsonld"          // case.jsonld describes this manifest
	CheckArtifact           = "artifact"             // one file: present, size and SHA-256 as in the manifest
	CheckCustody            = "custody"              // artifacts/custody.jsonl reads as attesta.custody/v1 (optional)
	CheckExtraFile          = "extra-file"           // a file that no part of the delivery accounts for
	CheckLegalValue         = "legal-value"          // the verdicts recomputed with the legal-value rule
	CheckCertification      = "key-certification"    // the TPM attestation key certified the checkpoint key
	CheckAttestationBinding = "attestation-binding"  // the attestation's quote is over this delivery's checkpoint
	CheckTimestamp          = "timestamp"            // the RFC 3161 token over the checkpoint
	CheckReport             = "report"               // relazione.pdf is the report the manifest records
	CheckPDF                = "pdf-signature"        // the signature of relazione.pdf, by the checkpoint key
	CheckInstructions       = "instructions"         // VERIFICA.txt is the text this delivery should carry
	CheckFolderName         = "folder-name"          // the folder's name is the manifest's (informational)
	CheckWitness            = "witness"              // proofs/witness: enough witnesses cosigned the checkpoint or a later one
)

// Check is one verification step, described in Italian and English.
type Check struct {
	Name    string  `json:"name"`
	Outcome Outcome `json:"outcome"`
	File    string  `json:"file,omitempty"` // the file concerned, relative to the delivery folder
	IT      string  `json:"it"`
	EN      string  `json:"en"`
}

// OK reports whether the check did not fail.
func (c Check) OK() bool { return c.Outcome != Fail }

func (c Check) String() string {
	f := ""
	if c.File != "" {
		f = " [" + c.File + "]"
	}
	return fmt.Sprintf("%s %s%s: %s", c.Outcome, c.Name, f, c.EN)
}

// Report is what Verify found, check by check, in the order they ran.
type Report struct {
	Path     string    `json:"path"`   // the folder or ZIP verified
	Folder   string    `json:"folder"` // the delivery folder's name
	Checks   []Check   `json:"checks"`
	Manifest *Manifest `json:"-"` // the decoded manifest; nil when it could not be read
}

// OK reports whether no check failed.
func (r *Report) OK() bool {
	for _, c := range r.Checks {
		if !c.OK() {
			return false
		}
	}
	return true
}

// Failed returns the failed checks.
func (r *Report) Failed() []Check {
	var out []Check
	for _, c := range r.Checks {
		if !c.OK() {
			out = append(out, c)
		}
	}
	return out
}

// Find returns the checks with the given name.
func (r *Report) Find(name string) []Check {
	var out []Check
	for _, c := range r.Checks {
		if c.Name == name {
			out = append(out, c)
		}
	}
	return out
}

// Text renders the report for a terminal, Italian line first and English second for each check.
func (r *Report) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s)\n", r.Folder, r.Path)
	mark := map[Outcome]string{Pass: "OK  ", Fail: "FAIL", Skip: "--  "}
	for _, c := range r.Checks {
		f := ""
		if c.File != "" {
			f = " " + c.File
		}
		fmt.Fprintf(&b, "%s %s%s\n     %s\n     %s\n", mark[c.Outcome], c.Name, f, c.IT, c.EN)
	}
	if r.OK() {
		b.WriteString("ESITO: consegna valida / RESULT: valid delivery\n")
	} else {
		fmt.Fprintf(&b, "ESITO: consegna NON valida (%d controlli falliti) / RESULT: INVALID delivery (%d checks failed)\n",
			len(r.Failed()), len(r.Failed()))
	}
	return b.String()
}

// CheckError is the error Verify returns for an invalid delivery: it names the first failed check and its file,
// and wraps ErrInvalid.
type CheckError struct {
	Path  string
	Check Check
	Count int // failed checks in all
}

func (e *CheckError) Error() string {
	f := ""
	if e.Check.File != "" {
		f = " on " + e.Check.File
	}
	return fmt.Sprintf("bundle: verify %s: %v: check %s failed%s: %s (%d failed checks)",
		e.Path, ErrInvalid, e.Check.Name, f, e.Check.EN, e.Count)
}

func (e *CheckError) Unwrap() error { return ErrInvalid }
