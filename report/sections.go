package report

import (
	"fmt"
	"strings"

	"github.com/attesta/attesta/evidence"
)

// document lays out every section in order.
func (r *renderer) document() error {
	r.pdf.AddPage()
	r.cover()
	r.request()
	r.appliance()
	r.method()
	r.custody()
	if err := r.messages(); err != nil {
		return err
	}
	r.caveats()
	if r.opts.Kind == Personalizzata {
		if err := r.screenshots(); err != nil {
			return err
		}
	}
	r.anomalies()
	r.hashes()
	r.verification()
	return r.ctx.Err()
}

func (r *renderer) cover() {
	m := r.in.Manifest
	r.font("B", 17)
	r.pdf.SetTextColor(20, 50, 90)
	r.pdf.MultiCell(bodyW, 8, r.s(r.w.Title), "", "L", false)
	r.pdf.SetTextColor(0, 0, 0)
	r.font("", 11)
	r.pdf.MultiCell(bodyW, 6, r.s(r.w.Subtitle), "", "L", false)
	r.font("B", 10.5)
	r.pdf.MultiCell(bodyW, 6, r.s(r.w.Kind[r.opts.Kind]), "", "L", false)
	r.pdf.Ln(2)
	r.field(r.w.Chat, chatLine(m.Chat), false)
	r.field(r.w.Range, fmt.Sprintf(r.w.RangeFmt, m.Range.From, m.Range.To), false)
	r.field("ID", m.Acquisition.ID, false)
	r.para("I", fmt.Sprintf(r.w.Generated, date(r.opts.Now))+". "+r.w.TimesNote)
}

func chatLine(c evidence.Chat) string {
	parts := []string{c.Phone}
	if c.Name != "" {
		parts = append(parts, c.Name)
	}
	if c.JID != "" {
		parts = append(parts, c.JID)
	}
	return strings.Join(parts, " · ")
}

func (r *renderer) request() {
	q := r.in.Request
	r.heading(r.w.SecRequest, 0)
	r.field(r.w.Client, orUnknown(q.Client, r.w.Unknown), false)
	r.field(r.w.Case, orUnknown(q.Case, r.w.Unknown), false)
	r.field(r.w.Purpose, orUnknown(q.Purpose, r.w.Unknown), false)
}

func orUnknown(s, unknown string) string {
	if strings.TrimSpace(s) == "" {
		return unknown
	}
	return s
}

func (r *renderer) appliance() {
	a, acq := r.in.Appliance, r.in.Manifest.Acquisition
	r.heading(r.w.SecAppliance, 0)
	r.field(r.w.ApplianceID, orUnknown(firstOf(a.ID, acq.ApplianceID), r.w.Unknown), false)
	r.field(r.w.Software, orUnknown(firstOf(a.SoftwareVersion, acq.ToolVersion), r.w.Unknown), false)
	r.field(r.w.SigningKey, orUnknown(a.SigningKey, r.w.Unknown), true)
	r.field(r.w.AK, orUnknown(a.AK, r.w.Unknown), true)
	att := r.w.NoAttestation
	if at := r.in.Attestation; at != nil {
		if at.OK {
			att = fmt.Sprintf(r.w.AttestOK, r.when(at.At))
		} else {
			att = fmt.Sprintf(r.w.AttestFail, r.when(at.At))
		}
		if at.Summary != "" {
			att += ": " + at.Summary
		}
	}
	r.field(r.w.LastAttestation, att, false)
}

func firstOf(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

func (r *renderer) method() {
	acq, src := r.in.Manifest.Acquisition, r.in.Source
	r.heading(r.w.SecMethod, 0)
	r.field(r.w.Method, firstOf(r.w.Methods[acq.Method], string(acq.Method)), false)
	r.field(r.w.Operator, acq.Operator, false)
	r.field(r.w.Started, r.when(acq.StartedAt.Time), false)
	r.field(r.w.Finished, r.when(acq.FinishedAt.Time), false)
	r.field(r.w.ToolVersion, acq.ToolVersion, false)
	r.field(r.w.SourceVersion, acq.SourceVersion, false)
	r.field(r.w.LinkedAccount, acq.LinkedAccount, false)
	r.field(r.w.WebBuild, src.WebBuild, false)
	r.field(r.w.Bridge, src.BridgeVersion, false)
	r.field(r.w.Device, src.DeviceModel, false)
	r.field(r.w.OS, src.OSVersion, false)
	r.field(r.w.WhatsApp, src.WhatsAppVersion, false)
	r.field(r.w.Path, src.ExtractionPath, false)
	r.field(r.w.SenderReceipts, firstOf(r.w.ReadReceipts[acq.SenderReadReceipts], string(acq.SenderReadReceipts)), false)
}

func (r *renderer) custody() {
	r.heading(r.w.SecCustody, 0)
	if len(r.in.Custody) == 0 {
		r.para("", r.w.NoCustody)
		return
	}
	widths := []float64{44, 60, bodyW - 104}
	for _, a := range r.in.Custody {
		r.row(widths, []string{r.when(a.At), a.What, a.Detail}, "")
	}
}

func (r *renderer) caveats() {
	r.heading(r.w.SecCaveats, 0)
	r.para("", r.w.CaveatsNote)
	for _, c := range evidence.Caveats(r.in.Manifest.Acquisition) {
		text := c.IT
		if r.opts.Lang == "en" {
			text = c.EN
		}
		r.font("", 9.5)
		r.need(2 * lineH)
		r.pdf.CellFormat(5, lineH, "•", "", 0, "L", false, 0, "")
		r.pdf.MultiCell(bodyW-5, lineH, r.s(text), "", "L", false)
		r.pdf.Ln(1)
	}
}

func (r *renderer) screenshots() error {
	r.heading(r.w.SecScreenshots, 110)
	n := 0
	for _, a := range r.in.Manifest.Artifacts {
		if a.Kind != evidence.ArtifactScreenshot {
			continue
		}
		if err := r.ctx.Err(); err != nil {
			return err
		}
		n++
		p := r.loadPicture(a.Path, a.SHA256, 0, shotSide)
		h := 20.0
		if p != nil {
			h += shotW * float64(p.H) / float64(p.W)
		}
		// A tall screenshot shrinks into the rest of the page rather than leave most of it blank.
		maxH := shotMaxH
		if room := bottomEdge - r.pdf.GetY() - 20; h > room+20 && room >= 90 {
			maxH, h = room, room+20
		}
		r.need(min(h, shotMaxH+20))
		r.font("B", 9)
		r.pdf.MultiCell(bodyW, lineH, r.s(a.Path), "", "L", false)
		r.mono(0, 7.5, "SHA-256 "+a.SHA256)
		r.pdf.Ln(1)
		if p != nil {
			r.image(p, 0, shotW, maxH)
		}
	}
	if n == 0 {
		r.para("", r.w.NoScreenshots)
	}
	return nil
}

// Screenshots: the longest side in pixels, the width and the highest height on the page in millimetres.
const (
	shotSide = 1400
	shotW    = 85.0
	shotMaxH = 190.0
)

// loadPicture loads the image with the given digest for printing; when it cannot, it prints why, indented, and
// lists the reason with the anomalies. It returns nil when there are no files to open or no picture.
func (r *renderer) loadPicture(path, sha string, indent float64, maxSide int) *picture {
	if r.in.Files == nil {
		return nil
	}
	p, err := loadPicture(r.ctx, r.in.Files, sha, maxSide)
	if err != nil {
		why := r.w.PictureWhy[pictureReason(err)]
		r.font("I", 8.5)
		r.pdf.SetX(margin + indent)
		r.pdf.MultiCell(bodyW-indent, lineH, r.s(fmt.Sprintf(r.w.NoPicture, why)), "", "L", false)
		r.problems = append(r.problems, path+": "+why)
		return nil
	}
	return p
}

func (r *renderer) anomalies() {
	r.heading(r.w.SecAnomalies, 0)
	n := 0
	for i := range r.in.Manifest.Messages {
		m := &r.in.Manifest.Messages[i]
		for _, a := range m.Anomalies {
			n++
			r.para("", fmt.Sprintf("N. %d (%s) — %s: %s", i+1, m.ID, a.Code, a.Detail))
		}
	}
	for _, p := range r.problems {
		n++
		r.para("", p)
	}
	if n == 0 {
		r.para("", r.w.NoAnomalies)
	}
}

func (r *renderer) hashes() {
	r.heading(r.w.SecHashes, 0)
	r.para("", r.w.HashesNote)
	seen := map[string]bool{}
	line := func(path, what string, size int64, sha string) {
		if seen[path] {
			return
		}
		seen[path] = true
		r.need(3 * lineH)
		r.font("", 8.5)
		r.pdf.MultiCell(bodyW, 4, r.s(fmt.Sprintf("%s — %s, %s byte", path, what, groupDigits(size, r.w.Thousands))), "", "L", false)
		r.mono(4, 7.5, sha)
		r.pdf.Ln(1)
	}
	m := r.in.Manifest
	for _, msg := range m.Messages {
		for _, a := range msg.Attachments {
			if a.Unavailable == "" {
				line(a.Path, a.MIME, a.Size, a.SHA256)
			}
		}
	}
	for _, a := range m.Artifacts {
		line(a.Path, firstOf(r.w.ArtifactKinds[a.Kind], string(a.Kind)), a.Size, a.SHA256)
	}
}

// groupDigits writes n with sep between groups of three digits.
func groupDigits(n int64, sep string) string {
	s := fmt.Sprint(n)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 && c != '-' && s[i-1] != '-' {
			b.WriteString(sep)
		}
		b.WriteRune(c)
	}
	return b.String()
}

func (r *renderer) verification() {
	j := r.in.Manifest.Journal
	r.heading(r.w.SecVerify, 0)
	r.para("", r.w.VerifyIntro)
	if j != nil {
		r.field(r.w.Origin, j.Origin, true)
		r.field(r.w.LeafIndex, fmt.Sprint(j.LeafIndex), false)
		r.field(r.w.TreeSize, fmt.Sprint(j.TreeSize), false)
		r.field(r.w.Root, j.RootHash, true)
	} else {
		r.para("", r.w.SealedAfter)
	}
	r.field(r.w.VKey, r.in.Appliance.VKey, true)
	r.pdf.Ln(2)
	folder := r.in.Manifest.FolderName()
	r.para("", r.w.VerifyTool)
	r.mono(4, 8.5, "attesta verify "+folder)
	r.pdf.Ln(2)
	r.para("", r.w.VerifyStandard)
	r.mono(4, 8.5, "cd "+folder+"\nsha256sum -c SHA256SUMS")
	r.pdf.Ln(2)
	r.para("", r.w.VerifyPDF)
	r.mono(4, 8.5, "pdfsig relazione.pdf")
}
