// Package web captures WhatsApp Web chats for certification: it drives Debian's Chromium through chromedp, links a
// fresh session by QR code, reads each listed chat through WhatsApp Web's own module layer, and hands every piece
// of evidence to a [Recorder] as it is acquired.
//
// # Session
//
// [StartBrowser] runs one headless Chromium with a fresh profile (no background networking, component updates,
// sync or QUIC; see [AllocatorOptions]). [Open] opens WhatsApp Web in a new tab with its own browser context.
// [Session.QR] returns the code to show the client, as a PNG screenshot of the canvas and as the raw data-ref;
// [Session.WaitLinked] waits for the phone to link the device ([ErrNotLinked] when it does not in time), checks
// that the build has every module the bridge reads ([ErrUnsupportedBuild], naming the module and the build) and
// records the [Environment]: bridge version, WhatsApp Web build (Debug.VERSION), Chromium version, user agent and
// the clock offset of the browser against the appliance.
//
// # Bridge
//
// All access to WhatsApp Web goes through one embedded JS file, bridge.js, versioned by [BridgeVersion]. It reads
// the modules WAWebSocketModel, WAWebConnModel, WAWebCollections, WAWebChatLoadMessages, WAWebApiMessageInfoStore,
// WAWebDownloadManager, WAWebApiContact and WAWebSendNonMessageDataRequest, and the DOM only for screenshots and the
// on-screen tick labels. Each call answers a JSON envelope {"ok": value} or {"err": text, "module": name, "build":
// version}; a missing module is reported as such, never as an empty result. A change in what the bridge reads or
// returns takes a new BridgeVersion.
//
// # Capture
//
// [Session.Capture] takes the list's [Target]s in order. Per chat it resolves the phone number to the chat (as
// <phone>@c.us or through its LID), loads older history until the range start (asking the phone once for on-demand
// history when needed, then polling), reads every loaded message, selects and judges with [evidence.Certify],
// reads the receipts of the certified messages from the local message-info store (a missing entry is an anomaly,
// never an invented time), downloads the media of the selected messages through WhatsApp's download manager and
// checks them against WhatsApp's filehash, then (when allowed) opens the chat to take a screenshot of each
// selected message in view, compares the on-screen tick with the ack, and saves an MHTML snapshot.
//
// The capture never causes a receipt: a chat with unread incoming messages is read through the module layer only,
// unless Options.AllowOpenUnread consents (and the consent is recorded); media are never played. Every action is
// recorded as an "action" event.
//
// Each chat ends with a [Status]: complete, partial (with the reason), not-found, or out-of-reach (the range is
// older than what the linked device can obtain; the reason names the fallbacks: the cloud backup or the phone
// itself). When the link is lost the capture keeps what it acquired and returns [ErrLinkLost]; after a new link,
// [Session.Resume] captures the chats that are not final.
//
// # Records
//
// Artifact names are slash-separated: chats/<digits>/media/<id>.<ext>, chats/<digits>/screenshots/<id>.png and
// chats/<digits>/chat.mhtml. Event kinds are environment, capture-start, capture-resume, capture-end, action,
// anomaly, consent and chat-status. [DirRecorder] writes artifacts as files and events as JSON lines
// (events.jsonl: {"time","kind","fields"}).
package web
