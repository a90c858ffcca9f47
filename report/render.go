package report

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/go-pdf/fpdf"

	"github.com/attesta/attesta/bundle"
	"github.com/attesta/attesta/internal/i18n"
	"github.com/attesta/attesta/report/pades"
)

// Render writes the report on in to w as an unsigned PDF (see the package documentation for its encoding).
// It fails with ErrInput or ErrOptions before writing anything when the input or the options are not usable, and
// with ctx's error when ctx ends. Pictures that cannot be shown are named in the report, not errors.
func Render(ctx context.Context, w io.Writer, in Input, opts Options) error {
	pdf, err := build(ctx, in, opts)
	if err != nil {
		return err
	}
	var raw appendWriter
	if err := pdf.Output(&raw); err != nil {
		return fmt.Errorf("report: write PDF of acquisition %s: %w", in.Manifest.Acquisition.ID, err)
	}
	deflated, err := deflatePages(raw.b, pdf.PageNo())
	if err != nil {
		return err
	}
	out, err := pades.PDFA3(deflated, pades.PDFAOptions{Files: associatedFiles})
	if err != nil {
		return fmt.Errorf("report: PDF/A-3 of acquisition %s: %w", in.Manifest.Acquisition.ID, err)
	}
	if _, err := w.Write(out); err != nil {
		return fmt.Errorf("report: write PDF of acquisition %s: %w", in.Manifest.Acquisition.ID, err)
	}
	return nil
}

// appendWriter keeps what is written to it (fpdf writes the whole PDF at once): one copy, without the zeroing of
// the memory a bytes.Buffer grows into.
type appendWriter struct{ b []byte }

func (w *appendWriter) Write(p []byte) (int, error) {
	w.b = append(w.b, p...)
	return len(p), nil
}

// associatedFiles says what the embedded files are to the report (PDF/A-3 /AFRelationship): manifest.json is
// the sealed record the report is printed from, custody.jsonl the data its custody table shows.
var associatedFiles = map[string]pades.AssociatedFile{
	"manifest.json": {MIME: "application/json", Relationship: "Source"},
	"custody.jsonl": {MIME: "application/jsonl", Relationship: "Data"},
}

// RenderSigned renders the report and signs it with pades.Sign (PAdES B-B, or B-T when sign.Timestamp is set, and
// B-LTA when sign.DocumentTimestamp is set too and the TSA answers both).
// An empty sign.Reason, sign.Location or sign.Name is filled with the report's title, nothing and the appliance id.
func RenderSigned(ctx context.Context, in Input, opts Options, sign pades.Options) ([]byte, error) {
	var buf bytes.Buffer
	if err := Render(ctx, &buf, in, opts); err != nil {
		return nil, err
	}
	if sign.Reason == "" {
		lang, _ := i18n.Parse(opts.Lang) // checked by Render
		sign.Reason = catalog.T(lang, "Title")
	}
	if sign.Name == "" && in.Appliance.ID != "" {
		sign.Name = "Attesta " + in.Appliance.ID
	}
	if sign.Time.IsZero() {
		sign.Time = opts.Now
	}
	out, err := pades.Sign(ctx, buf.Bytes(), sign)
	if err != nil {
		return nil, fmt.Errorf("report: sign report of acquisition %s: %w", in.Manifest.Acquisition.ID, err)
	}
	return out, nil
}

// Hook returns a function with the shape of bundle.WriteOptions.Report: it prints base with the sealed manifest
// the bundle passes (base.Manifest and base.ManifestJSON are replaced) and, when sign is not nil, signs the
// result. Build base after bundle.Seal, so that base.Appliance.VKey can be the sealed verifier key.
func Hook(base Input, opts Options, sign *pades.Options) func(ctx context.Context, m *bundle.Manifest, w io.Writer) error {
	return func(ctx context.Context, m *bundle.Manifest, w io.Writer) error {
		in := base
		in.Manifest, in.ManifestJSON = m, nil
		if sign == nil {
			return Render(ctx, w, in, opts)
		}
		out, err := RenderSigned(ctx, in, opts, *sign)
		if err != nil {
			return err
		}
		if _, err := w.Write(out); err != nil {
			return fmt.Errorf("report: write signed report of acquisition %s: %w", m.Acquisition.ID, err)
		}
		return nil
	}
}

// ManifestJSON returns manifest.json for a sealed manifest byte for byte as bundle.Write writes it: two-space
// indented JSON with '<', '>' and '&' literal, the journal block last, and a final newline.
func ManifestJSON(m *bundle.Manifest) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(m); err != nil {
		return nil, fmt.Errorf("report: encode manifest: %w", err)
	}
	return buf.Bytes(), nil
}

// build lays the whole report out in memory: fpdf needs every page before it writes the cross-references.
func build(ctx context.Context, in Input, opts Options) (*fpdf.Fpdf, error) {
	opts, err := opts.check()
	if err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	if err := in.check(opts.BeforeSeal); err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	mj := in.ManifestJSON
	if mj == nil && in.Manifest.Journal != nil { // embedded only once sealed
		if mj, err = ManifestJSON(in.Manifest); err != nil {
			return nil, err
		}
	}
	cov, err := fontCoverage()
	if err != nil {
		return nil, err
	}
	r := newRenderer(ctx, in, opts, cov)
	var files []fpdf.Attachment
	if in.Manifest.Journal != nil {
		files = append(files, fpdf.Attachment{Content: mj, Filename: "manifest.json", Description: bundle.Format})
	}
	if custody := r.chatCustody(); len(custody) > 0 {
		log, err := bundle.EncodeCustody(custody)
		if err != nil {
			return nil, fmt.Errorf("report: acquisition %s: %w", in.Manifest.Acquisition.ID, err)
		}
		files = append(files, fpdf.Attachment{Content: log, Filename: "custody.jsonl", Description: bundle.CustodyFormat})
	}
	if len(files) > 0 {
		r.pdf.SetAttachments(files)
	}
	if err := r.document(); err != nil {
		return nil, fmt.Errorf("report: acquisition %s: %w", in.Manifest.Acquisition.ID, err)
	}
	if err := r.pdf.Error(); err != nil {
		return nil, fmt.Errorf("report: lay out acquisition %s: %w", in.Manifest.Acquisition.ID, err)
	}
	return r.pdf, nil
}
