package evidence

// Caveat is a limit of the evidence that every report states, in Italian and in English.
type Caveat struct {
	Code string // stable identifier
	IT   string // Italian text, printed first
	EN   string // English text
}

// Caveats every report prints, whatever the verdicts.
var (
	CaveatDeliveredAnyDevice = Caveat{
		Code: "delivered-any-device",
		IT: "«Consegnato» significa recapitato ad almeno uno dei dispositivi del destinatario (il telefono o un " +
			"dispositivo collegato, anche a telefono spento), non necessariamente al telefono.",
		EN: "\"Delivered\" means delivered to at least one of the recipient's devices (the phone or a linked " +
			"device, even with the phone off), not necessarily to the phone.",
	}
	CaveatReadReceiptsOptional = Caveat{
		Code: "read-receipts-optional",
		IT: "Ciascuna delle due parti può aver disattivato le conferme di lettura: l'assenza della conferma di " +
			"lettura non prova che il messaggio non sia stato letto.",
		EN: "Either side may have disabled read receipts: a missing read confirmation does not prove that the " +
			"message was not read.",
	}
	CaveatEditResetsReceipts = Caveat{
		Code: "edit-resets-receipts",
		IT: "La modifica di un messaggio azzera le sue conferme di lettura: quelle riportate per un messaggio " +
			"modificato si riferiscono alla sua ultima versione.",
		EN: "Editing a message resets its read receipts: those shown for an edited message concern its last " +
			"version.",
	}
	CaveatRevoked = Caveat{
		Code: "revoked-not-proven",
		IT: "Un messaggio eliminato per tutti conserva il suo posto e le sue conferme, ma non ha valore " +
			"probatorio: il suo contenuto non esiste più.",
		EN: "A message deleted for everyone keeps its place and its receipts but proves nothing: its content no " +
			"longer exists.",
	}
)

// Caveats of the sender's own read-receipt setting: WhatsApp shows a sender who turned read receipts off nobody's
// read receipts.
var (
	CaveatSenderReadReceiptsOn = Caveat{
		Code: "sender-read-receipts-on",
		IT:   "Al momento dell'acquisizione le conferme di lettura del mittente risultavano attive.",
		EN:   "At the time of the acquisition the sender's read receipts were turned on.",
	}
	CaveatSenderReadReceiptsOff = Caveat{
		Code: "sender-read-receipts-off",
		IT: "Al momento dell'acquisizione le conferme di lettura del mittente risultavano disattivate: in tal " +
			"caso WhatsApp non mostra al mittente le conferme di lettura dei destinatari, e la lettura non può " +
			"essere provata da esse.",
		EN: "At the time of the acquisition the sender's read receipts were turned off: WhatsApp then shows the " +
			"sender no recipient's read receipts, so reading cannot be proven by them.",
	}
	CaveatSenderReadReceiptsUnknown = Caveat{
		Code: "sender-read-receipts-unknown",
		IT:   "Non è stato possibile rilevare l'impostazione delle conferme di lettura del mittente.",
		EN:   "The sender's read-receipt setting could not be determined.",
	}
)

// CaveatIOSReceiptsInferred is stated by every report on an iPhone backup: its receipt fields are not established.
var CaveatIOSReceiptsInferred = Caveat{
	Code: "ios-receipts-inferred",
	IT: "Nei backup di iPhone le conferme di consegna e di lettura (ZRECEIPTINFO, ZMESSAGESTATUS) non hanno un " +
		"significato accertato: sono riportate come «dedotte» e non fondano alcun esito. La consegna è accertata " +
		"solo da una risposta del destinatario che cita il messaggio.",
	EN: "In iPhone backups the delivery and read fields (ZRECEIPTINFO, ZMESSAGESTATUS) have no established meaning: " +
		"they are shown as \"inferred\" and carry no verdict. Delivery is established only by a reply of the " +
		"recipient that quotes the message.",
}

// Caveats returns what a report on acq must state: the general caveats, the one of the acquisition method (iPhone
// backups), then the one for the sender's read-receipt setting (unknown when it was not recorded).
func Caveats(acq Acquisition) []Caveat {
	out := []Caveat{CaveatDeliveredAnyDevice, CaveatReadReceiptsOptional, CaveatEditResetsReceipts, CaveatRevoked}
	if acq.Method == MethodIOSBackup {
		out = append(out, CaveatIOSReceiptsInferred)
	}
	switch acq.SenderReadReceipts {
	case ReadReceiptsOn:
		return append(out, CaveatSenderReadReceiptsOn)
	case ReadReceiptsOff:
		return append(out, CaveatSenderReadReceiptsOff)
	}
	return append(out, CaveatSenderReadReceiptsUnknown)
}
