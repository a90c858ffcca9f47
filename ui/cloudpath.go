package ui

// The cloud-backup path's guided workflow (see CloudRestores): the technician's screens, one per restore, that
// say the next step and record it, and the client's page that relays WhatsApp's verification code. The code lives
// only in memory, shown on the technician's screen until the restore is recorded, and is never logged or
// journaled.

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/attesta/attesta/internal/i18n"
)

// maxCloudForm bounds the workflow's small forms; the extraction's form carries a list (see readList).
const maxCloudForm = 4 << 10

// cloudCodeTTL is how long a relayed code stays on the technician's screen: WhatsApp's codes expire sooner.
const cloudCodeTTL = 15 * time.Minute

// relayedCode is a verification code the client relayed, for the technician's screen only.
type relayedCode struct {
	code string
	at   time.Time
}

// cloudCaseData is a case's cloud restores and the form that starts one.
type cloudCaseData struct {
	Case     CaseInfo
	Restores []CloudRestore
	Phones   []Phone
	Errors   []string
}

func (s *Server) cloudBackend(w http.ResponseWriter, r *http.Request) (CloudRestores, bool) {
	if s.cfg.Cloud == nil {
		httpError(w, r, "cloud.cloud-backup-path-not-configured", http.StatusServiceUnavailable)
		return nil, false
	}
	return s.cfg.Cloud, true
}

// cloudRestore is the restore named in the path; an unknown one is a 404 (and no cloud path a 503).
func (s *Server) cloudRestore(w http.ResponseWriter, r *http.Request) (CloudRestore, bool) {
	cb, ok := s.cloudBackend(w, r)
	if !ok {
		return CloudRestore{}, false
	}
	rs, err := cb.CloudRestore(r.Context(), r.PathValue("rid"))
	return rs, s.found(w, r, err, "cloud.unknown-restore")
}

func (s *Server) cloudCase(w http.ResponseWriter, r *http.Request) {
	s.renderCloudCase(w, r, http.StatusOK, nil)
}

func (s *Server) renderCloudCase(w http.ResponseWriter, r *http.Request, code int, problems []string) {
	cb, ok := s.cloudBackend(w, r)
	if !ok {
		return
	}
	c, err := s.cfg.Cases.Case(r.Context(), r.PathValue("id"))
	if !s.found(w, r, err, "case.unknown-case") {
		return
	}
	rs, err := cb.CloudRestores(r.Context(), c.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	phones, _ := s.cfg.Phones.Phones(r.Context())
	s.render(w, r, code, "cloudcase", cloudCaseData{Case: c, Restores: rs, Phones: phones, Errors: problems})
}

// cloudStart records the first step: the lab phone, wiped.
func (s *Server) cloudStart(w http.ResponseWriter, r *http.Request) {
	cb, ok := s.cloudBackend(w, r)
	if !ok || !parseSmallForm(w, r) {
		return
	}
	device := r.PostFormValue("device")
	if r.PostFormValue("platform") == CloudIPhone {
		device = r.PostFormValue("udid")
	}
	rs, err := cb.StartCloudRestore(r.Context(), CloudStart{Case: r.PathValue("id"), Platform: r.PostFormValue("platform"),
		Device: strings.TrimSpace(device), Wiped: r.PostFormValue("wiped") == "1", Operator: s.operator(r)})
	switch {
	case errors.Is(err, ErrNotFound):
		httpError(w, r, "case.unknown-case", http.StatusNotFound)
	case errors.Is(err, ErrInvalid):
		s.renderCloudCase(w, r, http.StatusUnprocessableEntity, errorLines(err))
	case err != nil:
		s.fail(w, r, err)
	default:
		http.Redirect(w, r, "/cloud/"+url.PathEscape(rs.ID), http.StatusSeeOther)
	}
}

func parseSmallForm(w http.ResponseWriter, r *http.Request) bool {
	r.Body = http.MaxBytesReader(w, r.Body, maxCloudForm)
	if err := r.ParseForm(); err != nil {
		httpError(w, r, "case.invalid-or-too-large-form", http.StatusRequestEntityTooLarge)
		return false
	}
	return true
}

// cloudPageData is one restore: its steps, the next one, and the relayed code while it is needed.
type cloudPageData struct {
	Restore   CloudRestore
	Next      string
	Code      string // the code the client relayed, until the restore is recorded
	RemoteURL string // the client's link for the code, shown once
	List      string
	Errors    []string
	Refresh   int // seconds; the page reloads while it waits for the client's code
}

func (s *Server) cloudPage(w http.ResponseWriter, r *http.Request) {
	s.renderCloud(w, r, http.StatusOK, cloudPageData{})
}

func (s *Server) renderCloud(w http.ResponseWriter, r *http.Request, code int, d cloudPageData) {
	rs, ok := s.cloudRestore(w, r)
	if !ok {
		return
	}
	d.Restore, d.Next = rs, nextCloudStep(rs.Last())
	switch d.Next {
	case CloudCodeRelayed:
		d.Refresh = 3
	case CloudRestored:
		d.Code = s.relayedCode(rs.ID)
	}
	s.render(w, r, code, "cloud", d)
}

func nextCloudStep(last string) string {
	steps := []string{CloudWiped, CloudRegistering, CloudCodeRelayed, CloudRestored, CloudExtracting}
	for i, st := range steps[:len(steps)-1] {
		if st == last {
			return steps[i+1]
		}
	}
	return ""
}

// relayedCode returns the code relayed for restore id while it is fresh.
func (s *Server) relayedCode(id string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.codes[id]
	if !ok || s.now().Sub(c.at) > cloudCodeTTL {
		return ""
	}
	return c.code
}

// cloudStep records a technician's step and shows the restore again.
func (s *Server) cloudStep(w http.ResponseWriter, r *http.Request, in CloudStepInput, after func(CloudRestore) cloudPageData) {
	cb, ok := s.cloudBackend(w, r)
	if !ok {
		return
	}
	rs, err := cb.CloudStep(r.Context(), r.PathValue("rid"), in)
	switch {
	case errors.Is(err, ErrNotFound):
		httpError(w, r, "cloud.unknown-restore", http.StatusNotFound)
	case errors.Is(err, ErrInvalid):
		s.renderCloud(w, r, http.StatusUnprocessableEntity, cloudPageData{Errors: errorLines(err)})
	case err != nil:
		s.fail(w, r, err)
	default:
		s.renderCloud(w, r, http.StatusOK, after(rs))
	}
}

// cloudRegistering records that WhatsApp's registration started on the lab phone and makes the client's link
// that relays the code, shown once.
func (s *Server) cloudRegistering(w http.ResponseWriter, r *http.Request) {
	s.cloudStep(w, r, CloudStepInput{Step: CloudRegistering, Operator: s.operator(r)}, func(rs CloudRestore) cloudPageData {
		return s.codeLink(r, rs)
	})
}

// codeLink makes the client's one-time link that relays the code of restore rs; any older link of the case dies.
func (s *Server) codeLink(r *http.Request, rs CloudRestore) cloudPageData {
	p, err := s.NewRemoteLink(rs.Case, "")
	if err != nil {
		return cloudPageData{Errors: []string{err.Error()}}
	}
	s.mu.Lock()
	if l := s.remotes[tokenHash(strings.TrimPrefix(p, "/r/"))]; l != nil {
		l.cloud = rs.ID
	}
	s.mu.Unlock()
	return cloudPageData{RemoteURL: s.linkBase(r) + p}
}

// cloudLink makes a new link for the code, while the restore waits for it: the client lost the first one, or it
// went to the wrong person.
func (s *Server) cloudLink(w http.ResponseWriter, r *http.Request) {
	rs, ok := s.cloudRestore(w, r)
	if !ok {
		return
	}
	if nextCloudStep(rs.Last()) != CloudCodeRelayed {
		s.renderCloud(w, r, http.StatusConflict, cloudPageData{})
		return
	}
	s.renderCloud(w, r, http.StatusOK, s.codeLink(r, rs))
}

// cloudRestored records the restore, with the backup's date WhatsApp showed; the code is forgotten.
func (s *Server) cloudRestored(w http.ResponseWriter, r *http.Request) {
	if !parseSmallForm(w, r) {
		return
	}
	s.cloudStep(w, r, CloudStepInput{Step: CloudRestored, Operator: s.operator(r), BackupDate: r.PostFormValue("backup_date")},
		func(rs CloudRestore) cloudPageData {
			s.mu.Lock()
			delete(s.codes, rs.ID)
			s.mu.Unlock()
			return cloudPageData{}
		})
}

// cloudExtract starts the extraction of the restored lab phone with the list and, for Android, the key.
func (s *Server) cloudExtract(w http.ResponseWriter, r *http.Request) {
	cb, ok := s.cloudBackend(w, r)
	if !ok {
		return
	}
	list, problem := readList(w, r)
	if problem == "" && strings.TrimSpace(list) == "" {
		problem = tr(r, "case.type-the-list-or")
	}
	if problem != "" {
		s.renderCloud(w, r, http.StatusUnprocessableEntity, cloudPageData{List: list, Errors: []string{problem}})
		return
	}
	j, err := cb.ExtractCloud(r.Context(), r.PathValue("rid"), CloudExtraction{List: list, Key: r.FormValue("key"), Operator: s.operator(r)})
	switch {
	case errors.Is(err, ErrNotFound):
		httpError(w, r, "cloud.unknown-restore", http.StatusNotFound)
	case errors.Is(err, ErrInvalid), errors.Is(err, ErrBusy):
		s.renderCloud(w, r, http.StatusUnprocessableEntity, cloudPageData{List: list, Errors: errorLines(err)})
	case err != nil:
		s.fail(w, r, err)
	default:
		http.Redirect(w, r, "/jobs/"+url.PathEscape(j.ID), http.StatusSeeOther)
	}
}

// remoteCodeData is the client's page that relays the verification code.
type remoteCodeData struct {
	Base  string
	Error string
	Sent  bool
}

// remoteCode takes the verification code the client received by SMS or call and shows it on the technician's
// screen; the step is journaled, the code is not.
func (s *Server) remoteCode(w http.ResponseWriter, r *http.Request) {
	v, ok := s.remoteAccepted(w, r)
	switch {
	case !ok:
		return
	case v.cloud == "":
		httpError(w, r, "cloud.this-link-asks-for-no", http.StatusConflict)
		return
	case s.cfg.Cloud == nil:
		httpError(w, r, "cloud.cloud-backup-path-not-configured", http.StatusServiceUnavailable)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxCloudForm)
	if err := r.ParseForm(); err != nil {
		httpError(w, r, "case.invalid-or-too-large-form", http.StatusRequestEntityTooLarge)
		return
	}
	base := "/r/" + r.PathValue("token")
	code, err := ParseVerificationCode(r.PostFormValue("code"))
	if err != nil {
		s.render(w, r, http.StatusUnprocessableEntity, "remotecode", remoteCodeData{Base: base,
			Error: tr(r, "cloud.whatsapp-s-code-has-6")})
		return
	}
	if _, err := s.cfg.Cloud.CloudStep(r.Context(), v.cloud, CloudStepInput{Step: CloudCodeRelayed, Link: tokenHash(r.PathValue("token"))}); err != nil {
		if errors.Is(err, ErrInvalid) {
			httpError(w, r, "cloud.code-already-relayed", http.StatusConflict)
			return
		}
		s.fail(w, r, err)
		return
	}
	s.mu.Lock()
	s.codes[v.cloud] = relayedCode{code: code, at: s.now()}
	if l := s.remotes[tokenHash(r.PathValue("token"))]; l != nil {
		l.cloud, l.codeSent = "", true
	}
	s.mu.Unlock()
	http.Redirect(w, r, base, http.StatusSeeOther)
}

// ErrVerificationCode is what ParseVerificationCode returns for anything but WhatsApp's six digits.
var ErrVerificationCode = errors.New("not a 6-digit verification code")

// ParseVerificationCode reads WhatsApp's verification code as a person types it: six digits, possibly split by a
// space or a dash ("123-456"), nothing else.
func ParseVerificationCode(s string) (string, error) {
	if len(s) > 32 {
		return "", ErrVerificationCode
	}
	var b strings.Builder
	for _, c := range strings.TrimSpace(s) {
		switch {
		case c >= '0' && c <= '9':
			b.WriteRune(c)
		case c == ' ' || c == '-':
		default:
			return "", ErrVerificationCode
		}
	}
	if b.Len() != 6 {
		return "", ErrVerificationCode
	}
	return b.String(), nil
}

// cloudTexts holds these screens' texts.
var cloudTexts = map[string]i18n.Text{
	"cloud.android-lab-phone": {
		IT: "Telefono Android di laboratorio",
		EN: "Android lab phone"},
	"cloud.new-link-for-the-code": {
		IT: "Nuovo link per il codice (il precedente non vale più)",
		EN: "New link for the code (the previous one stops working)"},
	"cloud.extraction-of-the-restored-backup": {
		IT: "estrazione del backup nel cloud ripristinato",
		EN: "extraction of the restored cloud backup"},
	"cloud.cloud-backup-path-not-configured": {
		IT: "percorso del backup nel cloud non configurato",
		EN: "cloud-backup path not configured"},
	"cloud.unknown-restore": {
		IT: "ripristino sconosciuto",
		EN: "unknown restore"},
	"cloud.this-link-asks-for-no": {
		IT: "nessun codice richiesto da questo link",
		EN: "this link asks for no code"},
	"cloud.code-already-relayed": {
		IT: "codice già trasmesso",
		EN: "code already relayed"},
	"cloud.whatsapp-s-code-has-6": {
		IT: "Il codice di WhatsApp ha 6 cifre: riscriverlo.",
		EN: "WhatsApp's code has 6 digits: type it again."},
	"cloud.cloud-backup": {
		IT: "Backup nel cloud",
		EN: "Cloud backup"},
	"cloud.cloud-backup-restore": {
		IT: "Backup nel cloud: ripristino",
		EN: "Cloud backup: restore"},
	"cloud.cloud-backup-path": {
		IT: "Percorso del backup nel cloud",
		EN: "Cloud-backup path"},
	"cloud.when-the-chat-does-not": {
		IT: "Quando la chat non compare su WhatsApp Web: un telefono di laboratorio dello studio, azzerato, registra WhatsApp con il numero del cliente; il cliente trasmette il codice di verifica dalla sua pagina; WhatsApp ripristina il backup nel cloud; poi l'estrazione via USB certifica le chat.",
		EN: "When the chat does not show on WhatsApp Web: a lab phone of the studio, wiped, registers WhatsApp with the client's number; the client relays the verification code from their page; WhatsApp restores the cloud backup; then the extraction over USB certifies the chats."},
	"cloud.new-restore": {
		IT: "Nuovo ripristino",
		EN: "New restore"},
	"cloud.android-google-drive": {
		IT: "Android (Google Drive)",
		EN: "Android (Google Drive)"},
	"cloud.iphone-icloud": {
		IT: "iPhone (iCloud)",
		EN: "iPhone (iCloud)"},
	"cloud.lab-phone": {
		IT: "Telefono di laboratorio",
		EN: "Lab phone"},
	"cloud.iphone-s-udid-empty-the": {
		IT: "UDID dell'iPhone (vuoto: l'unico collegato)",
		EN: "iPhone's UDID (empty: the only one attached)"},
	"cloud.the-lab-phone-was-wiped": {
		IT: "Il telefono di laboratorio è stato azzerato (ripristino dati di fabbrica) prima di questo uso",
		EN: "The lab phone was wiped (factory reset) before this use"},
	"cloud.record-the-wiped-phone": {
		IT: "Registra il telefono azzerato",
		EN: "Record the wiped phone"},
	"cloud.restores": {
		IT: "Ripristini",
		EN: "Restores"},
	"cloud.no-restore-for-this-case": {
		IT: "Nessun ripristino per questo caso.",
		EN: "No restore for this case."},
	"cloud.steps": {
		IT: "Passaggi",
		EN: "Steps"},
	"cloud.lab-phone-wiped": {
		IT: "telefono di laboratorio azzerato",
		EN: "lab phone wiped"},
	"cloud.whatsapp-registration-started": {
		IT: "registrazione di WhatsApp avviata",
		EN: "WhatsApp registration started"},
	"cloud.code-relayed-by-the-client": {
		IT: "codice trasmesso dal cliente",
		EN: "code relayed by the client"},
	"cloud.backup-restored": {
		IT: "backup ripristinato",
		EN: "backup restored"},
	"cloud.extraction-started": {
		IT: "estrazione avviata",
		EN: "extraction started"},
	"cloud.the-client": {
		IT: "il cliente",
		EN: "the client"},
	"cloud.on-the-lab-phone-install": {
		IT: "Sul telefono di laboratorio installare WhatsApp e avviare la registrazione con il numero del cliente; poi registrare il passaggio: il cliente riceverà il link per trasmettere il codice.",
		EN: "On the lab phone install WhatsApp and start the registration with the client's number; then record the step: the client gets the link to relay the code."},
	"cloud.registration-started": {
		IT: "Registrazione avviata",
		EN: "Registration started"},
	"cloud.link-for-the-client-verification": {
		IT: "Link per il cliente (codice di verifica, valido una volta):",
		EN: "Link for the client (verification code, valid once):"},
	"cloud.waiting-for-the-client-s": {
		IT: "In attesa del codice dal cliente…",
		EN: "Waiting for the client's code…"},
	"cloud.verification-code-relayed-by-the": {
		IT: "Codice di verifica trasmesso dal cliente: digitarlo sul telefono di laboratorio.",
		EN: "Verification code relayed by the client: type it on the lab phone."},
	"cloud.code-expired-or-no-longer": {
		IT: "Codice scaduto o non più in memoria: chiedere al cliente un nuovo link.",
		EN: "Code expired or no longer in memory: give the client a new link."},
	"cloud.when-whatsapp-has-restored-the": {
		IT: "Quando WhatsApp ha ripristinato il backup, scrivere la data del backup che WhatsApp ha mostrato.",
		EN: "When WhatsApp has restored the backup, write the backup's date WhatsApp showed."},
	"cloud.backup-date": {
		IT: "Data del backup",
		EN: "Backup date"},
	"cloud.backup-restored-2": {
		IT: "Backup ripristinato",
		EN: "Backup restored"},
	"cloud.on-the-phone-turn-on": {
		IT: "Sul telefono attivare il backup crittografato end-to-end con una nuova chiave di 64 cifre ed eseguire il backup; poi avviare l'estrazione con quella chiave.",
		EN: "On the phone turn on the end-to-end encrypted backup with a new 64-digit key and back up; then start the extraction with that key."},
	"cloud.leave-the-iphone-attached-and": {
		IT: "Lasciare l'iPhone collegato e sbloccato: l'estrazione ne fa il backup via USB.",
		EN: "Leave the iPhone attached and unlocked: the extraction backs it up over USB."},
	"cloud.extraction": {
		IT: "Estrazione:",
		EN: "Extraction:"},
	"cloud.the-restored-copy-is-the": {
		IT: "La copia ripristinata è il contenuto del backup nel cloud alla sua data.",
		EN: "The restored copy is the cloud backup's content as of its date."},
	"cloud.whatsapp-verification-code": {
		IT: "Codice di verifica di WhatsApp",
		EN: "WhatsApp verification code"},
	"cloud.type-here-the-6-digit": {
		IT: "Scrivere qui il codice di 6 cifre che WhatsApp ha inviato per SMS o chiamata al numero del cliente: comparirà solo sullo schermo del tecnico.",
		EN: "Type here the 6-digit code WhatsApp sent by SMS or call to the client's number: it shows only on the technician's screen."},
	"cloud.send-the-code": {
		IT: "Invia il codice",
		EN: "Send the code"},
	"cloud.code-sent-the-studio-is": {
		IT: "Codice inviato: lo studio sta ripristinando il backup. Si può chiudere questa pagina.",
		EN: "Code sent: the studio is restoring the backup. This page can be closed."},
	"cloud.64-digit-key-of-the": {
		IT: "Chiave di 64 cifre del nuovo backup",
		EN: "64-digit key of the new backup"},
}
