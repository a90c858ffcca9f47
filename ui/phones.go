package ui

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/attesta/attesta/internal/i18n"
)

// The extraction wizard: a phone plugged in over USB, its backup key, the list.
//
// The end-to-end backup key opens every chat of the phone's owner: it goes from the form to Jobs.StartExtraction
// and nowhere else. It is never logged, never written back into a page (a refused form comes back with the key
// empty) and never shown inside an error. An iPhone's backup password is held to the same rules.

// backupKeyDigits is the length of WhatsApp's end-to-end backup key, in decimal digits.
const backupKeyDigits = 64

// maxExtractForm bounds the wizard's form: an acquisition list of 50 lines is a few kilobytes.
const maxExtractForm = 256 << 10

// phoneRefreshSeconds is how often the phone list reloads itself, to show a phone as soon as it is plugged in.
const phoneRefreshSeconds = 3

type phonesData struct {
	Phones  []Phone
	Error   string
	Refresh int
}

func (s *Server) phones(w http.ResponseWriter, r *http.Request) {
	data := phonesData{Refresh: phoneRefreshSeconds}
	ps, err := s.cfg.Phones.Phones(r.Context())
	if err != nil {
		s.log.ErrorContext(r.Context(), "list phones", slog.Any("error", err))
		data.Error = tr(r, "phone.cannot-read-the-connected")
	}
	data.Phones = ps
	s.render(w, r, http.StatusOK, "phones", data)
}

// phoneData is the wizard's page. It has no field for the key, on purpose.
type phoneData struct {
	Phone     Phone
	Cases     []CaseInfo
	Case      string // the case chosen
	List      string
	Error     string
	KeyDigits int
}

// findPhone returns the phone with serial among those plugged in.
func (s *Server) findPhone(r *http.Request, serial string) (Phone, bool, error) {
	ps, err := s.cfg.Phones.Phones(r.Context())
	if err != nil {
		return Phone{}, false, err
	}
	for _, p := range ps {
		if p.Serial == serial {
			return p, true, nil
		}
	}
	return Phone{}, false, nil
}

// openCases returns the cases whose evidence still exists: the only ones an acquisition may join.
func (s *Server) openCases(r *http.Request) ([]CaseInfo, error) {
	cs, err := s.cfg.Cases.ListCases(r.Context())
	if err != nil {
		return nil, err
	}
	var out []CaseInfo
	for _, c := range cs {
		if c.Erased.IsZero() {
			out = append(out, c)
		}
	}
	return out, nil
}

func (s *Server) phonePage(w http.ResponseWriter, r *http.Request) {
	p, ok, err := s.findPhone(r, r.PathValue("serial"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !ok {
		httpError(w, r, "phone.phone-not-connected", http.StatusNotFound)
		return
	}
	cases, err := s.openCases(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "phone", phoneData{Phone: p, Cases: cases, Case: r.URL.Query().Get("case"),
		KeyDigits: backupKeyDigits})
}

// normalizeKey returns the key's digits without the spaces the technician may type between groups, and whether
// they are exactly the 64 digits of a backup key.
func normalizeKey(k string) (string, bool) {
	k = strings.Map(func(c rune) rune {
		if c == ' ' || c == '\t' || c == '-' {
			return -1
		}
		return c
	}, k)
	if len(k) != backupKeyDigits {
		return k, false
	}
	for _, c := range []byte(k) {
		if c < '0' || c > '9' {
			return k, false
		}
	}
	return k, true
}

// extract starts the extraction and sends the browser to its job. A refused form comes back with what the
// technician chose, the key excepted.
func (s *Server) extract(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxExtractForm)
	if err := r.ParseForm(); err != nil {
		httpError(w, r, "phone.form-unreadable-or-too", http.StatusBadRequest)
		return
	}
	serial := r.PathValue("serial")
	data := phoneData{Phone: Phone{Serial: serial}, Case: r.PostFormValue("case"), List: r.PostFormValue("list"),
		KeyDigits: backupKeyDigits}
	refuse := func(code int, msg string) {
		if cs, err := s.openCases(r); err == nil {
			data.Cases = cs
		}
		data.Error = msg
		s.render(w, r, code, "phone", data)
	}
	p, ok, err := s.findPhone(r, serial)
	switch {
	case err != nil:
		s.fail(w, r, err)
		return
	case !ok:
		refuse(http.StatusConflict, tr(r, "phone.the-phone-is-no"))
		return
	}
	data.Phone = p
	if !p.Ready() {
		refuse(http.StatusConflict, tr(r, "phone.the-phone-is-not"))
		return
	}
	req := Extraction{Case: data.Case, Serial: serial, Kind: p.Kind, List: data.List, Operator: s.operator(r)}
	keyOK := true // an iPhone has no key: its backup password, when it has one, is checked by the phone
	if p.IPhone() {
		req.Password = r.PostFormValue("password")
	} else {
		req.Key, keyOK = normalizeKey(r.PostFormValue("key"))
	}
	if msg := s.checkExtraction(r, data.Case, data.List, keyOK); msg != "" {
		refuse(http.StatusUnprocessableEntity, msg)
		return
	}
	job, err := s.cfg.Jobs.StartExtraction(r.Context(), req)
	switch {
	case errors.Is(err, ErrBusy):
		refuse(http.StatusConflict, tr(r, "phone.another-acquisition-is-running"))
		return
	case errors.Is(err, ErrInvalid), errors.Is(err, ErrNotFound):
		// The backend's words, without the key or the password should they ever quote them.
		refuse(http.StatusUnprocessableEntity, tr(r, "phone.extraction-refused")+" "+redact(redact(err.Error(), req.Key), req.Password))
		return
	case err != nil:
		s.fail(w, r, errors.New(redact(redact(err.Error(), req.Key), req.Password)))
		return
	}
	s.log.InfoContext(r.Context(), "extraction started", slog.String("job", job.ID), slog.String("case", data.Case),
		slog.String("serial", serial))
	http.Redirect(w, r, "/jobs/"+job.ID, http.StatusSeeOther)
}

// checkExtraction returns what is wrong with the form, in the request's language, or "".
func (s *Server) checkExtraction(r *http.Request, caseID, list string, keyOK bool) string {
	if caseID == "" {
		return tr(r, "phone.choose-the-case")
	}
	cs, err := s.openCases(r)
	if err != nil {
		return tr(r, "phone.cannot-read-the-cases")
	}
	found := false
	for _, c := range cs {
		found = found || c.ID == caseID
	}
	switch {
	case !found:
		return tr(r, "phone.the-chosen-case-does")
	case !keyOK:
		return tr(r, "phone.the-backup-key-must")
	case strings.TrimSpace(list) == "":
		return tr(r, "phone.the-list-of-chats")
	}
	return ""
}

// redact removes the key from a message that might quote it.
func redact(msg, key string) string {
	if key == "" {
		return msg
	}
	return strings.ReplaceAll(msg, key, "[…]")
}

// phoneTexts holds these screens' strings.
var phoneTexts = map[string]i18n.Text{
	// iPhones.
	"phone.iphone-trust": {
		IT: "Sull'iPhone sbloccato toccare «Autorizza» alla domanda «Autorizzare questo computer?» e inserire il codice del telefono.",
		EN: "On the unlocked iPhone tap “Trust” when asked “Trust This Computer?” and enter the phone's passcode."},
	"phone.iphone-paired": {
		IT: "Associato: pronto per il backup",
		EN: "Paired: ready for the backup"},
	"phone.iphone-backing-up": {
		IT: "Backup in corso",
		EN: "Backup in progress"},
	"phone.iphone-backed-up": {
		IT: "Backup completato",
		EN: "Backup complete"},
	"phone.iphone-keep-connected": {
		IT: "Il telefono conta il backup da sé; non scollegarlo e tenerlo sbloccato.",
		EN: "The phone counts the backup itself; do not unplug it and keep it unlocked."},
	"phone.iphone-how-to-connect": {
		IT: "iPhone: collegarlo con un cavo dati, sbloccarlo e toccare «Autorizza».",
		EN: "iPhone: connect it with a data cable, unlock it and tap “Trust”."},
	"phone.iphone-password": {
		IT: "Password del backup dell'iPhone",
		EN: "iPhone backup password"},
	"phone.iphone-password-hint": {
		IT: "Solo se il proprietario cifra già i backup dell'iPhone (non è il codice del telefono); altrimenti lasciare vuoto: l'apparecchio ne imposta una temporanea e la toglie alla fine.",
		EN: "Only if the owner already encrypts the iPhone's backups (it is not the phone's passcode); otherwise leave it empty: the appliance sets a one-time one and removes it at the end."},
	"phone.iphone-password-short": {
		IT: "Password del backup",
		EN: "Backup password"},
	"phone.phone-plugged-in": {
		IT: "Telefono collegato:",
		EN: "Phone plugged in:"},
	"phone.start-the-extraction": {
		IT: "avvia l'estrazione",
		EN: "start the extraction"},
	"phone.connected-phones": {
		IT: "Telefoni collegati",
		EN: "Connected phones"},
	"phone.cannot-read-the-connected": {
		IT: "Impossibile leggere i telefoni collegati: riprovare tra poco.",
		EN: "Cannot read the connected phones: try again shortly."},
	"phone.refresh": {
		IT: "Aggiorna",
		EN: "Refresh"},
	"phone.no-phone-connected": {
		IT: "Nessun telefono collegato.",
		EN: "No phone connected."},
	"phone.how-to-connect-the": {
		IT: "Come collegare il telefono",
		EN: "How to connect the phone"},
	"phone.connect-the-phone-with": {
		IT: "Collegare il telefono con un cavo dati e sbloccarlo.",
		EN: "Connect the phone with a data cable and unlock it."},
	"phone.in-settings-about-phone": {
		IT: "In Impostazioni → Info sul telefono toccare sette volte Numero build per attivare le Opzioni sviluppatore.",
		EN: "In Settings → About phone tap Build number seven times to enable Developer options."},
	"phone.in-settings-developer-options": {
		IT: "In Impostazioni → Opzioni sviluppatore attivare Debug USB.",
		EN: "In Settings → Developer options turn on USB debugging."},
	"phone.on-the-phone-accept": {
		IT: "Sul telefono accettare «Consentire il debug USB?».",
		EN: "On the phone accept “Allow USB debugging?”."},
	"phone.on-the-unlocked-phone": {
		IT: "Sul telefono sbloccato accettare «Consentire il debug USB?». Spuntare «Consenti sempre da questo computer» solo se la politica dello studio lo permette.",
		EN: "On the unlocked phone accept “Allow USB debugging?”. Tick “Always allow from this computer” only if the studio's policy allows it."},
	"phone.phone-not-reachable-unplug": {
		IT: "Telefono non raggiungibile: scollegare e ricollegare il cavo.",
		EN: "Phone not reachable: unplug the cable and plug it in again."},
	"phone.ready": {
		IT: "Pronto",
		EN: "Ready"},
	"phone.to-authorize": {
		IT: "Da autorizzare",
		EN: "To authorize"},
	"phone.not-reachable": {
		IT: "Non raggiungibile",
		EN: "Not reachable"},
	"phone.extract": {
		IT: "Estrai",
		EN: "Extract"},
	"phone.unknown-model": {
		IT: "Modello sconosciuto",
		EN: "Unknown model"},
	"phone.extraction-from-the-phone": {
		IT: "Estrazione dal telefono",
		EN: "Extraction from the phone"},
	"phone.choose": {
		IT: "Scegliere…",
		EN: "Choose…"},
	"phone.no-open-case-open": {
		IT: "Nessun caso aperto: aprirne uno in Casi.",
		EN: "No open case: open one in Cases."},
	"phone.list-of-chats-to": {
		IT: "Elenco delle chat da acquisire",
		EN: "List of chats to acquire"},
	"phone.one-chat-per-line": {
		IT: "Una chat per riga, o il CSV numero;nominativo;dal;al.",
		EN: "One chat per line, or the CSV numero;nominativo;dal;al."},
	"phone.end-to-end-backup": {
		IT: "Chiave di backup end-to-end",
		EN: "End-to-end backup key"},
	"phone.the-64-digits-as": {
		IT: "Le 64 cifre come le mostra WhatsApp, 4 per gruppo.",
		EN: "The 64 digits as WhatsApp shows them, 4 per group."},
	"phone.digits": {
		IT: "cifre",
		EN: "digits"},
	"phone.clear-all": {
		IT: "Cancella tutto",
		EN: "Clear all"},
	"phone.start-the-extraction-2": {
		IT: "Avvia l'estrazione",
		EN: "Start the extraction"},
	"phone.backup-key": {
		IT: "Chiave di backup",
		EN: "Backup key"},
	"phone.phone-not-connected": {
		IT: "telefono non collegato",
		EN: "phone not connected"},
	"phone.form-unreadable-or-too": {
		IT: "modulo non leggibile o troppo grande",
		EN: "form unreadable or too large"},
	"phone.the-phone-is-no": {
		IT: "Il telefono non è più collegato: ricollegarlo e riprovare.",
		EN: "The phone is no longer connected: plug it in again and retry."},
	"phone.the-phone-is-not": {
		IT: "Il telefono non è pronto: seguire le istruzioni qui sotto.",
		EN: "The phone is not ready: follow the instructions below."},
	"phone.another-acquisition-is-running": {
		IT: "Un'altra acquisizione è in corso: attendere che finisca.",
		EN: "Another acquisition is running: wait for it to finish."},
	"phone.extraction-refused": {
		IT: "Estrazione rifiutata:",
		EN: "Extraction refused:"},
	"phone.choose-the-case": {
		IT: "Scegliere il caso.",
		EN: "Choose the case."},
	"phone.cannot-read-the-cases": {
		IT: "Impossibile leggere i casi: riprovare.",
		EN: "Cannot read the cases: try again."},
	"phone.the-chosen-case-does": {
		IT: "Il caso scelto non esiste o i suoi dati sono stati cancellati.",
		EN: "The chosen case does not exist or its data has been erased."},
	"phone.the-backup-key-must": {
		IT: "La chiave di backup deve avere esattamente 64 cifre: inserirla di nuovo.",
		EN: "The backup key must have exactly 64 digits: enter it again."},
	"phone.the-list-of-chats": {
		IT: "L'elenco delle chat da acquisire è vuoto.",
		EN: "The list of chats to acquire is empty."},
}

// phoneJSON is a phone as the home screen's watcher sees it.
type phoneJSON struct {
	Serial  string `json:"serial"`
	Model   string `json:"model"`
	Ready   bool   `json:"ready"`
	Kind    string `json:"kind"`  // "iphone", or "android"
	State   string `json:"state"` // as Phone.State
	Percent int    `json:"percent,omitempty"`
}

// phonesJSON lists the phones on USB for the home screen, which offers the extraction wizard as soon as one is
// plugged in and ready.
func (s *Server) phonesJSON(w http.ResponseWriter, r *http.Request) {
	ps, err := s.cfg.Phones.Phones(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := make([]phoneJSON, 0, len(ps))
	for _, p := range ps {
		kind := "android"
		if p.IPhone() {
			kind = PhoneIPhone
		}
		out = append(out, phoneJSON{Serial: p.Serial, Model: p.Model, Ready: p.Ready(), Kind: kind, State: p.State, Percent: p.Percent})
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(out)
}
