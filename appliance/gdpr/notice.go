package gdpr

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
)

// NoticeFields are the case's data a notice's placeholders name.
type NoticeFields struct {
	Studio        string // {studio}
	Case          string // {caso}
	Client        string // {cliente}
	Proceeding    string // {procedimento}
	Purpose       string // {finalita}
	ClientBasis   string // {base_cliente}: the label, in the notice's language
	SubjectsBasis string // {base_interessati}
	Plan          int    // {piano}: messages certified per chat
	ServiceMonths int    // {servizio_mesi}
	RetainUntil   string // {conservazione}: a date as the reader reads it
}

// Render fills the placeholders of a notice template with f. A placeholder it does not know stays as written, so
// that a studio sees its typo on the page. Line ends are normalised to "\n": the digest covers what is shown.
func Render(tmpl string, f NoticeFields) string {
	itoa := func(n int) string {
		if n == 0 {
			return "—"
		}
		return strconv.Itoa(n)
	}
	or := func(s string) string {
		if strings.TrimSpace(s) == "" {
			return "—"
		}
		return s
	}
	r := strings.NewReplacer(
		"{studio}", or(f.Studio), "{caso}", or(f.Case), "{cliente}", or(f.Client),
		"{procedimento}", or(f.Proceeding), "{finalita}", or(f.Purpose),
		"{base_cliente}", or(f.ClientBasis), "{base_interessati}", or(f.SubjectsBasis),
		"{piano}", itoa(f.Plan), "{servizio_mesi}", itoa(f.ServiceMonths), "{conservazione}", or(f.RetainUntil),
		"\r\n", "\n", "\r", "\n",
	)
	return strings.TrimSpace(r.Replace(tmpl))
}

// Digest is the SHA-256, hex, of a rendered notice: what the client's acceptance binds to.
func Digest(text string) string {
	sum := sha256.Sum256([]byte(text))
	return hex.EncodeToString(sum[:])
}

// DefaultNoticeIT is the information notice (GDPR art. 13 and 14) a studio starts with.
const DefaultNoticeIT = `Informativa sul trattamento dei dati personali (artt. 13 e 14 GDPR)

Titolare del trattamento è {studio}. Per la pratica {caso}, affidata da {cliente}, lo studio acquisisce e certifica le chat WhatsApp indicate nella lista di acquisizione, per la seguente finalità: {finalita} (procedimento: {procedimento}).

Dati trattati: i Suoi dati identificativi e di contatto; i numeri, i nomi e i messaggi dei Suoi interlocutori nelle chat indicate, con allegati, orari e ricevute. I messaggi possono contenere categorie particolari di dati.

Basi giuridiche: per i Suoi dati, {base_cliente}; per i dati dei Suoi interlocutori, {base_interessati}.

Servizio: ultimi {piano} messaggi inviati per chat; durata {servizio_mesi} mesi. I dati sono conservati fino al {conservazione}, salvo blocco legale per un procedimento in corso; poi vengono cancellati distruggendo la chiave di cifratura.

Destinatari: Lei e le persone a cui Lei o lo studio consegnate le relazioni tramite link (consulenti, autorità giudiziaria). Nessun trasferimento fuori dall'Unione europea.

Sicurezza: i dati sono cifrati con una chiave protetta dal chip TPM dell'apparato; ogni accesso è registrato in un registro a prova di manomissione.

Diritti: accesso, rettifica, cancellazione, limitazione, opposizione e reclamo al Garante per la protezione dei dati personali (www.garanteprivacy.it), scrivendo allo studio. Lo studio risponde entro un mese.`

// DefaultNoticeEN is the English of [DefaultNoticeIT].
const DefaultNoticeEN = `Information notice on the processing of personal data (GDPR art. 13 and 14)

The controller is {studio}. For case {caso}, entrusted by {cliente}, the studio acquires and certifies the WhatsApp chats named in the acquisition list, for this purpose: {finalita} (proceeding: {procedimento}).

Data processed: your identification and contact data; the numbers, names and messages of the people you chatted with in those chats, with attachments, times and receipts. The messages may hold special categories of data.

Lawful bases: for your data, {base_cliente}; for the data of the people you chatted with, {base_interessati}.

Service: the last {piano} messages sent per chat; {servizio_mesi} months. The data are kept until {conservazione}, unless a legal hold keeps them for a pending proceeding; then they are erased by destroying their encryption key.

Recipients: you and those to whom you or the studio give the reports through a link (experts, the courts). No transfer outside the European Union.

Security: the data are encrypted with a key protected by the appliance's TPM chip; every access is recorded in a tamper-evident journal.

Rights: access, rectification, erasure, restriction, objection, and a complaint to the Italian data protection authority (www.garanteprivacy.it), by writing to the studio. The studio answers within one month.`
