package ui

// The screens of data protection: the client's link and the paper mandate on the case page, the mandate's fields
// on the new-case form, and the data-subject requests due on the home screen.

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

func (s *Server) privacyRoutes() []route {
	return []route{
		{"POST /cases/{id}/remote", RoleTechnician, s.caseRemote},
		{"POST /cases/{id}/mandate", RoleTechnician, s.caseMandate},
		{"GET /cases/{id}/accesses", RoleTechnician, s.caseAccesses},
		{"GET /admin/privacy", RoleAdmin, s.privacyPage},
		{"GET /admin/privacy/register/{file}", RoleAdmin, s.privacyRegister},
		{"POST /admin/privacy/request", RoleAdmin, s.privacyRequest},
		{"POST /admin/privacy/export", RoleAdmin, s.privacyExport},
	}
}

// privacyData is the administrator's data-protection page: the requests, the last answer, the record.
type privacyData struct {
	Requests []SubjectRequest
	Now      time.Time
	Answer   *SubjectAnswer
	Phone    string // the number of the last request, for its export
	Kind     string
	Errors   []string
}

func (s *Server) privacyPage(w http.ResponseWriter, r *http.Request) {
	s.renderPrivacy(w, r, http.StatusOK, privacyData{})
}

func (s *Server) renderPrivacy(w http.ResponseWriter, r *http.Request, code int, d privacyData) {
	if s.cfg.Privacy == nil {
		httpError(w, r, "non configurato", http.StatusServiceUnavailable)
		return
	}
	reqs, err := s.cfg.Privacy.SubjectRequests(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d.Requests, d.Now = reqs, s.now()
	s.render(w, r, code, "privacy", d)
}

// privacyRegister serves the record of processing as CSV or PDF.
func (s *Server) privacyRegister(w http.ResponseWriter, r *http.Request) {
	format, _ := strings.CutPrefix(r.PathValue("file"), "registro-trattamenti.")
	if s.cfg.Privacy == nil || format != "csv" && format != "pdf" {
		httpError(w, r, "non trovato", http.StatusNotFound)
		return
	}
	var b bytes.Buffer
	if err := s.cfg.Privacy.ProcessingRecord(r.Context(), format, &b); err != nil {
		s.fail(w, r, err)
		return
	}
	ct := map[string]string{"csv": "text/csv; charset=utf-8", "pdf": "application/pdf"}[format]
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Content-Disposition", `attachment; filename="registro-trattamenti.`+format+`"`)
	w.Write(b.Bytes())
}

// maxRequestForm bounds a data-subject request's form: a number, a kind, a confirmation.
const maxRequestForm = 4 << 10

// privacyRequest registers and answers a data-subject request; an erasure needs its box ticked.
func (s *Server) privacyRequest(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxRequestForm)
	if err := r.ParseForm(); err != nil || s.cfg.Privacy == nil {
		httpError(w, r, "modulo non valido o troppo grande", http.StatusRequestEntityTooLarge)
		return
	}
	d := privacyData{Phone: strings.TrimSpace(r.PostFormValue("phone")), Kind: r.PostFormValue("kind")}
	switch {
	case d.Phone == "":
		d.Errors = []string{tr(r, "Scrivere il numero dell'interessato.")}
	case d.Kind != "access" && d.Kind != "erasure" && d.Kind != "restriction":
		d.Errors = []string{tr(r, "Scegliere il tipo di richiesta.")}
	case d.Kind == "erasure" && r.PostFormValue("confirm") != "1":
		d.Errors = []string{tr(r, "Confermare la cancellazione: è definitiva.")}
	}
	if d.Errors != nil {
		s.renderPrivacy(w, r, http.StatusUnprocessableEntity, d)
		return
	}
	ans, err := s.cfg.Privacy.SubjectRequest(r.Context(), d.Kind, d.Phone, s.operator(r))
	switch {
	case errors.Is(err, ErrInvalid):
		d.Errors = errorLines(err)
		s.renderPrivacy(w, r, http.StatusUnprocessableEntity, d)
		return
	case err != nil:
		s.fail(w, r, err)
		return
	}
	d.Answer = &ans
	s.renderPrivacy(w, r, http.StatusOK, d)
}

// privacyExport streams the ZIP that answers an access request.
func (s *Server) privacyExport(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxRequestForm)
	if err := r.ParseForm(); err != nil || s.cfg.Privacy == nil {
		httpError(w, r, "modulo non valido o troppo grande", http.StatusRequestEntityTooLarge)
		return
	}
	id := r.PostFormValue("id")
	var b bytes.Buffer
	err := s.cfg.Privacy.SubjectExport(r.Context(), id, r.PostFormValue("phone"), &b)
	switch {
	case errors.Is(err, ErrNotFound):
		httpError(w, r, "non trovato", http.StatusNotFound)
		return
	case errors.Is(err, ErrInvalid):
		s.renderPrivacy(w, r, http.StatusUnprocessableEntity, privacyData{Errors: errorLines(err)})
		return
	case err != nil:
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Content-Disposition", `attachment; filename="accesso-`+url.PathEscape(id)+`.zip"`)
	w.Write(b.Bytes())
}

// maxMandateUpload bounds the paper mandate's upload: the scan and the form's overhead.
const maxMandateUpload = 20<<20 + 8<<10

// caseRemote makes the client's one-time link of a case and shows it on the case page, once: the client reads and
// accepts the notice there, then sees the QR code when the session starts.
func (s *Server) caseRemote(w http.ResponseWriter, r *http.Request) {
	if p, ok := s.newCaseLink(w, r, r.PathValue("id")); ok {
		s.renderCase(w, r, http.StatusOK, casePageData{RemoteURL: s.linkBase(r) + p})
	}
}

// newCaseLink makes a new one-time link for the client of case id ("/r/<token>"); an unknown case gets 404.
func (s *Server) newCaseLink(w http.ResponseWriter, r *http.Request, id string) (string, bool) {
	if _, err := s.cfg.Cases.Case(r.Context(), id); errors.Is(err, ErrNotFound) {
		httpError(w, r, "caso sconosciuto", http.StatusNotFound)
		return "", false
	} else if err != nil {
		s.fail(w, r, err)
		return "", false
	}
	p, err := s.NewRemoteLink(id, "")
	if err != nil {
		s.fail(w, r, err)
		return "", false
	}
	return p, true
}

// caseMandate records the scan of the signed paper mandate, uploaded from a USB stick.
func (s *Server) caseMandate(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxMandateUpload)
	bad := func(msg string) {
		s.renderCase(w, r, http.StatusUnprocessableEntity, casePageData{MandateErrors: []string{tr(r, msg)}})
	}
	file, hdr, err := r.FormFile("mandate")
	if err != nil {
		bad("Scegliere il file del mandato firmato (PDF o foto, fino a 20 MB).")
		return
	}
	defer file.Close()
	data, err := io.ReadAll(file)
	if err != nil {
		bad("Scegliere il file del mandato firmato (PDF o foto, fino a 20 MB).")
		return
	}
	if s.cfg.Privacy == nil {
		httpError(w, r, "non configurato", http.StatusServiceUnavailable)
		return
	}
	err = s.cfg.Privacy.RecordMandate(r.Context(), r.PathValue("id"), PaperMandate{Name: hdr.Filename, Data: data, Operator: s.operator(r)})
	switch {
	case errors.Is(err, ErrNotFound):
		httpError(w, r, "caso sconosciuto", http.StatusNotFound)
	case errors.Is(err, ErrInvalid):
		s.renderCase(w, r, http.StatusUnprocessableEntity, casePageData{MandateErrors: errorLines(err)})
	case err != nil:
		s.fail(w, r, err)
	default:
		http.Redirect(w, r, "/cases/"+url.PathEscape(r.PathValue("id")), http.StatusSeeOther)
	}
}

// accessesData is the report of accesses to a case's personal data.
type accessesData struct {
	Case    string
	Entries []AccessEntry
}

// caseAccesses shows the journal's record of the accesses to a case's personal data, with the reasons given.
func (s *Server) caseAccesses(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Privacy == nil {
		httpError(w, r, "non configurato", http.StatusServiceUnavailable)
		return
	}
	id := r.PathValue("id")
	entries, err := s.cfg.Privacy.AccessReport(r.Context(), id)
	switch {
	case errors.Is(err, ErrNotFound):
		httpError(w, r, "caso sconosciuto", http.StatusNotFound)
	case err != nil:
		s.fail(w, r, err)
	default:
		s.render(w, r, http.StatusOK, "accesses", accessesData{Case: id, Entries: entries})
	}
}

// bases lists the lawful bases for the forms; none without a privacy backend.
func (s *Server) bases(r *http.Request) []Basis {
	if s.cfg.Privacy == nil {
		return nil
	}
	return s.cfg.Privacy.Bases(r.Context(), langOf(r))
}

// dueRequests lists the data-subject requests not yet answered, the nearest deadline first.
func (s *Server) dueRequests(r *http.Request) []SubjectRequest {
	if s.cfg.Privacy == nil {
		return nil
	}
	reqs, err := s.cfg.Privacy.SubjectRequests(r.Context())
	if err != nil {
		s.log.WarnContext(r.Context(), "home: data-subject requests", "error", err)
		return nil
	}
	reqs = slices.DeleteFunc(reqs, func(q SubjectRequest) bool { return !q.Answered.IsZero() })
	slices.SortFunc(reqs, func(a, b SubjectRequest) int { return a.Due.Compare(b.Due) })
	return reqs
}

// privacyEnglish holds these screens' strings.
var privacyEnglish = map[string]string{
	"Base giuridica (cliente)":                "Lawful basis (client)",
	"Base giuridica (corrispondenti)":         "Lawful basis (correspondents)",
	"Base giuridica: dati dei corrispondenti": "Lawful basis: the correspondents' data",
	"Base giuridica: dati del cliente":        "Lawful basis: the client's data",
	"Ho letto e accetto: mostra il codice QR": "I have read and accept: show the QR code",
	"Il cliente non ha ancora accettato l'informativa: la sessione remota non può partire.":       "The client has not accepted the information notice yet: the remote session cannot start.",
	"Il codice QR comparirà qui appena lo studio avvia la sessione: tenere aperta questa pagina.": "The QR code will appear here as soon as the studio starts the session: keep this page open.",
	"Il mandato":                                       "The mandate",
	"Impronta SHA-256 del testo:":                      "SHA-256 fingerprint of the text:",
	"Informativa accettata dal cliente il":             "Information notice accepted by the client on",
	"Informativa accettata.":                           "Information notice accepted.",
	"Informativa e mandato":                            "Information notice and mandate",
	"Informativa privacy":                              "Privacy notice",
	"Informativa sul trattamento dei dati":             "Information notice on data processing",
	"Limitato su richiesta di un interessato dal":      "Restricted at a data subject's request since",
	"Link per il cliente (valido una volta):":          "Link for the client (valid once):",
	"Link per il cliente: informativa e codice QR":     "Link for the client: notice and QR code",
	"Mandato cartaceo registrato:":                     "Paper mandate recorded:",
	"Mandato firmato (PDF o foto dalla chiavetta USB)": "Signed mandate (PDF or photo from the USB stick)",
	"Per un telefono consegnato: registrare il mandato firmato prima dell'estrazione.": "For a couriered phone: record the signed mandate before the extraction.",
	"Pratica": "Case",
	"Procedimento o pratica per cui il cliente conferisce il mandato": "Proceeding or matter the client gives the mandate for",
	"Procedimento":                                "Proceeding",
	"Registra il mandato":                         "Record the mandate",
	"Richieste degli interessati da evadere":      "Data-subject requests to answer",
	"entro il":                                    "by",
	"nessuna nuova acquisizione né condivisione.": "no new acquisition or sharing.",
	"scaduta":                                     "overdue",
	"L'informativa è cambiata: rileggerla e accettarla di nuovo.":       "The notice has changed: read it again and accept it.",
	"accettare prima l'informativa":                                     "accept the information notice first",
	"informativa non configurata":                                       "information notice not configured",
	"nessun caso per questa sessione":                                   "no case for this session",
	"non configurato":                                                   "not configured",
	"Scegliere il file del mandato firmato (PDF o foto, fino a 20 MB).": "Choose the file of the signed mandate (PDF or photo, up to 20 MB).",
	"access":                 "access",
	"erasure":                "erasure",
	"restriction":            "restriction",
	"Protezione dati":        "Data protection",
	"Protezione dati (GDPR)": "Data protection (GDPR)",
	"Registro delle attività di trattamento (art. 30)": "Record of processing activities (art. 30)",
	"Per caso e in totale: interessati, dati, finalità, basi giuridiche, destinatari per ruolo, conservazione, misure di sicurezza.": "Per case and in total: data subjects, data, purposes, lawful bases, recipients by role, retention, security measures.",
	"Scarica CSV":                         "Download CSV",
	"Scarica PDF":                         "Download PDF",
	"Richiesta di un interessato":         "Data-subject request",
	"Numero di telefono dell'interessato": "The data subject's phone number",
	"Accesso (art. 15)":                   "Access (art. 15)",
	"Cancellazione (art. 17)":             "Erasure (art. 17)",
	"Limitazione (art. 18)":               "Restriction (art. 18)",
	"Confermo la cancellazione di ogni caso che riguarda il numero, salvo i casi in blocco legale.": "I confirm the erasure of every case concerning the number, except the cases on legal hold.",
	"Registra e rispondi":                  "Record and answer",
	"Risposta alla richiesta":              "Answer to the request",
	"Casi":                                 "Cases",
	"Consegne":                             "Deliveries",
	"messaggi":                             "messages",
	"foglia":                               "leaf",
	"come":                                 "as",
	"cliente":                              "client",
	"corrispondente":                       "correspondent",
	"Cancellati:":                          "Erased:",
	"Conservati:":                          "Kept:",
	"Nessun caso riguarda questo numero.":  "No case concerns this number.",
	"Scarica l'esportazione (ZIP)":         "Download the export (ZIP)",
	"Richieste registrate":                 "Requests recorded",
	"Nessuna richiesta.":                   "No request.",
	"ricevuta il":                          "received on",
	"evasa il":                             "answered on",
	"Scrivere il numero dell'interessato.": "Write the data subject's number.",
	"Scegliere il tipo di richiesta.":      "Choose the kind of request.",
	"Confermare la cancellazione: è definitiva.": "Confirm the erasure: it cannot be undone.",
	"La richiesta non è stata registrata:":       "The request was not recorded:",
	"Esito:":                                     "Outcome:",
	"Condivisione non consentita: il caso è limitato su richiesta di un interessato.": "Sharing refused: the case is restricted at a data subject's request.",
	"Motivo (facoltativo, registrato)":                                                "Reason (optional, recorded)",
	"Registro degli accessi":                                                          "Access log",
	"Accessi ai dati del caso":                                                        "Accesses to the case's data",
	"Nessun accesso registrato.":                                                      "No access recorded.",
	"Foglia":                                                                          "Leaf",
	"Quando":                                                                          "When",
	"Tipo":                                                                            "Type",
	"Dettagli":                                                                        "Details",
	"Motivo":                                                                          "Reason",
	"Torna al caso":                                                                   "Back to the case",
}
