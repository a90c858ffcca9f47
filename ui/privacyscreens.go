package ui

// The screens of data protection: the client's link and the paper mandate on the case page, the mandate's fields
// on the new-case form, and the data-subject requests due on the home screen.

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
)

func (s *Server) privacyRoutes() []route {
	return []route{
		{"POST /cases/{id}/remote", RoleTechnician, s.caseRemote},
		{"POST /cases/{id}/mandate", RoleTechnician, s.caseMandate},
	}
}

// maxMandateUpload bounds the paper mandate's upload: the scan and the form's overhead.
const maxMandateUpload = 20<<20 + 8<<10

// caseRemote makes the client's one-time link of a case and shows it on the case page, once: the client reads and
// accepts the notice there, then sees the QR code when the session starts.
func (s *Server) caseRemote(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if _, err := s.cfg.Cases.Case(r.Context(), id); errors.Is(err, ErrNotFound) {
		httpError(w, r, "caso sconosciuto", http.StatusNotFound)
		return
	} else if err != nil {
		s.fail(w, r, err)
		return
	}
	p, err := s.NewRemoteLink(id, "")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderCase(w, r, http.StatusOK, casePageData{RemoteURL: s.linkBase(r) + p})
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
	"access":      "access",
	"erasure":     "erasure",
	"restriction": "restriction",
}
