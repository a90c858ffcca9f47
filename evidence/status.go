package evidence

import (
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
)

// Status is how far a message got, as the manifest reports it. Values are ordered by strength, failed weakest, so
// that the strongest of two statuses is the larger. The zero Status is unset and cannot be written.
type Status uint8

// Statuses, weakest first.
const (
	StatusUnset     Status = iota
	StatusFailed           // the send failed (an error ack)
	StatusPending          // waiting to be sent (the clock)
	StatusSent             // accepted by the server (one tick)
	StatusDelivered        // delivered to one of the recipient's devices (two ticks)
	StatusRead             // read (blue ticks)
	StatusPlayed           // a voice or video note was played
)

var statusNames = [...]string{"", "failed", "pending", "sent", "delivered", "read", "played"}

// ErrStatus reports a status name outside pending|sent|delivered|read|played|failed.
var ErrStatus = errors.New("unknown status")

// String returns the manifest name ("delivered"), or "unset".
func (s Status) String() string { return enumString(s, statusNames[:]) }

// MarshalText writes the manifest name; an unset or unknown status is an error.
func (s Status) MarshalText() ([]byte, error) {
	return marshalEnum(s, statusNames[:], "status", ErrStatus)
}

// UnmarshalText reads a manifest name.
func (s *Status) UnmarshalText(b []byte) error {
	return unmarshalEnum(s, b, statusNames[:], "status", ErrStatus)
}

// Ack is WhatsApp's acknowledgement level of a message the sender sent, in WhatsApp Web's numbering: -7..-1
// errors, 0 clock, 1 sent, 2 received (delivered), 3 read, 4 played, 5 peer. Other capture paths map their own
// codes onto these values.
type Ack int

// Ack values as WhatsApp Web defines them.
const (
	AckMDDowngrade         Ack = -7
	AckInactive            Ack = -6
	AckContentUnuploadable Ack = -5
	AckContentTooBig       Ack = -4
	AckContentGone         Ack = -3
	AckExpired             Ack = -2
	AckFailed              Ack = -1
	AckClock               Ack = 0
	AckSent                Ack = 1
	AckReceived            Ack = 2
	AckRead                Ack = 3
	AckPlayed              Ack = 4
	AckPeer                Ack = 5
)

// Status maps the ack to a status. ok is false for values that are not a receipt level: above played (5 PEER
// concerns the sender's own devices, not the recipient) or below the lowest known error.
func (a Ack) Status() (s Status, ok bool) {
	switch {
	case a >= AckMDDowngrade && a <= AckFailed:
		return StatusFailed, true
	case a == AckClock:
		return StatusPending, true
	case a == AckSent:
		return StatusSent, true
	case a == AckReceived:
		return StatusDelivered, true
	case a == AckRead:
		return StatusRead, true
	case a == AckPlayed:
		return StatusPlayed, true
	}
	return StatusUnset, false
}

var ackNames = map[Ack]string{AckMDDowngrade: "MD_DOWNGRADE", AckInactive: "INACTIVE",
	AckContentUnuploadable: "CONTENT_UNUPLOADABLE", AckContentTooBig: "CONTENT_TOO_BIG",
	AckContentGone: "CONTENT_GONE", AckExpired: "EXPIRED", AckFailed: "FAILED", AckClock: "CLOCK",
	AckSent: "SENT", AckReceived: "RECEIVED", AckRead: "READ", AckPlayed: "PLAYED", AckPeer: "PEER"}

// String names the ack as WhatsApp does ("3 READ").
func (a Ack) String() string {
	if n, ok := ackNames[a]; ok {
		return fmt.Sprintf("%d %s", int(a), n)
	}
	return fmt.Sprintf("%d UNKNOWN", int(a))
}

// ReceiptKind is what a receipt confirms.
type ReceiptKind uint8

// Receipt kinds, weakest first.
const (
	ReceiptUnset ReceiptKind = iota
	ReceiptDelivered
	ReceiptRead
	ReceiptPlayed
)

var receiptNames = [...]string{"", "delivered", "read", "played"}

// ErrReceiptKind reports a receipt kind outside delivered|read|played.
var ErrReceiptKind = errors.New("unknown receipt kind")

// String returns "delivered", "read" or "played".
func (k ReceiptKind) String() string { return enumString(k, receiptNames[:]) }

// Status returns the status a receipt of this kind establishes.
func (k ReceiptKind) Status() Status {
	switch k {
	case ReceiptDelivered:
		return StatusDelivered
	case ReceiptRead:
		return StatusRead
	case ReceiptPlayed:
		return StatusPlayed
	}
	return StatusUnset
}

// MarshalText writes the kind's name.
func (k ReceiptKind) MarshalText() ([]byte, error) {
	return marshalEnum(k, receiptNames[:], "receipt kind", ErrReceiptKind)
}

// UnmarshalText reads a kind's name.
func (k *ReceiptKind) UnmarshalText(b []byte) error {
	return unmarshalEnum(k, b, receiptNames[:], "receipt kind", ErrReceiptKind)
}

// Basis is why a message is, or is not, proven to have reached the recipient.
type Basis string

// Bases of the legal-value rule, in the order the rule tries them.
const (
	BasisPlayed Basis = "played"
	BasisRead   Basis = "read"
	BasisReply  Basis = "reply"
	BasisNone   Basis = "none"
)

// ErrBasis reports a basis outside read|played|reply|none.
var ErrBasis = errors.New("unknown legal basis")

// UnmarshalText reads a basis name.
func (b *Basis) UnmarshalText(t []byte) error {
	return unmarshalName(b, t, "basis", ErrBasis, BasisPlayed, BasisRead, BasisReply, BasisNone)
}

// MarshalText writes the basis name; an empty or unknown basis is an error.
func (b Basis) MarshalText() ([]byte, error) {
	switch b {
	case BasisPlayed, BasisRead, BasisReply, BasisNone:
		return []byte(b), nil
	}
	return nil, fmt.Errorf("evidence: marshal basis %q: %w", clip(string(b)), ErrBasis)
}

// The text forms are what JSON writes; a type that lost its method would silently change the manifest.
var (
	_ encoding.TextMarshaler   = StatusUnset
	_ encoding.TextUnmarshaler = (*Status)(nil)
	_ encoding.TextMarshaler   = ReceiptUnset
	_ encoding.TextUnmarshaler = (*ReceiptKind)(nil)
	_ encoding.TextMarshaler   = BasisNone
	_ encoding.TextUnmarshaler = (*Basis)(nil)
	_ encoding.TextUnmarshaler = (*MessageType)(nil)
	_ encoding.TextUnmarshaler = (*Method)(nil)
	_ encoding.TextMarshaler   = Date{}
	_ encoding.TextUnmarshaler = (*Date)(nil)
	_ json.Marshaler           = Time{}
	_ json.Unmarshaler         = (*Time)(nil)
	_ json.Marshaler           = Attachments(nil)
)

// The enums written by name (Status, ReceiptKind) share these: names[v] is v's name, and the zero value, names[0],
// is unset and is never written or read.

func enumString[T ~uint8](v T, names []string) string {
	if v == 0 || int(v) >= len(names) {
		return "unset"
	}
	return names[v]
}

func marshalEnum[T ~uint8](v T, names []string, what string, unknown error) ([]byte, error) {
	if v == 0 || int(v) >= len(names) {
		return nil, fmt.Errorf("evidence: marshal %s %d: %w", what, v, unknown)
	}
	return []byte(names[v]), nil
}

// unmarshalName sets *v to the name b when it is one of names; otherwise it is an error naming what, matching unknown.
func unmarshalName[T ~string](v *T, b []byte, what string, unknown error, names ...T) error {
	if !slices.Contains(names, T(b)) {
		return fmt.Errorf("evidence: %s %q: %w", what, clip(string(b)), unknown)
	}
	*v = T(b)
	return nil
}

func unmarshalEnum[T ~uint8](v *T, b []byte, names []string, what string, unknown error) error {
	for i := 1; i < len(names); i++ {
		if names[i] == string(b) {
			*v = T(i)
			return nil
		}
	}
	return fmt.Errorf("evidence: %s %q: %w", what, clip(string(b)), unknown)
}
