package report

import (
	"bytes"
	"context"
)

// LayoutBothWays lays the report out twice and writes it as fpdf does with its page compression on, and as Render
// does (compression off, then deflatePages), for TestDeflatePagesAsFpdf.
func LayoutBothWays(ctx context.Context, in Input, opts Options) (fpdfDeflated, ours []byte, err error) {
	var a, b bytes.Buffer
	pdf, err := build(ctx, in, opts)
	if err != nil {
		return nil, nil, err
	}
	pdf.SetCompression(true)
	pdf.AliasNbPages(nbAlias) // as the report did before deflatePages replaced the alias
	if err := pdf.Output(&a); err != nil {
		return nil, nil, err
	}
	if pdf, err = build(ctx, in, opts); err != nil {
		return nil, nil, err
	}
	if err := pdf.Output(&b); err != nil {
		return nil, nil, err
	}
	d, err := deflatePages(b.Bytes(), pdf.PageNo())
	return a.Bytes(), d, err
}

// DeflatePages is deflatePages with the number of pages replaced, for tests.
func DeflatePages(pdf []byte) ([]byte, error) { return deflatePages(pdf, 1) }

// RenderFpdfText is Render with every text laid out by fpdf's MultiCell, CellFormat and SplitText, as before
// text.go, for TestFastTextAsFpdf.
func RenderFpdfText(ctx context.Context, w *bytes.Buffer, in Input, opts Options) error {
	fpdfTextOnly.Store(true)
	defer fpdfTextOnly.Store(false)
	return Render(ctx, w, in, opts)
}
