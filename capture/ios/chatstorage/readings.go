package chatstorage

// The receipt contract and the edit rule applied to the records read: the readings of each message the owner sent,
// delivery established by the recipient's quotes, and edits inferred from them.

import (
	"fmt"
	"slices"

	"github.com/attesta/attesta/evidence"
)

// noteEdits applies the edit rule: a message the owner sent that a later message quotes with another text than the
// one it holds now is read as edited (inferred). Messages without a quoting reply have no edit reading at all.
func noteEdits(recs []Record) {
	byID := map[string]int{}
	for i := range recs {
		if m := &recs[i].Message; m.FromMe {
			byID[m.ID] = i
		}
	}
	for i := range recs {
		q := &recs[i]
		if q.Message.FromMe || q.Message.QuotedID == nil || q.QuotedText == "" {
			continue
		}
		j, ok := byID[*q.Message.QuotedID]
		if !ok {
			continue
		}
		m := &recs[j].Message
		if m.Text == nil || *m.Text == q.QuotedText || m.Revoked() || slices.ContainsFunc(m.Anomalies,
			func(a evidence.Anomaly) bool { return a.Code == AnomalyEditInferred }) {
			continue
		}
		m.Anomalies = append(m.Anomalies, evidence.Anomaly{Code: AnomalyEditInferred, Detail: fmt.Sprintf(
			"the recipient's message %s of %s quotes this message as %q; the database now holds %q: edited after "+
				"the recipient's device took the quoted version (inferred: no documented edit marker; receipts, "+
				"if any, concern the last version)", q.Message.ID, q.Message.SentAt, q.QuotedText, *m.Text)})
	}
}

// readings applies the receipt contract to a message the owner sent.
func (d *DB) readings(rec *Record, m, info row, chat Chat, client string) {
	msg := &rec.Message
	var ri *ReceiptInfo
	if info != nil {
		if blob := asBytes(info["ZRECEIPTINFO"]); len(blob) > 0 {
			v, err := DecodeReceiptInfo(blob)
			if err != nil {
				msg.Anomalies = append(msg.Anomalies, evidence.Anomaly{Code: AnomalyReceiptUnreadable, Detail: "ZRECEIPTINFO: " + err.Error()})
			} else {
				ri = &v
			}
		}
	}
	status, hasStatus := m.int("ZMESSAGESTATUS")
	recipient := client
	if chat.Group {
		recipient = "" // a group's ZRECEIPTINFO does not say whose time field 3 is
	}
	rec.Readings = Readings(ri, status, hasStatus, recipient)
	msg.Ack = evidence.AckSent
	established := false
	for _, r := range rec.Readings {
		if r.Established {
			msg.Receipts = append(msg.Receipts, evidence.Receipt{Recipient: r.Recipient, Kind: r.Kind, At: r.At})
			established = true
			continue
		}
		at := "no time"
		if r.At.Known() {
			at = r.At.String()
		}
		msg.Anomalies = append(msg.Anomalies, evidence.Anomaly{Code: AnomalyInferred,
			Detail: fmt.Sprintf("%s (%s); inferred, not established: not used by the rule", r.Rule, at)})
	}
	if !established {
		raw := "NULL"
		if hasStatus {
			raw = fmt.Sprint(status)
		}
		msg.Anomalies = append(msg.Anomalies, evidence.Anomaly{Code: AnomalyStatusAssumed,
			Detail: "ZMESSAGESTATUS " + raw + "; no established receipt: status sent is assumed for a message in the sender's own database"})
	}
}

// establishDelivery marks as delivered each message the owner sent that a later message of the recipient quotes.
func establishDelivery(recs []Record, chat Chat, client string) {
	byID := map[string]int{}
	for i := range recs {
		if m := &recs[i].Message; m.FromMe {
			byID[m.ID] = i
		}
	}
	want := userDigits(client)
	for i := range recs {
		q := &recs[i].Message
		if q.FromMe || q.QuotedID == nil || q.Type == evidence.TypeSystem {
			continue
		}
		if chat.Group && userDigits(q.Author) != want {
			continue
		}
		j, ok := byID[*q.QuotedID]
		if !ok {
			continue
		}
		m := &recs[j].Message
		if !m.SentAt.Known() || !q.SentAt.Known() || q.SentAt.Before(m.SentAt.Time) || m.Ack >= evidence.AckReceived {
			continue
		}
		m.Ack = evidence.AckReceived
		m.Anomalies = dropCode(m.Anomalies, AnomalyStatusAssumed)
		m.Anomalies = append(m.Anomalies, evidence.Anomaly{Code: AnomalyDeliveredByQuote, Detail: fmt.Sprintf(
			"delivered: the recipient's message %s of %s quotes it; the delivery time is not recorded (at the latest %s)",
			q.ID, q.SentAt, q.SentAt)})
	}
	noteUnquotedReplies(recs, chat, want)
}

// noteUnquotedReplies marks each message the owner sent whose delivery is not established but after which the
// recipient wrote: the technician sees the candidate reply, the rule does not use it. recs are in time order.
func noteUnquotedReplies(recs []Record, chat Chat, client string) {
	next := -1 // the earliest message of the recipient after the one being looked at
	for i := len(recs) - 1; i >= 0; i-- {
		m := &recs[i].Message
		if !m.FromMe {
			if m.Type != evidence.TypeSystem && (!chat.Group || userDigits(m.Author) == client) {
				next = i
			}
			continue
		}
		if next < 0 || m.Ack >= evidence.AckReceived || m.Revoked() || m.Type == evidence.TypeSystem {
			continue
		}
		r := &recs[next].Message
		if !r.SentAt.After(m.SentAt.Time) {
			continue
		}
		m.Anomalies = append(m.Anomalies, evidence.Anomaly{Code: AnomalyUnquotedReply, Detail: fmt.Sprintf(
			"the recipient wrote %s at %s without quoting this message: under the iPhone receipt contract that does "+
				"not establish its delivery, so it is not a reply for the rule", r.ID, r.SentAt)})
	}
}

func dropCode(an []evidence.Anomaly, code string) []evidence.Anomaly {
	out := an[:0]
	for _, a := range an {
		if a.Code != code {
			out = append(out, a)
		}
	}
	return out
}
