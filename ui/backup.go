package ui

// The client's own backup, uploaded through the remote page: for an Android phone whose owner can export the
// end-to-end encrypted backup (msgstore.db.crypt15) and its 64-digit key. The technician asks for it on the case
// page with the acquisition list; the link made then shows the client, once the notice is accepted, a form with the
// key first and the file second; the upload streams to the backend, which stores, hashes and journals it, and
// starts the job that certifies the list from it. The link then shows that job's progress.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/attesta/attesta/evidence"
	"github.com/attesta/attesta/internal/i18n"
)

// ClientBackups receives the backups clients upload through their remote page.
type ClientBackups interface {
	// ReceiveBackup checks req (its case, list and key) before reading body, then streams body into a new file,
	// hashing it as it arrives. When body's Read fails (the upload cut short, or [ErrTooLarge] past the configured
	// limit) nothing of it is kept and the error wraps Read's. A whole file is journaled with its SHA-256 and size,
	// and a job certifies req's list from it with req's key. What req lacks or gets wrong wraps [ErrInvalid].
	ReceiveBackup(ctx context.Context, req BackupUpload, body io.Reader) (JobInfo, error)
}

// BackupUpload is what comes with an uploaded backup.
type BackupUpload struct {
	Case     string
	List     string // the acquisition list the technician gave when asking for the backup
	Operator string // the technician who asked for it
	Key      string // the 64-digit end-to-end backup key, as the client typed it: never logged
	Link     string // the SHA-256 of the remote link's token, for the journal
}

// ErrTooLarge is the error a backup upload's body returns past [Config].MaxBackupUpload bytes.
var ErrTooLarge = errors.New("upload larger than the configured limit")

// DefaultMaxBackupUpload is the largest backup accepted when [Config].MaxBackupUpload is 0: WhatsApp's backup
// holds the messages, not the media, and stays well under it.
const DefaultMaxBackupUpload = 2 << 30

// backupFormOverhead bounds what the upload's form adds to the file: the key part and the boundaries.
const backupFormOverhead = 16 << 10

// maxKeyPart bounds the key as typed: 64 digits with the spaces and dashes a person puts between groups.
const maxKeyPart = 256

// backupRequest is what the technician asked the client for: a backup to certify the list from.
type backupRequest struct {
	list     string
	operator string
}

func (s *Server) maxBackupUpload() int64 {
	if s.cfg.MaxBackupUpload > 0 {
		return s.cfg.MaxBackupUpload
	}
	return DefaultMaxBackupUpload
}

// caseBackupLink makes the client's one-time link that asks for their backup and certifies the list typed with
// it; the list is read at once, so that its errors show here and not to the client.
func (s *Server) caseBackupLink(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	list, problem := readList(w, r)
	if problem == "" && strings.TrimSpace(list) == "" {
		problem = tr(r, "case.type-the-list-or")
	}
	if problem == "" {
		if _, err := evidence.ParseList(strings.NewReader(list), evidence.ListOptions{Now: s.now()}); err != nil {
			problem = fmt.Sprintf("%v", err)
		}
	}
	if problem != "" {
		s.renderCase(w, r, http.StatusUnprocessableEntity, casePageData{List: list, ListErrors: errorLines(errors.New(problem))})
		return
	}
	if s.cfg.Backups == nil {
		httpError(w, r, "backup.backup-uploads-are-not-configured", http.StatusServiceUnavailable)
		return
	}
	p, ok := s.newCaseLink(w, r, id)
	if !ok {
		return
	}
	s.mu.Lock()
	if l := s.remotes[tokenHash(strings.TrimPrefix(p, "/r/"))]; l != nil {
		l.backup = &backupRequest{list: list, operator: s.operator(r)}
	}
	s.mu.Unlock()
	s.renderCase(w, r, http.StatusOK, casePageData{RemoteURL: s.linkBase(r) + p})
}

// remoteBackupData is the client's upload form.
type remoteBackupData struct {
	Base  string
	MaxMB int64
	Error string
}

func (s *Server) renderBackupForm(w http.ResponseWriter, r *http.Request, code int, problem string) {
	s.render(w, r, code, "remotebackup", remoteBackupData{Base: "/r/" + r.PathValue("token"),
		MaxMB: s.maxBackupUpload() >> 20, Error: problem})
}

// remoteBackup receives the client's backup: refused at once when the request says it is larger than the limit,
// cut off while it streams when it turns out to be; the key must come before the file, so that a wrong key is
// refused before any of the file is read.
func (s *Server) remoteBackup(w http.ResponseWriter, r *http.Request) {
	v, ok := s.remoteAccepted(w, r)
	switch {
	case !ok:
		return
	case v.backup == nil:
		httpError(w, r, "backup.this-link-asks-for-no", http.StatusConflict)
		return
	case s.cfg.Backups == nil:
		httpError(w, r, "backup.backup-uploads-are-not-configured", http.StatusServiceUnavailable)
		return
	}
	// One upload at a time through a link: a second, sent meanwhile, is refused before it is read.
	if !s.takeUpload(r.PathValue("token")) {
		httpError(w, r, "backup.an-upload-is-already-under-way", http.StatusConflict)
		return
	}
	defer s.releaseUpload(r.PathValue("token"))
	limit := s.maxBackupUpload()
	tooLarge := func() {
		// The rest of the body is not read: the connection closes after the answer.
		w.Header().Set("Connection", "close")
		s.renderBackupForm(w, r, http.StatusRequestEntityTooLarge,
			fmt.Sprintf(tr(r, "backup.the-file-is-larger-than"), limit>>20))
	}
	if r.ContentLength > limit+backupFormOverhead {
		tooLarge()
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, limit+backupFormOverhead)
	key, file, problem := backupParts(r)
	if problem != "" {
		s.renderBackupForm(w, r, http.StatusBadRequest, tr(r, problem))
		return
	}
	body := &cappedReader{r: file, left: limit}
	j, err := s.cfg.Backups.ReceiveBackup(r.Context(), BackupUpload{Case: v.caseID, List: v.backup.list,
		Operator: v.backup.operator, Key: key, Link: tokenHash(r.PathValue("token"))}, body)
	var mbe *http.MaxBytesError
	switch {
	case errors.Is(err, ErrTooLarge) || errors.As(err, &mbe):
		tooLarge()
	case errors.Is(err, ErrInvalid):
		s.renderBackupForm(w, r, http.StatusUnprocessableEntity, strings.Join(errorLines(err), " "))
	case errors.Is(err, ErrBusy):
		s.renderBackupForm(w, r, http.StatusConflict, tr(r, "backup.the-studio-is-already-certifying"))
	case err != nil && body.err != nil:
		s.renderBackupForm(w, r, http.StatusBadRequest, tr(r, "backup.the-upload-was-cut-short"))
	case err != nil:
		s.fail(w, r, err)
	default:
		s.Feed(j.ID)
		s.mu.Lock()
		if l := s.remotes[tokenHash(r.PathValue("token"))]; l != nil {
			l.backup, l.feed, l.uploaded = nil, j.ID, true
		}
		s.mu.Unlock()
		http.Redirect(w, r, "/r/"+url.PathEscape(r.PathValue("token")), http.StatusSeeOther)
	}
}

// takeUpload marks the link of token as receiving an upload; false when it already is.
func (s *Server) takeUpload(token string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.remotes[tokenHash(token)]
	if l == nil || l.uploading {
		return false
	}
	l.uploading = true
	return true
}

func (s *Server) releaseUpload(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if l := s.remotes[tokenHash(token)]; l != nil {
		l.uploading = false
	}
}

// backupParts reads the upload form's key, then opens its file: the parts must come in that order, as the page's
// form sends them. problem is set, the key of its text, when the form is unusable.
func backupParts(r *http.Request) (key string, file io.Reader, problem string) {
	const bad = "backup.invalid-form-type-the-key"
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != "multipart/form-data" {
		return "", nil, bad
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return "", nil, bad
	}
	p, err := mr.NextPart()
	if err != nil || p.FormName() != "key" {
		return "", nil, bad
	}
	b, err := io.ReadAll(io.LimitReader(p, maxKeyPart+1))
	if err != nil || len(b) > maxKeyPart {
		return "", nil, "backup.the-key-is-not-valid"
	}
	if p, err = mr.NextPart(); err != nil || p.FormName() != "backup" {
		return "", nil, bad
	}
	return string(b), p, ""
}

// cappedReader reads at most left bytes and then fails with ErrTooLarge; it keeps the first error of the
// reader under it, to tell an upload cut short from a refusal of the backend.
type cappedReader struct {
	r    io.Reader
	left int64
	err  error
}

func (c *cappedReader) Read(p []byte) (int, error) {
	if c.left < 0 {
		return 0, ErrTooLarge
	}
	if int64(len(p)) > c.left+1 {
		p = p[:c.left+1]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	if c.left < 0 {
		c.err = ErrTooLarge
		return n - 1, ErrTooLarge
	}
	if err != nil && err != io.EOF && c.err == nil {
		c.err = err
	}
	return n, err
}

// backupTexts holds these screens' texts.
var backupTexts = map[string]i18n.Text{
	"backup.received-being-certified": {
		IT: "Backup ricevuto: lo studio lo sta certificando. Si può seguire qui l'avanzamento o chiudere la pagina.",
		EN: "Backup received: the studio is certifying it. Follow the progress here, or close the page."},
	"backup.an-upload-is-already-under-way": {
		IT: "un caricamento è già in corso da questo link",
		EN: "an upload is already under way through this link"},
	"backup.up-to-mb": {
		IT: "Fino a %d MB",
		EN: "Up to %d MB"},
	"backup.the-file-is-larger-than": {
		IT: "Il file supera il limite di %d MB: non è stato conservato nulla.",
		EN: "The file is larger than the %d MB limit: nothing was kept."},
	"backup.invalid-form-type-the-key": {
		IT: "Modulo non valido: scrivere la chiave e scegliere il file del backup.",
		EN: "Invalid form: type the key and choose the backup file."},
	"backup.the-key-is-not-valid": {
		IT: "La chiave non è valida: sono 64 cifre.",
		EN: "The key is not valid: it has 64 digits."},
	"backup.the-studio-is-already-certifying": {
		IT: "Lo studio sta già certificando un altro backup: riprovare tra qualche minuto.",
		EN: "The studio is already certifying another backup: try again in a few minutes."},
	"backup.the-upload-was-cut-short": {
		IT: "Il caricamento si è interrotto: non è stato conservato nulla. Riprovare.",
		EN: "The upload was cut short: nothing was kept. Try again."},
	"backup.this-link-asks-for-no": {
		IT: "nessun backup richiesto da questo link",
		EN: "this link asks for no backup"},
	"backup.backup-uploads-are-not-configured": {
		IT: "caricamento dei backup non configurato",
		EN: "backup uploads are not configured"},
	"backup.whatsapp-backup": {
		IT: "Backup di WhatsApp",
		EN: "WhatsApp backup"},
	"backup.64-digit-key": {
		IT: "Chiave di 64 cifre",
		EN: "64-digit key"},
	"backup.backup-file-msgstore-db-crypt15": {
		IT: "File del backup (msgstore.db.crypt15)",
		EN: "Backup file (msgstore.db.crypt15)"},
	"backup.send-the-backup": {
		IT: "Invia il backup",
		EN: "Send the backup"},
	"backup.link-for-the-client-backup": {
		IT: "Link per il cliente: caricamento del backup",
		EN: "Link for the client: backup upload"},
	"backup.backup-uploaded-by-the-client": {
		IT: "backup caricato dal cliente",
		EN: "backup uploaded by the client"},
	"backup.in-whatsapp-settings-chats-chat": {
		IT: "In WhatsApp: Impostazioni, Chat, Backup delle chat, Backup crittografato end-to-end con la chiave di 64 cifre; poi copiare dal telefono il file msgstore.db.crypt15 (cartella Android/media/com.whatsapp/WhatsApp/Databases).",
		EN: "In WhatsApp: Settings, Chats, Chat backup, End-to-end encrypted backup with the 64-digit key; then copy the file msgstore.db.crypt15 from the phone (folder Android/media/com.whatsapp/WhatsApp/Databases)."},
	"backup.the-key-stays-on-the": {
		IT: "La chiave resta sull'apparecchio, cifrata; non viene mai registrata né mostrata.",
		EN: "The key stays on the appliance, encrypted; it is never logged or shown."},
}
