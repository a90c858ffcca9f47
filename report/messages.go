package report

import (
	"fmt"
	"strings"

	"github.com/attesta/attesta/evidence"
)

// maxQuote bounds how much of a reply the verdict quotes; the reply itself is printed in full with its number.
const maxQuote = 300

// thumbSide is the longest side, in pixels, of an image thumbnail; thumbW its width on the page in millimetres.
const (
	thumbSide = 360
	thumbW    = 45.0
)

func (r *renderer) messages() error {
	m := r.in.Manifest
	r.heading(r.t("SecMessages"), 0)
	full := r.opts.Kind == Personalizzata
	r.para("", r.t("MessagesNoteFull"))
	byID := r.byID()
	certified, proven := r.counts()
	r.para("B", r.t("Counts", certified, proven, certified-proven, len(m.Messages)))
	for i := range m.Messages {
		msg := &m.Messages[i]
		if i%50 == 0 {
			if err := r.ctx.Err(); err != nil {
				return err
			}
		}
		r.message(i, msg, byID, full)
	}
	return nil
}

// message prints one message: its heading line, text, attachments, receipts, verdict and anomalies.
func (r *renderer) message(i int, msg *evidence.Message, byID map[string]int, full bool) {
	r.need(r.estimate(msg, full))
	y := r.pdf.GetY()
	r.pdf.SetDrawColor(150, 150, 150)
	r.pdf.Line(margin, y, pageW-margin, y)
	r.pdf.Ln(1)
	dir := r.t("Incoming")
	if msg.FromMe {
		dir = r.t("FromMe")
	}
	if msg.Author != "" && !msg.FromMe {
		dir += " (" + msg.Author + ")"
	}
	r.font("B", 9.5)
	head := fmt.Sprintf("%s — %s — %s — %s", r.t("MsgRef", i+1), date(msg.SentAt.Time), dir, r.typeName(msg.Type))
	r.multiCell(bodyW, lineH+0.4, r.s(head))
	r.mono(0, 7, "ID "+msg.ID)
	r.pdf.Ln(0.5)
	text := r.t("NoText")
	if msg.Text != nil {
		text = *msg.Text
	}
	r.labelled(r.t("Text"), text)
	if q := msg.QuotedID; q != nil {
		r.labelled(r.t("Quotes"), r.ref(*q, byID))
	}
	for _, a := range msg.Attachments {
		r.attachment(msg, a, full)
	}
	if msg.FromMe && (full || msg.LegalValue != nil) {
		r.receipts(msg, full)
	}
	if msg.Edited {
		r.para("I", r.t("Edited"))
	}
	if lv := msg.LegalValue; lv != nil {
		r.verdict(msg, lv, byID)
	}
	for _, a := range msg.Anomalies {
		r.font("I", 8.5)
		r.pdf.SetTextColor(150, 80, 0)
		r.multiCell(bodyW, 4, r.s(r.t("Anomaly", a.Code)+": "+r.anomalyText(a.Code)))
		r.pdf.SetTextColor(0, 0, 0)
	}
	r.pdf.Ln(2)
}

// estimate is about the height of a message's block, so that a block that fits on a page is not split; a longer
// one starts on the current page and flows on.
func (r *renderer) estimate(msg *evidence.Message, full bool) float64 {
	lines := 3 // heading, id, status
	if msg.Text != nil {
		r.font("", 9)
		lines += r.lines(r.s(*msg.Text), bodyW)
	} else {
		lines++
	}
	lines += 2*len(msg.Attachments) + 2*len(msg.Anomalies)
	if msg.LegalValue != nil {
		lines += 2
	}
	h := float64(lines)*lineH + 4
	if full {
		for _, a := range msg.Attachments {
			if isPicture(msg, a) {
				h += thumbW
			}
		}
	}
	return min(h, 90)
}

// on says when something happened, as the verdict sentences put it.
func (r *renderer) on(t evidence.Time) string {
	if !t.Known() {
		return r.t("AtUnknownTime")
	}
	return r.t("On", date(t.Time))
}

func (r *renderer) typeName(t evidence.MessageType) string { return r.lookup("Types", string(t)) }

// ref names a message of the delivery by its number, or by its id alone when it is not in the delivery.
func (r *renderer) ref(id string, byID map[string]int) string {
	if i, ok := byID[id]; ok {
		return r.t("MsgRef", i+1) + " (ID " + id + ")"
	}
	return "ID " + id
}

// labelled prints "Label: text" with the label in bold and the text wrapped beside it (MultiCell, which is linear
// in the length of the text: a chat message may be tens of thousands of characters).
func (r *renderer) labelled(label, text string) {
	label = r.s(label + ":")
	r.font("B", 9)
	lw := min(r.pdf.GetStringWidth(label)+2, labelW)
	r.cellLeft(lw, lineH, label)
	r.font("", 9)
	r.multiCell(bodyW-lw, lineH, r.s(text))
	r.pdf.Ln(0.5)
}

func (r *renderer) attachment(msg *evidence.Message, a evidence.Attachment, full bool) {
	if a.Unavailable != "" {
		why := r.lookup("Value", a.Unavailable)
		if strings.HasPrefix(a.Unavailable, "error:") {
			why = r.t("Value.download-error") // the downloader's own words stay in manifest.json
		}
		r.labelled(r.t("Attachment"), fmt.Sprintf("%s (%s)", r.t("Unavailable"), why))
		return
	}
	hash := r.t("HashNone")
	if ok := a.WhatsAppHashOK; ok != nil {
		hash = r.t("HashBad")
		if *ok {
			hash = r.t("HashOK")
		}
	}
	r.labelled(r.t("Attachment"), fmt.Sprintf("%s (%s, %s %s) — %s", a.Path, a.MIME, groupDigits(a.Size, r.t("Thousands")), r.t("Bytes"), hash))
	r.mono(4, 7.5, "SHA-256 "+a.SHA256)
	if full && isOggAudio(msg, a) && r.in.Files != nil {
		r.duration(a)
	}
	if full && isVideo(msg, a) {
		r.videoAttachment(a)
	}
	if full && isPicture(msg, a) {
		r.pdf.Ln(1)
		if p := r.loadPicture(a.Path, a.SHA256, 4, thumbSide); p != nil {
			r.image(p, 4, thumbW, 60)
		}
	}
}

func isPicture(msg *evidence.Message, a evidence.Attachment) bool {
	return strings.HasPrefix(a.MIME, "image/") || (a.MIME == "" && (msg.Type == evidence.TypeImage || msg.Type == evidence.TypeSticker))
}

func (r *renderer) receipts(msg *evidence.Message, full bool) {
	parts := []string{r.t("Status") + ": " + r.lookup("Statuses", msg.Status.String())}
	add := func(label string, t evidence.Time) {
		if t.Known() {
			parts = append(parts, label+": "+date(t.Time))
		}
	}
	add(r.t("Delivered"), msg.DeliveredAt)
	add(r.t("Read"), msg.ReadAt)
	add(r.t("Played"), msg.PlayedAt)
	r.font("", 9)
	r.multiCell(bodyW, lineH, r.s(strings.Join(parts, " — ")))
	if !full || len(msg.Receipts) == 0 {
		return
	}
	var lines []string
	for _, rc := range msg.Receipts {
		lines = append(lines, fmt.Sprintf("%s: %s %s", rc.Recipient, r.lookup("Statuses", rc.Kind.Status().String()), r.when(rc.At.Time)))
	}
	r.labelled(r.t("Receipts"), strings.Join(lines, "; "))
}

// verdict prints the legal-value verdict as a sentence a judge reads: proven or not, on which basis, when.
func (r *renderer) verdict(msg *evidence.Message, lv *evidence.LegalValue, byID map[string]int) {
	var s string
	switch lv.Basis {
	case evidence.BasisPlayed:
		s = r.t("Proven.0", r.on(msg.PlayedAt))
	case evidence.BasisRead:
		s = r.t("Proven.1", r.on(msg.ReadAt))
	case evidence.BasisReply:
		s = r.replySentence(msg, lv, byID)
	default:
		s = r.t("Proven.3", r.t("NotProven."+string(notProvenReason(msg))))
	}
	r.need(2 * lineH)
	r.font("B", 9.5)
	if lv.Proven {
		r.pdf.SetTextColor(0, 100, 40)
	} else {
		r.pdf.SetTextColor(170, 20, 20)
	}
	r.multiCell(bodyW, lineH+0.2, r.s(r.t("Verdict")+": "+s))
	r.pdf.SetTextColor(0, 0, 0)
}

func (r *renderer) replySentence(msg *evidence.Message, lv *evidence.LegalValue, byID map[string]int) string {
	id := ""
	if lv.ReplyID != nil {
		id = *lv.ReplyID
	}
	when, quote := r.on(evidence.Time{}), "ID "+id
	if i, ok := byID[id]; ok {
		reply := &r.in.Manifest.Messages[i]
		when = r.on(reply.SentAt)
		if reply.Text != nil && *reply.Text != "" {
			quote = clipText(*reply.Text, maxQuote)
		} else {
			quote = r.t("ReplyMedia", r.typeName(reply.Type))
		}
		quote += " (" + r.t("MsgRef", i+1) + ")"
	}
	return r.t("Proven.2", r.on(msg.DeliveredAt), when, quote)
}

// notProvenReason says why a message is not proven, from what the manifest records; it agrees with the reasons
// evidence.Judge gives.
func notProvenReason(msg *evidence.Message) evidence.Reason {
	switch {
	case msg.Revoked():
		return evidence.ReasonRevoked
	case msg.Status == evidence.StatusFailed:
		return evidence.ReasonFailed
	case msg.Status == evidence.StatusPending:
		return evidence.ReasonPending
	case msg.Status >= evidence.StatusDelivered || msg.DeliveredAt.Known():
		return evidence.ReasonNoReply
	}
	return evidence.ReasonNotDelivered
}

// clipText shortens s to at most n characters, marking the cut.
func clipText(s string, n int) string {
	rs := []rune(s)
	if len(rs) <= n {
		return s
	}
	return string(rs[:n]) + "…"
}
