package ui

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/attesta/attesta/internal/i18n"
)

// Google Drive on the screens: a case's delivery target chosen when it is opened, the client's authorization of
// their own Drive (the device flow's code, shown on the case and on the client's remote page), its revocation,
// and each folder's direct link at the end of a session.

// driveAccess is the backend's DriveAccess, when it has one.
func (s *Server) driveAccess() (DriveAccess, bool) {
	d, ok := s.cfg.Cases.(DriveAccess)
	return d, ok
}

// deliveryChoices are the delivery targets the new-case form offers, with their labels' keys.
var deliveryChoices = []struct{ Value, Label string }{
	{DeliveryAppliance, "drive.appliance-only"},
	{DeliveryStudioDrive, "drive.studios-drive"},
	{DeliveryClientDrive, "drive.clients-drive"},
}

// authorizeDrive starts the client's authorization; the code then shows on the case and on the remote page.
func (s *Server) authorizeDrive(w http.ResponseWriter, r *http.Request) {
	s.driveAction(w, r, func(d DriveAccess) error {
		_, err := d.AuthorizeDrive(r.Context(), r.PathValue("id"))
		return err
	})
}

// revokeDrive revokes the appliance's access to the client's Drive.
func (s *Server) revokeDrive(w http.ResponseWriter, r *http.Request) {
	s.driveAction(w, r, func(d DriveAccess) error { return d.RevokeDrive(r.Context(), r.PathValue("id"), s.operator(r)) })
}

func (s *Server) driveAction(w http.ResponseWriter, r *http.Request, f func(DriveAccess) error) {
	d, ok := s.driveAccess()
	if !ok {
		httpError(w, r, "drive.no-drive", http.StatusNotFound)
		return
	}
	err := f(d)
	switch {
	case errors.Is(err, ErrNotFound):
		httpError(w, r, "case.unknown-case", http.StatusNotFound)
	case errors.Is(err, ErrInvalid):
		s.renderCase(w, r, http.StatusUnprocessableEntity, casePageData{DriveErrors: errorLines(err)})
	case err != nil:
		s.log.ErrorContext(r.Context(), "Google Drive authorization", slog.Any("error", err))
		s.renderCase(w, r, http.StatusBadGateway, casePageData{DriveErrors: []string{tr(r, "drive.google-did-not-answer")}})
	default:
		http.Redirect(w, r, "/cases/"+r.PathValue("id")+"#delivery", http.StatusSeeOther)
	}
}

// remoteDriveCode is the client's pending authorization of their own Drive, for their remote page; nil when none.
// The studio's own authorization never shows there.
func (s *Server) remoteDriveCode(r *http.Request, caseID string) *DriveCode {
	c, err := s.cfg.Cases.Case(r.Context(), caseID)
	if err != nil || c.Delivery != DeliveryClientDrive {
		return nil
	}
	return c.DriveCode
}

var driveTexts = map[string]i18n.Text{
	"drive.delivery": {
		IT: "Consegna",
		EN: "Delivery"},
	"drive.appliance-only": {
		IT: "Solo sull'apparato (link di condivisione)",
		EN: "On the appliance only (share links)"},
	"drive.studios-drive": {
		IT: "Google Drive dello studio",
		EN: "The studio's Google Drive"},
	"drive.clients-drive": {
		IT: "Google Drive del cliente",
		EN: "The client's own Google Drive"},
	"drive.emails": {
		IT: "Solo per questi indirizzi e-mail (vuoto: chiunque abbia il link)",
		EN: "Only for these e-mail addresses (empty: anyone with the link)"},
	"drive.anyone-with-the-link": {
		IT: "Chiunque abbia il link può vedere le cartelle.",
		EN: "Anyone with the link can view the folders."},
	"drive.restricted-to": {
		IT: "Cartelle visibili solo a:",
		EN: "Folders visible only to:"},
	"drive.authorized": {
		IT: "Il cliente ha autorizzato l'apparato sul suo Google Drive (solo i file che l'apparato crea).",
		EN: "The client has authorized the appliance on their Google Drive (only the files the appliance creates)."},
	"drive.not-authorized": {
		IT: "Il cliente non ha ancora autorizzato l'apparato sul suo Google Drive: le cartelle attendono.",
		EN: "The client has not authorized the appliance on their Google Drive yet: the folders wait."},
	"drive.code-for-the-client": {
		IT: "Il cliente apre questo indirizzo sul telefono e digita il codice:",
		EN: "The client opens this address on their phone and types the code:"},
	"drive.studio-not-authorized": {
		IT: "Il Google Drive dello studio non è ancora autorizzato: le cartelle attendono.",
		EN: "The studio's Google Drive is not authorized yet: the folders wait."},
	"drive.code-for-the-studio": {
		IT: "Aprire questo indirizzo con l'account Google dello studio e digitare il codice:",
		EN: "Open this address with the studio's Google account and type the code:"},
	"drive.authorize-the-studio": {
		IT: "Autorizza il Google Drive dello studio",
		EN: "Authorize the studio's Google Drive"},
	"drive.ask-the-client": {
		IT: "Chiedi l'autorizzazione al cliente",
		EN: "Ask the client for authorization"},
	"drive.revoke": {
		IT: "Revoca l'accesso al Google Drive del cliente",
		EN: "Revoke access to the client's Google Drive"},
	"drive.no-drive": {
		IT: "Nessun Google Drive configurato",
		EN: "No Google Drive configured"},
	"drive.google-did-not-answer": {
		IT: "Google non ha risposto: riprovare più tardi.",
		EN: "Google did not answer: try again later."},
	"drive.link": {
		IT: "Google Drive",
		EN: "Google Drive"},
	"drive.remote-title": {
		IT: "Consegna sul suo Google Drive",
		EN: "Delivery to your Google Drive"},
	"drive.remote-explain": {
		IT: "Per ricevere le consegne sul suo Google Drive, apra questo indirizzo sul telefono, acceda con il suo account Google e digiti il codice. Lo studio non vede la sua password e potrà accedere solo ai file che crea.",
		EN: "To receive the deliveries on your Google Drive, open this address on your phone, sign in with your Google account and type the code. The studio never sees your password and can reach only the files it creates."},
	"progress.uploading-to-google-drive": {
		IT: "caricamento su Google Drive",
		EN: "uploading to Google Drive"},
}

// OnDrive reports whether a chat of the job has its folder on Google Drive.
func (j JobInfo) OnDrive() bool {
	for _, c := range j.Chats {
		if c.DriveLink != "" {
			return true
		}
	}
	return false
}

// deliveryChoices returns the delivery targets offered: the Drive ones only when the backend has a Drive.
func (s *Server) deliveryChoices() []struct{ Value, Label string } {
	if d, ok := s.driveAccess(); !ok || !d.DriveEnabled() {
		return deliveryChoices[:1]
	}
	return deliveryChoices
}
