package ui

// The case register, acquisition lists and the jobs that run them.

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/attesta/attesta/evidence"
)

func (s *Server) caseRoutes() []route {
	return []route{
		{"GET /cases", RoleTechnician, s.caseList},
		{"GET /cases/new", RoleTechnician, s.newCaseForm},
		{"POST /cases", RoleTechnician, s.createCase},
		{"GET /cases/{id}", RoleTechnician, s.casePage},
		{"POST /cases/{id}/hold", RoleTechnician, s.setHold},
		{"POST /cases/{id}/session", RoleTechnician, s.startSession},
		{"POST /cases/{id}/backup-link", RoleTechnician, s.caseBackupLink},
		{"GET /jobs", RoleTechnician, s.jobList},
		{"GET /jobs/{id}", RoleTechnician, s.jobPage},
		{"POST /jobs/{id}/resume", RoleTechnician, s.resumeJob},
		{"POST /jobs/{id}/cancel", RoleTechnician, s.cancelJob},
		{"POST /jobs/{id}/remote", RoleTechnician, s.jobRemote},
	}
}

// What the technician may pick when opening a case: the plans and service durations sold.
var (
	planChoices    = []int{5, 10, 20, 50} // messages certified per chat
	serviceChoices = []int{1, 3, 6, 12}   // months the evidence is kept for the client
)

// Size limits of the forms. A 50-line list is a few kilobytes; a file larger than maxListBytes is not a list.
const (
	maxListBytes = 64 << 10
	maxCaseForm  = 16 << 10
	maxHoldForm  = 4 << 10
	// maxSessionBody bounds the whole multipart body: the typed list, the file and the form's overhead.
	maxSessionBody = 2*maxListBytes + 8<<10
)

func (s *Server) caseList(w http.ResponseWriter, r *http.Request) {
	cases, err := s.cfg.Cases.ListCases(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	slices.SortStableFunc(cases, func(a, b CaseInfo) int { return b.Created.Compare(a.Created) })
	s.render(w, r, http.StatusOK, "cases", casesData{Cases: cases})
}

type casesData struct {
	Cases []CaseInfo
}

// newCaseData is the new-case form: what was typed, kept when the form comes back with errors.
type newCaseData struct {
	Client, Phone, Purpose string
	Proceeding             string
	ClientBasis            string
	SubjectsBasis          string
	Bases                  []Basis
	Plan, Service          int
	Errors                 []string
	Plans, Services        []int
}

func (s *Server) newCaseForm(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "newcase", newCaseData{Plans: planChoices, Services: serviceChoices, Bases: s.bases(r)})
}

func (s *Server) createCase(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxCaseForm)
	if err := r.ParseForm(); err != nil {
		httpError(w, r, "modulo non valido o troppo grande", http.StatusRequestEntityTooLarge)
		return
	}
	d := newCaseData{
		Client: strings.TrimSpace(r.PostFormValue("client")), Phone: strings.TrimSpace(r.PostFormValue("phone")),
		Purpose: strings.TrimSpace(r.PostFormValue("purpose")), Plans: planChoices, Services: serviceChoices,
		Proceeding: strings.TrimSpace(r.PostFormValue("proceeding")), ClientBasis: r.PostFormValue("client_basis"),
		SubjectsBasis: r.PostFormValue("subjects_basis"), Bases: s.bases(r),
	}
	d.Plan, _ = choice(r.PostFormValue("plan"), planChoices)
	d.Service, _ = choice(r.PostFormValue("service"), serviceChoices)
	if d.Plan == 0 {
		d.Errors = append(d.Errors, tr(r, "Scegliere il piano: 5, 10, 20 o 50 messaggi per chat."))
	}
	if d.Service == 0 {
		d.Errors = append(d.Errors, tr(r, "Scegliere la durata del servizio: 1, 3, 6 o 12 mesi."))
	}
	if d.Errors != nil {
		s.render(w, r, http.StatusUnprocessableEntity, "newcase", d)
		return
	}
	c, err := s.cfg.Cases.CreateCase(r.Context(), NewCase{
		Client: d.Client, ClientPhone: d.Phone, Purpose: d.Purpose, ServiceMonths: d.Service, MaxMessages: d.Plan,
		Operator: s.operator(r), Proceeding: d.Proceeding, ClientBasis: d.ClientBasis, SubjectsBasis: d.SubjectsBasis,
	})
	if errors.Is(err, ErrInvalid) {
		d.Errors = errorLines(err)
		s.render(w, r, http.StatusUnprocessableEntity, "newcase", d)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/cases/"+url.PathEscape(c.ID), http.StatusSeeOther)
}

// choice returns the number v names when it is one of allowed.
func choice(v string, allowed []int) (int, bool) {
	n, err := strconv.Atoi(v)
	if err != nil || !slices.Contains(allowed, n) {
		return 0, false
	}
	return n, true
}

// operator names the person acting, for the journal. Sessions carry a role, not a name.

// errorLines splits what a backend refused into the lines the screen lists (a list's bad lines are joined by
// newlines), without the sentinel's own word, which tells the technician nothing.
func errorLines(err error) []string {
	var out []string
	for l := range strings.SplitSeq(err.Error(), "\n") {
		l = strings.TrimPrefix(strings.TrimSpace(l), ErrInvalid.Error()+": ")
		if l != "" {
			out = append(out, l)
		}
	}
	return out
}

// casePageData is the case page, with what the last form on it typed and what was wrong with it.
type casePageData struct {
	Case       CaseInfo
	Jobs       []jobView
	MaxChats   int
	HoldErrors []string
	HoldReason string
	List       string
	ListErrors []string
	Busy       string
	// The client's one-time link, shown once when just made; what was wrong with the paper mandate's upload.
	RemoteURL     string
	MandateErrors []string
}

func (s *Server) casePage(w http.ResponseWriter, r *http.Request) {
	s.renderCase(w, r, http.StatusOK, casePageData{})
}

// renderCase shows the case named in the path with d's form state; an unknown case is a 404.
func (s *Server) renderCase(w http.ResponseWriter, r *http.Request, code int, d casePageData) {
	c, err := s.cfg.Cases.Case(r.Context(), r.PathValue("id"))
	if errors.Is(err, ErrNotFound) {
		httpError(w, r, "caso sconosciuto", http.StatusNotFound)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d.Case, d.MaxChats, d.Jobs = c, evidence.MaxListChats, nil
	for _, j := range c.Jobs {
		d.Jobs = append(d.Jobs, newJobView(r, j))
	}
	s.render(w, r, code, "case", d)
}

func (s *Server) setHold(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxHoldForm)
	if err := r.ParseForm(); err != nil {
		httpError(w, r, "modulo non valido o troppo grande", http.StatusRequestEntityTooLarge)
		return
	}
	hold := r.PostFormValue("hold") == "1"
	reason := strings.TrimSpace(r.PostFormValue("reason"))
	if reason == "" {
		s.renderCase(w, r, http.StatusUnprocessableEntity, casePageData{
			HoldErrors: []string{tr(r, "Indicare il motivo.")}})
		return
	}
	err := s.cfg.Cases.SetHold(r.Context(), r.PathValue("id"), hold, s.operator(r), reason)
	switch {
	case errors.Is(err, ErrNotFound):
		httpError(w, r, "caso sconosciuto", http.StatusNotFound)
	case errors.Is(err, ErrInvalid):
		s.renderCase(w, r, http.StatusUnprocessableEntity, casePageData{HoldErrors: errorLines(err), HoldReason: reason})
	case err != nil:
		s.fail(w, r, err)
	default:
		http.Redirect(w, r, "/cases/"+url.PathEscape(r.PathValue("id")), http.StatusSeeOther)
	}
}

// startSession imports the acquisition list, typed or uploaded, and starts the remote session that captures it.
func (s *Server) startSession(w http.ResponseWriter, r *http.Request) {
	list, problem := readList(w, r)
	if problem == "" && strings.TrimSpace(list) == "" {
		problem = tr(r, "Scrivere la lista o caricare il file.")
	}
	if problem != "" {
		s.renderCase(w, r, http.StatusUnprocessableEntity, casePageData{List: list, ListErrors: []string{problem}})
		return
	}
	j, err := s.cfg.Jobs.StartWebSession(r.Context(), WebSession{Case: r.PathValue("id"), List: list, Operator: s.operator(r)})
	switch {
	case errors.Is(err, ErrNotFound):
		httpError(w, r, "caso sconosciuto", http.StatusNotFound)
	case errors.Is(err, ErrInvalid):
		s.renderCase(w, r, http.StatusUnprocessableEntity, casePageData{List: list, ListErrors: errorLines(err)})
	case errors.Is(err, ErrBusy):
		s.renderCase(w, r, http.StatusConflict, casePageData{List: list, Busy: err.Error()})
	case err != nil:
		s.fail(w, r, err)
	default:
		s.attachSession(j.Case, j.ID)
		http.Redirect(w, r, "/jobs/"+url.PathEscape(j.ID), http.StatusSeeOther)
	}
}

// readList reads the list from the session form: the uploaded file when one was chosen, else the text typed.
// It returns what it read so far and, when the form is unusable, the problem to show.
func readList(w http.ResponseWriter, r *http.Request) (list, problem string) {
	r.Body = http.MaxBytesReader(w, r.Body, maxSessionBody)
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct != "multipart/form-data" {
		if err := r.ParseForm(); err != nil {
			return "", tr(r, "Modulo non valido o troppo grande.")
		}
		typed := strings.ToValidUTF8(r.PostFormValue("list"), "\uFFFD")
		if len(typed) > maxListBytes {
			return "", tr(r, "La lista supera 64 KiB.")
		}
		return typed, ""
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return "", tr(r, "Modulo non valido o troppo grande.")
	}
	var typed, file string
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return pick(file, typed), tr(r, "Modulo non valido o troppo grande.")
		}
		data, err := io.ReadAll(io.LimitReader(p, maxListBytes+1))
		if err != nil {
			return pick(file, typed), tr(r, "Modulo non valido o troppo grande.")
		}
		if len(data) > maxListBytes {
			if p.FormName() == "file" {
				return typed, tr(r, "Il file supera 64 KiB: non è una lista.")
			}
			return "", tr(r, "La lista supera 64 KiB.")
		}
		switch p.FormName() {
		case "list":
			typed = string(bytes.ToValidUTF8(data, []byte("\uFFFD")))
		case "file":
			if bytes.IndexByte(data, 0) >= 0 {
				return typed, tr(r, "Il file non è una lista di testo (CSV).")
			}
			file = decodeUpload(data)
		}
	}
	return pick(file, typed), ""
}

func pick(file, typed string) string {
	if strings.TrimSpace(file) != "" {
		return file
	}
	return typed
}

// decodeUpload returns a list file as text: without a UTF-8 byte order mark and, when it is not UTF-8, read as
// Windows-1252, the encoding Italian spreadsheet programs save CSV in. The text goes back into the page's text
// area when the list has errors, so it must be valid UTF-8 there.
func decodeUpload(data []byte) string {
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	if utf8.Valid(data) {
		return string(data)
	}
	var b strings.Builder
	b.Grow(len(data) + len(data)/4)
	for _, c := range data {
		switch {
		case c < 0x80:
			b.WriteByte(c)
		case c < 0xa0:
			b.WriteRune(cp1252[c-0x80])
		default: // Latin-1: Unicode's first 256 code points
			b.WriteRune(rune(c))
		}
	}
	return b.String()
}

// cp1252 maps Windows-1252's bytes 0x80..0x9F; its undefined bytes become U+FFFD.
var cp1252 = [32]rune{
	'€', '\uFFFD', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\uFFFD', 'Ž', '\uFFFD',
	'\uFFFD', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\uFFFD', 'ž', 'Ÿ',
}

// caseEnglish holds these screens' strings.
var caseEnglish = map[string]string{
	"Aggiornata":                           "Updated",
	"Annulla":                              "Cancel",
	"Annulla la sessione":                  "Cancel the session",
	"Aperto il":                            "Opened on",
	"Apri il caso":                         "Open the case",
	"Attivo:":                              "Active:",
	"Avanzamento":                          "Progress",
	"Avvia sessione remota":                "Start remote session",
	"Blocco legale":                        "Legal hold",
	"Cancellato":                           "Erased",
	"Cancellato il":                        "Erased on",
	"Carica file CSV (chiavetta USB)":      "Upload CSV file (USB stick)",
	"Casi":                                 "Cases",
	"Caso":                                 "Case",
	"Certificati":                          "Certified",
	"Chat":                                 "Chat",
	"Cliente":                              "Client",
	"Codice QR da inquadrare con WhatsApp": "QR code to scan with WhatsApp",
	"Conferma l'annullamento":              "Confirm cancellation",
	"Consegna":                             "Delivery",
	"Conservato fino al":                   "Kept until",
	"Finché il blocco è attivo, le prove non vengono cancellate alla scadenza.": "While the hold is active, the evidence is not erased when it expires.",
	"Fine":                        "Done",
	"Fino a":                      "Up to",
	"Il caso non è stato aperto:": "The case was not opened:",
	"Il cliente apre WhatsApp, Dispositivi collegati, Collega un dispositivo, e inquadra il codice.": "The client opens WhatsApp, Linked devices, Link a device, and scans the code.",
	"Il file non è una lista di testo (CSV).":                                                        "The file is not a text list (CSV).",
	"Il file supera 64 KiB: non è una lista.":                                                        "The file is larger than 64 KiB: it is not a list.",
	"Impossibile riprendere ora: un'altra sessione usa ciò che serve. Riprovare quando è finita.":    "Cannot resume now: another session is using what it needs. Try again when it has finished.",
	"Imposta il blocco":   "Set the hold",
	"In attesa…":          "Waiting…",
	"Indicare il motivo.": "State the reason.",
	"Iniziata":            "Started",
	"L'avanzamento dal vivo non è disponibile: l'apparecchio è stato riavviato dopo l'avvio della sessione.": "Live progress is not available: the appliance restarted after the session began.",
	"La lista non è stata importata:": "The list was not imported:",
	"La lista supera 64 KiB.":         "The list is larger than 64 KiB.",
	"La sessione si è interrotta perché l'apparecchio si è fermato. Riprendendola si acquisiscono le chat non ancora consegnate.": "The session was interrupted because the appliance stopped. Resuming it acquires the chats not yet delivered.",
	"Link per il cliente":                            "Link for the client",
	"Link per il cliente (mostrato una sola volta):": "Link for the client (shown only once):",
	"Lista di acquisizione":                          "Acquisition list",
	"Modulo non valido o troppo grande.":             "Invalid or too large form.",
	"Mostra i risultati":                             "Show the results",
	"Motivo":                                         "Reason",
	"Nessun blocco: alla scadenza le prove vengono cancellate.": "No hold: the evidence is erased when it expires.",
	"Nessun caso.":                             "No cases.",
	"Nessuna sessione per questo caso.":        "No sessions for this case.",
	"Nessuna sessione.":                        "No sessions.",
	"Nome del cliente":                         "Client's name",
	"Numero WhatsApp del cliente":              "Client's WhatsApp number",
	"Nuovo caso":                               "New case",
	"Piano":                                    "Plan",
	"Piano: messaggi certificati per chat":     "Plan: messages certified per chat",
	"Quanto già acquisito resta nel registro.": "What was already acquired stays in the journal.",
	"Revoca il blocco":                         "Release the hold",
	"Riga":                                     "Line",
	"Riprendi":                                 "Resume",
	"Risultati per chat":                       "Results per chat",
	"Scegliere il piano: 5, 10, 20 o 50 messaggi per chat.": "Choose the plan: 5, 10, 20 or 50 messages per chat.",
	"Scegliere la durata del servizio: 1, 3, 6 o 12 mesi.":  "Choose the service duration: 1, 3, 6 or 12 months.",
	"Scopo":                                 "Purpose",
	"Scopo della certificazione":            "Purpose of the certification",
	"Scrivere la lista o caricare il file.": "Type the list or upload the file.",
	"Servizio":                              "Service",
	"Servizio: durata della conservazione":  "Service: how long the evidence is kept",
	"Sessione":                              "Session",
	"Sessioni":                              "Sessions",
	"Stato":                                 "Status",
	"Tastiera":                              "Keyboard",
	"Telefono":                              "Phone",
	"Tipo":                                  "Type",
	"Tutte le sessioni":                     "All sessions",
	"Ultimo passo":                          "Last step",
	"Un'altra sessione è in corso: attendere che finisca, poi riprovare.":                                                   "Another session is running: wait for it to finish, then try again.",
	"Una riga per chat: numero;nominativo;dal;al (con intestazione), oppure numero: …; nominativo: …; messaggi: dal … al …": "One line per chat: numero;nominativo;dal;al (with the header), or numero: …; nominativo: …; messaggi: dal … al …",
	"a capo":                            "new line",
	"annullata":                         "cancelled",
	"caso sconosciuto":                  "unknown case",
	"chat":                              "chats",
	"completata":                        "done",
	"di conservazione legale":           "of legal retention",
	"estrazione dal telefono":           "extraction from the phone",
	"fallita":                           "failed",
	"in corso":                          "running",
	"interrotta":                        "interrupted",
	"inviati nel periodo indicato.":     "sent in the period given.",
	"mese":                              "month",
	"mesi":                              "months",
	"messaggi":                          "messages",
	"messaggi per chat":                 "messages per chat",
	"modulo non valido o troppo grande": "invalid or too large form",
	"per lista; per ogni chat si certificano gli ultimi": "per list; for each chat the appliance certifies the last",
	"sessione remota (WhatsApp Web)":                     "remote session (WhatsApp Web)",
	"sessione sconosciuta":                               "unknown session",
	"sessione terminata":                                 "session ended",
	"spazio":                                             "space",
	"sì":                                                 "yes",
}
