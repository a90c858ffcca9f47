package report

import (
	"time"

	"github.com/attesta/attesta/evidence"
	"github.com/attesta/attesta/internal/i18n"
)

// catalog is everything the report says, in Italian and English (internal/i18n). Keys are stable; a key of a
// family (Types.<type>, Anomalies.<code>, Step.<step>, Field.<name>) is looked up with a fallback (see
// renderer.lookup), so that a value the catalog does not know is printed as it is rather than dropped. It is kept
// in three parts: titleWords (the title, headings, fixed texts and names of values), bodyWords (wordsbody.go: page
// 1, the anomalies, the chain of custody) and appendixWords (wordsappendix.go: the technical log, the screenshots).
var catalog = i18n.NewCatalog("report", joinWords(titleWords, bodyWords, appendixWords))

// joinWords is the union of the catalog's parts. A key in two parts is a mistake that one map literal would not
// compile with: it panics when the package is initialised, so every test of the package reports it.
func joinWords(parts ...map[string]i18n.Text) map[string]i18n.Text {
	out := map[string]i18n.Text{}
	for _, p := range parts {
		for k, t := range p {
			if _, dup := out[k]; dup {
				panic("report: the catalog key " + k + " is in two parts")
			}
			out[k] = t
		}
	}
	return out
}

// titleWords are the report's title, its sections' headings and fixed texts, and the names of the values it prints
// (message types, statuses, methods, reasons, artifact kinds).
var titleWords = map[string]i18n.Text{
	"Title": {
		IT: "Relazione tecnica di acquisizione forense",
		EN: "Technical report of a forensic acquisition"},
	"Subtitle": {
		IT: "Comunicazioni WhatsApp certificate dall'apparecchio Attesta",
		EN: "WhatsApp communications certified by the Attesta appliance"},
	"Kind.0": {
		IT: "Relazione semplice (dati essenziali)",
		EN: "Simple report (essential data)"},
	"Kind.1": {
		IT: "Relazione personalizzata (dettaglio completo)",
		EN: "Detailed report (full detail)"},
	"Generated": {
		IT: "Relazione generata il %s",
		EN: "Report generated on %s"},
	"Page": {
		IT: "Pagina %d di {nb}",
		EN: "Page %d of {nb}"},
	"TimesNote": {
		IT: "Tutti gli orari sono espressi nell'ora di Roma (Europe/Rome: CET in inverno, CEST in estate).",
		EN: "All times are Rome time (Europe/Rome: CET in winter, CEST in summer)."},
	"Unknown": {
		IT: "non noto",
		EN: "unknown"},
	"Thousands": {
		IT: ".",
		EN: ","},
	"SecRequest": {
		IT: "Richiesta",
		EN: "Request"},
	"Client": {
		IT: "Committente",
		EN: "Client"},
	"Case": {
		IT: "Pratica / procedimento",
		EN: "Case / proceeding"},
	"Purpose": {
		IT: "Finalità",
		EN: "Purpose"},
	"SecAppliance": {
		IT: "Apparecchio",
		EN: "Appliance"},
	"ApplianceID": {
		IT: "Identificativo",
		EN: "Identifier"},
	"Software": {
		IT: "Versione del software",
		EN: "Software version"},
	"SigningKey": {
		IT: "Chiave di firma (TPM, SHA-256)",
		EN: "Signing key (TPM, SHA-256)"},
	"AK": {
		IT: "Chiave di attestazione AK (SHA-256)",
		EN: "Attestation key AK (SHA-256)"},
	"VKey": {
		IT: "Chiave di verifica (proofs/vkey)",
		EN: "Verifier key (proofs/vkey)"},
	"LastAttestation": {
		IT: "Ultima attestazione",
		EN: "Last attestation"},
	"AttestOK": {
		IT: "superata il %s",
		EN: "passed on %s"},
	"AttestFail": {
		IT: "NON superata il %s",
		EN: "FAILED on %s"},
	"NoAttestation": {
		IT: "nessuna attestazione registrata",
		EN: "no attestation recorded"},
	"SecMethod": {
		IT: "Metodo e apparecchio",
		EN: "Method and appliance"},
	"Method": {
		IT: "Metodo",
		EN: "Method"},
	"Operator": {
		IT: "Operatore",
		EN: "Operator"},
	"Started": {
		IT: "Inizio",
		EN: "Started"},
	"Finished": {
		IT: "Fine",
		EN: "Finished"},
	"ToolVersion": {
		IT: "Versione dello strumento",
		EN: "Tool version"},
	"SourceVersion": {
		IT: "Versione della sorgente",
		EN: "Source version"},
	"WebBuild": {
		IT: "Build di WhatsApp Web",
		EN: "WhatsApp Web build"},
	"Bridge": {
		IT: "Versione del bridge di acquisizione",
		EN: "Capture bridge version"},
	"Device": {
		IT: "Modello del telefono",
		EN: "Phone model"},
	"OS": {
		IT: "Sistema operativo",
		EN: "Operating system"},
	"WhatsApp": {
		IT: "Versione di WhatsApp",
		EN: "WhatsApp version"},
	"Path": {
		IT: "Percorso di estrazione",
		EN: "Extraction path"},
	"SenderReceipts": {
		IT: "Conferme di lettura del mittente",
		EN: "Sender's read receipts"},
	"LinkedAccount": {
		IT: "Account collegato",
		EN: "Linked account"},
	"Chat": {
		IT: "Chat",
		EN: "Chat"},
	"Range": {
		IT: "Intervallo",
		EN: "Range"},
	"RangeFmt": {
		IT: "dal %s al %s (giorni interi, ora di Roma)",
		EN: "from %s to %s (whole days, Rome time)"},
	"SecCustody": {
		IT: "Catena di custodia",
		EN: "Chain of custody"},
	"NoCustody": {
		IT: "Nessuna azione registrata oltre all'acquisizione.",
		EN: "No action recorded beyond the acquisition."},
	"SecMessages": {
		IT: "Messaggi per esteso",
		EN: "Messages in full"},
	"MessagesNoteSimple": {
		IT: "Sono riportati i messaggi certificati (inviati dal mittente) e le risposte su cui si fonda l'esito.",
		EN: "The certified messages (sent by the sender) and the replies their verdicts rely on."},
	"MessagesNoteFull": {
		IT: "Sono riportati tutti i messaggi della consegna in ordine di tempo: quelli certificati (inviati dal mittente) con l'esito, e quelli ricevuti come contesto.",
		EN: "Every message of the delivery in time order: the certified ones (sent by the sender) with their verdict, and the incoming ones as context."},
	"Counts": {
		IT: "Messaggi certificati: %d (provati: %d, non provati: %d). Messaggi nella consegna: %d.",
		EN: "Certified messages: %d (proven: %d, not proven: %d). Messages in the delivery: %d."},
	"FromMe": {
		IT: "inviato dal mittente",
		EN: "sent by the sender"},
	"Incoming": {
		IT: "ricevuto",
		EN: "received"},
	"Text": {
		IT: "Testo",
		EN: "Text"},
	"Attachment": {
		IT: "Allegato",
		EN: "Attachment"},
	"NoText": {
		IT: "(nessun testo)",
		EN: "(no text)"},
	"Status": {
		IT: "Stato",
		EN: "Status"},
	"Delivered": {
		IT: "Consegnato",
		EN: "Delivered"},
	"Read": {
		IT: "Letto",
		EN: "Read"},
	"Played": {
		IT: "Riprodotto",
		EN: "Played"},
	"Quotes": {
		IT: "Cita il messaggio",
		EN: "Quotes message"},
	"Receipts": {
		IT: "Conferme per destinatario",
		EN: "Receipts per recipient"},
	"Edited": {
		IT: "Messaggio modificato: le conferme si riferiscono all'ultima versione.",
		EN: "Edited message: the receipts concern its last version."},
	"HashOK": {
		IT: "corrisponde all'impronta di WhatsApp",
		EN: "matches WhatsApp's hash"},
	"HashBad": {
		IT: "NON corrisponde all'impronta di WhatsApp",
		EN: "does NOT match WhatsApp's hash"},
	"HashNone": {
		IT: "impronta di WhatsApp non disponibile",
		EN: "WhatsApp's hash not available"},
	"Unavailable": {
		IT: "file non disponibile",
		EN: "file not available"},
	"Verdict": {
		IT: "Esito",
		EN: "Verdict"},
	"Proven.0": {
		IT: "PROVATO (riproduzione): il destinatario ha riprodotto il messaggio %s.",
		EN: "PROVEN (played): the recipient played the message %s."},
	"Proven.1": {
		IT: "PROVATO (lettura): il destinatario ha letto il messaggio %s.",
		EN: "PROVEN (read): the recipient read the message %s."},
	"Proven.2": {
		IT: "PROVATO (risposta): il messaggio è stato consegnato %s e il destinatario ha scritto dopo, %s: «%s».",
		EN: "PROVEN (reply): the message was delivered %s and the recipient wrote afterwards, %s: “%s”."},
	"Proven.3": {
		IT: "NON PROVATO: %s",
		EN: "NOT PROVEN: %s"},
	"NotProven.failed": {
		IT: "l'invio del messaggio non è riuscito.",
		EN: "sending the message failed."},
	"NotProven.no-reply": {
		IT: "il messaggio risulta consegnato, ma non ne risulta la lettura né una risposta successiva del destinatario.",
		EN: "the message was delivered, but neither a read receipt nor a later reply from the recipient is known."},
	"NotProven.not-delivered": {
		IT: "il messaggio risulta inviato, ma non ne è nota la consegna.",
		EN: "the message was sent, but no delivery is known."},
	"NotProven.pending": {
		IT: "il messaggio non ha lasciato il dispositivo del mittente.",
		EN: "the message never left the sender's device."},
	"NotProven.revoked": {
		IT: "il messaggio è stato eliminato per tutti e il suo contenuto non esiste più.",
		EN: "the message was deleted for everyone and its content no longer exists."},
	"ReplyMedia": {
		IT: "(%s, senza testo)",
		EN: "(%s, no text)"},
	"On": {
		IT: "il %s",
		EN: "on %s"},
	"AtUnknownTime": {
		IT: "in un momento non noto",
		EN: "at an unknown time"},
	"Anomaly": {
		IT: "Anomalia (codice %s)",
		EN: "Anomaly (code %s)"},
	"SecCaveats": {
		IT: "Avvertenze e anomalie",
		EN: "Caveats and anomalies"},
	"CaveatsNote": {
		IT: "Le seguenti avvertenze delimitano il valore delle conferme di WhatsApp e valgono per ogni esito della relazione.",
		EN: "These caveats bound the value of WhatsApp's receipts and apply to every verdict of this report."},
	"SecAnomalies": {
		IT: "Anomalie rilevate",
		EN: "Anomalies found"},
	"NoAnomalies": {
		IT: "Nessuna anomalia rilevata.",
		EN: "No anomaly found."},
	"SecScreenshots": {
		IT: "Schermate",
		EN: "Screenshots"},
	"NoScreenshots": {
		IT: "Nessuna schermata nella consegna.",
		EN: "No screenshot in the delivery."},
	"SecHashes": {
		IT: "Elenco delle impronte (SHA-256)",
		EN: "List of digests (SHA-256)"},
	"HashesNote": {
		IT: "Ogni file della consegna è identificato dalla sua impronta SHA-256: un file alterato, anche di un solo bit, ha un'impronta diversa.",
		EN: "Every file of the delivery is identified by its SHA-256 digest: a file altered by even one bit has a different digest."},
	"SecVerify": {
		IT: "Come verificare",
		EN: "How to verify"},
	"VerifyIntro": {
		IT: "La consegna è registrata nel giornale a prova di manomissione dell'apparecchio (albero di Merkle RFC 6962, checkpoint firmato dalla chiave custodita nel TPM):",
		EN: "The delivery is recorded in the appliance's tamper-evident journal (RFC 6962 Merkle tree, checkpoint signed by the key held in the TPM):"},
	"Origin": {
		IT: "Origine del giornale",
		EN: "Journal origin"},
	"LeafIndex": {
		IT: "Indice della foglia",
		EN: "Leaf index"},
	"SealedAfter": {
		IT: "L'impronta SHA-256 di questa relazione è registrata nel manifesto della consegna (blocco \"report\" di manifest.json e SHA256SUMS), che la foglia del giornale registra: la foglia e il checkpoint sono indicati nel blocco \"journal\" di manifest.json e in proofs/. La relazione è firmata dalla chiave che firma il checkpoint:",
		EN: "This report's SHA-256 is recorded in the delivery's manifest (the \"report\" block of manifest.json, and SHA256SUMS), which the journal leaf records: the leaf and the checkpoint are named in manifest.json's \"journal\" block and in proofs/. The report is signed by the key that signs the checkpoint:"},
	"TreeSize": {
		IT: "Dimensione dell'albero",
		EN: "Tree size"},
	"Root": {
		IT: "Radice (SHA-256)",
		EN: "Root (SHA-256)"},
	"VerifyTool": {
		IT: "Con il programma dell'apparecchio, che esegue tutti i controlli e ricalcola l'esito di ogni messaggio:",
		EN: "With the appliance's program, which runs every check and recomputes each message's verdict:"},
	"VerifyStandard": {
		IT: "Con i soli strumenti standard (sh, sha256sum, openssl, tpm2-tools): seguire passo per passo il file VERIFICA.txt della consegna, a partire da:",
		EN: "With standard tools only (sh, sha256sum, openssl, tpm2-tools): follow the delivery's VERIFICA.txt step by step, starting with:"},
	"VerifyPDF": {
		IT: "Questa relazione è firmata digitalmente (PAdES) con la chiave dell'apparecchio; la firma deve risultare valida e coprire l'intero documento, per esempio con:",
		EN: "This report is digitally signed (PAdES) with the appliance's key; the signature must be valid and cover the whole document, for example with:"},
	"NoPicture": {
		IT: "[anteprima non disponibile: %s]",
		EN: "[preview not available: %s]"},
	"Types.audio": {
		IT: "audio",
		EN: "audio"},
	"Types.contact": {
		IT: "contatto",
		EN: "contact"},
	"Types.document": {
		IT: "documento",
		EN: "document"},
	"Types.image": {
		IT: "immagine",
		EN: "image"},
	"Types.location": {
		IT: "posizione",
		EN: "location"},
	"Types.other": {
		IT: "altro",
		EN: "other"},
	"Types.revoked": {
		IT: "eliminato per tutti",
		EN: "deleted for everyone"},
	"Types.sticker": {
		IT: "sticker",
		EN: "sticker"},
	"Types.system": {
		IT: "notifica di sistema",
		EN: "system notification"},
	"Types.text": {
		IT: "testo",
		EN: "text"},
	"Types.video": {
		IT: "video",
		EN: "video"},
	"Types.video_note": {
		IT: "videomessaggio",
		EN: "video note"},
	"Types.voice": {
		IT: "messaggio vocale",
		EN: "voice note"},
	"Statuses.delivered": {
		IT: "consegnato",
		EN: "delivered"},
	"Statuses.failed": {
		IT: "non riuscito",
		EN: "failed"},
	"Statuses.pending": {
		IT: "in attesa",
		EN: "pending"},
	"Statuses.played": {
		IT: "riprodotto",
		EN: "played"},
	"Statuses.read": {
		IT: "letto",
		EN: "read"},
	"Statuses.sent": {
		IT: "inviato",
		EN: "sent"},
	"Methods.android-adb": {
		IT: "telefono Android collegato via ADB",
		EN: "Android phone connected over ADB"},
	"Methods.android-backup": {
		IT: "backup Android cifrato (crypt14/crypt15)",
		EN: "encrypted Android backup (crypt14/crypt15)"},
	"Methods.ios-backup": {
		IT: "backup iOS",
		EN: "iOS backup"},
	"Methods.whatsapp-web": {
		IT: "WhatsApp Web (sessione collegata dal cliente)",
		EN: "WhatsApp Web (session linked by the client)"},
	"ReadReceipts.": {
		IT: "non registrate",
		EN: "not recorded"},
	"ReadReceipts.off": {
		IT: "disattivate",
		EN: "off"},
	"ReadReceipts.on": {
		IT: "attive",
		EN: "on"},
	"ReadReceipts.unknown": {
		IT: "non rilevabili",
		EN: "could not be determined"},
	"ArtifactKinds.database": {
		IT: "database",
		EN: "database"},
	"ArtifactKinds.log": {
		IT: "registro delle azioni",
		EN: "actions log"},
	"ArtifactKinds.media": {
		IT: "media",
		EN: "media"},
	"ArtifactKinds.mhtml": {
		IT: "pagina MHTML",
		EN: "MHTML page"},
	"ArtifactKinds.other": {
		IT: "altro",
		EN: "other"},
	"ArtifactKinds.screenshot": {
		IT: "schermata",
		EN: "screenshot"},
	"ArtifactKinds.video": {
		IT: "video della sessione",
		EN: "session video"},
	"PictureWhy.decode": {
		IT: "formato non leggibile: il contenuto non è un'immagine JPEG, PNG, GIF o WebP decodificabile",
		EN: "unreadable format: the content is not a decodable JPEG, PNG, GIF or WebP picture"},
	"PictureWhy.digest": {
		IT: "il contenuto non corrisponde all'impronta",
		EN: "the content does not match its digest"},
	"PictureWhy.missing": {
		IT: "file non trovato",
		EN: "file not found"},
	"PictureWhy.read": {
		IT: "errore di lettura",
		EN: "read error"},
	"PictureWhy.too-large": {
		IT: "file troppo grande",
		EN: "file too large"},
}

// date formats t in Europe/Rome with its zone, the way both languages print it.
func date(t time.Time) string {
	return t.In(evidence.Location()).Format("02/01/2006 15:04:05 MST")
}

// dateShort formats t in Europe/Rome to the minute, for the table of page 1 (whose note names the zone).
func dateShort(t time.Time) string {
	return t.In(evidence.Location()).Format("02/01/2006 15:04")
}
