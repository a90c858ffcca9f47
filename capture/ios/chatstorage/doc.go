// Package chatstorage reads WhatsApp for iPhone's message database, ChatStorage.sqlite (Core Data), and its
// LID.sqlite, into the evidence domain: chats, messages, media facts, the receipt readings the database supports,
// and the raw rows they came from.
//
// # Opening
//
// [Open] takes a working copy that the caller made in a private directory, with its -wal (and -shm) beside it:
// SQLite merges the write-ahead log into what it reads, so the last transactions are not lost, and the evidence
// files the copy came from are never opened by SQLite at all. The copy is opened read-only (query_only).
//
// # Mapping (the contract; DESIGN.md "iOS receipts" has the receipt rules)
//
//   - ZWACHATSESSION: ZCONTACTJID is the chat's JID (<digits>@s.whatsapp.net, <n>@lid, <id>@g.us); ZSESSIONTYPE 1
//     is a group. A person is found by phone number, or by the LID that ZWAPHONENUMBERLIDPAIR (in LID.sqlite or in
//     ChatStorage itself) maps to that number.
//   - ZWAMESSAGE: ZSTANZAID is the message id; ZISFROMME the direction; ZMESSAGEDATE the time, in seconds since
//     2001-01-01 UTC (Unix = value + 978307200), kept to the millisecond; ZMESSAGETYPE the type ([Types]); ZTEXT
//     the body of a text; a media message's caption is ZWAMEDIAITEM.ZTITLE. ZGROUPMEMBER → ZWAGROUPMEMBER.ZMEMBERJID
//     is the author of an incoming group message. Type 14 is a message deleted for everyone.
//   - Replies: ZWAMEDIAITEM.ZMETADATA is a protobuf whose field 5 is the quoted message's stanza id, field 6 its
//     author's JID and field 19.1 its text as the replying device held it (all three seen on the public iOS 15
//     sample, where Z_PK 16's field 19.1 equals Z_PK 15's ZTEXT).
//   - Media: ZWAMEDIAITEM.ZMEDIALOCALPATH is relative to the app group's "Message/" folder; ZFILESIZE is the size
//     WhatsApp recorded. The database holds no hash of the file that a public source documents: the capture checks
//     the size, and the file's own SHA-256 is what the delivery certifies.
//   - Status and receipts: see [DecodeReceiptInfo] and [StatusReading]. Only readings the contract marks
//     established enter Message.Receipts and Message.Ack; the others are reported as [AnomalyInferred] and never
//     carry a verdict.
//
// # Edits
//
// No public source documents how WhatsApp for iPhone marks an edited message in ChatStorage.sqlite (iLEAPP's
// decoding of ZRECEIPTINFO over 13 images finds reactions only; IPED and WhatsApp-Chat-Exporter read no edit on
// iOS). What the protocol establishes is that an edit replaces the text the devices show, so ZTEXT holds the last
// version. The one trace of an earlier version a backup holds is a quote: a reply carries the quoted text as the
// recipient's device had it. The rule: when a reply quotes a message the owner sent (text or caption) with a text
// other than the one the database holds now, the message is read as edited after the recipient took that version:
// [AnomalyEditInferred], naming both texts. The reading is inferred: Message.Edited stays false, the verdict is
// unchanged (the quote still establishes delivery of that message), and a message nobody quoted has no edit reading
// at all, edited or not.
//
// # RawRow
//
// Every [Record] carries its rows as stored, as JSON: {"rows":{table:{column:value}},"v":1}, keys in byte order,
// blobs as {"blob_base64":…}, so that the delivery can show exactly what the verdict rests on.
package chatstorage
