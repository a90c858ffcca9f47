// Package report renders relazione.pdf, the report a client's lawyer files in court and a judge reads.
//
// # Order
//
// Page 1 is the answer: who asked and why, the sender, the chat, the period, and a table with one row per certified
// message (number, date and time, type, first words, verdict: PROVATO by reading, playing or reply with its time,
// or NON PROVATO with the reason) and the counts. Then the messages in full with their receipts and the verdict as
// a sentence; the caveats and every anomaly, explained in the report's language (the technical values stay in
// manifest.json); the method and the appliance with its TPM identity and last attestation; the chain of custody
// as short sentences; each distinct screenshot once, with the messages it shows; how to verify, with the digest of
// every file. Appendix A is the full technical log of the chat's chain of custody, with labels in the report's
// language, as artifacts/custody.jsonl holds it (bundle.CustodyFormat).
//
// # Kinds and languages
//
// Two kinds are sold, with the same legal value: [Semplice] is page 1, the caveats and anomalies, and how to
// verify; [Personalizzata] adds everything else. Italian is the default language, English is available
// ([Options].Lang): every word the report writes comes from one catalog (internal/i18n) that holds each text in
// both, and a test fails when one lacks a language, or when a rendered Italian page holds a line that reads as
// English (or the other way round). What the report quotes stays as written: the messages, the client's words.
// Times are shown in Europe/Rome (evidence.Location), with the zone.
//
// # Encoding
//
// The output is a PDF/A-3B file (header %PDF-1.7; pades.PDFA3 adds to what github.com/go-pdf/fpdf writes the XMP
// metadata with pdfaid, an sRGB output intent and the associated-file entries) with classic cross-reference tables: text in
// the embedded Go fonts (UTF-8 TrueType subsets with a ToUnicode map, so that text extraction returns what was
// printed), images as JPEG thumbnails re-encoded from the originals, and the manifest.json of the delivery
// embedded as a file attachment named "manifest.json", byte for byte as the delivery folder holds it
// ([ManifestJSON]), beside the chat's custody log, "custody.jsonl", byte for byte as artifacts/custody.jsonl; both
// are PDF/A-3 associated files of the document (/AF), manifest.json with /AFRelationship /Source, custody.jsonl /Data. A character the fonts cannot draw (emoji among others) is never dropped: it is printed as its
// code point, "[U+1F600]", and a run of them as one bracket, "[U+1F44D U+1F3FD]". [RenderSigned] then appends a
// PAdES signature with report/pades (an incremental update that covers the whole document). For speed, the text is
// wrapped and written by the report itself into the bytes fpdf's MultiCell would write (text.go; TestFastTextAsFpdf
// and FuzzFastText compare them), and the pages are deflated after the layout (deflate.go). The layout may change
// between versions; what the report states may not: a change in what it says is a change of the product.
//
// # Use
//
// [Render] writes the unsigned PDF and [RenderSigned] signs it; [Hook] has the shape of bundle.WriteOptions.Report,
// so that bundle.Write renders (and signs) the report of the manifest it has just sealed. The [Input] carries the
// sealed bundle.Manifest and what the manifest does not hold: the request, the appliance's identity, its last
// attestation, the source details, the chain of custody, and an [Opener] for the pictures.
//
// # Images
//
// Attachments and screenshots are read one at a time through an [Opener] (the case's blob store), bounded in size,
// checked against the SHA-256 the manifest records, decoded, scaled down and re-encoded before the next one is
// opened, so that a report with a hundred photographs holds one original at a time. A file that cannot be read,
// does not match its digest or cannot be decoded is named in the report instead of its picture.
package report
