package report

import "github.com/attesta/attesta/internal/i18n"

// appendixWords are the texts of Appendix A (the technical log) and of the screenshots.
var appendixWords = map[string]i18n.Text{
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
}
