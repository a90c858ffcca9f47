package report

import (
	"time"

	"github.com/attesta/attesta/evidence"
	"github.com/attesta/attesta/internal/i18n"
)

// catalog is everything the report says, in Italian and English (internal/i18n). Keys are stable; a key of a
// family (Types.<type>, Anomalies.<code>, Step.<step>, Field.<name>) is looked up with a fallback (see
// renderer.lookup), so that a value the catalog does not know is printed as it is rather than dropped.
var catalog = i18n.NewCatalog("report", map[string]i18n.Text{
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

	// Page 1: the answer.
	"Sender": {
		IT: "Mittente (account certificato)",
		EN: "Sender (account certified)"},
	"Period": {
		IT: "Periodo",
		EN: "Period"},
	"PeriodFmt": {
		IT: "dal %s al %s (giorni interi, ora di Roma)",
		EN: "from %s to %s (whole days, Rome time)"},
	"Acquired": {
		IT: "Acquisizione",
		EN: "Acquisition"},
	"AcquiredFmt": {
		IT: "%s, %s (identificativo %s)",
		EN: "%s, %s (identifier %s)"},
	"Answer": {
		IT: "Esito in sintesi",
		EN: "Verdicts at a glance"},
	"AnswerCounts": {
		IT: "Messaggi certificati: %d — provati: %d, non provati: %d. Messaggi nella consegna: %d (compresi quelli ricevuti, riportati come contesto).",
		EN: "Certified messages: %d — proven: %d, not proven: %d. Messages in the delivery: %d (including those received, shown as context)."},
	"AnswerNote": {
		IT: "Ogni riga è un messaggio inviato dal mittente nel periodo; l'esito applica la regola del valore legale (lettura, riproduzione o risposta del destinatario). Il dettaglio di ogni messaggio segue nella sezione 1.",
		EN: "Each row is a message the sender sent in the period; the verdict applies the legal-value rule (read, played or replied to by the recipient). Each message's detail follows in section 1."},
	"AnswerNoteSimple": {
		IT: "Ogni riga è un messaggio inviato dal mittente nel periodo; l'esito applica la regola del valore legale (lettura, riproduzione o risposta del destinatario).",
		EN: "Each row is a message the sender sent in the period; the verdict applies the legal-value rule (read, played or replied to by the recipient)."},
	"NoCertified": {
		IT: "Nessun messaggio inviato dal mittente nel periodo.",
		EN: "No message sent by the sender in the period."},
	"Col.N": {
		IT: "N.",
		EN: "No."},
	"Col.When": {
		IT: "Data e ora",
		EN: "Date and time"},
	"Col.Type": {
		IT: "Tipo",
		EN: "Type"},
	"Col.Text": {
		IT: "Inizio del testo",
		EN: "First words"},
	"Col.Verdict": {
		IT: "Esito",
		EN: "Verdict"},
	"Short.played": {
		IT: "PROVATO (riproduzione) %s",
		EN: "PROVEN (played) %s"},
	"Short.read": {
		IT: "PROVATO (lettura) %s",
		EN: "PROVEN (read) %s"},
	"Short.reply": {
		IT: "PROVATO (risposta) %s, N. %d",
		EN: "PROVEN (reply) %s, No. %d"},
	"Short.reply-outside": {
		IT: "PROVATO (risposta) %s",
		EN: "PROVEN (reply) %s"},
	"Short.none": {
		IT: "NON PROVATO: %s",
		EN: "NOT PROVEN: %s"},
	"ShortTimeUnknown": {
		IT: "(ora non nota)",
		EN: "(time unknown)"},
	"ShortReason.revoked": {
		IT: "eliminato per tutti",
		EN: "deleted for everyone"},
	"ShortReason.failed": {
		IT: "invio non riuscito",
		EN: "sending failed"},
	"ShortReason.pending": {
		IT: "mai partito dal telefono",
		EN: "never left the phone"},
	"ShortReason.not-delivered": {
		IT: "consegna non nota",
		EN: "delivery unknown"},
	"ShortReason.no-reply": {
		IT: "consegnato, senza lettura né risposta",
		EN: "delivered, neither read nor replied to"},
	"FirstWordsMedia": {
		IT: "(%s)",
		EN: "(%s)"},

	// Anomalies, by code.
	"AnomalyLine": {
		IT: "N. %d — %s (codice %s)",
		EN: "No. %d — %s (code %s)"},
	"AnomalyUnknown": {
		IT: "anomalia non descritta da questa versione: il dettaglio tecnico è in manifest.json.",
		EN: "an anomaly this version does not describe: the technical detail is in manifest.json."},
	"AnomalyDetailNote": {
		IT: "Il dettaglio tecnico di ogni anomalia (valori rilevati) è nel campo \"anomalies\" di ciascun messaggio in manifest.json.",
		EN: "The technical detail of each anomaly (the values seen) is in the \"anomalies\" member of each message in manifest.json."},
	"Anomalies.no-message-info": {
		IT: "WhatsApp Web non ha fornito le conferme per destinatario di questo messaggio: lo stato si basa sull'indicatore complessivo del messaggio.",
		EN: "WhatsApp Web gave no per-recipient receipts for this message: its status rests on the message's overall indicator."},
	"Anomalies.message-info-empty": {
		IT: "le conferme per destinatario risultano vuote, benché l'indicatore complessivo del messaggio ne indichi.",
		EN: "the per-recipient receipts are empty, although the message's overall indicator shows some."},
	"Anomalies.media-gone": {
		IT: "il file multimediale non è più disponibile sui server di WhatsApp e non è stato scaricato.",
		EN: "the media file is no longer on WhatsApp's servers and was not downloaded."},
	"Anomalies.media-reuploading": {
		IT: "il file multimediale è in attesa di essere ricaricato dal telefono del mittente e non è stato scaricato.",
		EN: "the media file is waiting to be uploaded again by the sender's phone and was not downloaded."},
	"Anomalies.media-download-failed": {
		IT: "lo scaricamento del file multimediale non è riuscito.",
		EN: "downloading the media file failed."},
	"Anomalies.whatsapp-hash-mismatch": {
		IT: "l'impronta SHA-256 del file scaricato non corrisponde a quella registrata da WhatsApp: il file conservato potrebbe non essere quello inviato.",
		EN: "the SHA-256 of the downloaded file is not the one WhatsApp records: the file kept may not be the one sent."},
	"Anomalies.dom-tick-disagrees": {
		IT: "la spunta mostrata sullo schermo non corrisponde allo stato registrato da WhatsApp.",
		EN: "the tick shown on screen does not match the status WhatsApp records."},
	"Anomalies.dom-row-not-found": {
		IT: "non è stato possibile portare il messaggio sullo schermo: nessuna schermata lo mostra.",
		EN: "the message could not be brought into view: no screenshot shows it."},
	"Anomalies.screenshot-skipped": {
		IT: "la chat non è stata aperta sullo schermo, per non inviare conferme di lettura: nessuna schermata.",
		EN: "the chat was not opened on screen, so as not to send read receipts: no screenshot."},
	"Anomalies.android-status-unknown": {
		IT: "lo stato registrato nel database del telefono ha un valore non riconosciuto, che non prova nulla.",
		EN: "the status recorded in the phone's database has an unrecognized value, which proves nothing."},
	"Anomalies.android-receipt-foreign": {
		IT: "una conferma registrata nel database del telefono proviene da un destinatario estraneo alla chat.",
		EN: "a receipt recorded in the phone's database comes from a recipient outside the chat."},
	"Anomalies.android-lid-unmapped": {
		IT: "un identificativo anonimo (LID) del database non è stato ricondotto a un numero di telefono.",
		EN: "an anonymous identifier (LID) of the database could not be mapped to a phone number."},
	"Anomalies.ios-receipt-inferred": {
		IT: "una conferma letta dal database dell'iPhone il cui significato non è accertato: è riportata, non usata per la valutazione.",
		EN: "a receipt read from the iPhone's database whose meaning is not established: shown, not used for the verdict."},
	"Anomalies.ios-delivered-by-quote": {
		IT: "consegna accertata: un messaggio successivo del destinatario cita questo messaggio; l'orario della consegna non è registrato.",
		EN: "delivery established: a later message of the recipient quotes this one; the delivery time is not recorded."},
	"Anomalies.ios-status-assumed": {
		IT: "nessuna conferma accertata: lo stato «inviato» è presunto per un messaggio presente nel database del mittente.",
		EN: "no established receipt: the status “sent” is assumed for a message in the sender's own database."},
	"Anomalies.ios-unquoted-reply": {
		IT: "il destinatario ha scritto in seguito senza citare il messaggio: sull'iPhone ciò non ne accerta la consegna.",
		EN: "the recipient wrote later without quoting the message: on an iPhone that does not establish its delivery."},
	"Anomalies.ios-blob-unreadable": {
		IT: "un campo binario del database dell'iPhone non è leggibile: è conservato così com'è nel manifesto.",
		EN: "a binary field of the iPhone's database is unreadable: it is kept as it is in the manifest."},
	"Anomalies.ios-media-size": {
		IT: "la dimensione del file allegato differisce da quella registrata da WhatsApp.",
		EN: "the attached file's size differs from the one WhatsApp recorded."},
	"Anomalies.ios-media-damaged": {
		IT: "la copia del file nel backup non supera i controlli del backup: il file non è consegnato.",
		EN: "the backup's copy of the file fails the backup's own checks: the file is not delivered."},
	"Anomalies.ios-lid-unmapped": {
		IT: "l'autore è noto solo per un identificativo anonimo (LID) che il telefono non riconduce a un numero.",
		EN: "the author is known only by an anonymous identifier (LID) the phone does not map to a number."},
	"Anomalies.ios-edit-inferred": {
		IT: "il destinatario ha citato questo messaggio con un testo diverso da quello attuale: risulta modificato dopo che il destinatario ne aveva ricevuto quella versione (lettura dedotta, non accertata).",
		EN: "the recipient quoted this message with another text than the current one: it was edited after the recipient had received that version (an inferred reading, not established)."},
	"Anomalies.ack-unknown": {
		IT: "l'indicatore di stato del messaggio ha un valore che non corrisponde a nessun livello di conferma.",
		EN: "the message's status indicator has a value that is no receipt level."},
	"Anomalies.ack-below-receipts": {
		IT: "è noto l'orario di una conferma che l'indicatore di stato del messaggio non riflette.",
		EN: "the time of a receipt is known that the message's status indicator does not reflect."},
	"Anomalies.receipt-time-missing": {
		IT: "l'indicatore di stato indica una conferma di cui non è noto l'orario.",
		EN: "the status indicator shows a receipt whose time is not known."},
	"Anomalies.receipt-order": {
		IT: "gli orari delle conferme sono fuori ordine o precedono l'invio del messaggio.",
		EN: "the receipt times are out of order or precede the message."},
	"Anomalies.played-not-playable": {
		IT: "risulta una conferma di riproduzione per un tipo di messaggio che non si riproduce.",
		EN: "a played receipt is recorded for a type of message that cannot be played."},
	"Anomalies.edited": {
		IT: "il messaggio è stato modificato: le conferme sono state azzerate in quel momento e quelle riportate si riferiscono all'ultima versione.",
		EN: "the message was edited: its receipts were reset then, and those shown concern its last version."},

	// Chain of custody: the sentences of the body.
	"CustodyIntro": {
		IT: "Le operazioni compiute sulle prove, in ordine di tempo:",
		EN: "What was done with the evidence, in time order:"},
	"CustodyAppendix": {
		IT: "Il registro tecnico completo (%d operazioni) è nell'appendice A e, come dati, nel file %s della consegna, la cui impronta è registrata nel manifesto.",
		EN: "The full technical log (%d operations) is in appendix A and, as data, in the delivery's file %s, whose digest the manifest records."},
	"Custody.start": {
		IT: "Acquisizione avviata il %s con il metodo «%s» (foglia %s del giornale).",
		EN: "Acquisition started on %s with the method “%s” (journal leaf %s)."},
	"Custody.link": {
		IT: "Sessione WhatsApp Web collegata dal cliente tramite QR il %s (account %s, build di WhatsApp Web %s).",
		EN: "WhatsApp Web session linked by the client through a QR code on %s (account %s, WhatsApp Web build %s)."},
	"Custody.link-lost": {
		IT: "Collegamento con WhatsApp Web perso il %s, con %s chat non completate: è stato mostrato un nuovo codice QR per riprendere.",
		EN: "WhatsApp Web link lost on %s, with %s chats not finished: a new QR code was shown to resume."},
	"Custody.link-refused": {
		IT: "Il %s WhatsApp Web è stato collegato da un altro account (%s, atteso %s): sessione interrotta, nulla è stato letto.",
		EN: "On %s WhatsApp Web was linked by another account (%s, expected %s): session stopped, nothing was read."},
	"Custody.read": {
		IT: "%d messaggi letti dal livello dei moduli di WhatsApp Web, senza aprire la chat: nessuna conferma di lettura inviata.",
		EN: "%d messages read from WhatsApp Web's module layer without opening the chat: no read receipt sent."},
	"Custody.info": {
		IT: "Conferme per destinatario lette per %d messaggi, non disponibili per %d.",
		EN: "Per-recipient receipts read for %d messages, not available for %d."},
	"Custody.media": {
		IT: "File multimediali scaricati da WhatsApp: %d; non disponibili: %d.",
		EN: "Media files downloaded from WhatsApp: %d; not available: %d."},
	"Custody.opened": {
		IT: "Chat aperta sullo schermo il %s, dopo la lettura, per le schermate.",
		EN: "Chat opened on screen on %s, after reading it, for the screenshots."},
	"Custody.stored": {
		IT: "%s conservati cifrati nell'archivio dell'apparecchio, foglie %s del giornale.",
		EN: "%s stored encrypted in the appliance's store, journal leaves %s."},
	"Custody.media-missing": {
		IT: "File multimediali non ottenuti dal telefono: %d.",
		EN: "Media files not obtained from the phone: %d."},
	"Custody.sealed": {
		IT: "Consegna sigillata nel giornale il %s (foglia %s).",
		EN: "Delivery sealed in the journal on %s (leaf %s)."},
	"Custody.report": {
		IT: "Relazione generata il %s e firmata con la chiave dell'apparecchio; la consegna è poi sigillata nel giornale (foglia e checkpoint in manifest.json e in proofs/).",
		EN: "Report generated on %s and signed with the appliance's key; the delivery is then sealed in the journal (leaf and checkpoint in manifest.json and proofs/)."},
	"LeafRange": {
		IT: "%d–%d",
		EN: "%d–%d"},
	"VideoInfo": {
		IT: "%s (%d×%d pixel, codifica %s)",
		EN: "%s (%d×%d pixels, %s encoding)"},
	"PosterNote": {
		IT: "Fotogramma di anteprima estratto con ffmpeg (copia ridotta; il file originale è tra i reperti):",
		EN: "Poster frame taken with ffmpeg (a reduced copy; the original file is among the artifacts):"},
	"NoPoster": {
		IT: "[anteprima del video non disponibile: %s]",
		EN: "[video preview not available: %s]"},
	"VideoWhy.ffmpeg-missing": {
		IT: "il programma ffmpeg non è installato sul sistema che ha generato la relazione",
		EN: "the ffmpeg program is not installed on the system that produced the report"},
	"VideoWhy.timeout": {
		IT: "la lettura del video ha superato il tempo massimo consentito",
		EN: "reading the video took longer than the time allowed"},
	"VideoWhy.no-video": {
		IT: "il file non contiene alcuna traccia video",
		EN: "the file holds no video track"},
	"VideoWhy.decode": {
		IT: "il file non è un video decodificabile (formato non riconosciuto, danneggiato o troncato)",
		EN: "the file is not a decodable video (unknown format, damaged or truncated)"},
	"SecVideo": {
		IT: "Video della sessione",
		EN: "Session video"},
	"VideoIntro": {
		IT: "La sessione di WhatsApp Web è stata registrata come video del browser, così come l'apparecchio la vedeva, con l'ora dell'apparecchio (ora di Roma, al millesimo di secondo) impressa in alto a destra su ogni fotogramma. Il video è un reperto: conservato cifrato, registrato nel giornale, elencato in manifest.json e verificato da «attesta verify».",
		EN: "The WhatsApp Web session was recorded as a video of the browser, as the appliance saw it, with the appliance's time (Rome time, to the millisecond) printed in the top right corner of every frame. The video is an artifact: stored encrypted, recorded in the journal, listed in manifest.json and checked by “attesta verify”."},
	"VideoNone": {
		IT: "Il video della sessione non è stato registrato: %s. L'acquisizione è stata certificata ugualmente; le schermate e la pagina MHTML restano le prove visive.",
		EN: "The session video was not recorded: %s. The acquisition was certified all the same; the screenshots and the MHTML page remain the visual evidence."},
	"VideoSpan": {
		IT: "Periodo registrato",
		EN: "Period recorded"},
	"VideoSpanText": {
		IT: "dal %s al %s, %s fotogrammi al secondo",
		EN: "from %s to %s, %s frames per second"},
	"VideoOpened": {
		IT: "Chat aperta sullo schermo",
		EN: "Chat opened on screen"},
	"VideoOpenedAt": {
		IT: "il %s, al minuto %s del video",
		EN: "on %s, at %s into the video"},
	"VideoNot.ffmpeg-missing": {
		IT: "il programma ffmpeg non era installato sull'apparecchio",
		EN: "the ffmpeg program was not installed on the appliance"},
	"VideoNot.screencast-failed": {
		IT: "il browser non ha fornito le immagini dello schermo",
		EN: "the browser did not provide the screen images"},
	"VideoNot.encoder-failed": {
		IT: "la codifica del video con ffmpeg non è riuscita",
		EN: "encoding the video with ffmpeg failed"},
	"Custody.video": {
		IT: "Registrazione video della chat avviata il %s (%s fotogrammi al secondo, ora dell'apparecchio impressa su ogni fotogramma).",
		EN: "Video recording of the chat started on %s (%s frames per second, the appliance's time printed on every frame)."},
	"Custody.no-video": {
		IT: "Video della sessione non registrato: %s.",
		EN: "Session video not recorded: %s."},
	"Count.video.1": {IT: "un video della sessione", EN: "one session video"},
	"Count.video": {
		IT: "%d video della sessione",
		EN: "%d session videos"},
	"Step.video-start": {
		IT: "avvio della registrazione video",
		EN: "video recording started"},
	"Step.video": {
		IT: "video della chat registrato",
		EN: "chat video recorded"},
	"Step.video-unavailable": {
		IT: "video non registrato",
		EN: "video not recorded"},
	"Field.name":              {IT: "nome", EN: "name"},
	"Field.bytes":             {IT: "byte", EN: "bytes"},
	"Field.frames":            {IT: "fotogrammi", EN: "frames"},
	"Field.fps":               {IT: "fotogrammi al secondo", EN: "frames per second"},
	"Field.duration_ms":       {IT: "durata (ms)", EN: "duration (ms)"},
	"Field.started":           {IT: "inizio", EN: "start"},
	"Field.ended":             {IT: "fine", EN: "end"},
	"Field.resolution":        {IT: "risoluzione", EN: "resolution"},
	"Field.codec":             {IT: "codifica", EN: "encoding"},
	"Field.container":         {IT: "formato", EN: "container"},
	"Field.detail":            {IT: "dettaglio", EN: "detail"},
	"Value.ffmpeg-missing":    {IT: "ffmpeg non installato", EN: "ffmpeg not installed"},
	"Value.screencast-failed": {IT: "immagini dello schermo non fornite", EN: "no screen images"},
	"Value.encoder-failed":    {IT: "codifica non riuscita", EN: "encoding failed"},
	"Bytes":                   {IT: "byte", EN: "bytes"},
	"Duration":                {IT: "Durata", EN: "Duration"},
	"NoDuration": {
		IT: "[durata non rilevabile: %s]",
		EN: "[duration not available: %s]"},
	"DurationWhy.not-ogg": {
		IT: "il file non è un flusso audio Ogg (manca l'intestazione «OggS»)",
		EN: "the file is not an Ogg audio stream (no “OggS” header)"},
	"DurationWhy.codec": {
		IT: "il flusso Ogg non contiene audio Opus né Vorbis",
		EN: "the Ogg stream holds neither Opus nor Vorbis audio"},
	"DurationWhy.corrupt": {
		IT: "il flusso Ogg è danneggiato o troncato (una pagina non supera il controllo CRC o è incompleta)",
		EN: "the Ogg stream is damaged or truncated (a page fails its CRC check or is incomplete)"},
	"Paths.whatsapp-web-modules": {
		IT: "WhatsApp Web collegato tramite QR, lettura dal livello dei moduli (nessuna conferma di lettura inviata)",
		EN: "WhatsApp Web linked by QR, read from its module layer (no read receipt sent)"},
	"Paths.android-backup": {
		IT: "backup WhatsApp consegnato dal cliente (crypt12/14/15) → msgstore.db",
		EN: "WhatsApp backup handed over by the client (crypt12/14/15) → msgstore.db"},
	"Paths.adb-backup": {
		IT: "telefono via USB (ADB, sola lettura): backup locale cifrato end-to-end di WhatsApp → msgstore.db",
		EN: "phone on USB (ADB, read-only): WhatsApp's local end-to-end encrypted backup → msgstore.db"},
	"Paths.android-backup-upload": {
		IT: "backup di WhatsApp cifrato end-to-end (crypt15), esportato dal cliente con la sua chiave di 64 cifre e caricato dalla sua pagina remota → msgstore.db",
		EN: "WhatsApp end-to-end encrypted backup (crypt15), exported by the client with their 64-digit key and uploaded from their remote page → msgstore.db"},
	"Paths.cloud-restore-android": {
		IT: "backup nel cloud (Google Drive) ripristinato da WhatsApp su un telefono Android di laboratorio dello studio, azzerato e registrato con il numero del cliente; poi via USB (ADB, sola lettura) → msgstore.db",
		EN: "cloud backup (Google Drive) restored by WhatsApp on the studio's lab Android phone, wiped and registered with the client's number; then over USB (ADB, read-only) → msgstore.db"},
	"Paths.cloud-restore-iphone": {
		IT: "backup nel cloud (iCloud) ripristinato da WhatsApp su un iPhone di laboratorio dello studio, azzerato e registrato con il numero del cliente; poi il suo backup via USB → ChatStorage.sqlite",
		EN: "cloud backup (iCloud) restored by WhatsApp on the studio's lab iPhone, wiped and registered with the client's number; then its backup over USB → ChatStorage.sqlite"},
	"Caveat.cloud-restore": {
		IT: "La copia ripristinata è il contenuto del backup nel cloud alla sua data (%s): messaggi, modifiche e conferme di consegna e lettura successivi non vi compaiono.",
		EN: "The restored copy is the cloud backup's content as of its date (%s): later messages, edits and delivery and read receipts are not in it."},
	"Custody.backup-received": {
		IT: "Backup ricevuto dal cliente tramite la sua pagina remota il %s: %s byte, SHA-256 %s (foglia %s del giornale).",
		EN: "Backup received from the client through their remote page on %s: %s bytes, SHA-256 %s (journal leaf %s)."},
	"Custody.cloud.wiped": {
		IT: "Il %s %s ha azzerato il telefono di laboratorio %s prima dell'uso (foglia %s del giornale).",
		EN: "On %s %s wiped the lab phone %s before use (journal leaf %s)."},
	"Custody.cloud.registering": {
		IT: "Il %s %s ha avviato sul telefono di laboratorio %s la registrazione di WhatsApp con il numero del cliente (foglia %s del giornale).",
		EN: "On %s %s started WhatsApp's registration with the client's number on the lab phone %s (journal leaf %s)."},
	"Custody.cloud.code-relayed": {
		IT: "Il %s il cliente ha trasmesso il codice di verifica dalla sua pagina remota, mostrato al tecnico per il telefono di laboratorio %s (foglia %s del giornale).",
		EN: "On %s the client relayed the verification code from their remote page, shown to the technician for the lab phone %s (journal leaf %s)."},
	"Custody.cloud.restored": {
		IT: "Il %s %s ha constatato che WhatsApp ha ripristinato sul telefono di laboratorio %s il backup nel cloud del %s (foglia %s del giornale).",
		EN: "On %s %s saw WhatsApp restore on the lab phone %s the cloud backup of %s (journal leaf %s)."},
	"Action.backup-received": {
		IT: "backup ricevuto dalla pagina remota del cliente",
		EN: "backup received from the client's remote page"},
	"Action.cloud-restore": {
		IT: "ripristino del backup nel cloud",
		EN: "cloud backup restore"},
	"Value.client":      {IT: "il cliente", EN: "the client"},
	"Value.remote-link": {IT: "pagina remota del cliente", EN: "the client's remote page"},
	"Field.channel":     {IT: "canale", EN: "channel"},
	"Field.operator":    {IT: "operatore", EN: "operator"},
	"Field.platform":    {IT: "piattaforma", EN: "platform"},
	"Field.device":      {IT: "telefono di laboratorio", EN: "lab phone"},
	"Field.backup_date": {IT: "data del backup", EN: "backup date"},
	"AttestChecks": {
		IT: "quote dei PCR verificata rispetto ai valori registrati al provisioning; chiave di firma certificata dalla chiave di attestazione e in grado di firmare; orologio del TPM coerente (foglia %d del giornale)",
		EN: "PCR quote checked against the values recorded at provisioning; signing key certified by the attestation key and able to sign; TPM clock consistent (journal leaf %d)"},
	"AttestFailedLeaf": {
		IT: "le verifiche non riuscite sono registrate nella foglia %d del giornale",
		EN: "the checks that failed are recorded in journal leaf %d"},
	"Custody.info-all": {
		IT: "Conferme per destinatario lette per %d messaggi.",
		EN: "Per-recipient receipts read for %d messages."},
	"Count.backup.1":      {IT: "un backup", EN: "one backup"},
	"Count.backup":        {IT: "%d backup", EN: "%d backups"},
	"Value.backup":        {IT: "backup", EN: "backup"},
	"Value.not-extracted": {IT: "presente sul telefono, non copiato", EN: "on the phone, not copied"},
	"Value.not-on-phone":  {IT: "assente dal telefono: mai scaricato o eliminato", EN: "not on the phone: never downloaded, or deleted"},
	"Value.download-error": {
		IT: "scaricamento non riuscito; il messaggio d'errore è in manifest.json",
		EN: "download failed; the error message is in manifest.json"},
	"Value.database":     {IT: "database", EN: "database"},
	"Count.screenshot.1": {IT: "una schermata", EN: "one screenshot"},
	"Count.mhtml.1":      {IT: "una pagina MHTML", EN: "one MHTML page"},
	"Count.media.1":      {IT: "un file multimediale", EN: "one media file"},
	"Count.log.1":        {IT: "un registro degli eventi", EN: "one event log"},
	"Count.rows.1":       {IT: "un estratto del database", EN: "one database extract"},
	"Count.database.1":   {IT: "un database", EN: "one database"},
	"Count.device.1":     {IT: "una scheda del dispositivo", EN: "one device record"},
	"Count.phone-file.1": {IT: "un file copiato dal telefono", EN: "one file copied from the phone"},
	"Count.screenshot": {
		IT: "%d schermate",
		EN: "%d screenshots"},
	"Count.mhtml": {
		IT: "%d pagine MHTML",
		EN: "%d MHTML pages"},
	"Count.media": {
		IT: "%d file multimediali",
		EN: "%d media files"},
	"Count.log": {
		IT: "%d registri degli eventi",
		EN: "%d event logs"},
	"Count.rows": {
		IT: "%d estratti del database",
		EN: "%d database extracts"},
	"Count.database": {
		IT: "%d database",
		EN: "%d databases"},
	"Count.device": {
		IT: "%d schede del dispositivo",
		EN: "%d device records"},
	"Count.phone-file": {
		IT: "%d file copiati dal telefono",
		EN: "%d files copied from the phone"},
	"Count.other": {
		IT: "%d altri reperti (%s)",
		EN: "%d other artifacts (%s)"},

	// Appendix A: the technical log.
	"SecAppendix": {
		IT: "Appendice A — Registro tecnico delle operazioni",
		EN: "Appendix A — Technical log of the operations"},
	"AppendixNote": {
		IT: "Ogni operazione registrata dall'apparecchio per questa chat, come nel file %s. I testi d'errore originali dei programmi esterni sono conservati solo nel file.",
		EN: "Every operation the appliance recorded for this chat, as in the file %s. The original error texts of outside programs are kept in the file only."},
	"Col.Time": {
		IT: "Ora",
		EN: "Time"},
	"Col.Action": {
		IT: "Operazione",
		EN: "Operation"},
	"Col.Detail": {
		IT: "Dettagli",
		EN: "Details"},
	"Action.acquisition-start": {
		IT: "acquisizione avviata",
		EN: "acquisition started"},
	"Action.link": {
		IT: "WhatsApp Web collegato tramite QR",
		EN: "WhatsApp Web linked by QR"},
	"Action.link-lost": {
		IT: "collegamento perso",
		EN: "link lost"},
	"Action.link-refused": {
		IT: "collegamento di un altro account rifiutato",
		EN: "link by another account refused"},
	"Action.artifact": {
		IT: "reperto conservato cifrato",
		EN: "artifact stored encrypted"},
	"Action.media-missing": {
		IT: "file multimediale non ottenuto",
		EN: "media file not obtained"},
	"Action.delivery-sealed": {
		IT: "consegna sigillata",
		EN: "delivery sealed"},
	"Action.consent": {
		IT: "verifica prima dell'apertura della chat",
		EN: "check before opening the chat"},
	"Action.anomaly": {
		IT: "anomalia della sessione: %s",
		EN: "session anomaly: %s"},
	"Action.unknown": {
		IT: "operazione «%s»",
		EN: "operation “%s”"},
	"Step.open": {
		IT: "browser avviato",
		EN: "browser started"},
	"Step.qr": {
		IT: "codice QR mostrato",
		EN: "QR code shown"},
	"Step.qr-reload": {
		IT: "codice QR rinnovato",
		EN: "QR code renewed"},
	"Step.resolve": {
		IT: "ricerca della chat",
		EN: "chat looked up"},
	"Step.load-earlier": {
		IT: "caricamento dei messaggi precedenti",
		EN: "earlier messages loaded"},
	"Step.history-request": {
		IT: "richiesta della cronologia al telefono",
		EN: "history requested from the phone"},
	"Step.read-messages": {
		IT: "lettura dei messaggi",
		EN: "messages read"},
	"Step.message-info": {
		IT: "lettura delle conferme",
		EN: "receipts read"},
	"Step.download-media": {
		IT: "scaricamento del file multimediale",
		EN: "media file downloaded"},
	"Step.open-chat": {
		IT: "chat aperta sullo schermo",
		EN: "chat opened on screen"},
	"Step.scroll-to": {
		IT: "messaggio portato sullo schermo",
		EN: "message brought into view"},
	"Step.screenshots-skipped": {
		IT: "schermate non acquisite",
		EN: "screenshots skipped"},
	"Step.unsupported-build": {
		IT: "versione di WhatsApp Web non supportata",
		EN: "unsupported WhatsApp Web build"},
	"Step.linked-account-mismatch": {
		IT: "account collegato diverso da quello atteso",
		EN: "linked account not the expected one"},
	"Field.method":           {IT: "metodo", EN: "method"},
	"Field.leaf":             {IT: "foglia del giornale", EN: "journal leaf"},
	"Field.account":          {IT: "account", EN: "account"},
	"Field.build":            {IT: "build", EN: "build"},
	"Field.bridge":           {IT: "versione del bridge", EN: "bridge version"},
	"Field.bridge_version":   {IT: "versione del bridge", EN: "bridge version"},
	"Field.browser":          {IT: "browser", EN: "browser"},
	"Field.chromium":         {IT: "browser", EN: "browser"},
	"Field.clock_offset":     {IT: "scarto dell'orologio", EN: "clock offset"},
	"Field.chats":            {IT: "chat", EN: "chats"},
	"Field.of":               {IT: "su", EN: "of"},
	"Field.linked":           {IT: "account collegato", EN: "linked account"},
	"Field.expected":         {IT: "account atteso", EN: "expected account"},
	"Field.reason":           {IT: "motivo", EN: "reason"},
	"Field.kind":             {IT: "tipo", EN: "kind"},
	"Field.sha256":           {IT: "SHA-256", EN: "SHA-256"},
	"Field.ref_sha256":       {IT: "SHA-256 del codice", EN: "SHA-256 of the code"},
	"Field.size":             {IT: "byte", EN: "bytes"},
	"Field.path":             {IT: "percorso", EN: "path"},
	"Field.tree_size":        {IT: "foglie dell'albero", EN: "tree size"},
	"Field.url":              {IT: "indirizzo", EN: "address"},
	"Field.found":            {IT: "trovato", EN: "found"},
	"Field.title":            {IT: "titolo", EN: "title"},
	"Field.unread":           {IT: "non letti", EN: "unread"},
	"Field.via":              {IT: "trovata tramite", EN: "found through"},
	"Field.loaded":           {IT: "messaggi", EN: "messages"},
	"Field.oldest":           {IT: "il più vecchio", EN: "oldest"},
	"Field.polling":          {IT: "in attesa del telefono", EN: "waiting for the phone"},
	"Field.operation":        {IT: "operazione", EN: "operation"},
	"Field.edited":           {IT: "modificati (id → nuova versione)", EN: "edited (id → new version)"},
	"Field.id":               {IT: "messaggio", EN: "message"},
	"Field.receipts":         {IT: "conferme", EN: "receipts"},
	"Field.ok":               {IT: "riuscito", EN: "succeeded"},
	"Field.state":            {IT: "stato", EN: "state"},
	"Field.whatsapp_hash_ok": {IT: "impronta di WhatsApp corrispondente", EN: "WhatsApp's hash matches"},
	"Field.consent":          {IT: "apertura consentita", EN: "opening allowed"},
	"Field.missing":          {IT: "mancanti", EN: "missing"},
	"Field.outcome":          {IT: "esito", EN: "outcome"},
	"Field.artifacts":        {IT: "reperti", EN: "artifacts"},
	"Field.error":            {IT: "errore", EN: "error"},
	"ErrorKept":              {IT: "sì (testo originale nel file)", EN: "yes (original text in the file)"},
	"Value.true":             {IT: "sì", EN: "yes"},
	"Value.false":            {IT: "no", EN: "no"},
	"Value.gone":             {IT: "non più disponibile", EN: "no longer available"},
	"Value.reuploading":      {IT: "in attesa di ricaricamento", EN: "waiting for a new upload"},
	"Value.phone":            {IT: "numero di telefono", EN: "phone number"},
	"Value.screenshot":       {IT: "schermata", EN: "screenshot"},
	"Value.mhtml":            {IT: "pagina MHTML", EN: "MHTML page"},
	"Value.media":            {IT: "file multimediale", EN: "media file"},
	"Value.log":              {IT: "registro degli eventi", EN: "event log"},
	"Value.rows":             {IT: "estratto del database", EN: "database extract"},
	"Value.device":           {IT: "scheda del dispositivo", EN: "device record"},
	"Value.phone-file":       {IT: "file del telefono", EN: "phone file"},

	// Screenshots.
	"ShotIllustration": {
		IT: "Illustrazione: copia ridotta della schermata con evidenziati in rosso %s. La copia non è una prova: la prova è il file originale, non modificato, con l'impronta indicata.",
		EN: "Illustration: a reduced copy of the screenshot with %s framed in red. The copy is not evidence: the evidence is the original file, unaltered, with the digest shown."},
	"ShotShows": {
		IT: "Mostra: %s",
		EN: "Shows: %s"},
	"ShotFiles": {
		IT: "File (contenuto identico): %s",
		EN: "Files (identical content): %s"},
	"ShotsNote": {
		IT: "Ogni schermata distinta compare una volta; sotto ciascuna sono elencati i messaggi che mostra. Più file con lo stesso contenuto (stessa impronta) sono la stessa schermata.",
		EN: "Each distinct screenshot appears once; under each are the messages it shows. Several files with the same content (the same digest) are the same screenshot."},
	"MsgRef": {
		IT: "N. %d",
		EN: "No. %d"},
	"MsgRefOutside": {
		IT: "messaggio %s (fuori dalla consegna)",
		EN: "message %s (not in the delivery)"},
	"SecHashesIn": {
		IT: "Impronte dei file (SHA-256)",
		EN: "Digests of the files (SHA-256)"},
	"SealedBeforeRender": {
		IT: "Il registro tecnico comprende le operazioni fino alla generazione di questa relazione.",
		EN: "The technical log covers the operations up to the generation of this report."},
})

// date formats t in Europe/Rome with its zone, the way both languages print it.
func date(t time.Time) string {
	return t.In(evidence.Location()).Format("02/01/2006 15:04:05 MST")
}

// dateShort formats t in Europe/Rome to the minute, for the table of page 1 (whose note names the zone).
func dateShort(t time.Time) string {
	return t.In(evidence.Location()).Format("02/01/2006 15:04")
}
