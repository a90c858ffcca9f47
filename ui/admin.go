package ui

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/attesta/attesta/internal/i18n"
)

// The administrator's screens.

// PIN lengths the appliance accepts: the lock screen's keypad takes up to 12 digits.
const (
	minPIN = 6
	maxPIN = 12
)

type adminData struct {
	Sessions int
	Shares   int    // share links still working
	Which    string // the PIN being changed: "technician" or "admin"
	Error    string
	Done     string
	MinPIN   int
	MaxPIN   int
}

func (s *Server) admin(w http.ResponseWriter, r *http.Request) {
	s.renderAdmin(w, r, http.StatusOK, adminData{Which: "technician", Done: doneMessage(r)})
}

func doneMessage(r *http.Request) string {
	switch r.URL.Query().Get("done") {
	case "technician":
		return tr(r, "admin.technician-pin-changed-the")
	case "admin":
		return tr(r, "admin.administrator-pin-changed-the")
	}
	return ""
}

func (s *Server) renderAdmin(w http.ResponseWriter, r *http.Request, code int, data adminData) {
	shares, err := s.cfg.Shares.List(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	now := s.now()
	for _, sh := range shares {
		if sh.Active(now) {
			data.Shares++
		}
	}
	data.Sessions = s.sessions.count(now)
	data.MinPIN, data.MaxPIN = minPIN, maxPIN
	s.render(w, r, code, "admin", data)
}

// pinRule says what a PIN must be, for errors.
var pinRule = fmt.Sprintf("it must have %d to %d digits and nothing else", minPIN, maxPIN)

// ErrBadPIN is what [CheckPINs] returns for a PIN the appliance does not accept.
var ErrBadPIN = errors.New("PIN not accepted")

// validPIN reports whether p is a PIN the lock screen can take: minPIN to maxPIN decimal digits.
func validPIN(p string) bool {
	if len(p) < minPIN || len(p) > maxPIN {
		return false
	}
	for _, c := range []byte(p) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// CheckPINs applies the PIN-change screen's rules to the PINs given for the appliance's first start: each is 6 to
// 12 decimal digits (what the lock screen's keypad types) and the two differ, since a shared PIN would let every
// technician in as administrator. admin may be empty: then there is no administrator. The error wraps
// [ErrBadPIN] and names the PIN, never its digits.
func CheckPINs(technician, admin string) error {
	switch {
	case !validPIN(technician):
		return fmt.Errorf("ui: technician PIN: %w: %s", ErrBadPIN, pinRule)
	case admin == "":
		return nil
	case !validPIN(admin):
		return fmt.Errorf("ui: administrator PIN: %w: %s", ErrBadPIN, pinRule)
	case admin == technician:
		return fmt.Errorf("ui: administrator PIN: %w: it must differ from the technician PIN", ErrBadPIN)
	}
	return nil
}

// changePIN replaces the technician's or the administrator's PIN. The administrator types their current PIN
// again, so that a session left open is not enough; a wrong one counts towards the lockout like a wrong login.
// The new hash is stored before it is used; then the sessions it protected end.
func (s *Server) changePIN(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 4096)
	if err := r.ParseForm(); err != nil {
		httpError(w, r, "phone.form-unreadable-or-too", http.StatusBadRequest)
		return
	}
	data := adminData{Which: r.PostFormValue("which")}
	refuse := func(code int, msg string) {
		data.Error = msg
		s.renderAdmin(w, r, code, data)
	}
	if data.Which != "technician" && data.Which != "admin" {
		refuse(http.StatusBadRequest, tr(r, "admin.choose-which-pin-to"))
		return
	}
	current, pin, again := r.PostFormValue("current"), r.PostFormValue("pin"), r.PostFormValue("again")
	switch {
	case !validPIN(pin):
		refuse(http.StatusUnprocessableEntity, tr(r, "admin.the-new-pin-must"))
		return
	case pin != again:
		refuse(http.StatusUnprocessableEntity, tr(r, "admin.the-two-new-pins"))
		return
	}

	s.loginMu.Lock()
	defer s.loginMu.Unlock()
	client, now := clientAddr(r), s.now()
	if ok, until := s.lock.allowed(client, now); !ok {
		w.Header().Set("Retry-After", fmt.Sprint(int(until.Sub(now).Seconds())+1))
		refuse(http.StatusTooManyRequests, fmt.Sprintf(tr(r, "core.too-many-wrong-attempts"),
			until.In(rome).Format("15:04:05")))
		return
	}
	creds := s.credentials()
	if creds.check(current) != RoleAdmin {
		s.lockFail(r, client, now)
		s.log.WarnContext(r.Context(), "PIN change: wrong administrator PIN", slog.String("remote", client))
		s.audit(r.Context(), EventWrongPIN, map[string]any{"role": roleOf(r).String(), "screen": "pin-change"})
		refuse(http.StatusUnauthorized, tr(r, "admin.wrong-current-administrator-pin"))
		return
	}
	s.lockSucceed(r, client)
	next, ok := withPIN(creds, data.Which, HashPIN(creds.Salt, pin))
	if !ok {
		refuse(http.StatusUnprocessableEntity,
			tr(r, "admin.the-technicians-and-the"))
		return
	}
	if err := s.cfg.CredStore.SaveCredentials(r.Context(), next); err != nil {
		s.fail(w, r, err)
		return
	}
	s.credMu.Lock()
	s.creds = next
	s.credMu.Unlock()
	var ended int
	keep := ""
	if c, err := r.Cookie(sessionCookie); err == nil {
		keep = c.Value
	}
	if data.Which == "technician" {
		ended = s.sessions.end(RoleTechnician, keep)
	} else {
		ended = s.sessions.end(RoleTechnician, keep) + s.sessions.end(RoleAdmin, keep)
	}
	s.log.InfoContext(r.Context(), "PIN changed", slog.String("pin", data.Which), slog.Int("sessions_ended", ended),
		slog.String("remote", client))
	http.Redirect(w, r, "/admin?done="+data.Which, http.StatusSeeOther)
}

// withPIN returns creds with the hash of which replaced by h. It refuses (false) a PIN the other role has: two
// roles sharing a PIN would let the technician in as administrator.
func withPIN(creds Credentials, which string, h []byte) (Credentials, bool) {
	other := creds.Admin
	if which == "admin" {
		other = creds.Technician
	}
	if len(other) == len(h) && subtle.ConstantTimeCompare(other, h) == 1 {
		return creds, false
	}
	if which == "admin" {
		creds.Admin = h
	} else {
		creds.Technician = h
	}
	return creds, true
}

// adminTexts holds the administrator screens' strings.
var adminTexts = map[string]i18n.Text{
	"admin.open-sessions": {
		IT: "Sessioni aperte",
		EN: "Open sessions"},
	"admin.active-share-links": {
		IT: "Link di condivisione attivi",
		EN: "Active share links"},
	"admin.change-pin": {
		IT: "Cambio PIN",
		EN: "Change PIN"},
	"admin.technician-pin": {
		IT: "PIN del tecnico",
		EN: "Technician PIN"},
	"admin.administrator-pin": {
		IT: "PIN dell'amministratore",
		EN: "Administrator PIN"},
	"admin.current-administrator-pin": {
		IT: "PIN attuale dell'amministratore",
		EN: "Current administrator PIN"},
	"admin.new-pin": {
		IT: "Nuovo PIN",
		EN: "New PIN"},
	"admin.repeat-the-new-pin": {
		IT: "Ripetere il nuovo PIN",
		EN: "Repeat the new PIN"},
	"admin.d-to-d-digits": {
		IT: "Da %d a %d cifre. Toccare un campo, poi digitare.",
		EN: "%d to %d digits. Tap a field, then type."},
	"admin.change-the-pin": {
		IT: "Cambia il PIN",
		EN: "Change the PIN"},
	"admin.choose-which-pin-to": {
		IT: "Scegliere quale PIN cambiare.",
		EN: "Choose which PIN to change."},
	"admin.the-new-pin-must": {
		IT: "Il nuovo PIN deve avere da 6 a 12 cifre.",
		EN: "The new PIN must have 6 to 12 digits."},
	"admin.the-two-new-pins": {
		IT: "I due nuovi PIN non coincidono.",
		EN: "The two new PINs differ."},
	"admin.wrong-current-administrator-pin": {
		IT: "PIN dell'amministratore attuale errato.",
		EN: "Wrong current administrator PIN."},
	"admin.the-technicians-and-the": {
		IT: "Il PIN del tecnico e quello dell'amministratore devono essere diversi.",
		EN: "The technician's and the administrator's PINs must differ."},
	"admin.technician-pin-changed-the": {
		IT: "PIN del tecnico cambiato: le sessioni dei tecnici sono state chiuse.",
		EN: "Technician PIN changed: the technicians' sessions have been closed."},
	"admin.administrator-pin-changed-the": {
		IT: "PIN dell'amministratore cambiato: le altre sessioni sono state chiuse.",
		EN: "Administrator PIN changed: the other sessions have been closed."},
}
