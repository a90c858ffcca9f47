package ui

import (
	"fmt"
	"regexp"

	"github.com/attesta/attesta/internal/i18n"
)

// The appliance reports a job's progress in Italian, in a small fixed vocabulary: a step ("chat 2 di 7: lettura
// dei messaggi"), the end ("completata: 7 chat su 7 consegnate"), or a plain phrase. ProgressText translates those
// for the request's language; anything else shows as it came.

var (
	chatStep   = regexp.MustCompile(`^chat (\d+) di (\d+): (.+)$`)
	jobSummary = regexp.MustCompile(`^(.+): (\d+) chat su (\d+) consegnate$`)
	resumedAs  = regexp.MustCompile(`^(.+) \(ripresa come sessione (\S+)\)$`)
)

// ProgressText returns a progress line of the appliance in lang.
func ProgressText(lang Lang, s string) string {
	if lang != English {
		return s
	}
	if m := resumedAs.FindStringSubmatch(s); m != nil {
		return fmt.Sprintf("%s (resumed as job %s)", ProgressText(lang, m[1]), m[2])
	}
	if m := chatStep.FindStringSubmatch(s); m != nil {
		return fmt.Sprintf("chat %s of %s: %s", m[1], m[2], progressWord(m[3]))
	}
	if m := jobSummary.FindStringSubmatch(s); m != nil {
		return fmt.Sprintf("%s: %s of %s chats delivered", progressWord(m[1]), m[2], m[3])
	}
	return progressWord(s)
}

func progressWord(s string) string { return fromItalian(English, s) }

// progressTexts is the appliance's progress vocabulary (the appliance sends its Italian texts).
var progressTexts = map[string]i18n.Text{
	"progress.scan-the-qr-code": {
		IT: "inquadrare il codice QR con il telefono del cliente",
		EN: "scan the QR code with the client's phone"},
	"progress.extracting-from-the-phone": {
		IT: "estrazione dal telefono",
		EN: "extracting from the phone"},
	"progress.iphone-one-time-password": {
		IT: "impostazione della password temporanea del backup",
		EN: "setting the backup's one-time password"},
	"progress.iphone-full-backup": {
		IT: "backup completo dell'iPhone",
		EN: "full backup of the iPhone"},
	"progress.iphone-fingerprints": {
		IT: "impronte dei file del backup",
		EN: "fingerprints of the backup's files"},
	"progress.iphone-opening": {
		IT: "apertura del backup",
		EN: "opening the backup"},
	"progress.iphone-whatsapp-database": {
		IT: "estrazione del database di WhatsApp",
		EN: "extracting WhatsApp's database"},
	"progress.iphone-keeping-index": {
		IT: "conservazione dell'indice del backup e del database",
		EN: "keeping the backup's index and the database"},
	"progress.failed-the-linked-whatsapp": {
		IT: "fallita: l'account WhatsApp collegato non è quello del cliente",
		EN: "failed: the linked WhatsApp account is not the client's"},
	"progress.finding-the-chat": {
		IT: "ricerca della chat",
		EN: "finding the chat"},
	"progress.loading-the-history": {
		IT: "caricamento della cronologia",
		EN: "loading the history"},
	"progress.reading-the-messages": {
		IT: "lettura dei messaggi",
		EN: "reading the messages"},
	"progress.delivery-and-read-receipts": {
		IT: "conferme di consegna e lettura",
		EN: "delivery and read receipts"},
	"progress.attachments": {
		IT: "allegati",
		EN: "attachments"},
	"progress.screenshots": {
		IT: "schermate",
		EN: "screenshots"},
	"progress.done": {
		IT: "fatto",
		EN: "done"},
	"progress.complete": {
		IT: "completa",
		EN: "complete"},
	"progress.partial": {
		IT: "parziale",
		EN: "partial"},
	"progress.not-found": {
		IT: "non trovata",
		EN: "not found"},
	"progress.beyond-the-reachable-history": {
		IT: "fuori dalla cronologia raggiungibile",
		EN: "beyond the reachable history"},
	"progress.not-started": {
		IT: "non iniziata",
		EN: "not started"},
	"progress.new-qr-code": {
		IT: "nuovo codice QR",
		EN: "new QR code"},
	"progress.copying-the-backups-from": {
		IT: "copia dei backup dal telefono",
		EN: "copying the backups from the phone"},
	"progress.storing-the-backup": {
		IT: "conservazione del backup",
		EN: "storing the backup"},
	"progress.decrypting-the-backup": {
		IT: "decifratura del backup",
		EN: "decrypting the backup"},
	"progress.delivery": {
		IT: "consegna",
		EN: "delivery"},
}
