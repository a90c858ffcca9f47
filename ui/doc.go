// Package ui is the appliance's web interface: the touch screens the technician uses on the panel (lock screen
// with an on-page keypad, home with the appliance state, deliveries and their share links, capture progress), the
// one-time remote page that shows a client the WhatsApp Web QR code and the session's progress, and the read-only
// share links through which recipients download a delivery folder.
//
// # Security
//
// Technicians and administrators log in with a PIN, stored only as an Argon2id hash under a per-appliance salt.
// Five wrong PINs from one client address lock that address out with exponential backoff; a higher global
// threshold locks every address, so that rotating addresses does not help. Sessions are random 256-bit ids kept
// server-side, carried in HttpOnly SameSite=Strict cookies and expired when idle. Every route states the role it
// needs and the server enforces it. State-changing requests pass [net/http.CrossOriginProtection]. Every response
// carries a strict Content-Security-Policy (no inline script: the few lines of script are embedded files), denies
// framing and is never cached; nothing serves a directory listing.
//
// Share links and remote links are bearer tokens of 256 bits in base64url. Only their SHA-256 (hex) is stored and
// reported, so a leaked store or journal does not leak a working link.
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
