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

	"github.com/attesta/attesta/internal/i18n"
)

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
		httpError(w, r, "privacy.not-configured", http.StatusServiceUnavailable)
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
		httpError(w, r, "core.not-found", http.StatusNotFound)
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
		httpError(w, r, "case.invalid-or-too-large-form", http.StatusRequestEntityTooLarge)
		return
	}
	d := privacyData{Phone: strings.TrimSpace(r.PostFormValue("phone")), Kind: r.PostFormValue("kind")}
	switch {
	case d.Phone == "":
		d.Errors = []string{tr(r, "privacy.write-the-data-subjects")}
	case d.Kind != "access" && d.Kind != "erasure" && d.Kind != "restriction":
		d.Errors = []string{tr(r, "privacy.choose-the-kind-of")}
	case d.Kind == "erasure" && r.PostFormValue("confirm") != "1":
		d.Errors = []string{tr(r, "privacy.confirm-the-erasure-it")}
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
		httpError(w, r, "case.invalid-or-too-large-form", http.StatusRequestEntityTooLarge)
		return
	}
	id := r.PostFormValue("id")
	var b bytes.Buffer
	err := s.cfg.Privacy.SubjectExport(r.Context(), id, r.PostFormValue("phone"), &b)
	switch {
	case errors.Is(err, ErrNotFound):
		httpError(w, r, "core.not-found", http.StatusNotFound)
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
	if _, err := s.cfg.Cases.Case(r.Context(), id); !s.found(w, r, err, "case.unknown-case") {
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
		bad("privacy.choose-the-file-of")
		return
	}
	defer file.Close()
	data, err := io.ReadAll(file)
	if err != nil {
		bad("privacy.choose-the-file-of")
		return
	}
	if s.cfg.Privacy == nil {
		httpError(w, r, "privacy.not-configured", http.StatusServiceUnavailable)
		return
	}
	err = s.cfg.Privacy.RecordMandate(r.Context(), r.PathValue("id"), PaperMandate{Name: hdr.Filename, Data: data, Operator: s.operator(r)})
	s.done(w, r, err, "case.unknown-case", func(err error) {
		s.renderCase(w, r, http.StatusUnprocessableEntity, casePageData{MandateErrors: errorLines(err)})
	}, "/cases/"+url.PathEscape(r.PathValue("id")))
}

// accessesData is the report of accesses to a case's personal data.
type accessesData struct {
	Case    string
	Entries []AccessEntry
}

// caseAccesses shows the journal's record of the accesses to a case's personal data, with the reasons given.
func (s *Server) caseAccesses(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Privacy == nil {
		httpError(w, r, "privacy.not-configured", http.StatusServiceUnavailable)
		return
	}
	id := r.PathValue("id")
	entries, err := s.cfg.Privacy.AccessReport(r.Context(), id)
	if s.found(w, r, err, "case.unknown-case") {
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

// privacyTexts holds these screens' strings.
var privacyTexts = map[string]i18n.Text{
	"privacy.lawful-basis-client": {
		IT: "Base giuridica (cliente)",
		EN: "Lawful basis (client)"},
	"privacy.lawful-basis-correspondents": {
		IT: "Base giuridica (corrispondenti)",
		EN: "Lawful basis (correspondents)"},
	"privacy.lawful-basis-the-correspondents": {
		IT: "Base giuridica: dati dei corrispondenti",
		EN: "Lawful basis: the correspondents' data"},
	"privacy.lawful-basis-the-clients": {
		IT: "Base giuridica: dati del cliente",
		EN: "Lawful basis: the client's data"},
	"privacy.i-have-read-and": {
		IT: "Ho letto e accetto: mostra il codice QR",
		EN: "I have read and accept: show the QR code"},
	"privacy.the-client-has-not": {
		IT: "Il cliente non ha ancora accettato l'informativa: la sessione remota non può partire.",
		EN: "The client has not accepted the information notice yet: the remote session cannot start."},
	"privacy.the-qr-code-will": {
		IT: "Il codice QR comparirà qui appena lo studio avvia la sessione: tenere aperta questa pagina.",
		EN: "The QR code will appear here as soon as the studio starts the session: keep this page open."},
	"privacy.the-mandate": {
		IT: "Il mandato",
		EN: "The mandate"},
	"privacy.sha-256-fingerprint-of": {
		IT: "Impronta SHA-256 del testo:",
		EN: "SHA-256 fingerprint of the text:"},
	"privacy.information-notice-accepted-by": {
		IT: "Informativa accettata dal cliente il",
		EN: "Information notice accepted by the client on"},
	"privacy.information-notice-accepted": {
		IT: "Informativa accettata.",
		EN: "Information notice accepted."},
	"privacy.information-notice-and-mandate": {
		IT: "Informativa e mandato",
		EN: "Information notice and mandate"},
	"privacy.privacy-notice": {
		IT: "Informativa privacy",
		EN: "Privacy notice"},
	"privacy.information-notice-on-data": {
		IT: "Informativa sul trattamento dei dati",
		EN: "Information notice on data processing"},
	"privacy.restricted-at-a-data": {
		IT: "Limitato su richiesta di un interessato dal",
		EN: "Restricted at a data subject's request since"},
	"privacy.link-for-the-client": {
		IT: "Link per il cliente (valido una volta):",
		EN: "Link for the client (valid once):"},
	"privacy.link-for-the-client-notice": {
		IT: "Link per il cliente: informativa e codice QR",
		EN: "Link for the client: notice and QR code"},
	"privacy.paper-mandate-recorded": {
		IT: "Mandato cartaceo registrato:",
		EN: "Paper mandate recorded:"},
	"privacy.signed-mandate-pdf-or": {
		IT: "Mandato firmato (PDF o foto dalla chiavetta USB)",
		EN: "Signed mandate (PDF or photo from the USB stick)"},
	"privacy.for-a-couriered-phone": {
		IT: "Per un telefono consegnato: registrare il mandato firmato prima dell'estrazione.",
		EN: "For a couriered phone: record the signed mandate before the extraction."},
	"privacy.case": {
		IT: "Pratica",
		EN: "Case"},
	"privacy.proceeding-or-matter-the": {
		IT: "Procedimento o pratica per cui il cliente conferisce il mandato",
		EN: "Proceeding or matter the client gives the mandate for"},
	"privacy.proceeding": {
		IT: "Procedimento",
		EN: "Proceeding"},
	"privacy.record-the-mandate": {
		IT: "Registra il mandato",
		EN: "Record the mandate"},
	"privacy.data-subject-requests-to": {
		IT: "Richieste degli interessati da evadere",
		EN: "Data-subject requests to answer"},
	"privacy.by": {
		IT: "entro il",
		EN: "by"},
	"privacy.no-new-acquisition-or": {
		IT: "nessuna nuova acquisizione né condivisione.",
		EN: "no new acquisition or sharing."},
	"privacy.overdue": {
		IT: "scaduta",
		EN: "overdue"},
	"privacy.the-notice-has-changed": {
		IT: "L'informativa è cambiata: rileggerla e accettarla di nuovo.",
		EN: "The notice has changed: read it again and accept it."},
	"privacy.accept-the-information-notice": {
		IT: "accettare prima l'informativa",
		EN: "accept the information notice first"},
	"privacy.information-notice-not-configured": {
		IT: "informativa non configurata",
		EN: "information notice not configured"},
	"privacy.no-case-for-this": {
		IT: "nessun caso per questa sessione",
		EN: "no case for this session"},
	"privacy.not-configured": {
		IT: "non configurato",
		EN: "not configured"},
	"privacy.choose-the-file-of": {
		IT: "Scegliere il file del mandato firmato (PDF o foto, fino a 20 MB).",
		EN: "Choose the file of the signed mandate (PDF or photo, up to 20 MB)."},
	"privacy.access": {
		IT: "accesso",
		EN: "access"},
	"privacy.erasure": {
		IT: "cancellazione",
		EN: "erasure"},
	"privacy.restriction": {
		IT: "limitazione",
		EN: "restriction"},
	"privacy.data-protection": {
		IT: "Protezione dati",
		EN: "Data protection"},
	"privacy.data-protection-gdpr": {
		IT: "Protezione dati (GDPR)",
		EN: "Data protection (GDPR)"},
	"privacy.record-of-processing-activities": {
		IT: "Registro delle attività di trattamento (art. 30)",
		EN: "Record of processing activities (art. 30)"},
	"privacy.per-case-and-in": {
		IT: "Per caso e in totale: interessati, dati, finalità, basi giuridiche, destinatari per ruolo, conservazione, misure di sicurezza.",
		EN: "Per case and in total: data subjects, data, purposes, lawful bases, recipients by role, retention, security measures."},
	"privacy.download-csv": {
		IT: "Scarica CSV",
		EN: "Download CSV"},
	"privacy.download-pdf": {
		IT: "Scarica PDF",
		EN: "Download PDF"},
	"privacy.data-subject-request": {
		IT: "Richiesta di un interessato",
		EN: "Data-subject request"},
	"privacy.the-data-subjects-phone": {
		IT: "Numero di telefono dell'interessato",
		EN: "The data subject's phone number"},
	"privacy.access-art-15": {
		IT: "Accesso (art. 15)",
		EN: "Access (art. 15)"},
	"privacy.erasure-art-17": {
		IT: "Cancellazione (art. 17)",
		EN: "Erasure (art. 17)"},
	"privacy.restriction-art-18": {
		IT: "Limitazione (art. 18)",
		EN: "Restriction (art. 18)"},
	"privacy.i-confirm-the-erasure": {
		IT: "Confermo la cancellazione di ogni caso che riguarda il numero, salvo i casi in blocco legale.",
		EN: "I confirm the erasure of every case concerning the number, except the cases on legal hold."},
	"privacy.record-and-answer": {
		IT: "Registra e rispondi",
		EN: "Record and answer"},
	"privacy.answer-to-the-request": {
		IT: "Risposta alla richiesta",
		EN: "Answer to the request"},
	"privacy.leaf": {
		IT: "foglia",
		EN: "leaf"},
	"privacy.as": {
		IT: "come",
		EN: "as"},
	"privacy.client": {
		IT: "cliente",
		EN: "client"},
	"privacy.correspondent": {
		IT: "corrispondente",
		EN: "correspondent"},
	"privacy.erased": {
		IT: "Cancellati:",
		EN: "Erased:"},
	"privacy.kept": {
		IT: "Conservati:",
		EN: "Kept:"},
	"privacy.no-case-concerns-this": {
		IT: "Nessun caso riguarda questo numero.",
		EN: "No case concerns this number."},
	"privacy.download-the-export-zip": {
		IT: "Scarica l'esportazione (ZIP)",
		EN: "Download the export (ZIP)"},
	"privacy.requests-recorded": {
		IT: "Richieste registrate",
		EN: "Requests recorded"},
	"privacy.no-request": {
		IT: "Nessuna richiesta.",
		EN: "No request."},
	"privacy.received-on": {
		IT: "ricevuta il",
		EN: "received on"},
	"privacy.answered-on": {
		IT: "evasa il",
		EN: "answered on"},
	"privacy.write-the-data-subjects": {
		IT: "Scrivere il numero dell'interessato.",
		EN: "Write the data subject's number."},
	"privacy.choose-the-kind-of": {
		IT: "Scegliere il tipo di richiesta.",
		EN: "Choose the kind of request."},
	"privacy.confirm-the-erasure-it": {
		IT: "Confermare la cancellazione: è definitiva.",
		EN: "Confirm the erasure: it cannot be undone."},
	"privacy.the-request-was-not": {
		IT: "La richiesta non è stata registrata:",
		EN: "The request was not recorded:"},
	"privacy.outcome": {
		IT: "Esito:",
		EN: "Outcome:"},
	"privacy.sharing-refused-the-case": {
		IT: "Condivisione non consentita: il caso è limitato su richiesta di un interessato.",
		EN: "Sharing refused: the case is restricted at a data subject's request."},
	"privacy.reason-optional-recorded": {
		IT: "Motivo (facoltativo, registrato)",
		EN: "Reason (optional, recorded)"},
	"privacy.access-log": {
		IT: "Registro degli accessi",
		EN: "Access log"},
	"privacy.accesses-to-the-cases": {
		IT: "Accessi ai dati del caso",
		EN: "Accesses to the case's data"},
	"privacy.no-access-recorded": {
		IT: "Nessun accesso registrato.",
		EN: "No access recorded."},
	"privacy.when": {
		IT: "Quando",
		EN: "When"},
	"privacy.details": {
		IT: "Dettagli",
		EN: "Details"},
	"privacy.back-to-the-case": {
		IT: "Torna al caso",
		EN: "Back to the case"},
}
