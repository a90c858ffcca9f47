package report

import (
	"fmt"
	"strings"

	"github.com/attesta/attesta/evidence"
)

// document lays out every section in order: page 1 is the answer (who, which chat, which period, the verdict of
// every certified message); then, in the detailed report, the messages in full, the caveats and anomalies, the
// method and the appliance, the chain of custody, the screenshots and how to verify, with the technical log as an
// appendix. The simple report keeps page 1, the caveats and anomalies, and how to verify.
func (r *renderer) document() error {
	r.pdf.AddPage()
	r.answer()
	full := r.opts.Kind == Personalizzata
	r.prefetch()
	if full {
		r.pdf.AddPage()
		if err := r.messages(); err != nil {
			return err
		}
	}
	var shots []*shot
	if full {
		shots = r.distinctShots()
	}
	vids, noVideo := r.sessionVideos(full)
	r.caveats()
	if full {
		r.method()
		r.custody()
		if err := r.screenshots(shots); err != nil {
			return err
		}
		r.sessionVideoSection(vids, noVideo)
	}
	r.verification()
	r.hashes()
	if full {
		r.appendix()
	}
	return r.ctx.Err()
}

// answer is page 1: the title, who asked, the chat and the period, and the table of verdicts with the counts.
func (r *renderer) answer() {
	m := r.in.Manifest
	acq := m.Acquisition
	r.font("B", 16)
	r.pdf.SetTextColor(20, 50, 90)
	r.multiCell(bodyW, 7.5, r.s(r.t("Title")))
	r.pdf.SetTextColor(0, 0, 0)
	r.font("", 10.5)
	r.multiCell(bodyW, 5.5, r.s(r.t("Subtitle")))
	r.font("B", 10)
	r.multiCell(bodyW, 5.5, r.s(r.t(fmt.Sprintf("Kind.%d", r.opts.Kind))))
	r.pdf.Ln(2)
	q := r.in.Request
	r.field(r.t("Client"), orUnknown(q.Client, r.t("Unknown")), false)
	r.field(r.t("Case"), orUnknown(q.Case, r.t("Unknown")), false)
	r.field(r.t("Purpose"), orUnknown(q.Purpose, r.t("Unknown")), false)
	r.field(r.t("Sender"), orUnknown(acq.LinkedAccount, r.t("Unknown")), false)
	r.field(r.t("Chat"), chatLine(m.Chat), false)
	r.field(r.t("Period"), r.t("PeriodFmt", dayText(m.Range.From), dayText(m.Range.To)), false)
	r.field(r.t("Acquired"), r.t("AcquiredFmt", r.when(acq.StartedAt.Time), r.lookup("Methods", string(acq.Method)), acq.ID), false)
	r.pdf.Ln(2)
	r.subheading(r.t("Answer"))
	certified, proven := r.counts()
	r.para("B", r.t("AnswerCounts", certified, proven, certified-proven, len(m.Messages)))
	if certified == 0 {
		r.para("", r.t("NoCertified"))
	} else {
		r.verdictTable()
	}
	if r.opts.Kind == Personalizzata {
		r.para("I", r.t("AnswerNote"))
	} else {
		r.para("I", r.t("AnswerNoteSimple"))
	}
	r.para("I", r.t("Generated", date(r.opts.Now))+". "+r.t("TimesNote"))
}

// dayText prints a calendar day as 12/01/2026.
func dayText(d evidence.Date) string {
	return fmt.Sprintf("%02d/%02d/%04d", d.Day, int(d.Month), d.Year)
}

// counts returns how many messages are certified and how many of them proven.
func (r *renderer) counts() (certified, proven int) {
	for i := range r.in.Manifest.Messages {
		if lv := r.in.Manifest.Messages[i].LegalValue; lv != nil {
			certified++
			if lv.Proven {
				proven++
			}
		}
	}
	return certified, proven
}

// Columns of the table of verdicts, in millimetres.
var verdictCols = []float64{10, 27, 24, 62, bodyW - 123}

// verdictTable prints one row per certified message: number, time, type, first words and the short verdict.
func (r *renderer) verdictTable() {
	m := r.in.Manifest
	byID := r.byID()
	head := []string{r.t("Col.N"), r.t("Col.When"), r.t("Col.Type"), r.t("Col.Text"), r.t("Col.Verdict")}
	r.tableHead(verdictCols, head)
	for i := range m.Messages {
		msg := &m.Messages[i]
		lv := msg.LegalValue
		if lv == nil {
			continue
		}
		cells := []string{fmt.Sprint(i + 1), dateShort(msg.SentAt.Time), r.typeName(msg.Type), r.firstWords(msg),
			r.shortVerdict(msg, lv, byID)}
		color := [3]int{0, 100, 40}
		if !lv.Proven {
			color = [3]int{170, 20, 20}
		}
		r.rowColored(verdictCols, cells, head, len(cells)-1, color)
	}
	r.pdf.Ln(2)
}

// firstWords is the start of a message's text, or its type in brackets when it has none.
func (r *renderer) firstWords(msg *evidence.Message) string {
	if msg.Text != nil && strings.TrimSpace(*msg.Text) != "" {
		return clipText(strings.Join(strings.Fields(*msg.Text), " "), 70)
	}
	return r.t("FirstWordsMedia", r.typeName(msg.Type))
}

// shortVerdict is the verdict as the table prints it: proven on which basis and when, or not proven and why.
func (r *renderer) shortVerdict(msg *evidence.Message, lv *evidence.LegalValue, byID map[string]int) string {
	at := func(t evidence.Time) string {
		if !t.Known() {
			return r.t("ShortTimeUnknown")
		}
		return dateShort(t.Time)
	}
	switch lv.Basis {
	case evidence.BasisPlayed:
		return r.t("Short.played", at(msg.PlayedAt))
	case evidence.BasisRead:
		return r.t("Short.read", at(msg.ReadAt))
	case evidence.BasisReply:
		if lv.ReplyID != nil {
			if i, ok := byID[*lv.ReplyID]; ok {
				return r.t("Short.reply", at(r.in.Manifest.Messages[i].SentAt), i+1)
			}
		}
		return r.t("Short.reply-outside", at(evidence.Time{}))
	}
	return r.t("Short.none", r.t("ShortReason."+string(notProvenReason(msg))))
}

func (r *renderer) byID() map[string]int {
	byID := make(map[string]int, len(r.in.Manifest.Messages))
	for i := range r.in.Manifest.Messages {
		byID[r.in.Manifest.Messages[i].ID] = i
	}
	return byID
}

func chatLine(c evidence.Chat) string {
	parts := []string{}
	if c.Name != "" {
		parts = append(parts, c.Name)
	}
	parts = append(parts, c.Phone)
	if c.JID != "" {
		parts = append(parts, c.JID)
	}
	return strings.Join(parts, " · ")
}

func orUnknown(s, unknown string) string {
	if strings.TrimSpace(s) == "" {
		return unknown
	}
	return s
}

func firstOf(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// method prints how the evidence was acquired and by which appliance, with its last attestation.
func (r *renderer) method() {
	acq, src := r.in.Manifest.Acquisition, r.in.Source
	r.heading(r.t("SecMethod"), 0)
	r.field(r.t("Method"), r.lookup("Methods", string(acq.Method)), false)
	r.field(r.t("Operator"), acq.Operator, false)
	r.field(r.t("Started"), r.when(acq.StartedAt.Time), false)
	r.field(r.t("Finished"), r.when(acq.FinishedAt.Time), false)
	r.field(r.t("SourceVersion"), acq.SourceVersion, false)
	r.field(r.t("LinkedAccount"), acq.LinkedAccount, false)
	r.field(r.t("WebBuild"), src.WebBuild, false)
	r.field(r.t("Bridge"), src.BridgeVersion, false)
	r.field(r.t("Device"), src.DeviceModel, false)
	r.field(r.t("OS"), src.OSVersion, false)
	r.field(r.t("WhatsApp"), src.WhatsAppVersion, false)
	r.field(r.t("Path"), r.lookup("Paths", src.ExtractionPath), false)
	r.field(r.t("SenderReceipts"), r.lookup("ReadReceipts", string(acq.SenderReadReceipts)), false)
	r.pdf.Ln(2)
	r.applianceFields()
}

// applianceFields prints the appliance's identity, keys and last attestation.
func (r *renderer) applianceFields() {
	a, acq := r.in.Appliance, r.in.Manifest.Acquisition
	r.field(r.t("ApplianceID"), orUnknown(firstOf(a.ID, acq.ApplianceID), r.t("Unknown")), false)
	r.field(r.t("Software"), orUnknown(firstOf(a.SoftwareVersion, acq.ToolVersion), r.t("Unknown")), false)
	r.field(r.t("SigningKey"), orUnknown(a.SigningKey, r.t("Unknown")), true)
	r.field(r.t("AK"), orUnknown(a.AK, r.t("Unknown")), true)
	att := r.t("NoAttestation")
	if at := r.in.Attestation; at != nil {
		if at.OK {
			att = r.t("AttestOK", r.when(at.At))
		} else {
			att = r.t("AttestFail", r.when(at.At))
		}
		switch {
		case at.Leaf != nil && at.OK:
			att += ": " + r.t("AttestChecks", *at.Leaf)
		case at.Leaf != nil:
			att += ": " + r.t("AttestFailedLeaf", *at.Leaf)
		case at.Summary != "":
			att += ": " + at.Summary
		}
	}
	r.field(r.t("LastAttestation"), att, false)
}

// caveats prints what bounds the value of the receipts, then every anomaly of the messages in the report's
// language, then the files that could not be shown.
func (r *renderer) caveats() {
	r.heading(r.t("SecCaveats"), 0)
	r.para("", r.t("CaveatsNote"))
	for _, c := range evidence.Caveats(r.in.Manifest.Acquisition) {
		text := c.IT
		if r.opts.Lang == "en" {
			text = c.EN
		}
		r.bullet(text)
	}
	if p := r.in.Source.ExtractionPath; p == PathCloudAndroid || p == PathCloudIPhone {
		r.bullet(r.t("Caveat.cloud-restore", orUnknown(r.cloudBackupDate(), r.t("Unknown"))))
	}
	r.subheading(r.t("SecAnomalies"))
	n := 0
	for i := range r.in.Manifest.Messages {
		for _, a := range r.in.Manifest.Messages[i].Anomalies {
			n++
			r.bullet(r.t("AnomalyLine", i+1, r.anomalyText(a.Code), a.Code))
		}
	}
	for _, p := range r.problems {
		n++
		r.bullet(p)
	}
	if n == 0 {
		r.para("", r.t("NoAnomalies"))
	} else {
		r.para("I", r.t("AnomalyDetailNote"))
	}
}

// anomalyText explains an anomaly code in the report's language.
func (r *renderer) anomalyText(code string) string {
	if k := "Anomalies." + code; catalog.Has(k) {
		return r.t(k)
	}
	return r.t("AnomalyUnknown")
}

// bullet prints one item of a list.
func (r *renderer) bullet(text string) {
	r.font("", 9.5)
	r.need(2 * lineH)
	r.cellLeft(5, lineH, "•")
	r.multiCell(bodyW-5, lineH, r.s(text))
	r.pdf.Ln(0.8)
}

// hashes lists the digest of every file of the delivery the manifest names.
func (r *renderer) hashes() {
	r.subheading(r.t("SecHashesIn"))
	r.para("", r.t("HashesNote"))
	seen := map[string]bool{}
	line := func(path, what string, size int64, sha string) {
		if seen[path] {
			return
		}
		seen[path] = true
		r.need(3 * lineH)
		r.font("", 8.5)
		r.multiCell(bodyW, 4, r.s(fmt.Sprintf("%s — %s, %s %s", path, what, groupDigits(size, r.t("Thousands")), r.t("Bytes"))))
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
		line(a.Path, r.lookup("ArtifactKinds", string(a.Kind)), a.Size, a.SHA256)
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
	r.heading(r.t("SecVerify"), 0)
	r.para("", r.t("VerifyIntro"))
	if j != nil {
		r.field(r.t("Origin"), j.Origin, true)
		r.field(r.t("LeafIndex"), fmt.Sprint(j.LeafIndex), false)
		r.field(r.t("TreeSize"), fmt.Sprint(j.TreeSize), false)
		r.field(r.t("Root"), j.RootHash, true)
	} else {
		r.para("", r.t("SealedAfter"))
	}
	r.field(r.t("VKey"), r.in.Appliance.VKey, true)
	if r.opts.Kind == Semplice {
		r.applianceFields()
	}
	r.pdf.Ln(2)
	folder := r.in.Manifest.FolderName()
	r.para("", r.t("VerifyTool"))
	r.mono(4, 8.5, "attesta verify "+folder)
	r.pdf.Ln(2)
	r.para("", r.t("VerifyStandard"))
	r.mono(4, 8.5, "cd "+folder+"\nsha256sum -c SHA256SUMS")
	r.pdf.Ln(2)
	r.para("", r.t("VerifyPDF"))
	r.mono(4, 8.5, "pdfsig relazione.pdf")
}
