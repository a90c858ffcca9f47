package msgstore

import (
	"fmt"
	"strings"

	"github.com/attesta/attesta/evidence"
)

// modernTypes maps message.message_type to the evidence types. Codes not listed are TypeOther, with the code kept
// in SourceType. Audio (2) is split into voice and audio files by [isVoice].
var modernTypes = map[int64]evidence.MessageType{
	0: evidence.TypeText, 1: evidence.TypeImage, 2: evidence.TypeAudio, 3: evidence.TypeVideo,
	4: evidence.TypeContact, 5: evidence.TypeLocation, 7: evidence.TypeSystem, 9: evidence.TypeDocument,
	10: evidence.TypeSystem, // missed call notice
	13: evidence.TypeVideo,  // GIF (an MP4)
	14: evidence.TypeContact, 15: evidence.TypeRevoked, 16: evidence.TypeLocation, 20: evidence.TypeSticker,
	36:  evidence.TypeSystem,  // disappearing-messages setting
	42:  evidence.TypeImage,   // view once
	43:  evidence.TypeVideo,   // view once
	64:  evidence.TypeRevoked, // deleted by a group admin
	81:  evidence.TypeVideoNote,
	82:  evidence.TypeVoice,  // view-once voice note
	90:  evidence.TypeSystem, // call log
	112: evidence.TypeSystem, // advanced chat privacy notice
}

// legacyTypes maps messages.media_wa_type.
var legacyTypes = map[int64]evidence.MessageType{
	0: evidence.TypeText, 1: evidence.TypeImage, 2: evidence.TypeAudio, 3: evidence.TypeVideo,
	4: evidence.TypeContact, 5: evidence.TypeLocation, 8: evidence.TypeSystem, 9: evidence.TypeDocument,
	10: evidence.TypeSystem, 13: evidence.TypeVideo, 14: evidence.TypeContact, 15: evidence.TypeRevoked,
	16: evidence.TypeLocation, 20: evidence.TypeSticker,
}

func mapType(table map[int64]evidence.MessageType, code int64, known bool) evidence.MessageType {
	if !known {
		return evidence.TypeOther
	}
	if t, ok := table[code]; ok {
		return t
	}
	return evidence.TypeOther
}

// isVoice tells a voice note from an audio file, which share type 2. The database has no flag for it; WhatsApp
// keeps voice notes under "WhatsApp Voice Notes" and records them as Opus in Ogg. A voice note misread as audio
// still proves reading: the rule counts a played receipt on audio as read, with an anomaly.
func isVoice(phonePath, mime string) bool {
	if phonePath != "" {
		return strings.Contains(phonePath, "Voice Notes/")
	}
	m := strings.ToLower(strings.ReplaceAll(mime, " ", ""))
	return m == "audio/ogg;codecs=opus"
}

// hasText: the manifest's text is a text message's body or a media message's caption, nothing else (a system
// row's text_data may hold a timestamp, a poll's its question).
func hasText(t evidence.MessageType) bool {
	switch t {
	case evidence.TypeText, evidence.TypeImage, evidence.TypeVideo, evidence.TypeAudio, evidence.TypeVoice,
		evidence.TypeVideoNote, evidence.TypeDocument:
		return true
	}
	return false
}

// Status codes of a message the phone's owner sent (message.status, messages.status). WhatsApp does not document
// them; these are the values the public forensic literature agrees on.
const (
	statusUnsent    = 0  // not yet left the phone
	statusUploading = 1  // not yet left the phone (media upload)
	statusServer    = 4  // accepted by the server: one tick
	statusDelivered = 5  // delivered to the recipient: two grey ticks
	statusControl   = 6  // a control (system) message
	statusPlayed    = 8  // played by the recipient
	statusRead      = 13 // read by the recipient: blue ticks
)

// ackUnmapped is the ack given to a status code with no agreed meaning. WhatsApp Web's numbering stops at 5, so
// the evidence rule treats it as proving nothing (status from the receipt times alone, else sent) and says so.
const ackUnmapped evidence.Ack = 6

// AnomalyStatusUnknown is the capture anomaly for a status code this package cannot map onto an ack.
const AnomalyStatusUnknown = "android-status-unknown"

// AnomalyReceiptForeign is the capture anomaly for receipts in a one-to-one chat from someone other than the
// chat's person (such as the owner's own linked devices); they are left out of Receipts and kept in RawRow.
const AnomalyReceiptForeign = "android-receipt-foreign"

// AnomalyLIDUnmapped is the capture anomaly for an author or recipient known only by a LID that jid_map does not
// map to a phone number.
const AnomalyLIDUnmapped = "android-lid-unmapped"

// AnomalyTextNotUTF8 is the capture anomaly for a text that is not valid UTF-8; invalid bytes are replaced in
// Text and kept exactly in RawRow.
const AnomalyTextNotUTF8 = "android-text-not-utf8"

// ackOf maps the status of a message the owner sent onto WhatsApp Web's ack numbering.
func ackOf(status int64, known bool) (evidence.Ack, *evidence.Anomaly) {
	if known {
		switch status {
		case statusUnsent, statusUploading:
			return evidence.AckClock, nil
		case statusServer:
			return evidence.AckSent, nil
		case statusDelivered:
			return evidence.AckReceived, nil
		case statusRead:
			return evidence.AckRead, nil
		case statusPlayed:
			return evidence.AckPlayed, nil
		}
	}
	detail := "status is NULL"
	if known {
		detail = fmt.Sprintf("status %d has no documented meaning for a sent message", status)
	}
	return ackUnmapped, &evidence.Anomaly{Code: AnomalyStatusUnknown, Detail: detail + "; it proves nothing"}
}
