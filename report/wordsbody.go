package report

import "github.com/attesta/attesta/internal/i18n"

// bodyWords are the texts of the report's body: page 1 (the answer), the anomalies by code and the chain of
// custody.
var bodyWords = map[string]i18n.Text{
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
}
