// Package ui is the appliance's web interface: the touch screens the technician uses on the panel (lock screen
// with an on-page keypad; home with the appliance state and the open jobs; cases, their acquisition lists and legal
// holds; jobs with live progress and the QR code; the phone wizard with the backup key on a keypad; deliveries and
// their share links; the journal browser and the attestation history; the administrator's PIN changes), the
// one-time remote page that shows a client the WhatsApp Web QR code and the session's progress, and the read-only
// share links through which recipients download a delivery folder.
//
// The appliance behind the screens is a set of small interfaces (backend.go): Cases, Jobs, Phones, JournalView,
// CredentialStore, State, Deliveries, ShareStore, AccessLog. Jobs run in the appliance, not in a request: a reload
// or another screen never stops one, and a job's progress reaches every screen through its Feed.
//
// The screens speak Italian and English through internal/i18n: every text is a key of one catalog (i18n.go)
// holding it in both languages; a test fails for a key without text, a text without a language, and a rendered
// page with a line of the other language. The panel's choice is kept in a cookie; the pages of
// clients and recipients follow their browser's Accept-Language. Progress lines from the appliance arrive in
// Italian and are looked up in the catalog by ProgressText.
//
// # Security
//
// Technicians and administrators log in with a PIN (an administrator changes either PIN, confirming with the
// administrator PIN; a change ends the sessions it concerns), stored only as an Argon2id hash under a per-appliance salt.
// Five wrong PINs from one client address lock that address out with exponential backoff; a higher global
// threshold locks every address, so that rotating addresses does not help; the counts and waits are kept in a
// file (Config.LockoutFile), so that a restart gives no more tries. Sessions are random 256-bit ids kept
// server-side, carried in HttpOnly SameSite=Strict cookies and expired when idle (only a person's requests extend a
// session: polling, progress streams and a page's own reloads do not). Every route states the role it
// needs and the server enforces it. State-changing requests pass [net/http.CrossOriginProtection]. Every response
// carries a strict Content-Security-Policy (no inline script: the few lines of script are embedded files), denies
// framing and is never cached; nothing serves a directory listing. The local handler answers only loopback names,
// the address a connection came in on and the names configured (DNS rebinding).
//
// Share links and remote links are bearer tokens of 256 bits in base64url. Only their SHA-256 (hex) is stored and
// reported, so a leaked store or journal does not leak a working link.
//
// A remote link is claimed in two steps: opening it (GET or HEAD, as a messenger's link preview does) shows a
// button and uses nothing up; the button's POST, behind the cross-origin protection, gives the link to that
// browser alone. Accesses through share links are journaled before they are served, but a download's Range and
// repeated requests, and what comes past the limits per link and per address, are journaled as counts, once per
// file and minute (accesslog.go), so that nobody can grow the journal at will.
//
// # Share store encoding
//
// [FileShareStore] keeps its links in one JSON file, replaced atomically and durably on every change:
//
//	{"format": "attesta.ui.shares/v1", "shares": [{"hash", "delivery", "created", "expires", "revoked"}]}
//
// Times are RFC 3339 in UTC; "revoked" is absent until the link is revoked. A reader refuses any other format
// string; a change that old readers would misread gets a new version.
package ui
