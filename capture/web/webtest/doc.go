// Package webtest is a WhatsApp Web replica for tests: a loopback HTTP
// server and a plain-JS page that implement exactly the surface the web
// capture relies on (the module layer reached through window.require and
// the DOM facts listed in the WhatsApp Web contract), with scripted
// scenario data that is the ground truth a capture is compared against.
// Like periph's gpiotest, it is a fake that speaks the real protocol: the
// capture drives a real Chromium against it with chromedp.
//
// # Server
//
// [NewServer] starts the replica of a [Scenario] on 127.0.0.1. The page
// starts unlinked: a QR canvas inside an element whose data-ref is the
// current Conn.ref, which changes every 20 s ([WithQRRotation]). The canvas
// is a real QR code (model 2, level M, byte mode) of "ref,key,key,key", the
// three base64 keys being made once per page load. After six
// unscanned codes the page stops refreshing, Socket.state becomes
// UNPAIRED_IDLE and a "reload QR" button replaces the code
// ([WithQRIdleAfter]), as on the real site.
// window.require offers only WAWebSocketModel (Socket.state UNPAIRED) and
// WAWebConnModel until the phone scans the code ([Server.Scan] or
// POST /__test/scan); then the state goes OPENING, PAIRING, CONNECTED, and
// the app modules appear: WAWebCollections, WAWebChatLoadMessages,
// WAWebApiMessageInfoStore, WAWebDownloadManager, WAWebApiContact and
// WAWebSendNonMessageDataRequest. [WithMissingModule] builds a site that
// lacks one. [Server.Unlink] (POST /__test/unlink) logs the device out; the
// page goes back to UNPAIRED and reloads to the QR.
//
// The server records what the client side did. [Server.Receipts]
// (GET /__test/receipts) lists the receipts sent to the other party: read
// receipts when a chat with unread incoming messages is opened in the UI
// (never when it is read through the module layer) and played receipts
// when an incoming voice note is played. [Server.Actions]
// (GET /__test/actions) lists chats opened, scrolls, loadEarlierMsgs calls,
// history requests and media downloads.
//
// Under /__app/ the page talks to its server (state polling, the scenario
// data once linked, receipts and actions); a capture must not use those
// endpoints, exactly as it cannot use WhatsApp's own. [AllocatorOptions]
// gives the Chromium flags for driving the replica without network.
//
// Media is served the way WhatsApp's CDN serves it: at the message's
// directPath, AES-256-CBC encrypted under keys that HKDF-SHA256 derives from
// a media key made fresh for each server, followed by a 10-byte HMAC.
// downloadAndMaybeDecrypt checks encFilehash and the MAC, decrypts with
// WebCrypto and returns the plaintext; it does not check filehash, so a
// scenario's deliberately wrong filehash reaches the capture. Gone and
// re-uploading media answer 404 (the error carries status 404); the model's
// mediaData.mediaStage tells them apart (REUPLOADING, or ERROR_MISSING
// after a failed download of gone media).
//
// # Scenario format
//
// A scenario is a JSON object; its "format" is "attesta.waweb.scenario/v1"
// and a reader rejects any other value, and any unknown field, so a change
// an older reader would misread takes a new version. Fields:
//
//	format    "attesta.waweb.scenario/v1"
//	name      free text
//	account   {phone (digits), wid (optional, phone@c.us), pushName,
//	           language "it"|"en", version (Debug.VERSION),
//	           readReceipts (default true), timeZone (default Europe/Rome)}
//	chats     [{id (<digits>@c.us | <digits>@lid | <id>@g.us),
//	            phone (the number of a @lid chat), lid (the LID of a @c.us chat),
//	            formattedTitle, unreadCount, endOfHistoryTransferType,
//	            pageSize (default 10), onDemandDelayMs (default 300),
//	            participants (default 1),
//	            messages [...] oldest first}]
//	message   {id (bare), fromMe, t (unix seconds),
//	           type chat|image|video|ptt|audio|document|sticker|revoked,
//	           body (chat only), caption (image, video, document), ack (-7..5),
//	           quotedStanzaID (an earlier message of the chat),
//	           isEdited, latestEditMsgKey (bare id of the edit),
//	           history linked|earlier|ondemand|unreachable (default linked),
//	           media {mimetype, filename, data (base64) | size (generated),
//	                  hash ok|wrong, state ok|gone|reuploading,
//	                  thumbnail (base64 JPEG), duration},
//	           info {delivery:[{id,t}], read:[...], played:[...]} | "missing"}
//
// History tiers say where a message is when the session starts: linked
// messages are in chat.msgs; earlier ones come back, newest page first,
// from loadEarlierMsgs; ondemand ones only after
// sendPeerDataOperationRequest(3, {chatId}) and a delay, again through
// loadEarlierMsgs; unreachable ones never. Within a chat the tiers follow
// that order in time. An own message without info, or with "missing", has
// no local message-info row: queryMsgInfo rejects with
// "No message info found for <key>".
//
// Media without data get size bytes generated from the chat and message ids
// ([Media.Plaintext]), so tests recompute them. [LoadScenario] reports a
// broken file with the line (JSON errors) or the path of the value
// (chats[2].messages[5] (id): ...) and wraps [ErrInvalidScenario].
//
// The embedded scenarios are "basic" (Italian UI) and "english" (English
// UI) ([DefaultScenario]); [NewBuilder] builds others in Go and [Generate]
// makes large deterministic ones for benchmarks.
//
// # DOM
//
// Logged in, #pane-side lists the chats (span[title] per chat; clicking
// opens it). #main has a header with the title and a virtualized list: only
// rows near the viewport exist, as #main div[role="row"] elements holding a
// data-id with the bare message id and a div[data-pre-plain-text] wrapper
// "[HH:MM, D/M/YYYY] Name: " in the account's zone (both languages use this
// form). Outgoing rows carry span[data-icon] msg-time, msg-check,
// msg-dblcheck or msg-error with the localized aria-label (" Letto ",
// " Read ", ...). There are no message-in/message-out classes.
package webtest
