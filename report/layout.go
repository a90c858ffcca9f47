package report

import (
	"bytes"
	"context"
	"strconv"
	"time"

	"github.com/go-pdf/fpdf"

	"github.com/attesta/attesta/internal/i18n"
)

// Page geometry in millimetres (A4 portrait).
const (
	margin     = 15.0
	pageW      = 210.0
	pageH      = 297.0
	bodyW      = pageW - 2*margin
	bottomEdge = pageH - 18 // where text stops; the footer lives below
	labelW     = 58.0       // width of the label column of a field
	lineH      = 4.6        // body line height
)

// renderer lays out one report.
type renderer struct {
	ctx     context.Context
	pdf     *fpdf.Fpdf
	in      Input
	opts    Options
	lang    i18n.Lang
	cov     *coverage
	section int
	images  int
	// problems are what went wrong while printing (pictures not shown), listed with the anomalies.
	problems []string
	// videos are the videos read so far, by digest (a forwarded video is read once).
	videos map[string]*video
	// lastS and lastP are the last text s made printable, and what it gave.
	lastS, lastP string
	// pre holds the pictures and videos read ahead of the layout (see prefetch).
	pre map[string]loaded
	// text is what the text written so far lets multiCell, cell and lines skip (see text.go).
	text textState
}

func newRenderer(ctx context.Context, in Input, opts Options, cov *coverage) *renderer {
	lang, _ := i18n.Parse(opts.Lang) // checked by Options.check
	r := &renderer{ctx: ctx, in: in, opts: opts, lang: lang, cov: cov, videos: map[string]*video{}, text: newTextState()}
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetCompression(false) // the pages are deflated after, by deflatePages
	addFonts(pdf)
	pdf.SetMargins(margin, margin, margin)
	pdf.SetAutoPageBreak(true, pageH-bottomEdge)
	// The footer's nbAlias is replaced by deflatePages (fpdf's AliasNbPages would copy every page twice over).
	pdf.SetCatalogSort(true) // fonts and images in a fixed order: equal input, equal bytes
	pdf.SetCreationDate(opts.Now)
	pdf.SetModificationDate(opts.Now)
	pdf.SetTitle(r.t("Title"), true)
	pdf.SetSubject(r.t("Subtitle"), true)
	pdf.SetCreator("Attesta "+in.Appliance.SoftwareVersion, true)
	pdf.SetAuthor("Attesta "+in.Appliance.ID, true)
	pdf.SetProducer("Attesta", true)
	if opts.Lang == "en" {
		pdf.SetLang("en-GB")
	} else {
		pdf.SetLang("it-IT")
	}
	pdf.SetFooterFunc(r.footer)
	pdf.SetHeaderFunc(r.header)
	r.pdf = pdf
	return r
}

// t prints a text of the catalog in the report's language.
func (r *renderer) t(key string, args ...any) string { return catalog.T(r.lang, key, args...) }

// lookup prints the text of family.value ("Types.image"), or value itself when the catalog has none.
func (r *renderer) lookup(family, value string) string {
	if k := family + "." + value; catalog.Has(k) {
		return r.t(k)
	}
	return value
}

// s makes text printable with the embedded fonts.
func (r *renderer) s(text string) string {
	// A message's text is printed as its block's height is estimated, then again as it is laid out.
	if text != r.lastS || r.lastP == "" {
		r.lastS, r.lastP = text, r.cov.printable(text)
	}
	return r.lastP
}

func (r *renderer) font(style string, size float64) { r.pdf.SetFont(fontSans, style, size) }

func (r *renderer) header() {
	if r.pdf.PageNo() == 1 {
		return
	}
	r.font("", 7.5)
	r.pdf.SetTextColor(110, 110, 110)
	r.pdf.CellFormat(bodyW/2, 4, r.s(r.t("Title")), "", 0, "L", false, 0, "")
	r.pdf.CellFormat(bodyW/2, 4, r.s(r.in.Manifest.FolderName()), "", 1, "R", false, 0, "")
	r.pdf.SetDrawColor(180, 180, 180)
	r.pdf.Line(margin, r.pdf.GetY()+0.5, pageW-margin, r.pdf.GetY()+0.5)
	r.pdf.SetTextColor(0, 0, 0)
	r.pdf.Ln(4)
}

func (r *renderer) footer() {
	r.pdf.SetY(pageH - 13)
	r.font("", 7.5)
	r.pdf.SetTextColor(110, 110, 110)
	left := "Attesta · " + r.in.Manifest.Acquisition.ID
	r.pdf.CellFormat(bodyW/2, 4, r.s(left), "", 0, "L", false, 0, "")
	r.pdf.CellFormat(bodyW/2, 4, r.t("Page", r.pdf.PageNo()), "", 0, "R", false, 0, "")
	r.pdf.SetTextColor(0, 0, 0)
}

// need starts a new page unless h millimetres fit on this one.
func (r *renderer) need(h float64) {
	if r.pdf.GetY()+h > bottomEdge {
		r.pdf.AddPage()
	}
}

// heading starts a numbered section; a heading never ends a page alone: at least room millimetres of the section
// follow it on the page (22 when room is 0).
func (r *renderer) heading(title string, room float64) {
	r.section++
	r.pdf.Ln(3)
	r.need(max(room, 22))
	r.font("B", 12.5)
	r.pdf.SetTextColor(20, 50, 90)
	r.multiCell(bodyW, 6.5, r.s(strconv.Itoa(r.section)+". "+title))
	r.pdf.SetDrawColor(20, 50, 90)
	r.pdf.Line(margin, r.pdf.GetY(), pageW-margin, r.pdf.GetY())
	r.pdf.SetTextColor(0, 0, 0)
	r.pdf.Ln(2)
}

// subheading prints a title inside a section (page 1 has no numbered section).
func (r *renderer) subheading(title string) {
	r.pdf.Ln(1)
	r.need(18)
	r.font("B", 11)
	r.pdf.SetTextColor(20, 50, 90)
	r.multiCell(bodyW, 6, r.s(title))
	r.pdf.SetTextColor(0, 0, 0)
	r.pdf.Ln(1)
}

// tableHead prints the header row of a table, on a grey band.
func (r *renderer) tableHead(widths []float64, cells []string) {
	r.need(12)
	r.font("B", 8.5)
	r.pdf.SetFillColor(225, 230, 238)
	x := margin
	y := r.pdf.GetY()
	for i, c := range cells {
		r.pdf.SetXY(x, y)
		r.pdf.CellFormat(widths[i], 5.5, r.s(c), "", 0, "L", true, 0, "")
		x += widths[i]
	}
	r.pdf.SetY(y + 6.5)
}

// rowColored is row with the cell at index colored, bold, in color; a row that starts a new page repeats head.
func (r *renderer) rowColored(widths []float64, cells, head []string, colored int, color [3]int) {
	r.rowStyled(widths, cells, head, func(i int) {
		if i == colored {
			r.font("B", 8.5)
			r.pdf.SetTextColor(color[0], color[1], color[2])
		} else {
			r.font("", 8.5)
			r.pdf.SetTextColor(0, 0, 0)
		}
	})
	r.pdf.SetTextColor(0, 0, 0)
}

// para prints a paragraph of body text.
func (r *renderer) para(style string, text string) {
	r.font(style, 9.5)
	r.multiCell(bodyW, lineH, r.s(text))
	r.pdf.Ln(1)
}

// mono prints a block of monospaced text (digests, keys, commands), indented by indent millimetres.
func (r *renderer) mono(indent float64, size float64, text string) {
	r.pdf.SetFont(fontMono, "", size)
	r.pdf.SetX(margin + indent)
	r.multiCell(bodyW-indent, size*0.45, r.s(text))
}

// field prints "label  value" in two columns, both wrapped, kept on one page. A field with an empty value is
// skipped; monospaced values (digests, keys) wrap anywhere.
func (r *renderer) field(label, value string, monoValue bool) {
	if value == "" {
		return
	}
	label, value = r.s(label), r.s(value)
	valueW := bodyW - labelW
	r.font("B", 9)
	labelLines := r.lines(label, labelW)
	if monoValue {
		r.pdf.SetFont(fontMono, "", 8.5)
	} else {
		r.font("", 9)
	}
	valueLines := r.lines(value, valueW)
	if monoValue {
		// SplitText breaks at spaces only; a digest breaks anywhere.
		valueLines = max(valueLines, int(r.pdf.GetStringWidth(value)/(valueW-2))+1)
	}
	h := float64(max(labelLines, valueLines, 1)) * lineH
	if h < bottomEdge-margin-20 {
		r.need(h)
	}
	x, y := margin, r.pdf.GetY()
	page := r.pdf.PageNo()
	r.font("B", 9)
	r.multiCell(labelW, lineH, label)
	yLabel := r.pdf.GetY()
	r.pdf.SetXY(x+labelW, y)
	if monoValue {
		r.pdf.SetFont(fontMono, "", 8.5)
	} else {
		r.font("", 9)
	}
	r.multiCell(valueW, lineH, value)
	if r.pdf.PageNo() == page {
		r.pdf.SetY(max(yLabel, r.pdf.GetY()))
	}
}

// rowUnder is row in a table with header head, which a row that starts a new page repeats.
func (r *renderer) rowUnder(widths []float64, cells, head []string) {
	r.rowStyled(widths, cells, head, func(int) { r.font("", 8.5) })
}

// rowStyled prints one row of a table, setting each cell's font with style(i) first; when the row starts a new
// page, head (if any) is printed again above it.
func (r *renderer) rowStyled(widths []float64, cells, head []string, style func(i int)) {
	lines := 1
	for i, c := range cells {
		style(i)
		cells[i] = r.s(c)
		lines = max(lines, r.lines(cells[i], widths[i]-1))
	}
	h := float64(lines) * 4.2
	if head != nil && r.pdf.GetY()+h+1 > bottomEdge {
		r.pdf.AddPage()
		r.tableHead(widths, head)
		style(0)
	}
	r.need(h + 1)
	x, y := margin, r.pdf.GetY()
	for i, c := range cells {
		style(i)
		r.pdf.SetXY(x, y)
		r.multiCell(widths[i]-1, 4.2, c)
		x += widths[i]
	}
	r.pdf.SetY(y + h)
	r.pdf.SetDrawColor(215, 215, 215)
	r.pdf.Line(margin, y+h+0.4, pageW-margin, y+h+0.4)
	r.pdf.Ln(1)
}

// image places a JPEG widthMM wide (at most maxH high) at the left margin plus indent, on a new page if needed.
func (r *renderer) image(p *picture, indent, widthMM, maxH float64) {
	w := widthMM
	h := w * float64(p.H) / float64(p.W)
	if h > maxH {
		h, w = maxH, maxH*float64(p.W)/float64(p.H)
	}
	r.need(h + 2)
	r.images++
	name := "img" + strconv.Itoa(r.images)
	opt := fpdf.ImageOptions{ImageType: "JPG"}
	r.pdf.RegisterImageOptionsReader(name, opt, bytes.NewReader(p.JPEG))
	y := r.pdf.GetY()
	r.pdf.ImageOptions(name, margin+indent, y, w, h, false, opt, 0, "")
	r.pdf.SetY(y + h + 2)
}

// when formats a time, or says it is unknown.
func (r *renderer) when(t time.Time) string {
	if t.IsZero() {
		return r.t("Unknown")
	}
	return date(t)
}
