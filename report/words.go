package report

import (
	"time"

	"github.com/attesta/attesta/evidence"
)

// words is everything the report says, in one language.
type words struct {
	Title, Subtitle      string
	Kind                 [2]string // by Kind
	Generated, Page      string    // "%s" the date; "%d" the page
	TimesNote            string
	Unknown, Thousands   string
	SecRequest           string
	Client, Case         string
	Purpose              string
	SecAppliance         string
	ApplianceID          string
	Software, SigningKey string
	AK, VKey             string
	LastAttestation      string
	AttestOK, AttestFail string // "%s" the time
	NoAttestation        string
	SecMethod            string
	Method, Operator     string
	Started, Finished    string
	ToolVersion          string
	SourceVersion        string
	WebBuild, Bridge     string
	Device, OS           string
	WhatsApp, Path       string
	SenderReceipts       string
	LinkedAccount        string
	Chat, Range          string
	RangeFmt             string // "%s" from, "%s" to
	SecCustody           string
	NoCustody            string
	SecMessages          string
	MessagesNoteSimple   string
	MessagesNoteFull     string
	Counts               string // certified, proven, not proven, total
	FromMe, Incoming     string
	Text, Attachment     string
	NoText               string
	Status               string
	Delivered, Read      string
	Played, Quotes       string
	Receipts             string
	Edited               string
	HashOK, HashBad      string
	HashNone             string
	Unavailable          string
	Verdict              string
	Proven               [4]string // by basis: played, read, reply, none
	NotProven            map[evidence.Reason]string
	ReplyMedia           string // "%s" the type, when a reply has no text
	On, AtUnknownTime    string // "%s" a time: "il %s", "on %s"; when the time is not known
	Anomaly              string
	SecCaveats           string
	CaveatsNote          string
	SecAnomalies         string
	NoAnomalies          string
	SecScreenshots       string
	NoScreenshots        string
	SecHashes            string
	HashesNote           string
	SecVerify            string
	VerifyIntro          string
	Origin, LeafIndex    string
	SealedAfter          string
	TreeSize, Root       string
	VerifyTool           string
	VerifyStandard       string
	VerifyPDF            string
	NoPicture            string // "%s" why
	Types                map[evidence.MessageType]string
	Statuses             map[evidence.Status]string
	Methods              map[evidence.Method]string
	ReadReceipts         map[evidence.ReadReceipts]string
	ArtifactKinds        map[evidence.ArtifactKind]string
	PictureWhy           map[error]string
}

// date formats t in Europe/Rome with its zone, the way both languages print it.
func date(t time.Time) string {
	return t.In(evidence.Location()).Format("02/01/2006 15:04:05 MST")
}

var italian = words{
	Title:     "Relazione tecnica di acquisizione forense",
	Subtitle:  "Comunicazioni WhatsApp certificate dall'apparecchio Attesta",
	Kind:      [2]string{"Relazione semplice (dati essenziali)", "Relazione personalizzata (dettaglio completo)"},
	Generated: "Relazione generata il %s",
	Page:      "Pagina %d di {nb}",
	TimesNote: "Tutti gli orari sono espressi nell'ora di Roma (Europe/Rome: CET in inverno, CEST in estate).",
	Unknown:   "non noto", Thousands: ".",

	SecRequest: "Richiesta", Client: "Committente", Case: "Pratica / procedimento", Purpose: "Finalità",

	SecAppliance: "Apparecchio", ApplianceID: "Identificativo", Software: "Versione del software",
	SigningKey: "Chiave di firma (TPM, SHA-256)", AK: "Chiave di attestazione AK (SHA-256)",
	VKey: "Chiave di verifica (proofs/vkey)", LastAttestation: "Ultima attestazione",
	AttestOK: "superata il %s", AttestFail: "NON superata il %s", NoAttestation: "nessuna attestazione registrata",

	SecMethod: "Metodo di acquisizione", Method: "Metodo", Operator: "Operatore", Started: "Inizio",
	Finished: "Fine", ToolVersion: "Versione dello strumento", SourceVersion: "Versione della sorgente",
	WebBuild: "Build di WhatsApp Web", Bridge: "Versione del bridge di acquisizione", Device: "Modello del telefono",
	OS: "Sistema operativo", WhatsApp: "Versione di WhatsApp", Path: "Percorso di estrazione",
	SenderReceipts: "Conferme di lettura del mittente", LinkedAccount: "Account collegato", Chat: "Chat", Range: "Intervallo",
	RangeFmt: "dal %s al %s (giorni interi, ora di Roma)",

	SecCustody: "Catena di custodia", NoCustody: "Nessuna azione registrata oltre all'acquisizione.",

	SecMessages: "Messaggi",
	MessagesNoteSimple: "Sono riportati i messaggi certificati (inviati dal mittente) e le risposte su cui si fonda " +
		"l'esito.",
	MessagesNoteFull: "Sono riportati tutti i messaggi della consegna in ordine di tempo: quelli certificati " +
		"(inviati dal mittente) con l'esito, e quelli ricevuti come contesto.",
	Counts: "Messaggi certificati: %d (provati: %d, non provati: %d). Messaggi nella consegna: %d.",
	FromMe: "inviato dal mittente", Incoming: "ricevuto",
	Text: "Testo", Attachment: "Allegato", NoText: "(nessun testo)", Status: "Stato",
	Delivered: "Consegnato", Read: "Letto", Played: "Riprodotto", Quotes: "Cita il messaggio",
	Receipts: "Conferme per destinatario", Edited: "Messaggio modificato: le conferme si riferiscono all'ultima versione.",
	HashOK: "corrisponde all'impronta di WhatsApp", HashBad: "NON corrisponde all'impronta di WhatsApp",
	HashNone:    "impronta di WhatsApp non disponibile",
	Unavailable: "file non disponibile",
	Verdict:     "Esito",
	Proven: [4]string{
		"PROVATO (riproduzione): il destinatario ha riprodotto il messaggio %s.",
		"PROVATO (lettura): il destinatario ha letto il messaggio %s.",
		"PROVATO (risposta): il messaggio è stato consegnato %s e il destinatario ha scritto dopo, %s: «%s».",
		"NON PROVATO: %s",
	},
	NotProven: map[evidence.Reason]string{
		evidence.ReasonRevoked:      "il messaggio è stato eliminato per tutti e il suo contenuto non esiste più.",
		evidence.ReasonFailed:       "l'invio del messaggio non è riuscito.",
		evidence.ReasonPending:      "il messaggio non ha lasciato il dispositivo del mittente.",
		evidence.ReasonNotDelivered: "il messaggio risulta inviato, ma non ne è nota la consegna.",
		evidence.ReasonNoReply: "il messaggio risulta consegnato, ma non ne risulta la lettura né una risposta " +
			"successiva del destinatario.",
	},
	ReplyMedia: "(%s, senza testo)", On: "il %s", AtUnknownTime: "in un momento non noto", Anomaly: "Anomalia",

	SecCaveats: "Avvertenze",
	CaveatsNote: "Le seguenti avvertenze delimitano il valore delle conferme di WhatsApp e valgono per ogni " +
		"esito della relazione.",
	SecAnomalies: "Anomalie", NoAnomalies: "Nessuna anomalia rilevata.",
	SecScreenshots: "Schermate", NoScreenshots: "Nessuna schermata nella consegna.",
	SecHashes: "Elenco delle impronte (SHA-256)",
	HashesNote: "Ogni file della consegna è identificato dalla sua impronta SHA-256: un file alterato, anche di un " +
		"solo bit, ha un'impronta diversa.",
	SecVerify: "Come verificare",
	VerifyIntro: "La consegna è registrata nel giornale a prova di manomissione dell'apparecchio (albero di Merkle " +
		"RFC 6962, checkpoint firmato dalla chiave custodita nel TPM):",
	Origin: "Origine del giornale", LeafIndex: "Indice della foglia", TreeSize: "Dimensione dell'albero",
	Root: "Radice (SHA-256)",
	SealedAfter: "L'impronta SHA-256 di questa relazione è registrata nel manifesto della consegna (blocco " +
		"\"report\" di manifest.json e SHA256SUMS), che la foglia del giornale registra: la foglia e il checkpoint " +
		"sono indicati nel blocco \"journal\" di manifest.json e in proofs/. La relazione è firmata dalla chiave " +
		"che firma il checkpoint:",
	VerifyTool: "Con il programma dell'apparecchio, che esegue tutti i controlli e ricalcola l'esito di ogni " +
		"messaggio:",
	VerifyStandard: "Con i soli strumenti standard (sh, sha256sum, openssl, tpm2-tools): seguire passo per passo " +
		"il file VERIFICA.txt della consegna, a partire da:",
	VerifyPDF: "Questa relazione è firmata digitalmente (PAdES) con la chiave dell'apparecchio; la firma deve " +
		"risultare valida e coprire l'intero documento, per esempio con:",
	NoPicture: "[anteprima non disponibile: %s]",
	Types: map[evidence.MessageType]string{
		evidence.TypeText: "testo", evidence.TypeImage: "immagine", evidence.TypeVideo: "video",
		evidence.TypeVoice: "messaggio vocale", evidence.TypeVideoNote: "videomessaggio", evidence.TypeAudio: "audio",
		evidence.TypeDocument: "documento", evidence.TypeSticker: "sticker", evidence.TypeLocation: "posizione",
		evidence.TypeContact: "contatto", evidence.TypeRevoked: "eliminato per tutti",
		evidence.TypeSystem: "notifica di sistema", evidence.TypeOther: "altro",
	},
	Statuses: map[evidence.Status]string{
		evidence.StatusFailed: "non riuscito", evidence.StatusPending: "in attesa", evidence.StatusSent: "inviato",
		evidence.StatusDelivered: "consegnato", evidence.StatusRead: "letto", evidence.StatusPlayed: "riprodotto",
	},
	Methods: map[evidence.Method]string{
		evidence.MethodWhatsAppWeb:   "WhatsApp Web (sessione collegata dal cliente)",
		evidence.MethodADB:           "telefono Android collegato via ADB",
		evidence.MethodAndroidBackup: "backup Android cifrato (crypt14/crypt15)",
		evidence.MethodIOSBackup:     "backup iOS",
	},
	ReadReceipts: map[evidence.ReadReceipts]string{
		evidence.ReadReceiptsOn: "attive", evidence.ReadReceiptsOff: "disattivate",
		evidence.ReadReceiptsUnknown: "non rilevabili", "": "non registrate",
	},
	ArtifactKinds: map[evidence.ArtifactKind]string{
		evidence.ArtifactScreenshot: "schermata", evidence.ArtifactMHTML: "pagina MHTML",
		evidence.ArtifactVideo: "video della sessione", evidence.ArtifactMedia: "media",
		evidence.ArtifactDatabase: "database", evidence.ArtifactLog: "registro delle azioni",
		evidence.ArtifactOther: "altro",
	},
	PictureWhy: map[error]string{
		errPicMissing:  "file non trovato",
		errPicDigest:   "il contenuto non corrisponde all'impronta",
		errPicTooLarge: "file troppo grande",
		errPicDecode:   "formato non leggibile",
		errPicRead:     "errore di lettura",
	},
}

var english = words{
	Title:     "Technical report of a forensic acquisition",
	Subtitle:  "WhatsApp communications certified by the Attesta appliance",
	Kind:      [2]string{"Simple report (essential data)", "Detailed report (full detail)"},
	Generated: "Report generated on %s",
	Page:      "Page %d of {nb}",
	TimesNote: "All times are Rome time (Europe/Rome: CET in winter, CEST in summer).",
	Unknown:   "unknown", Thousands: ",",

	SecRequest: "Request", Client: "Client", Case: "Case / proceeding", Purpose: "Purpose",

	SecAppliance: "Appliance", ApplianceID: "Identifier", Software: "Software version",
	SigningKey: "Signing key (TPM, SHA-256)", AK: "Attestation key AK (SHA-256)",
	VKey: "Verifier key (proofs/vkey)", LastAttestation: "Last attestation",
	AttestOK: "passed on %s", AttestFail: "FAILED on %s", NoAttestation: "no attestation recorded",

	SecMethod: "Acquisition method", Method: "Method", Operator: "Operator", Started: "Started",
	Finished: "Finished", ToolVersion: "Tool version", SourceVersion: "Source version",
	WebBuild: "WhatsApp Web build", Bridge: "Capture bridge version", Device: "Phone model",
	OS: "Operating system", WhatsApp: "WhatsApp version", Path: "Extraction path",
	SenderReceipts: "Sender's read receipts", LinkedAccount: "Linked account", Chat: "Chat", Range: "Range",
	RangeFmt: "from %s to %s (whole days, Rome time)",

	SecCustody: "Chain of custody", NoCustody: "No action recorded beyond the acquisition.",

	SecMessages:        "Messages",
	MessagesNoteSimple: "The certified messages (sent by the sender) and the replies their verdicts rely on.",
	MessagesNoteFull: "Every message of the delivery in time order: the certified ones (sent by the sender) with " +
		"their verdict, and the incoming ones as context.",
	Counts: "Certified messages: %d (proven: %d, not proven: %d). Messages in the delivery: %d.",
	FromMe: "sent by the sender", Incoming: "received",
	Text: "Text", Attachment: "Attachment", NoText: "(no text)", Status: "Status",
	Delivered: "Delivered", Read: "Read", Played: "Played", Quotes: "Quotes message",
	Receipts: "Receipts per recipient", Edited: "Edited message: the receipts concern its last version.",
	HashOK: "matches WhatsApp's hash", HashBad: "does NOT match WhatsApp's hash",
	HashNone:    "WhatsApp's hash not available",
	Unavailable: "file not available",
	Verdict:     "Verdict",
	Proven: [4]string{
		"PROVEN (played): the recipient played the message %s.",
		"PROVEN (read): the recipient read the message %s.",
		"PROVEN (reply): the message was delivered %s and the recipient wrote afterwards, %s: “%s”.",
		"NOT PROVEN: %s",
	},
	NotProven: map[evidence.Reason]string{
		evidence.ReasonRevoked:      "the message was deleted for everyone and its content no longer exists.",
		evidence.ReasonFailed:       "sending the message failed.",
		evidence.ReasonPending:      "the message never left the sender's device.",
		evidence.ReasonNotDelivered: "the message was sent, but no delivery is known.",
		evidence.ReasonNoReply:      "the message was delivered, but neither a read receipt nor a later reply from the recipient is known.",
	},
	ReplyMedia: "(%s, no text)", On: "on %s", AtUnknownTime: "at an unknown time", Anomaly: "Anomaly",

	SecCaveats:     "Caveats",
	CaveatsNote:    "These caveats bound the value of WhatsApp's receipts and apply to every verdict of this report.",
	SecAnomalies:   "Anomalies",
	NoAnomalies:    "No anomaly found.",
	SecScreenshots: "Screenshots", NoScreenshots: "No screenshot in the delivery.",
	SecHashes:  "List of digests (SHA-256)",
	HashesNote: "Every file of the delivery is identified by its SHA-256 digest: a file altered by even one bit has a different digest.",
	SecVerify:  "How to verify",
	VerifyIntro: "The delivery is recorded in the appliance's tamper-evident journal (RFC 6962 Merkle tree, " +
		"checkpoint signed by the key held in the TPM):",
	Origin: "Journal origin", LeafIndex: "Leaf index", TreeSize: "Tree size", Root: "Root (SHA-256)",
	SealedAfter: "This report's SHA-256 is recorded in the delivery's manifest (the \"report\" block of " +
		"manifest.json, and SHA256SUMS), which the journal leaf records: the leaf and the checkpoint are named in " +
		"manifest.json's \"journal\" block and in proofs/. The report is signed by the key that signs the checkpoint:",
	VerifyTool: "With the appliance's program, which runs every check and recomputes each message's verdict:",
	VerifyStandard: "With standard tools only (sh, sha256sum, openssl, tpm2-tools): follow the delivery's " +
		"VERIFICA.txt step by step, starting with:",
	VerifyPDF: "This report is digitally signed (PAdES) with the appliance's key; the signature must be valid and " +
		"cover the whole document, for example with:",
	NoPicture: "[preview not available: %s]",
	Types: map[evidence.MessageType]string{
		evidence.TypeText: "text", evidence.TypeImage: "image", evidence.TypeVideo: "video",
		evidence.TypeVoice: "voice note", evidence.TypeVideoNote: "video note", evidence.TypeAudio: "audio",
		evidence.TypeDocument: "document", evidence.TypeSticker: "sticker", evidence.TypeLocation: "location",
		evidence.TypeContact: "contact", evidence.TypeRevoked: "deleted for everyone",
		evidence.TypeSystem: "system notification", evidence.TypeOther: "other",
	},
	Statuses: map[evidence.Status]string{
		evidence.StatusFailed: "failed", evidence.StatusPending: "pending", evidence.StatusSent: "sent",
		evidence.StatusDelivered: "delivered", evidence.StatusRead: "read", evidence.StatusPlayed: "played",
	},
	Methods: map[evidence.Method]string{
		evidence.MethodWhatsAppWeb:   "WhatsApp Web (session linked by the client)",
		evidence.MethodADB:           "Android phone connected over ADB",
		evidence.MethodAndroidBackup: "encrypted Android backup (crypt14/crypt15)",
		evidence.MethodIOSBackup:     "iOS backup",
	},
	ReadReceipts: map[evidence.ReadReceipts]string{
		evidence.ReadReceiptsOn: "on", evidence.ReadReceiptsOff: "off",
		evidence.ReadReceiptsUnknown: "could not be determined", "": "not recorded",
	},
	ArtifactKinds: map[evidence.ArtifactKind]string{
		evidence.ArtifactScreenshot: "screenshot", evidence.ArtifactMHTML: "MHTML page",
		evidence.ArtifactVideo: "session video", evidence.ArtifactMedia: "media",
		evidence.ArtifactDatabase: "database", evidence.ArtifactLog: "actions log", evidence.ArtifactOther: "other",
	},
	PictureWhy: map[error]string{
		errPicMissing:  "file not found",
		errPicDigest:   "the content does not match its digest",
		errPicTooLarge: "file too large",
		errPicDecode:   "unreadable format",
		errPicRead:     "read error",
	},
}
