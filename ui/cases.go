package ui

// The case register, acquisition lists and the jobs that run them.

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/attesta/attesta/evidence"
	"github.com/attesta/attesta/internal/i18n"
)

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
	Client, Phone, Purpose   string
	Proceeding               string
	ClientBasis              string
	SubjectsBasis            string
	Bases                    []Basis
	Plan, Service            int
	Errors                   []string
	Plans, Services          []int
	Delivery, DeliveryEmails string
	Deliveries               []struct{ Value, Label string }
}

func (s *Server) newCaseForm(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "newcase", newCaseData{Plans: planChoices, Services: serviceChoices, Bases: s.bases(r),
		Deliveries: s.deliveryChoices(), Delivery: DeliveryAppliance})
}

func (s *Server) createCase(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxCaseForm)
	if err := r.ParseForm(); err != nil {
		httpError(w, r, "case.invalid-or-too-large-form", http.StatusRequestEntityTooLarge)
		return
	}
	d := newCaseData{
		Client: strings.TrimSpace(r.PostFormValue("client")), Phone: strings.TrimSpace(r.PostFormValue("phone")),
		Purpose: strings.TrimSpace(r.PostFormValue("purpose")), Plans: planChoices, Services: serviceChoices,
		Proceeding: strings.TrimSpace(r.PostFormValue("proceeding")), ClientBasis: r.PostFormValue("client_basis"),
		SubjectsBasis: r.PostFormValue("subjects_basis"), Bases: s.bases(r),
		Delivery: r.PostFormValue("delivery"), DeliveryEmails: strings.TrimSpace(r.PostFormValue("delivery_emails")),
		Deliveries: s.deliveryChoices(),
	}
	d.Plan, _ = choice(r.PostFormValue("plan"), planChoices)
	d.Service, _ = choice(r.PostFormValue("service"), serviceChoices)
	if d.Plan == 0 {
		d.Errors = append(d.Errors, tr(r, "case.choose-the-plan-5"))
	}
	if d.Service == 0 {
		d.Errors = append(d.Errors, tr(r, "case.choose-the-service-duration"))
	}
	if d.Errors != nil {
		s.render(w, r, http.StatusUnprocessableEntity, "newcase", d)
		return
	}
	c, err := s.cfg.Cases.CreateCase(r.Context(), NewCase{
		Client: d.Client, ClientPhone: d.Phone, Purpose: d.Purpose, ServiceMonths: d.Service, MaxMessages: d.Plan,
		Operator: s.operator(r), Proceeding: d.Proceeding, ClientBasis: d.ClientBasis, SubjectsBasis: d.SubjectsBasis,
		Delivery: d.Delivery, DeliveryEmails: d.DeliveryEmails,
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
	DriveErrors   []string // what went wrong with the client's Drive authorization
}

func (s *Server) casePage(w http.ResponseWriter, r *http.Request) {
	s.renderCase(w, r, http.StatusOK, casePageData{})
}

// renderCase shows the case named in the path with d's form state; an unknown case is a 404.
func (s *Server) renderCase(w http.ResponseWriter, r *http.Request, code int, d casePageData) {
	c, err := s.cfg.Cases.Case(r.Context(), r.PathValue("id"))
	if !s.found(w, r, err, "case.unknown-case") {
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
		httpError(w, r, "case.invalid-or-too-large-form", http.StatusRequestEntityTooLarge)
		return
	}
	hold := r.PostFormValue("hold") == "1"
	reason := strings.TrimSpace(r.PostFormValue("reason"))
	if reason == "" {
		s.renderCase(w, r, http.StatusUnprocessableEntity, casePageData{
			HoldErrors: []string{tr(r, "case.state-the-reason")}})
		return
	}
	err := s.cfg.Cases.SetHold(r.Context(), r.PathValue("id"), hold, s.operator(r), reason)
	s.done(w, r, err, "case.unknown-case", func(err error) {
		s.renderCase(w, r, http.StatusUnprocessableEntity, casePageData{HoldErrors: errorLines(err), HoldReason: reason})
	}, "/cases/"+url.PathEscape(r.PathValue("id")))
}

// startSession imports the acquisition list, typed or uploaded, and starts the remote session that captures it.
func (s *Server) startSession(w http.ResponseWriter, r *http.Request) {
	list, problem := readList(w, r)
	if problem == "" && strings.TrimSpace(list) == "" {
		problem = tr(r, "case.type-the-list-or")
	}
	if problem != "" {
		s.renderCase(w, r, http.StatusUnprocessableEntity, casePageData{List: list, ListErrors: []string{problem}})
		return
	}
	j, err := s.cfg.Jobs.StartWebSession(r.Context(), WebSession{Case: r.PathValue("id"), List: list, Operator: s.operator(r)})
	switch {
	case errors.Is(err, ErrNotFound):
		httpError(w, r, "case.unknown-case", http.StatusNotFound)
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

// caseTexts holds these screens' strings.
var caseTexts = map[string]i18n.Text{
	"case.updated": {
		IT: "Aggiornata",
		EN: "Updated"},
	"case.cancel": {
		IT: "Annulla",
		EN: "Cancel"},
	"case.cancel-the-session": {
		IT: "Annulla la sessione",
		EN: "Cancel the session"},
	"case.opened-on": {
		IT: "Aperto il",
		EN: "Opened on"},
	"case.open-the-case": {
		IT: "Apri il caso",
		EN: "Open the case"},
	"case.active": {
		IT: "Attivo:",
		EN: "Active:"},
	"case.start-remote-session": {
		IT: "Avvia sessione remota",
		EN: "Start remote session"},
	"case.legal-hold": {
		IT: "Blocco legale",
		EN: "Legal hold"},
	"case.erased": {
		IT: "Cancellato",
		EN: "Erased"},
	"case.erased-on": {
		IT: "Cancellato il",
		EN: "Erased on"},
	"case.upload-csv-file-usb": {
		IT: "Carica file CSV (chiavetta USB)",
		EN: "Upload CSV file (USB stick)"},
	"case.case": {
		IT: "Caso",
		EN: "Case"},
	"case.certified": {
		IT: "Certificati",
		EN: "Certified"},
	"case.chat": {
		IT: "Chat",
		EN: "Chat"},
	"case.client": {
		IT: "Cliente",
		EN: "Client"},
	"case.confirm-cancellation": {
		IT: "Conferma l'annullamento",
		EN: "Confirm cancellation"},
	"case.kept-until": {
		IT: "Conservato fino al",
		EN: "Kept until"},
	"case.while-the-hold-is": {
		IT: "Finché il blocco è attivo, le prove non vengono cancellate alla scadenza.",
		EN: "While the hold is active, the evidence is not erased when it expires."},
	"case.done": {
		IT: "Fine",
		EN: "Done"},
	"case.up-to": {
		IT: "Fino a",
		EN: "Up to"},
	"case.the-case-was-not": {
		IT: "Il caso non è stato aperto:",
		EN: "The case was not opened:"},
	"case.the-client-opens-whatsapp": {
		IT: "Il cliente apre WhatsApp, Dispositivi collegati, Collega un dispositivo, e inquadra il codice.",
		EN: "The client opens WhatsApp, Linked devices, Link a device, and scans the code."},
	"case.the-file-is-not": {
		IT: "Il file non è una lista di testo (CSV).",
		EN: "The file is not a text list (CSV)."},
	"case.the-file-is-larger": {
		IT: "Il file supera 64 KiB: non è una lista.",
		EN: "The file is larger than 64 KiB: it is not a list."},
	"case.cannot-resume-now-another": {
		IT: "Impossibile riprendere ora: un'altra sessione usa ciò che serve. Riprovare quando è finita.",
		EN: "Cannot resume now: another session is using what it needs. Try again when it has finished."},
	"case.set-the-hold": {
		IT: "Imposta il blocco",
		EN: "Set the hold"},
	"case.state-the-reason": {
		IT: "Indicare il motivo.",
		EN: "State the reason."},
	"case.started": {
		IT: "Iniziata",
		EN: "Started"},
	"case.live-progress-is-not": {
		IT: "L'avanzamento dal vivo non è disponibile: l'apparecchio è stato riavviato dopo l'avvio della sessione.",
		EN: "Live progress is not available: the appliance restarted after the session began."},
	"case.the-list-was-not": {
		IT: "La lista non è stata importata:",
		EN: "The list was not imported:"},
	"case.the-list-is-larger": {
		IT: "La lista supera 64 KiB.",
		EN: "The list is larger than 64 KiB."},
	"case.the-session-was-interrupted": {
		IT: "La sessione si è interrotta perché l'apparecchio si è fermato. Riprendendola si acquisiscono le chat non ancora consegnate.",
		EN: "The session was interrupted because the appliance stopped. Resuming it acquires the chats not yet delivered."},
	"case.acquisition-list": {
		IT: "Lista di acquisizione",
		EN: "Acquisition list"},
	"case.invalid-or-too-large": {
		IT: "Modulo non valido o troppo grande.",
		EN: "Invalid or too large form."},
	"case.show-the-results": {
		IT: "Mostra i risultati",
		EN: "Show the results"},
	"case.reason": {
		IT: "Motivo",
		EN: "Reason"},
	"case.no-hold-the-evidence": {
		IT: "Nessun blocco: alla scadenza le prove vengono cancellate.",
		EN: "No hold: the evidence is erased when it expires."},
	"case.no-cases": {
		IT: "Nessun caso.",
		EN: "No cases."},
	"case.no-sessions-for-this": {
		IT: "Nessuna sessione per questo caso.",
		EN: "No sessions for this case."},
	"case.no-sessions": {
		IT: "Nessuna sessione.",
		EN: "No sessions."},
	"case.clients-name": {
		IT: "Nome del cliente",
		EN: "Client's name"},
	"case.clients-whatsapp-number": {
		IT: "Numero WhatsApp del cliente",
		EN: "Client's WhatsApp number"},
	"case.new-case": {
		IT: "Nuovo caso",
		EN: "New case"},
	"case.plan": {
		IT: "Piano",
		EN: "Plan"},
	"case.plan-messages-certified-per": {
		IT: "Piano: messaggi certificati per chat",
		EN: "Plan: messages certified per chat"},
	"case.what-was-already-acquired": {
		IT: "Quanto già acquisito resta nel registro.",
		EN: "What was already acquired stays in the journal."},
	"case.release-the-hold": {
		IT: "Revoca il blocco",
		EN: "Release the hold"},
	"case.line": {
		IT: "Riga",
		EN: "Line"},
	"case.resume": {
		IT: "Riprendi",
		EN: "Resume"},
	"case.results-per-chat": {
		IT: "Risultati per chat",
		EN: "Results per chat"},
	"case.choose-the-plan-5": {
		IT: "Scegliere il piano: 5, 10, 20 o 50 messaggi per chat.",
		EN: "Choose the plan: 5, 10, 20 or 50 messages per chat."},
	"case.choose-the-service-duration": {
		IT: "Scegliere la durata del servizio: 1, 3, 6 o 12 mesi.",
		EN: "Choose the service duration: 1, 3, 6 or 12 months."},
	"case.purpose": {
		IT: "Scopo",
		EN: "Purpose"},
	"case.purpose-of-the-certification": {
		IT: "Scopo della certificazione",
		EN: "Purpose of the certification"},
	"case.type-the-list-or": {
		IT: "Scrivere la lista o caricare il file.",
		EN: "Type the list or upload the file."},
	"case.service": {
		IT: "Servizio",
		EN: "Service"},
	"case.service-how-long-the": {
		IT: "Servizio: durata della conservazione",
		EN: "Service: how long the evidence is kept"},
	"case.session": {
		IT: "Sessione",
		EN: "Session"},
	"case.sessions": {
		IT: "Sessioni",
		EN: "Sessions"},
	"case.keyboard": {
		IT: "Tastiera",
		EN: "Keyboard"},
	"case.type": {
		IT: "Tipo",
		EN: "Type"},
	"case.all-sessions": {
		IT: "Tutte le sessioni",
		EN: "All sessions"},
	"case.last-step": {
		IT: "Ultimo passo",
		EN: "Last step"},
	"case.another-session-is-running": {
		IT: "Un'altra sessione è in corso: attendere che finisca, poi riprovare.",
		EN: "Another session is running: wait for it to finish, then try again."},
	"case.one-line-per-chat": {
		IT: "Una riga per chat: numero;nominativo;dal;al (con intestazione), oppure numero: …; nominativo: …; messaggi: dal … al …",
		EN: "One line per chat: numero;nominativo;dal;al (with the header), or numero: …; nominativo: …; messaggi: dal … al …"},
	"case.new-line": {
		IT: "a capo",
		EN: "new line"},
	"case.cancelled": {
		IT: "annullata",
		EN: "cancelled"},
	"case.unknown-case": {
		IT: "caso sconosciuto",
		EN: "unknown case"},
	"case.chats": {
		IT: "chat",
		EN: "chats"},
	"case.done-2": {
		IT: "completata",
		EN: "done"},
	"case.of-legal-retention": {
		IT: "di conservazione legale",
		EN: "of legal retention"},
	"case.extraction-from-the-phone": {
		IT: "estrazione dal telefono",
		EN: "extraction from the phone"},
	"case.failed": {
		IT: "fallita",
		EN: "failed"},
	"case.running": {
		IT: "in corso",
		EN: "running"},
	"case.interrupted": {
		IT: "interrotta",
		EN: "interrupted"},
	"case.sent-in-the-period": {
		IT: "inviati nel periodo indicato.",
		EN: "sent in the period given."},
	"case.month": {
		IT: "mese",
		EN: "month"},
	"case.months": {
		IT: "mesi",
		EN: "months"},
	"case.messages": {
		IT: "messaggi",
		EN: "messages"},
	"case.messages-per-chat": {
		IT: "messaggi per chat",
		EN: "messages per chat"},
	"case.invalid-or-too-large-form": {
		IT: "modulo non valido o troppo grande",
		EN: "invalid or too large form"},
	"case.per-list-for-each": {
		IT: "per lista; per ogni chat si certificano gli ultimi",
		EN: "per list; for each chat the appliance certifies the last"},
	"case.remote-session-whatsapp-web": {
		IT: "sessione remota (WhatsApp Web)",
		EN: "remote session (WhatsApp Web)"},
	"case.unknown-session": {
		IT: "sessione sconosciuta",
		EN: "unknown session"},
	"case.space": {
		IT: "spazio",
		EN: "space"},
	"case.yes": {
		IT: "sì",
		EN: "yes"},
}
