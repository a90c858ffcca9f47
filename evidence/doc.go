// Package evidence is the domain every capture path (WhatsApp Web, Android, iOS) normalizes into: cases,
// acquisitions, chats, messages with their receipts and attachments, artifacts, and the verdict of the legal-value
// rule. It also imports acquisition lists and names delivery folders. It is pure Go and does no I/O beyond the
// readers it is given.
//
// # The legal-value rule
//
// [Judge] is the rule, in one place. For every message the sender sent (from_me), the first basis that applies:
//
//   - played: a voice or video note was played (ack ≥ played, or a played time is known) → proven;
//   - read: it was read (ack ≥ read, or a read time is known) → proven;
//   - reply: it was delivered (ack ≥ delivered, or a delivery time is known) and the recipient sent a message later
//     in the same chat → proven; reply_id is the earliest later incoming message that quotes it, else the earliest
//     later incoming message;
//   - none: otherwise (pending, sent only, failed, delivered without reply) → not proven.
//
// A revoked (deleted) message keeps its receipts and its status but is never proven: its content no longer exists.
// Status is the strongest of the ack and the known receipt times; every disagreement between the two is recorded as
// an [Anomaly] rather than resolved silently. The rule looks at the whole chat history it is given, so a reply that
// arrives after the selected range still counts. "Later" is by message time in seconds, and for equal times by
// position in the history. A reply the recipient later deleted still counts (it shows the recipient wrote after
// the delivery); a notification WhatsApp wrote itself ([TypeSystem]) never does. A played receipt on a type that
// cannot be played (anything but voice and video notes) counts as read, with an anomaly.
//
// Group chats. The service certifies 1:1 chats; in a 1:1 chat every incoming message comes from the recipient and
// every receipt is the recipient's. For a group chat (a JID on g.us) the recipient is the client named by
// [Chat].Phone: only incoming messages whose Author is that number count as replies and only receipts from that
// number count as receipt times, while the message's ack keeps its group meaning (delivered to, read or played by
// every participant, the recipient included). An incoming group message without an Author never counts, nor one
// whose Author is a LID the capture could not map to a phone number. In a group a capture leaves DeliveredAt,
// ReadAt and PlayedAt empty and gives the per-recipient Receipts, so that the rule picks the client's.
//
// Ack values follow WhatsApp Web's numbering ([Ack]); other capture paths map their own status codes onto it.
// Values that numbering does not define as a receipt level (above played, such as 5 PEER, or below -7) prove
// nothing: the status then comes from the receipt times alone, else it is failed for a negative value and sent for
// any other, and an anomaly names the value. Error acks (-7..-1) mean failed.
//
// # Selection
//
// [Select] certifies the last N messages the sender sent in a [Range] of whole calendar days in Europe/Rome (both
// ends included) and keeps every incoming message in the range as context. N is the plan sold: 5, 10, 20 or 50
// ([ParsePlan] rejects anything else). [Certify] is Select plus Judge over the whole history; it also brings in the
// incoming messages a verdict relies on that lie after the range, so that every reply_id in a delivery refers to a
// message in it.
//
// # Encoding (manifest attesta.manifest/v1)
//
// The JSON tags of [Message], [Attachment], [LegalValue], [Chat], [Range], [Acquisition] and [Artifact] are the
// manifest's field names and must not change within v1. Times are RFC 3339 in UTC ([Time]; JSON null when unknown);
// range days are RFC 3339 full-dates ("2026-01-15") meaning calendar days in Europe/Rome. Fields beyond the v1 list
// (message ack, author, source_type, edited, receipts, anomalies; attachment unavailable; acquisition
// sender_read_receipts) are optional keys omitted when empty, so a message with nothing to add has exactly the v1
// shape; a reader of v1 must ignore keys it does not know. Adding an optional key keeps v1; renaming, removing or
// changing the meaning of a key needs a new format version. Incoming messages have status delivered and
// legal_value null; attachments is [] when there are none.
//
// [Caveats] returns the limits every report states, in Italian and English.
//
// # Acquisition lists
//
// [ParseList] reads the list a client sends: CSV with header numero;nominativo;dal;al (or commas; the columns in any order), or the free-text
// line form "numero: 3771151946 ; nominativo : emanuel celano ; messaggi : dal 12 gennaio al 14 gennaio". Numbers
// become E.164 ([NormalizePhone]). Input is UTF-8 (a BOM is skipped); input that is not valid UTF-8 is read as
// Windows-1252, which is what spreadsheet programs write. Dates are YYYY-MM-DD, D/M/YYYY (also with . or -), or an
// Italian day and month name with an optional year ("1º marzo", "12 gen. 2026", "dal 12 al 14 gennaio"); a missing
// year is the other end's written year, else the current one, and never a guess across a new year. A list holds
// at most 50 chats, each number once, each range with from ≤ to and not starting after today. It is all or
// nothing: every bad line is reported as a [*LineError] and nothing is returned when there is one.
package evidence
