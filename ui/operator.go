package ui

import (
	"net/http"
	"strings"
	"unicode"

	"github.com/attesta/attesta/internal/i18n"
)

// Who works at the panel. A PIN says which role a person has, not who they are; the chain of custody and the
// report name the technician, so each session carries the name the technician gives on the home screen, and
// every action of the session (cases, holds, jobs) is recorded under it.

const maxOperatorName = 80

// operator is the name the session's technician gave, or the role when none was given.
func (s *Server) operator(r *http.Request) string {
	if name := s.sessionOperator(r); name != "" {
		return name
	}
	return roleOf(r).String()
}

// sessionOperator is the name given for the request's session, empty when none.
func (s *Server) sessionOperator(r *http.Request) string {
	if c, err := r.Cookie(sessionCookie); err == nil {
		return s.sessions.operator(c.Value)
	}
	return ""
}

// operatorTexts holds the operator form's strings.
var operatorTexts = map[string]i18n.Text{
	"operator.operator": {
		IT: "Operatore:",
		EN: "Operator:"},
	"operator.who-is-operating-the": {
		IT: "Chi sta operando? Il nome va nel registro e nelle relazioni.",
		EN: "Who is operating? The name goes into the journal and the reports."},
	"operator.change": {
		IT: "Cambia",
		EN: "Change"},
	"operator.confirm": {
		IT: "Conferma",
		EN: "Confirm"},
	"operator.invalid-operator-name": {
		IT: "nome dell'operatore non valido",
		EN: "invalid operator name"},
}

// cleanOperator trims a typed name and refuses control characters and overlong names.
func cleanOperator(name string) (string, bool) {
	name = strings.Join(strings.Fields(name), " ")
	if name == "" || len(name) > maxOperatorName || strings.ContainsFunc(name, unicode.IsControl) {
		return "", false
	}
	return name, true
}

// setOperator records the technician's name for the session and goes back home.
func (s *Server) setOperator(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 1024)
	name, ok := cleanOperator(r.PostFormValue("operator"))
	c, err := r.Cookie(sessionCookie)
	if !ok || err != nil || !s.sessions.setOperator(c.Value, name) {
		httpError(w, r, "operator.invalid-operator-name", http.StatusBadRequest)
		return
	}
	s.log.InfoContext(r.Context(), "operator named", "role", roleOf(r).String())
	http.Redirect(w, r, "/home", http.StatusSeeOther)
}
