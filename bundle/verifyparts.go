package bundle

import (
	"time"

	"github.com/attesta/attesta/journal/format"
)

// The optional parts of a delivery: the time-stamp and the report.

func (v *verifier) timestamp() {
	if !v.has(tsrFile) {
		v.skip(CheckTimestamp, "", "timestamp.no-time-stamp-in-the")
		return
	}
	v.seen[tsrFile] = true
	if v.opts.VerifyTimestamp == nil {
		v.skip(CheckTimestamp, tsrFile, "timestamp.time-stamp-present-not-checked")
		return
	}
	tok, ok := v.read(CheckTimestamp, tsrFile, maxSmallFile)
	if !ok || v.cp == nil {
		return
	}
	at, err := v.opts.VerifyTimestamp(v.ctx, tok, v.cp.Note)
	if err != nil {
		v.failErr(CheckTimestamp, tsrFile, "timestamp.invalid-time-stamp", err)
		return
	}
	v.pass(CheckTimestamp, tsrFile, "timestamp.valid-time-stamp-over-the", at.UTC().Format(time.RFC3339))
}

// pdf checks relazione.pdf: that it is the report the manifest records (and so the delivery leaf commits to), and
// that its signature is valid and made by the checkpoint key.
func (v *verifier) pdf() {
	r := v.m.Report
	if !v.has(reportFile) && r == nil {
		v.skip(CheckPDF, "", "pdf.no-pdf-report-in-the")
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
		v.skip(CheckReport, reportFile, "report.the-manifest-does-not-record")
	case sum != r.SHA256 || int64(len(data)) != r.Size:
		v.fail(CheckReport, reportFile, "report.digest-mismatch", sum, len(data), r.SHA256, r.Size)
	default:
		v.pass(CheckReport, reportFile, "report.the-report-is-the-one", r.SHA256)
	}
	v.pdfSigner(data)
}

func (v *verifier) pdfSigner(data []byte) {
	if v.opts.VerifyPDF == nil {
		v.skip(CheckPDF, reportFile, "pdf.report-signature-not-checked-no")
		return
	}
	signer, extended, err := v.opts.VerifyPDF(v.ctx, data)
	if err != nil {
		v.failErr(CheckPDF, reportFile, "pdf.invalid-report-signature", err)
		return
	}
	if extended && v.m.Report == nil {
		v.fail(CheckPDF, reportFile, "pdf.extended-unrecorded")
		return
	}
	cpKey, err := format.VerifierPublicKey(v.key)
	if err != nil || !cpKey.Equal(signer) {
		v.fail(CheckPDF, reportFile, "pdf.the-report-is-not-signed")
		return
	}
	v.pass(CheckPDF, reportFile, "pdf.report-signature-valid-by-the")
}
