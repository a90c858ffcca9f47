package msgstore

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"

	"github.com/attesta/attesta/evidence"
)

// Reasons an attachment's bytes are not in the delivery yet (evidence.Attachment.Unavailable).
const (
	// UnavailableNotExtracted: the phone has the file (PhonePath); the capture has not copied it.
	UnavailableNotExtracted = "not-extracted"
	// UnavailableNotOnPhone: the database names no file: the phone never downloaded it, or it was deleted.
	UnavailableNotOnPhone = "not-on-phone"
)

// Media is what the database says about a message's media file. The file itself lives on the phone; the capture
// copies it and calls [Media.Attachment].
type Media struct {
	PhonePath string // message_media.file_path, relative to WhatsApp's media folder on the phone; "" when none
	Name      string // the file name the sender gave (documents), if any
	MIME      string //
	Size      int64  // bytes, as the database records them (file_size, else file_length; legacy media_size)
	// FileHash is WhatsApp's own hash of the plaintext file as stored: base64 of its SHA-256.
	FileHash string
}

// SHA256 decodes FileHash; ok is false when it is absent or not a base64 SHA-256.
func (m *Media) SHA256() (sum [32]byte, ok bool) {
	b, err := base64.StdEncoding.DecodeString(m.FileHash)
	if err != nil || len(b) != len(sum) {
		return sum, false
	}
	copy(sum[:], b)
	return sum, true
}

// Attachment returns the evidence attachment for the file stored at relPath in the delivery, whose bytes have
// SHA-256 sum and length size (computed while copying, so that the file is read once). WhatsAppHashOK compares
// sum with WhatsApp's own hash, and is nil when the database has none.
func (m *Media) Attachment(relPath string, sum [32]byte, size int64) evidence.Attachment {
	a := evidence.Attachment{Path: relPath, SHA256: hex.EncodeToString(sum[:]), Size: size, MIME: m.MIME}
	if want, ok := m.SHA256(); ok {
		match := want == sum
		a.WhatsAppHashOK = &match
	}
	return a
}

// AttachmentOf is Attachment for bytes already in memory.
func (m *Media) AttachmentOf(relPath string, data []byte) evidence.Attachment {
	return m.Attachment(relPath, sha256.Sum256(data), int64(len(data)))
}

// Missing returns the evidence attachment for a file that is not in the delivery, saying why.
func (m *Media) Missing(reason string) evidence.Attachment {
	return evidence.Attachment{MIME: m.MIME, Unavailable: reason}
}

// placeholder is the attachment Messages writes until the capture copies the file.
func (m *Media) placeholder() evidence.Attachment {
	if m.PhonePath == "" {
		return m.Missing(UnavailableNotOnPhone)
	}
	return m.Missing(UnavailableNotExtracted)
}
