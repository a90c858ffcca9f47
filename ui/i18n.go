package ui

import (
	"net/http"
	"net/url"
	"strings"
)

// The screens are written in Italian; English is a translation keyed by the Italian text. A string without an
// English entry shows in Italian, and a test fails for every such string the templates use.

// Lang is a language the screens speak.
type Lang string

const (
	Italian Lang = "it"
	English Lang = "en"
)

var langs = []Lang{Italian, English}

const langCookie = "attesta_lang"

// english maps each Italian string to its English text. Each screen keeps its strings beside its code; this is
// where they are joined.
var english = joinCatalogs(coreEnglish, caseEnglish, phoneEnglish, journalEnglish, adminEnglish, operatorEnglish, privacyEnglish)

func joinCatalogs(cats ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, c := range cats {
		for k, v := range c {
			out[k] = v
		}
	}
	return out
}

// translate returns s in lang.
func translate(lang Lang, s string) string {
	if lang == English {
		if e, ok := english[s]; ok {
			return e
		}
	}
	return s
}

// langOf picks the request's language: the language chosen on the screen (a cookie), else the browser's first
// preference between Italian and English (recipients and clients open links on their own devices), else Italian.
func langOf(r *http.Request) Lang {
	if c, err := r.Cookie(langCookie); err == nil {
		for _, l := range langs {
			if c.Value == string(l) {
				return l
			}
		}
	}
	for _, part := range strings.Split(r.Header.Get("Accept-Language"), ",") {
		tag, _, _ := strings.Cut(strings.TrimSpace(part), ";")
		switch strings.ToLower(strings.SplitN(tag, "-", 2)[0]) {
		case "it":
			return Italian
		case "en":
			return English
		}
	}
	return Italian
}

// tr translates s into the request's language.
func tr(r *http.Request, s string) string { return translate(langOf(r), s) }

// httpError answers with a plain-text message in the request's language.
func httpError(w http.ResponseWriter, r *http.Request, msg string, code int) {
	http.Error(w, tr(r, msg), code)
}

// setLang switches the screens' language and goes back to the page it was chosen on.
func (s *Server) setLang(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 1024)
	l := Lang(r.PostFormValue("lang"))
	if l != Italian && l != English {
		httpError(w, r, "lingua non disponibile", http.StatusBadRequest)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: langCookie, Value: string(l), Path: "/", HttpOnly: true,
		Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode, MaxAge: 365 * 24 * 3600})
	http.Redirect(w, r, localPath(r.PostFormValue("back")), http.StatusSeeOther)
}

// localPath returns p when it is an absolute path on this server, "/" otherwise: a form field must not redirect
// elsewhere. Only printable ASCII without a backslash is allowed (browsers drop tabs and newlines from a URL, so
// "/<tab>/evil" would become "//evil", and read "\" as "/"), "//" may not start it, and it must parse as a bare
// path and query.
func localPath(p string) string {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") {
		return "/"
	}
	for _, c := range []byte(p) {
		if c <= ' ' || c >= 0x7f || c == '\\' {
			return "/"
		}
	}
	u, err := url.Parse(p)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return "/"
	}
	return p
}

// coreEnglish holds the strings of the lock, home, deliveries, share, progress and remote screens.
var coreEnglish = map[string]string{
	"Da verificare": "Not checked yet",
	// Layout and navigation.
	"Stato":           "Status",
	"Casi":            "Cases",
	"Telefono":        "Phone",
	"Consegne":        "Deliveries",
	"Registro":        "Journal",
	"Attestazioni":    "Attestations",
	"Amministrazione": "Administration",
	"Blocca":          "Lock",
	"Lingua":          "Language",

	// Lock screen.
	"Accesso":         "Sign in",
	"Inserire il PIN": "Enter the PIN",
	"PIN errato.":     "Wrong PIN.",
	"Troppi tentativi errati: riprovare dopo le %s.": "Too many wrong attempts: try again after %s.",
	"PIN":      "PIN",
	"Cancella": "Delete",
	"Entra":    "Enter",

	// Home.
	"Attestazione":               "Attestation",
	"Valida":                     "Valid",
	"Non valida":                 "Not valid",
	"ultima:":                    "last:",
	"Integrità":                  "Integrity",
	"Manomissione":               "Tampered",
	"Integro":                    "Intact",
	"Certificazione bloccata":    "Certification locked",
	"Contenitore chiuso":         "Enclosure closed",
	"Spazio libero":              "Free space",
	"Copia esterna":              "Off-site copy",
	"Allineata":                  "Up to date",
	"Indietro di %d":             "Behind by %d",
	"non raggiungibile, riprova": "unreachable, retrying",
	"su %s":                      "of %s",
	"Ora":                        "Time",
	"Sessioni in corso":          "Sessions running",
	"Sessione %s":                "Session %s",

	// Deliveries and share links.
	"Nessuna consegna.":    "No deliveries.",
	"Creata il":            "Created on",
	"Durata":               "Lifetime",
	"1 giorno":             "1 day",
	"7 giorni":             "7 days",
	"30 giorni":            "30 days",
	"90 giorni":            "90 days",
	"Nuovo link":           "New link",
	"Link":                 "Link",
	"Creato":               "Created",
	"Scade":                "Expires",
	"Revoca":               "Revoke",
	"attivo":               "active",
	"revocato":             "revoked",
	"scaduto":              "expired",
	"Link di condivisione": "Share link",
	"Link per %s":          "Link for %s",
	"Copiare ora il link: non sarà più mostrato. Scade il %s.": "Copy the link now: it will not be shown again. " +
		"It expires on %s.",
	"Torna alle consegne": "Back to deliveries",
	"Consegna":            "Delivery",
	"Consegna %s":         "Delivery %s",
	"Il file VERIFICA.txt spiega come verificare tutto senza rete.": "The file VERIFICA.txt explains how to " +
		"verify everything without a network.",

	// Progress and the remote page.
	"Avanzamento":                          "Progress",
	"Codice QR da inquadrare con WhatsApp": "QR code to scan with WhatsApp",
	"In attesa…":                           "Waiting…",
	"Link per il cliente (mostrato una sola volta):": "Link for the client (shown only once):",
	"Link per il cliente":                            "Link for the client",
	"Collegamento WhatsApp":                          "Linking WhatsApp",
	"Questo link vale per un solo browser: toccare il pulsante sul dispositivo che mostrerà il codice QR da inquadrare.": "This " +
		"link works in one browser only: tap the button on the device that will show the QR code to scan.",
	"Mostra il codice QR": "Show the QR code",
	"Aprire WhatsApp sul telefono, Dispositivi collegati, Collega un dispositivo, e inquadrare il codice.": "Open " +
		"WhatsApp on the phone, Linked devices, Link a device, and scan the code.",

	// Plain-text answers.
	"richiesta da un'altra origine rifiutata": "request from another origin refused",
	"accesso richiesto":                       "sign-in required",
	"non consentito a questo ruolo":           "not allowed for this role",
	"errore interno":                          "internal error",
	"lingua non disponibile":                  "language not available",
	"durata non valida":                       "invalid lifetime",
	"link sconosciuto":                        "unknown link",
	"link revocato":                           "link revoked",
	"link scaduto":                            "link expired",
	"consegna non più disponibile":            "delivery no longer available",
	"percorso non consentito":                 "path not allowed",
	"sessione terminata":                      "session ended",
	"link già usato":                          "link already used",
	"nessun codice QR":                        "no QR code",
	"non trovato":                             "not found",
	"indirizzo non riconosciuto":              "address not recognised",
}
