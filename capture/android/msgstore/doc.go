// Package msgstore reads WhatsApp for Android's message database (msgstore.db) and its contacts database (wa.db)
// into the evidence domain: chats, messages with their per-recipient receipts, media facts, and the raw rows they
// came from. It never writes: databases are opened read-only and immutable, so that no -wal, -shm or -journal
// file appears next to the evidence file and its bytes stay as acquired.
//
// # Layouts
//
// [Open] detects the layout from the table set and records PRAGMA user_version and the props table:
//
//   - modern (WhatsApp ≥ 2.22): message keyed by chat_row_id; chat → jid for identities; jid_map (when present)
//     maps a LID (an opaque @lid identity) to the phone number behind it; receipt_user holds per-recipient
//     delivered (receipt_timestamp), read and played times, receipt_device per-device deliveries; message_media,
//     message_quoted, message_revoked, message_edit_info and message_system add media, quotes, deletions, edits
//     and system notices.
//   - legacy: messages keyed by key_remote_jid; in one-to-one chats the recipient's delivered, read and played
//     times are on the message row (receipt_device_timestamp, read_device_timestamp, played_device_timestamp), in
//     groups in the receipts table, one row per participant; quotes in messages_quotes.
//
// A database of WhatsApp's migration era has both tables; it is read as modern when the message table holds any
// chat's message, else as legacy. A database lacking a required table or column fails with [ErrUnknownSchema]
// naming it; missing optional tables are listed in [Schema].Absent, and what they would have said is absent from
// the output.
//
// # Mapping
//
// Ids are key_id; times are Unix milliseconds (0 and -1 mean "never") and keep their millisecond precision.
// message_type (legacy media_wa_type) maps onto [evidence.MessageType] and is kept as SourceType
// ("message_type:2"); type 2 is a voice note when the file lies under "WhatsApp Voice Notes" (or, with no path,
// is Opus in Ogg), else an audio file. Text is the body of a text message or the caption of media, never a
// thumbnail. The status of a message the owner sent maps onto WhatsApp Web's ack numbering: 0 and 1 clock,
// 4 sent, 5 delivered, 13 read, 8 played; any other code has no agreed meaning and becomes an ack the evidence
// rule treats as proving nothing, with the anomaly [AnomalyStatusUnknown]. Proof never rests on the status alone:
// receipts come from the per-recipient times. In a one-to-one chat only the chat's person's receipts are kept
// (matched through jid_map, so a LID and a phone number are the same person); others, such as the owner's own
// linked devices, are counted in [AnomalyReceiptForeign]. Recipients and authors are E.164 numbers when known,
// else JIDs. The receipt time fields, Status and LegalValue are left for [evidence.Apply].
//
// Media: [Media] carries the path on the phone, MIME type, size and WhatsApp's file_hash (base64 SHA-256 of the
// plaintext; legacy media_hash). The legacy layout keeps the path only inside a Java-serialized object in
// thumb_image; the path is picked out of the java.io.File in it without deserializing anything, and the
// thumbnail itself is never used. Until the capture copies the file, the message's attachment is a placeholder saying why the bytes are
// missing; [Media.Attachment] builds the real one and checks the bytes against file_hash.
//
// # RawRow encoding (version 1)
//
// Every [Record] carries its rows as stored, as canonical JSON: an object {"layout","rows","v"} whose "rows"
// maps each table name to the row's object (joined one-row tables: message, message_media, message_quoted, …) or
// to an array of objects (receipt_user, receipt_device, receipts). Keys are in byte order, there is no whitespace,
// integers are decimal, reals use the shortest form that reads back exactly, strings escape only '"', '\' and
// control characters; text that is not UTF-8 becomes {"text_base64":…} and blobs {"blob_base64":…}, so that no
// byte is lost. The same rows always give the same bytes. "v" is [RawRowVersion]; adding a table keeps the
// version, any other change to the encoding increments it.
//
// # Streaming
//
// [DB.Messages] streams: in the modern layout a chat's messages, its receipt tables and the tables of at most one row
// per message (media, quote, revocation, edit, system action) are read by one cursor each, in row order, and merged,
// so memory does not grow with the chat and only rows that exist are read. Each cursor steps its statement on a
// goroutine of its own, a few batches of rows ahead of the merge, so that SQLite's work and the building of records
// run on different cores when there are two. The jid and jid_map tables are held in memory (one row per
// contact and device). A [DB] may be read by several goroutines at once, a chat each: a read holds a connection
// per cursor until the cursor has read its last row, and the number of connections is not capped.
//
// A reader of many chats announces them with [DB.WillRead]: the receipts and media of each run of eight are then
// read once for the eight, in message row id order, and held until the eight have been read (their child rows
// only; the messages themselves still stream), because a chat's messages usually lie among other chats' and
// seeking them chat by chat reads each page again for every chat on it. On a backup of 1,000,000 messages in 200
// chats written in turns, reading 50 chats costs about a third less CPU.
package msgstore
