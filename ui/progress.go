package ui

import (
	"fmt"
	"regexp"
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

func progressWord(s string) string {
	if e, ok := progressEnglish[s]; ok {
		return e
	}
	return translate(English, s)
}

// progressEnglish is the appliance's progress vocabulary in English.
var progressEnglish = map[string]string{
	"inquadrare il codice QR con il telefono del cliente":            "scan the QR code with the client's phone",
	"estrazione dal telefono":                                        "extracting from the phone",
	"impostazione della password temporanea del backup":              "setting the backup's one-time password",
	"backup completo dell'iPhone":                                    "full backup of the iPhone",
	"impronte dei file del backup":                                   "fingerprints of the backup's files",
	"apertura del backup":                                            "opening the backup",
	"estrazione del database di WhatsApp":                            "extracting WhatsApp's database",
	"conservazione dell'indice del backup e del database":            "keeping the backup's index and the database",
	"fallita: l'account WhatsApp collegato non è quello del cliente": "failed: the linked WhatsApp account is not the client's",
	"ricerca della chat":                                             "finding the chat",
	"caricamento della cronologia":                                   "loading the history",
	"lettura dei messaggi":                                           "reading the messages",
	"conferme di consegna e lettura":                                 "delivery and read receipts",
	"allegati":                                                       "attachments",
	"schermate":                                                      "screenshots",
	"fatto":                                                          "done",
	"completa":                                                       "complete",
	"parziale":                                                       "partial",
	"non trovata":                                                    "not found",
	"fuori dalla cronologia raggiungibile":                           "beyond the reachable history",
	"non iniziata":                                                   "not started",
	"nuovo codice QR":                                                "new QR code",
	"copia dei backup dal telefono":                                  "copying the backups from the phone",
	"conservazione del backup":                                       "storing the backup",
	"decifratura del backup":                                         "decrypting the backup",
	"consegna":                                                       "delivery",
}
