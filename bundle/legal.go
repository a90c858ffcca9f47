package bundle

import (
	"fmt"

	"github.com/attesta/attesta/evidence"
)

// legalValues recomputes the legal-value rule over the manifest's messages and compares every message the sender
// sent with what the manifest claims. The manifest holds every message the rule needs (Certify adds the replies
// that lie after the range), so the verdicts come out the same as at acquisition.
func (v *verifier) legalValues() {
	verdicts := evidence.Judge(v.m.Chat, v.m.Messages)
	byIndex := make(map[int]evidence.Verdict, len(verdicts))
	for _, vd := range verdicts {
		byIndex[vd.Index] = vd
	}
	checked, bad := 0, 0
	for i := range v.m.Messages {
		msg := &v.m.Messages[i]
		vd, judged := byIndex[i]
		if !judged {
			if msg.LegalValue != nil && msg.LegalValue.Proven {
				bad++
				v.fail(CheckLegalValue, manifestFile, "legalvalue.claimed-unjudged", msg.ID)
			}
			continue
		}
		checked++
		if key, args := verdictDiff(msg, vd); key != "" {
			bad++
			v.fail(CheckLegalValue, manifestFile, key, append([]any{msg.ID}, args...)...)
		}
	}
	if bad == 0 {
		v.pass(CheckLegalValue, manifestFile, "legalvalue.legal-value-recomputed-for-d", checked)
	}
}

// verdictDiff says how the manifest's claim about msg differs from the rule's verdict: the catalog key of the
// detail and its arguments after the message id, or "" when it does not differ.
func verdictDiff(msg *evidence.Message, vd evidence.Verdict) (string, []any) {
	want := vd.LegalValue
	if msg.Status != vd.Status {
		return "legalvalue.status-differs", []any{msg.Status.String(), vd.Status.String()}
	}
	got := msg.LegalValue
	if got == nil {
		return "legalvalue.missing", []any{describeLegal(&want)}
	}
	if got.Proven != want.Proven || got.Basis != want.Basis || str(got.ReplyID) != str(want.ReplyID) {
		return "legalvalue.differs", []any{describeLegal(got), describeLegal(&want)}
	}
	return "", nil
}

func describeLegal(l *evidence.LegalValue) string {
	s := fmt.Sprintf("proven=%t basis=%s", l.Proven, l.Basis)
	if l.ReplyID != nil {
		s += " reply_id=" + *l.ReplyID
	}
	return s
}

func str(p *string) string {
	if p == nil {
		return "\x00nil"
	}
	return *p
}
