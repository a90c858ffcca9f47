package evidence

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"strings"
)

// MessageType is what a message carries, in the product's own names (stable across capture paths).
type MessageType string

// Message types. Use [TypeFromWhatsApp] to map WhatsApp Web's names.
const (
	TypeText      MessageType = "text"       // WhatsApp "chat"
	TypeImage     MessageType = "image"      // "image"
	TypeVideo     MessageType = "video"      // "video" (GIFs too)
	TypeVoice     MessageType = "voice"      // "ptt": a voice note, has a played receipt
	TypeVideoNote MessageType = "video_note" // "ptv": a round video note, has a played receipt
	TypeAudio     MessageType = "audio"      // "audio": an audio file
	TypeDocument  MessageType = "document"   // "document"
	TypeSticker   MessageType = "sticker"    // "sticker"
	TypeLocation  MessageType = "location"   // "location", "live_location"
	TypeContact   MessageType = "contact"    // "vcard", "multi_vcard"
	TypeRevoked   MessageType = "revoked"    // "revoked": deleted for everyone, content gone
	TypeSystem    MessageType = "system"     // notifications WhatsApp writes itself: never a message anyone sent
	TypeOther     MessageType = "other"      // anything else (polls, undecryptable "ciphertext", new types)
)

// ErrMessageType reports a type name this package does not define.
var ErrMessageType = errors.New("unknown message type")

var whatsAppTypes = map[string]MessageType{
	"chat": TypeText, "image": TypeImage, "video": TypeVideo, "gif": TypeVideo, "ptt": TypeVoice,
	"ptv": TypeVideoNote, "audio": TypeAudio, "document": TypeDocument, "sticker": TypeSticker,
	"location": TypeLocation, "live_location": TypeLocation, "vcard": TypeContact, "multi_vcard": TypeContact,
	"revoked": TypeRevoked, "e2e_notification": TypeSystem, "notification": TypeSystem,
	"notification_template": TypeSystem, "gp2": TypeSystem, "call_log": TypeSystem, "protocol": TypeSystem,
	"broadcast_notification": TypeSystem,
}

// TypeFromWhatsApp maps a WhatsApp Web message type name to a MessageType; unknown names are TypeOther (keep the
// original in Message.SourceType).
func TypeFromWhatsApp(name string) MessageType {
	if t, ok := whatsAppTypes[name]; ok {
		return t
	}
	return TypeOther
}

// Valid reports whether t is one of the defined types.
func (t MessageType) Valid() bool {
	switch t {
	case TypeText, TypeImage, TypeVideo, TypeVoice, TypeVideoNote, TypeAudio, TypeDocument, TypeSticker,
		TypeLocation, TypeContact, TypeRevoked, TypeSystem, TypeOther:
		return true
	}
	return false
}

// Playable reports whether WhatsApp sends a played receipt for this type (voice and video notes).
func (t MessageType) Playable() bool { return t == TypeVoice || t == TypeVideoNote }

// UnmarshalText reads a type name, refusing unknown ones.
func (t *MessageType) UnmarshalText(b []byte) error {
	v := MessageType(b)
	if !v.Valid() {
		return fmt.Errorf("evidence: message type %q: %w", clip(string(b)), ErrMessageType)
	}
	*t = v
	return nil
}

// Message is one message of a chat, as the manifest records it. The capture fills what it saw; [Judge] and
// [Apply] fill Status, LegalValue and the receipt times derived from Receipts.
type Message struct {
	ID          string      `json:"id"`           // WhatsApp's message id (the bare id, not the serialized key)
	FromMe      bool        `json:"from_me"`      // sent by the account holder (the sender being certified)
	SentAt      Time        `json:"sent_at"`      // WhatsApp's message time, whole seconds
	Type        MessageType `json:"type"`         //
	Text        *string     `json:"text"`         // body of a text, caption of media; nil when none, never a thumbnail
	Status      Status      `json:"status"`       // see Judge; incoming messages are delivered
	DeliveredAt Time        `json:"delivered_at"` // the recipient's delivery receipt, when known
	ReadAt      Time        `json:"read_at"`      // the recipient's read receipt, when known
	PlayedAt    Time        `json:"played_at"`    // the recipient's played receipt, when known
	QuotedID    *string     `json:"quoted_id"`    // id of the message this one quotes, nil when none
	Attachments Attachments `json:"attachments"`  // media files; [] when none
	LegalValue  *LegalValue `json:"legal_value"`  // the rule's verdict for certified messages, nil otherwise

	// Beyond the v1 list: optional keys, omitted when empty.

	Ack        Ack       `json:"ack,omitempty"`         // WhatsApp's ack of a sent message (see Ack)
	Author     string    `json:"author,omitempty"`      // who wrote an incoming message (E.164 or JID); needed in groups
	SourceType string    `json:"source_type,omitempty"` // the type name in the source, for audit ("ptt", "chat")
	Edited     bool      `json:"edited,omitempty"`      // the message was edited: its receipts were reset then
	Receipts   []Receipt `json:"receipts,omitempty"`    // per-recipient receipts as the source recorded them
	Anomalies  []Anomaly `json:"anomalies,omitempty"`   // disagreements and gaps found by the capture or the rule
}

// Revoked reports whether the message was deleted for everyone.
func (m *Message) Revoked() bool { return m.Type == TypeRevoked }

// Receipt is one recipient's confirmation of one message.
type Receipt struct {
	Recipient string      `json:"recipient"` // E.164 or JID of the recipient (user, not device)
	Kind      ReceiptKind `json:"kind"`
	At        Time        `json:"at"`
}

// Attachment is a media file of a message, stored under the delivery's artifacts.
type Attachment struct {
	Path   string `json:"path"`   // slash-separated, relative to the delivery folder
	SHA256 string `json:"sha256"` // lower-case hex of the bytes at Path
	Size   int64  `json:"size"`
	MIME   string `json:"mime"`
	// WhatsAppHashOK is whether the bytes match WhatsApp's own hash of the plaintext (filehash); nil when the
	// source carried no hash or the bytes could not be obtained.
	WhatsAppHashOK *bool `json:"whatsapp_hash_ok"`
	// Unavailable says why the bytes are missing ("gone", "reuploading"); Path, SHA256 and Size are then empty.
	Unavailable string `json:"unavailable,omitempty"`
}

// Attachments is a message's attachments; it is written as [] rather than null when empty.
type Attachments []Attachment

// MarshalJSON writes [] for no attachments.
func (a Attachments) MarshalJSON() ([]byte, error) {
	if len(a) == 0 {
		return []byte("[]"), nil
	}
	return json.Marshal([]Attachment(a))
}

// LegalValue is the rule's verdict on one message, as the manifest records it.
type LegalValue struct {
	Proven  bool    `json:"proven"`
	Basis   Basis   `json:"basis"`
	ReplyID *string `json:"reply_id"` // set only when Basis is reply
}

// Anomaly is a disagreement or gap in the evidence of one message, which the report shows rather than hides.
type Anomaly struct {
	Code   string `json:"code"`   // stable identifier, e.g. AnomalyAckBelowReceipts
	Detail string `json:"detail"` // what was seen, in English, naming values
}

// Anomaly codes written by the rule. Capture paths add their own codes (for example when message info is missing).
const (
	AnomalyAckUnknown        = "ack-unknown"          // an ack value that is not a receipt level
	AnomalyAckBelowReceipts  = "ack-below-receipts"   // a receipt time is known that the ack does not reflect
	AnomalyReceiptMissing    = "receipt-time-missing" // the ack claims a receipt whose time is not known
	AnomalyReceiptOrder      = "receipt-order"        // receipt times out of order or before the message
	AnomalyPlayedNotPlayable = "played-not-playable"  // a played receipt on a type that cannot be played
	AnomalyEdited            = "edited"               // receipts were reset when the message was edited
)

// ruleAnomalies are the codes Judge owns: Apply replaces them and keeps the rest.
var ruleAnomalies = map[string]bool{AnomalyAckUnknown: true, AnomalyAckBelowReceipts: true,
	AnomalyReceiptMissing: true, AnomalyReceiptOrder: true, AnomalyPlayedNotPlayable: true, AnomalyEdited: true}

// Validate checks what a manifest message must satisfy: an id, a known time, a defined type and status, a legal
// value consistent with itself (proven iff basis ≠ none, reply_id iff basis reply), receipts of a known kind and
// well-formed attachments.
func (m *Message) Validate() error {
	if err := m.validate(); err != nil {
		return fmt.Errorf("evidence: message %q: %w", clip(m.ID), err)
	}
	return nil
}

func (m *Message) validate() error {
	switch {
	case m.ID == "":
		return errors.New("empty id")
	case !m.SentAt.Known():
		return errors.New("sent_at unknown")
	case !m.Type.Valid():
		return fmt.Errorf("type %q: %w", clip(string(m.Type)), ErrMessageType)
	case m.Status == StatusUnset || int(m.Status) >= len(statusNames):
		return fmt.Errorf("status %d: %w", m.Status, ErrStatus)
	}
	if lv := m.LegalValue; lv != nil {
		if err := lv.validate(); err != nil {
			return fmt.Errorf("legal_value: %w", err)
		}
		if !m.FromMe {
			return errors.New("legal_value on an incoming message")
		}
	}
	for i, r := range m.Receipts {
		if _, err := r.Kind.MarshalText(); err != nil {
			return fmt.Errorf("receipt %d: %w", i, err)
		}
	}
	for i, a := range m.Attachments {
		if err := a.Validate(); err != nil {
			return fmt.Errorf("attachment %d: %w", i, err)
		}
	}
	return nil
}

func (lv *LegalValue) validate() error {
	if _, err := lv.Basis.MarshalText(); err != nil {
		return err
	}
	if lv.Proven != (lv.Basis != BasisNone) {
		return fmt.Errorf("proven=%t with basis %s", lv.Proven, lv.Basis)
	}
	if (lv.ReplyID != nil) != (lv.Basis == BasisReply) {
		return fmt.Errorf("reply_id must be set exactly when the basis is reply (basis %s)", lv.Basis)
	}
	if lv.ReplyID != nil && *lv.ReplyID == "" {
		return errors.New("empty reply_id")
	}
	return nil
}

// Validate checks an attachment: a clean relative path, a SHA-256 in lower-case hex and a non-negative size, or
// an Unavailable reason with no file.
func (a Attachment) Validate() error {
	if a.Unavailable != "" {
		if a.Path != "" || a.SHA256 != "" || a.Size != 0 {
			return fmt.Errorf("unavailable (%s) but has a file", clip(a.Unavailable))
		}
		return nil
	}
	if err := ValidRelPath(a.Path); err != nil {
		return err
	}
	if err := validSHA256(a.SHA256); err != nil {
		return fmt.Errorf("file %q: %w", clip(a.Path), err)
	}
	if a.Size < 0 {
		return fmt.Errorf("file %q: negative size %d", clip(a.Path), a.Size)
	}
	return nil
}

// ValidRelPath checks that p is a clean slash-separated path inside a delivery folder: relative, no "..", no
// backslashes, no empty or dot elements.
func ValidRelPath(p string) error {
	switch {
	case p == "":
		return errors.New("empty path")
	case strings.ContainsAny(p, "\\\x00"), strings.HasPrefix(p, "/"), path.Clean(p) != p,
		p == ".", p == "..", strings.HasPrefix(p, "../"):
		return fmt.Errorf("path %q: not a clean relative path", clip(p))
	}
	return nil
}

func validSHA256(s string) error {
	if len(s) != 64 || strings.ToLower(s) != s {
		return fmt.Errorf("sha256 %q: want 64 lower-case hex digits", clip(s))
	}
	if _, err := hex.DecodeString(s); err != nil {
		return fmt.Errorf("sha256 %q: %w", clip(s), err)
	}
	return nil
}
