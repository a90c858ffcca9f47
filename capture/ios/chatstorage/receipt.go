package chatstorage

import (
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/attesta/attesta/evidence"
)

// ErrProtobuf reports a protobuf blob (ZRECEIPTINFO, ZMETADATA) that is not well formed.
var ErrProtobuf = errors.New("malformed protobuf")

// field is one protobuf field: its number and wire type, and its value (varint, or the bytes of a length-delimited
// field; fixed32/fixed64 are kept as their bytes).
type field struct {
	num    uint64
	wire   uint8
	varint uint64
	bytes  []byte
}

// walk splits a protobuf message into its fields, strictly: every length inside the blob, no group wire types.
func walk(b []byte) ([]field, error) {
	var out []field
	for off := 0; off < len(b); {
		key, n := binary.Uvarint(b[off:])
		if n <= 0 {
			return nil, fmt.Errorf("%w: key at %d", ErrProtobuf, off)
		}
		off += n
		f := field{num: key >> 3, wire: uint8(key & 7)}
		if f.num == 0 {
			return nil, fmt.Errorf("%w: field 0 at %d", ErrProtobuf, off-n)
		}
		switch f.wire {
		case 0:
			v, n := binary.Uvarint(b[off:])
			if n <= 0 {
				return nil, fmt.Errorf("%w: varint of field %d at %d", ErrProtobuf, f.num, off)
			}
			f.varint, off = v, off+n
		case 1, 5:
			size := 8
			if f.wire == 5 {
				size = 4
			}
			if len(b)-off < size {
				return nil, fmt.Errorf("%w: fixed field %d at %d runs past the end", ErrProtobuf, f.num, off)
			}
			f.bytes, off = b[off:off+size], off+size
		case 2:
			l, n := binary.Uvarint(b[off:])
			if n <= 0 || l > uint64(len(b)-off-n) {
				return nil, fmt.Errorf("%w: length of field %d at %d", ErrProtobuf, f.num, off)
			}
			off += n
			f.bytes, off = b[off:off+int(l)], off+int(l)
		default:
			return nil, fmt.Errorf("%w: wire type %d of field %d at %d", ErrProtobuf, f.wire, f.num, off-n)
		}
		out = append(out, f)
	}
	return out, nil
}

// QuotedID reads the quoted message's stanza id from ZWAMEDIAITEM.ZMETADATA (field 5); "" when there is none.
func QuotedID(metadata []byte) (string, error) {
	q, err := ParseQuote(metadata)
	return q.ID, err
}

// Quote is what a reply's ZWAMEDIAITEM.ZMETADATA says about the message it quotes.
type Quote struct {
	ID     string // field 5: the quoted message's stanza id
	Author string // field 6: the quoted message's author JID, when present
	// Text is field 19.1: the quoted message's text as the replying device held it when the reply was written
	// (on the public iOS 15 sample, Z_PK 16 quotes Z_PK 15 and this field equals Z_PK 15's ZTEXT); "" when absent.
	Text string
}

// ParseQuote reads ZMETADATA's quote fields; a zero Quote when the blob quotes nothing. Malformed protobuf, or a
// quoted id or text that is not UTF-8, is [ErrProtobuf].
func ParseQuote(metadata []byte) (Quote, error) {
	var q Quote
	if len(metadata) == 0 {
		return q, nil
	}
	fields, err := walk(metadata)
	if err != nil {
		return q, err
	}
	for _, f := range fields {
		switch {
		case f.num == 5 && f.wire == 2 && q.ID == "":
			if !utf8.Valid(f.bytes) || len(f.bytes) == 0 {
				return Quote{}, fmt.Errorf("%w: quoted id is not text", ErrProtobuf)
			}
			q.ID = string(f.bytes)
		case f.num == 6 && f.wire == 2 && q.Author == "" && utf8.Valid(f.bytes):
			q.Author = string(f.bytes)
		case f.num == 19 && f.wire == 2 && q.Text == "":
			sub, err := walk(f.bytes)
			if err != nil {
				return Quote{}, fmt.Errorf("quoted message: %w", err)
			}
			for _, s := range sub {
				if s.num == 1 && s.wire == 2 {
					if !utf8.Valid(s.bytes) {
						return Quote{}, fmt.Errorf("%w: quoted text is not UTF-8", ErrProtobuf)
					}
					q.Text = string(s.bytes)
					break
				}
			}
		}
	}
	if q.ID == "" {
		return Quote{}, nil
	}
	return q, nil
}

// ReceiptInfo is ZWAMESSAGEINFO.ZRECEIPTINFO as decoded: the fields seen on the public sample (research notes
// §5.3). Their meaning is not established; see [Readings].
type ReceiptInfo struct {
	// Participants are the JIDs of field 2's entries (field 2.1, a packed JID), in order.
	Participants []string
	// Time is field 3 (Unix seconds); zero when absent.
	Time time.Time
	// Code is field 4; HasCode says whether it was present.
	Code    uint64
	HasCode bool
}

// DecodeReceiptInfo reads a ZRECEIPTINFO blob. Unknown fields are skipped; malformed protobuf is [ErrProtobuf].
func DecodeReceiptInfo(b []byte) (ReceiptInfo, error) {
	var ri ReceiptInfo
	fields, err := walk(b)
	if err != nil {
		return ri, err
	}
	for _, f := range fields {
		switch {
		case f.num == 2 && f.wire == 2:
			sub, err := walk(f.bytes)
			if err != nil {
				return ri, fmt.Errorf("participant: %w", err)
			}
			for _, s := range sub {
				if s.num == 1 && s.wire == 2 {
					jid, err := unpackJID(s.bytes)
					if err != nil {
						return ri, err
					}
					ri.Participants = append(ri.Participants, jid)
				}
			}
		case f.num == 3 && f.wire == 0:
			if f.varint == 0 || f.varint > 1<<40 {
				return ri, fmt.Errorf("%w: field 3 = %d is not a time", ErrProtobuf, f.varint)
			}
			ri.Time = time.Unix(int64(f.varint), 0).UTC()
		case f.num == 4 && f.wire == 0:
			ri.Code, ri.HasCode = f.varint, true
		}
	}
	return ri, nil
}

// unpackJID decodes a packed JID: 0x81, then the phone number's digits two to a byte, high nibble first, padded
// with 0xF (seen on the public sample as 81 19 19 88 73 86 f…). Any other first byte is kept as hex, prefixed
// "packed:", rather than guessed at.
func unpackJID(b []byte) (string, error) {
	if len(b) < 2 || b[0] != 0x81 {
		return fmt.Sprintf("packed:%x", b), nil
	}
	var d strings.Builder
	for i, c := range b[1:] {
		for k, nib := range []byte{c >> 4, c & 0xF} {
			switch {
			case nib <= 9:
				d.WriteByte('0' + nib)
			case nib == 0xF && i == len(b)-2 && k == 1:
			default:
				return "", fmt.Errorf("%w: packed JID %x: nibble %x", ErrProtobuf, b, nib)
			}
		}
	}
	return d.String() + "@s.whatsapp.net", nil
}

// PackJID is the inverse of the packed form, for test databases: digits of a phone JID.
func PackJID(jid string) []byte {
	digits := strings.TrimSuffix(jid, "@s.whatsapp.net")
	if len(digits)%2 == 1 {
		digits += "?"
	}
	out := []byte{0x81}
	for i := 0; i < len(digits); i += 2 {
		hi, lo := digits[i]-'0', digits[i+1]-'0'
		if digits[i+1] == '?' {
			lo = 0xF
		}
		out = append(out, hi<<4|lo)
	}
	return out
}

// Reading is one statement about a message's receipts that the database supports, with how far it can be trusted.
type Reading struct {
	Source      string               // "ZRECEIPTINFO" or "ZMESSAGESTATUS"
	Kind        evidence.ReceiptKind // what it would confirm
	At          evidence.Time        // when, if the source says
	Recipient   string               // whose, if the source says
	Established bool                 // the contract's verdict: only established readings count
	Rule        string               // the contract rule applied, for the record
}

// rule is one row of the receipt contract (DESIGN.md "iOS receipts"). A row becomes established only when lab
// phones have confirmed it; then the readings it makes count for the legal-value rule. kind is ReceiptUnset while
// the meaning itself is unknown.
type rule struct {
	kind        evidence.ReceiptKind
	established bool
	why         string
}

// receiptCode reads ZRECEIPTINFO field 4 with its time, field 3. On the public iOS 15 sample every message the
// owner sent has field 4 = 2 and field 3 a second or two after sending, in a conversation that was read: that fits
// a server acknowledgement (WhatsApp's protobuf status 2 is SERVER_ACK) as well as a delivery or a read. So no
// code has an established meaning, and none is given one.
func receiptCode(code uint64) rule {
	return rule{evidence.ReceiptUnset, false, fmt.Sprintf("ZRECEIPTINFO field 4 = %d at field 3; meaning not established "+
		"(server acknowledgement, delivery or read)", code)}
}

// statusCodes reads ZMESSAGESTATUS of a message the owner sent: a community query maps 8 to read (and the public
// sample has 8 on every message, in both directions); no source establishes it.
var statusCodes = map[int64]rule{
	8: {evidence.ReceiptRead, false, "ZMESSAGESTATUS 8, read by a community mapping (unverified)"},
}

// Readings applies the receipt contract to one message the owner sent: its ZRECEIPTINFO (may be nil) and its
// ZMESSAGESTATUS. recipient is the chat's person, for a one-to-one chat.
func Readings(ri *ReceiptInfo, status int64, hasStatus bool, recipient string) []Reading {
	var out []Reading
	if ri != nil && ri.HasCode {
		r := receiptCode(ri.Code)
		rd := Reading{Source: "ZRECEIPTINFO", Kind: r.kind, Recipient: recipient, Established: r.established, Rule: r.why}
		if !ri.Time.IsZero() {
			rd.At = evidence.At(ri.Time)
		}
		out = append(out, rd)
	}
	if hasStatus {
		if r, ok := statusCodes[status]; ok {
			out = append(out, Reading{Source: "ZMESSAGESTATUS", Kind: r.kind, Recipient: recipient, Established: r.established, Rule: r.why})
		}
	}
	return out
}

func base64Std(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
