package ui

import (
	"maps"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/attesta/attesta/internal/i18n"
)

// The screens speak through internal/i18n, the product's one translation mechanism: every text a screen shows is
// a key of [texts], an i18n.Text in Italian and English. Each screen keeps its texts beside its code (coreTexts
// here, caseTexts in cases.go, …); texts joins them into one catalog. Templates print a key with {{t "key"}}, Go
// code with tr(r, "key"); a test fails for a key the catalog lacks, a text missing a language or a translation whose
// fmt verbs differ, and for a rendered page with a line of the other language (i18n.Foreign).

// Lang is a language the screens speak.
type Lang = i18n.Lang

// The languages: Italian first.
const (
	Italian Lang = i18n.IT
	English Lang = i18n.EN
)

var langs = i18n.Langs

const langCookie = "attesta_lang"

// texts is every text the screens show, by key.
var texts = i18n.NewCatalog("ui", joinTexts(coreTexts, caseTexts, phoneTexts, journalTexts, adminTexts, operatorTexts,
	privacyTexts, progressTexts, backupTexts, cloudTexts, driveTexts))

func joinTexts(cats ...map[string]i18n.Text) map[string]i18n.Text {
	out := map[string]i18n.Text{}
	for _, c := range cats {
		maps.Copy(out, c)
	}
	return out
}

// translate returns the text of key in lang, as a fmt format; a key the catalog lacks shows as "⟦key⟧".
func translate(lang Lang, key string) string { return texts.T(lang, key) }

// italianKeys finds the key of a text that arrives in Italian from the appliance (progress lines): the progress
// vocabulary first, then every other text. Built once from the catalog.
var italianKeys = sync.OnceValue(func() map[string]string {
	out := map[string]string{}
	keys := texts.Keys()
	for _, progress := range []bool{true, false} {
		for _, k := range keys {
			if strings.HasPrefix(k, "progress.") != progress {
				continue
			}
			if it := texts.T(Italian, k); out[it] == "" {
				out[it] = k
			}
		}
	}
	return out
})

// fromItalian returns the Italian text s in lang, or s as it came when the catalog does not hold it.
func fromItalian(lang Lang, s string) string {
	if k, ok := italianKeys()[s]; ok {
		return translate(lang, k)
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

// tr returns the text of key in the request's language.
func tr(r *http.Request, key string) string { return translate(langOf(r), key) }

// httpError answers with the plain-text message of key in the request's language.
func httpError(w http.ResponseWriter, r *http.Request, key string, code int) {
	http.Error(w, tr(r, key), code)
}

// setLang switches the screens' language and goes back to the page it was chosen on.
func (s *Server) setLang(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 1024)
	l := Lang(r.PostFormValue("lang"))
	if l != Italian && l != English {
		httpError(w, r, "core.language-not-available", http.StatusBadRequest)
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

// coreTexts holds the strings of the lock, home, deliveries, share, progress and remote screens.
var coreTexts = map[string]i18n.Text{
	"core.not-checked-yet": {
		IT: "Da verificare",
		EN: "Not checked yet"},
	// Layout and navigation.
	"core.status": {
		IT: "Stato",
		EN: "Status"},
	"core.cases": {
		IT: "Casi",
		EN: "Cases"},
	"core.phone": {
		IT: "Telefono",
		EN: "Phone"},
	"core.deliveries": {
		IT: "Consegne",
		EN: "Deliveries"},
	"core.journal": {
		IT: "Registro",
		EN: "Journal"},
	"core.attestations": {
		IT: "Attestazioni",
		EN: "Attestations"},
	"core.administration": {
		IT: "Amministrazione",
		EN: "Administration"},
	"core.lock": {
		IT: "Blocca",
		EN: "Lock"},
	"core.language": {
		IT: "Lingua",
		EN: "Language"},
	// Lock screen.
	"core.sign-in": {
		IT: "Accesso",
		EN: "Sign in"},
	"core.enter-the-pin": {
		IT: "Inserire il PIN",
		EN: "Enter the PIN"},
	"core.wrong-pin": {
		IT: "PIN errato.",
		EN: "Wrong PIN."},
	"core.too-many-wrong-attempts": {
		IT: "Troppi tentativi errati: riprovare dopo le %s.",
		EN: "Too many wrong attempts: try again after %s."},
	"core.pin": {
		IT: "PIN",
		EN: "PIN"},
	"core.delete": {
		IT: "Cancella",
		EN: "Delete"},
	"core.enter": {
		IT: "Entra",
		EN: "Enter"},
	// Home.
	"core.attestation": {
		IT: "Attestazione",
		EN: "Attestation"},
	"core.valid": {
		IT: "Valida",
		EN: "Valid"},
	"core.not-valid": {
		IT: "Non valida",
		EN: "Not valid"},
	"core.last": {
		IT: "ultima:",
		EN: "last:"},
	"core.integrity": {
		IT: "Integrità",
		EN: "Integrity"},
	"core.tampered": {
		IT: "Manomissione",
		EN: "Tampered"},
	"core.intact": {
		IT: "Integro",
		EN: "Intact"},
	"core.certification-locked": {
		IT: "Certificazione bloccata",
		EN: "Certification locked"},
	"core.enclosure-closed": {
		IT: "Contenitore chiuso",
		EN: "Enclosure closed"},
	"core.free-space": {
		IT: "Spazio libero",
		EN: "Free space"},
	"core.of-s": {
		IT: "su %s",
		EN: "of %s"},
	"core.mirror": {
		IT: "Copia esterna",
		EN: "Off-site copy"},
	"core.mirror-up-to-date": {
		IT: "Allineata",
		EN: "Up to date"},
	"core.mirror-behind-d": {
		IT: "Indietro di %d",
		EN: "Behind by %d"},
	"core.mirror-unreachable": {
		IT: "non raggiungibile, riprova",
		EN: "unreachable, retrying"},
	"core.time": {
		IT: "Ora",
		EN: "Time"},
	"core.sessions-running": {
		IT: "Sessioni in corso",
		EN: "Sessions running"},
	"core.session-s": {
		IT: "Sessione %s",
		EN: "Session %s"},
	// Deliveries and share links.
	"core.no-deliveries": {
		IT: "Nessuna consegna.",
		EN: "No deliveries."},
	"core.created-on": {
		IT: "Creata il",
		EN: "Created on"},
	"core.lifetime": {
		IT: "Durata",
		EN: "Lifetime"},
	"core.1-day": {
		IT: "1 giorno",
		EN: "1 day"},
	"core.7-days": {
		IT: "7 giorni",
		EN: "7 days"},
	"core.30-days": {
		IT: "30 giorni",
		EN: "30 days"},
	"core.90-days": {
		IT: "90 giorni",
		EN: "90 days"},
	"core.new-link": {
		IT: "Nuovo link",
		EN: "New link"},
	"core.link": {
		IT: "Link",
		EN: "Link"},
	"core.created": {
		IT: "Creato",
		EN: "Created"},
	"core.expires": {
		IT: "Scade",
		EN: "Expires"},
	"core.revoke": {
		IT: "Revoca",
		EN: "Revoke"},
	"core.active": {
		IT: "attivo",
		EN: "active"},
	"core.revoked": {
		IT: "revocato",
		EN: "revoked"},
	"core.expired": {
		IT: "scaduto",
		EN: "expired"},
	"core.share-link": {
		IT: "Link di condivisione",
		EN: "Share link"},
	"core.link-for-s": {
		IT: "Link per %s",
		EN: "Link for %s"},
	"core.copy-the-link-now": {
		IT: "Copiare ora il link: non sarà più mostrato. Scade il %s.",
		EN: "Copy the link now: it will not be shown again. It expires on %s."},
	"core.back-to-deliveries": {
		IT: "Torna alle consegne",
		EN: "Back to deliveries"},
	"core.delivery": {
		IT: "Consegna",
		EN: "Delivery"},
	"core.delivery-s": {
		IT: "Consegna %s",
		EN: "Delivery %s"},
	"core.the-file-verifica-txt": {
		IT: "Il file VERIFICA.txt spiega come verificare tutto senza rete.",
		EN: "The file VERIFICA.txt explains how to verify everything without a network."},
	// Progress and the remote page.
	"core.progress": {
		IT: "Avanzamento",
		EN: "Progress"},
	"core.qr-code-to-scan": {
		IT: "Codice QR da inquadrare con WhatsApp",
		EN: "QR code to scan with WhatsApp"},
	"core.waiting": {
		IT: "In attesa…",
		EN: "Waiting…"},
	"core.link-for-the-client": {
		IT: "Link per il cliente (mostrato una sola volta):",
		EN: "Link for the client (shown only once):"},
	"core.link-for-the-client-2": {
		IT: "Link per il cliente",
		EN: "Link for the client"},
	"core.linking-whatsapp": {
		IT: "Collegamento WhatsApp",
		EN: "Linking WhatsApp"},
	"core.this-link-works-in": {
		IT: "Questo link vale per un solo browser: toccare il pulsante sul dispositivo che mostrerà il codice QR da inquadrare.",
		EN: "This link works in one browser only: tap the button on the device that will show the QR code to scan."},
	"core.show-the-qr-code": {
		IT: "Mostra il codice QR",
		EN: "Show the QR code"},
	"core.open-whatsapp-on-the": {
		IT: "Aprire WhatsApp sul telefono, Dispositivi collegati, Collega un dispositivo, e inquadrare il codice.",
		EN: "Open WhatsApp on the phone, Linked devices, Link a device, and scan the code."},
	// Plain-text answers.
	"core.request-from-another-origin": {
		IT: "richiesta da un'altra origine rifiutata",
		EN: "request from another origin refused"},
	"core.sign-in-required": {
		IT: "accesso richiesto",
		EN: "sign-in required"},
	"core.not-allowed-for-this": {
		IT: "non consentito a questo ruolo",
		EN: "not allowed for this role"},
	"core.internal-error": {
		IT: "errore interno",
		EN: "internal error"},
	"core.language-not-available": {
		IT: "lingua non disponibile",
		EN: "language not available"},
	"core.invalid-lifetime": {
		IT: "durata non valida",
		EN: "invalid lifetime"},
	"core.unknown-link": {
		IT: "link sconosciuto",
		EN: "unknown link"},
	"core.link-revoked": {
		IT: "link revocato",
		EN: "link revoked"},
	"core.link-expired": {
		IT: "link scaduto",
		EN: "link expired"},
	"core.delivery-no-longer-available": {
		IT: "consegna non più disponibile",
		EN: "delivery no longer available"},
	"core.path-not-allowed": {
		IT: "percorso non consentito",
		EN: "path not allowed"},
	"core.session-ended": {
		IT: "sessione terminata",
		EN: "session ended"},
	"core.link-already-used": {
		IT: "link già usato",
		EN: "link already used"},
	"core.no-qr-code": {
		IT: "nessun codice QR",
		EN: "no QR code"},
	"core.not-found": {
		IT: "non trovato",
		EN: "not found"},
	"core.address-not-recognised": {
		IT: "indirizzo non riconosciuto",
		EN: "address not recognised"},
}
