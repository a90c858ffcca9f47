package bundle

import (
	"fmt"
	"time"

	"github.com/attesta/attesta/journal/format"
)

// The optional parts of a delivery: the time-stamp and the report.

func (v *verifier) timestamp() {
	if !v.has(tsrFile) {
		v.skip(CheckTimestamp, "", "nessuna marca temporale nella consegna", "no time-stamp in the delivery")
		return
	}
	v.seen[tsrFile] = true
	if v.opts.VerifyTimestamp == nil {
		v.skip(CheckTimestamp, tsrFile, "marca temporale presente, non verificata (nessun verificatore)", "time-stamp present, not checked (no verifier given)")
		return
	}
	tok, ok := v.read(CheckTimestamp, tsrFile, maxSmallFile)
	if !ok || v.cp == nil {
		return
	}
	at, err := v.opts.VerifyTimestamp(v.ctx, tok, v.cp.Note)
	if err != nil {
		v.failErr(CheckTimestamp, tsrFile, "marca temporale non valida", err)
		return
	}
	v.pass(CheckTimestamp, tsrFile, "marca temporale valida sul checkpoint: "+at.UTC().Format(time.RFC3339),
		"valid time-stamp over the checkpoint: "+at.UTC().Format(time.RFC3339))
}

// pdf checks relazione.pdf: that it is the report the manifest records (and so the delivery leaf commits to), and
// that its signature is valid and made by the checkpoint key.
func (v *verifier) pdf() {
	r := v.m.Report
	if !v.has(reportFile) && r == nil {
		v.skip(CheckPDF, "", "nessuna relazione PDF nella consegna", "no PDF report in the delivery")
		return
	}
	v.seen[reportFile] = true
	data, ok := v.read(CheckReport, reportFile, maxPDF)
	if !ok {
		return
	}
	switch sum := sha256Hex(data); {
	case r == nil:
		// A delivery made before reports were recorded in the manifest: still valid evidence, whose PDF is checked
		// for its signer below but is bound to nothing. A newer manifest cannot be stripped of its record (the
		// journal leaf commits to the manifest), so this never weakens a delivery that has one.
		v.skip(CheckReport, reportFile, "il manifesto non registra la relazione (consegna di una versione precedente): nulla la lega a questa consegna, fa fede manifest.json",
			"the manifest does not record the report (a delivery of an earlier version): nothing ties it to this delivery, manifest.json is what counts")
	case sum != r.SHA256 || int64(len(data)) != r.Size:
		v.fail(CheckReport, reportFile, fmt.Sprintf("SHA-256 %s (%d byte), il manifesto registra %s (%d byte)", sum, len(data), r.SHA256, r.Size),
			fmt.Sprintf("SHA-256 %s (%d bytes), the manifest records %s (%d bytes)", sum, len(data), r.SHA256, r.Size))
	default:
		v.pass(CheckReport, reportFile, "la relazione è quella registrata nel manifesto: "+r.SHA256,
			"the report is the one the manifest records: "+r.SHA256)
	}
	v.pdfSigner(data)
}

func (v *verifier) pdfSigner(data []byte) {
	if v.opts.VerifyPDF == nil {
		v.skip(CheckPDF, reportFile, "firma della relazione non verificata (nessun verificatore)", "report signature not checked (no verifier given)")
		return
	}
	signer, err := v.opts.VerifyPDF(v.ctx, data)
	if err != nil {
		v.failErr(CheckPDF, reportFile, "firma della relazione non valida", err)
		return
	}
	cpKey, err := format.VerifierPublicKey(v.key)
	if err != nil || !cpKey.Equal(signer) {
		v.fail(CheckPDF, reportFile, "la relazione non è firmata dalla chiave del checkpoint (la chiave dell'apparecchio)",
			"the report is not signed by the checkpoint key (the appliance's key)")
		return
	}
	v.pass(CheckPDF, reportFile, "firma della relazione valida, della chiave del checkpoint", "report signature valid, by the checkpoint key")
}
