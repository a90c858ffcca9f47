package bundle

import "github.com/attesta/attesta/internal/i18n"

// catalog holds every detail the verifier writes into a [Check], in Italian and English (internal/i18n). A key is
// "<check>.<what>"; the texts are fmt formats. Technical errors from the parsers and the crypto (English, machine
// oriented, naming the input) follow the text after ": ".
var catalog = i18n.NewCatalog("bundle", map[string]i18n.Text{
	"pdf.extended-unrecorded": {
		IT: "alla relazione sono state aggiunte revisioni dopo la firma, e il manifesto non ne registra l'impronta",
		EN: "revisions were added to the report after its signature, and the manifest does not record its digest"},
	"signer-trust.no-signed-report": {
		IT: "nessuna relazione firmata: nessun certificato da verificare rispetto all'autorità",
		EN: "no signed report: no certificate to check against the authority"},
	"signer-trust.no-certificate": {
		IT: "nessun certificato da verificare rispetto all'autorità (consegna di un apparecchio non arruolato)",
		EN: "no certificate to check against the authority (a delivery of an appliance not enrolled)"},
	"pinnedkey.epoch-not-anchored": {
		IT: "la catena passa a una nuova chiave dopo la sostituzione del TPM, controfirmata da %q: la controfirma non è stata verificata rispetto alla radice dell'autorità (--root)",
		EN: "the chain passes to a new key after the TPM was replaced, countersigned by %q: the countersignature was not checked against the authority's root (--root)"},
	"certchain.ok": {
		IT: "certificato %s di %q emesso da %q (la fiducia nella radice dell'autorità si verifica con --root)",
		EN: "certificate %s of %q issued by %q (trust in the authority's root is checked with --root)"},
	"certchain.unreadable": {
		IT: "catena di certificati non valida",
		EN: "invalid certificate chain"},
	"certchain.not-the-checkpoint-key": {
		IT: "il certificato non è della chiave che firma il checkpoint (proofs/vkey)",
		EN: "the certificate is not for the key that signs the checkpoint (proofs/vkey)"},
	"certchain.not-the-ak": {
		IT: "il certificato non è della chiave di attestazione che ha certificato la chiave di firma (proofs/attestation/ak.pem)",
		EN: "the certificate is not for the attestation key that certified the signing key (proofs/attestation/ak.pem)"},
	"certchain.ak-without-attestation": {
		IT: "certificato di una chiave di attestazione senza una certificazione TPM valida della chiave di firma (proofs/attestation)",
		EN: "certificate of an attestation key without a valid TPM certification of the signing key (proofs/attestation)"},
	"signer-trust.signer-not-recognized": {
		IT: "firmatario non riconosciuto dall'autorità",
		EN: "signer not recognized by the authority"},
	"artifact.artifact-missing": {
		IT: "reperto mancante",
		EN: "artifact missing"},
	"artifact.ok": {
		IT: "%d byte, SHA-256 %s",
		EN: "%d bytes, SHA-256 %s"},
	"artifact.invalid-manifest": {
		IT: "manifesto non valido",
		EN: "invalid manifest"},
	"artifact.read-failed": {
		IT: "lettura non riuscita",
		EN: "read failed"},
	"artifact.digest-mismatch": {
		IT: "SHA-256 %s (%d byte), il manifesto indica %s",
		EN: "SHA-256 %s (%d bytes), the manifest says %s"},
	"artifact.size-d-bytes-the-manifest": {
		IT: "dimensione %d byte, il manifesto indica %d",
		EN: "size %d bytes, the manifest says %d"},
	"attestationbinding.attestation-made-s-the-delivery": {
		IT: "attestazione del %s, la foglia di consegna è del %s",
		EN: "attestation made %s, the delivery leaf at %s"},
	"attestationbinding.cannot-be-checked": {
		IT: "non verificabile: checkpoint o foglia non validi",
		EN: "cannot be checked: checkpoint or leaf invalid"},
	"attestationbinding.inconsistent-tpm-clock": {
		IT: "orologio del TPM incoerente",
		EN: "inconsistent TPM clock"},
	"attestationbinding.the-attestation-was-not-made": {
		IT: "l'attestazione non è stata fatta per il checkpoint di questa consegna (attestation.json)",
		EN: "the attestation was not made for this delivery's checkpoint (attestation.json)"},
	"attestationbinding.the-key-certification-is-not": {
		IT: "la certificazione della chiave non è sul checkpoint di questa consegna",
		EN: "the key certification is not over this delivery's checkpoint"},
	"attestationbinding.the-tpm-quote-is-not": {
		IT: "la quote del TPM non è sul checkpoint di questa consegna",
		EN: "the TPM quote is not over this delivery's checkpoint"},
	"attestationbinding.the-tpm-s-quote-and": {
		IT: "quote e certificazione del TPM hanno come nonce lo SHA-256 del checkpoint: fatte dopo di esso, per questa consegna",
		EN: "the TPM's quote and certification carry the checkpoint's SHA-256 as nonce: made after it, for this delivery"},
	"body.cannot-be-checked": {
		IT: "non verificabile: foglia non valida",
		EN: "cannot be checked: leaf invalid"},
	"body.manifest-body-d-bytes-recorded": {
		IT: "corpo del manifesto (%d byte) registrato nella foglia",
		EN: "manifest body (%d bytes) recorded in the leaf"},
	"body.the-manifest-body-d-bytes": {
		IT: "il corpo del manifesto (%d byte, SHA-256 %s) non è quello registrato nella foglia (%d byte, %s)",
		EN: "the manifest body (%d bytes, SHA-256 %s) is not the one the leaf records (%d bytes, %s)"},
	"caseld.case-jsonld-does-not-describe": {
		IT: "case.jsonld non descrive questo manifesto",
		EN: "case.jsonld does not describe this manifest"},
	"caseld.case-uco-description-matches-the": {
		IT: "descrizione CASE/UCO coerente con il manifesto",
		EN: "CASE/UCO description matches the manifest"},
	"certification.attestation-files-altered": {
		IT: "file dell'attestazione alterati",
		EN: "attestation files altered"},
	"certification.invalid-key-certification": {
		IT: "certificazione della chiave non valida",
		EN: "invalid key certification"},
	"certification.no-tpm-attestation-in-the": {
		IT: "nessuna attestazione del TPM nella consegna",
		EN: "no TPM attestation in the delivery"},
	"certification.signing-key-pem-is-not": {
		IT: "signing-key.pem non è la chiave certificata",
		EN: "signing-key.pem is not the certified key"},
	"certification.the-attestation-key-is-not": {
		IT: "la chiave di attestazione non è quella attesa",
		EN: "the attestation key is not the pinned one"},
	"certification.the-checkpoint-key-is-not": {
		IT: "la chiave del checkpoint non è la chiave certificata dal TPM",
		EN: "the checkpoint key is not the key the TPM certified"},
	"certification.tpm-attestation-missing": {
		IT: "attestazione del TPM mancante",
		EN: "TPM attestation missing"},
	"certification.tpm-resident": {
		IT: "la chiave del checkpoint è residente nel TPM (fixedTPM, fixedParent) e certificata dalla chiave di attestazione, quella attesa",
		EN: "the checkpoint key is TPM-resident (fixedTPM, fixedParent) and certified by the attestation key, the pinned one"},
	"certification.tpm-resident-unpinned": {
		IT: "la chiave del checkpoint è residente nel TPM (fixedTPM, fixedParent) e certificata dalla chiave di attestazione, non vincolata (confrontarla con la registrazione dell'apparecchio)",
		EN: "the checkpoint key is TPM-resident (fixedTPM, fixedParent) and certified by the attestation key, not pinned (compare it with the appliance's enrolment)"},
	"certification.unreadable-attestation-key": {
		IT: "chiave di attestazione illeggibile",
		EN: "unreadable attestation key"},
	"certification.unreadable-certified-key": {
		IT: "chiave certificata illeggibile",
		EN: "unreadable certified key"},
	"check.file-missing": {
		IT: "file mancante",
		EN: "file missing"},
	"check.read-failed": {
		IT: "lettura non riuscita",
		EN: "read failed"},
	"container.not-regular": {
		IT: "non è un file regolare (%s)",
		EN: "not a regular file (%s)"},
	"container.unsafe-name": {
		IT: "voce fuori dalla cartella di consegna (zip-slip) o con un nome non sicuro",
		EN: "entry outside the delivery folder (zip-slip) or with an unsafe name"},
	"container.directory-content": {
		IT: "voce di cartella con contenuto",
		EN: "directory entry with content"},
	"container.duplicate": {
		IT: "voce presente due volte nello ZIP",
		EN: "entry appears twice in the ZIP"},
	"custody.other-chat": {
		IT: "il registro di custodia riguarda anche la chat %s, la consegna è della chat %s",
		EN: "the custody log concerns chat %s too, the delivery is chat %s's"},
	"custody.unaccounted": {
		IT: "il registro di custodia non registra la conservazione di %s",
		EN: "the custody log does not record storing %s"},
	"container.unreadable": {
		IT: "non è una cartella né un file ZIP leggibile: %s",
		EN: "neither a folder nor a readable ZIP file: %s"},
	"custody.ok": {
		IT: "%d azioni registrate per questa chat, tra cui la conservazione di ogni file della consegna (%s)",
		EN: "%d actions recorded for this chat, the storing of every file of the delivery among them (%s)"},
	"custody.invalid-custody-log": {
		IT: "registro di custodia non valido",
		EN: "invalid custody log"},
	"custody.no-custody-log-in-the": {
		IT: "nessun registro di custodia nella consegna (consegna precedente alla sua introduzione)",
		EN: "no custody log in the delivery (made before it was introduced)"},
	"extrafile.extra-file": {
		IT: "file estraneo: il manifesto e le prove non lo prevedono",
		EN: "extra file: neither the manifest nor the proofs account for it"},
	"foldername.other-delivery": {
		IT: "la cartella si chiama %q come la consegna di un'altra chat o di un altro giorno; il manifesto indica %q",
		EN: "the folder is named %q, as another chat's or day's delivery; the manifest gives %q"},
	"foldername.renamed": {
		IT: "la cartella si chiama %q, il manifesto indica %q (rinominata?)",
		EN: "the folder is named %q, the manifest gives %q (renamed?)"},
	"inclusion.cannot-be-checked": {
		IT: "non verificabile: checkpoint, prova o foglia non validi",
		EN: "cannot be checked: checkpoint, proof or leaf invalid"},
	"inclusion.invalid-inclusion-proof": {
		IT: "prova di inclusione non valida",
		EN: "invalid inclusion proof"},
	"inclusion.leaf-d-is-in-the": {
		IT: "la foglia %d è nell'albero di %d foglie del checkpoint",
		EN: "leaf %d is in the checkpoint's tree of %d leaves"},
	"instructions.verifica-txt-is-not-the": {
		IT: "VERIFICA.txt non è il testo che questa consegna deve riportare",
		EN: "VERIFICA.txt is not the text this delivery should carry"},
	"instructions.verification-instructions-intact": {
		IT: "istruzioni di verifica integre",
		EN: "verification instructions intact"},
	"journalblock.cannot-be-checked": {
		IT: "non verificabile: checkpoint o prova non validi",
		EN: "cannot be checked: checkpoint or proof invalid"},
	"journalblock.the-journal-block-names-this": {
		IT: "il blocco journal indica questa foglia e questo checkpoint",
		EN: "the journal block names this leaf and checkpoint"},
	"journalblock.mismatch": {
		IT: "il blocco journal (foglia %d, albero di %d foglie, radice %s) non corrisponde alle prove (foglia %d, albero di %d foglie, radice %s)",
		EN: "the journal block (leaf %d, tree of %d leaves, root %s) does not match the proofs (leaf %d, tree of %d leaves, root %s)"},
	"leaf.delivery-leaf-d-of-acquisition": {
		IT: "foglia %d di consegna dell'acquisizione %s, %s",
		EN: "delivery leaf %d of acquisition %s, %s"},
	"leaf.invalid-leaf": {
		IT: "foglia non valida",
		EN: "invalid leaf"},
	"leaf.leaf-of-type-q-not": {
		IT: "foglia di tipo %q, non %q",
		EN: "leaf of type %q, not %q"},
	"leaf.the-leaf-has-seq-d": {
		IT: "la foglia ha seq %d, la prova indice %d",
		EN: "the leaf has seq %d, the proof index %d"},
	"leaf.the-leaf-is-not-a": {
		IT: "la foglia non è una foglia di consegna %s",
		EN: "the leaf is not a delivery leaf %s"},
	"leaf.the-leaf-records-another-acquisition": {
		IT: "la foglia registra un'altra acquisizione: %s",
		EN: "the leaf records another acquisition: %s"},
	"legalvalue.legal-value-recomputed-for-d": {
		IT: "valore legale ricalcolato per %d messaggi del mittente: coincide con il manifesto",
		EN: "legal value recomputed for %d messages of the sender: matches the manifest"},
	"legalvalue.claimed-unjudged": {
		IT: "messaggio %s: dichiarato provato, ma la regola non lo valuta (non inviato dal mittente)",
		EN: "message %s: claimed proven, but the rule does not judge it (not sent by the sender)"},
	"legalvalue.differs": {
		IT: "messaggio %s: il manifesto dichiara legal_value %s, la regola dà %s",
		EN: "message %s: the manifest claims legal_value %s, the rule gives %s"},
	"legalvalue.status-differs": {
		IT: "messaggio %s: il manifesto dichiara lo stato %q, la regola dà %q",
		EN: "message %s: the manifest claims status %q, the rule gives %q"},
	"legalvalue.missing": {
		IT: "messaggio %s: il manifesto non dichiara legal_value, la regola dà %s",
		EN: "message %s: the manifest claims no legal_value, the rule gives %s"},
	"manifest.invalid-manifest": {
		IT: "manifesto non valido",
		EN: "invalid manifest"},
	"manifest.no-journal-block": {
		IT: "manca il blocco journal",
		EN: "no journal block"},
	"manifest.ok": {
		IT: "%s: acquisizione %s, %d messaggi, %d reperti",
		EN: "%s: acquisition %s, %d messages, %d artifacts"},
	"pdf.invalid-report-signature": {
		IT: "firma della relazione non valida",
		EN: "invalid report signature"},
	"pdf.no-pdf-report-in-the": {
		IT: "nessuna relazione PDF nella consegna",
		EN: "no PDF report in the delivery"},
	"pdf.report-signature-not-checked-no": {
		IT: "firma della relazione non verificata (nessun verificatore)",
		EN: "report signature not checked (no verifier given)"},
	"pdf.report-signature-valid-by-the": {
		IT: "firma della relazione valida, della chiave del checkpoint",
		EN: "report signature valid, by the checkpoint key"},
	"pdf.the-report-is-not-signed": {
		IT: "la relazione non è firmata dalla chiave del checkpoint (la chiave dell'apparecchio)",
		EN: "the report is not signed by the checkpoint key (the appliance's key)"},
	"pinnedkey.the-delivery-s-key-is": {
		IT: "la chiave della consegna non è quella attesa: %s",
		EN: "the delivery's key is not the pinned one: %s"},
	"pinnedkey.invalid-key-chain": {
		IT: "la catena delle chiavi non porta dalla chiave attesa a quella della consegna",
		EN: "the key chain does not lead from the pinned key to the delivery's key"},
	"pinnedkey.followed-rotations": {
		IT: "la chiave della consegna discende da quella attesa attraverso %d rotazioni registrate nel giornale",
		EN: "the delivery's key descends from the pinned one through %d rotations recorded in the journal"},
	"pinnedkey.the-key-is-the-pinned": {
		IT: "la chiave è quella attesa",
		EN: "the key is the pinned one"},
	"proof.invalid-proof": {
		IT: "prova non valida",
		EN: "invalid proof"},
	"proof.proof-for-leaf-d-d": {
		IT: "prova per la foglia %d, %d hash",
		EN: "proof for leaf %d, %d hashes"},
	"proof.the-checkpoint-in-the-proof": {
		IT: "il checkpoint nella prova non è proofs/checkpoint",
		EN: "the checkpoint in the proof is not proofs/checkpoint"},
	"report.digest-mismatch": {
		IT: "SHA-256 %s (%d byte), il manifesto registra %s (%d byte)",
		EN: "SHA-256 %s (%d bytes), the manifest records %s (%d bytes)"},
	"report.the-manifest-does-not-record": {
		IT: "il manifesto non registra la relazione (consegna di una versione precedente): nulla la lega a questa consegna, fa fede manifest.json",
		EN: "the manifest does not record the report (a delivery of an earlier version): nothing ties it to this delivery, manifest.json is what counts"},
	"report.the-report-is-the-one": {
		IT: "la relazione è quella registrata nel manifesto: %s",
		EN: "the report is the one the manifest records: %s"},
	"signature.checkpoint-of-s-d-leaves": {
		IT: "checkpoint di %s (%d foglie) firmato dalla chiave %s",
		EN: "checkpoint of %s (%d leaves) signed by key %s"},
	"signature.invalid-checkpoint-signature": {
		IT: "firma del checkpoint non valida",
		EN: "invalid checkpoint signature"},
	"signature.invalid-verifier-key": {
		IT: "chiave di verifica non valida",
		EN: "invalid verifier key"},
	"signature.the-key-must-be-one": {
		IT: "la chiave deve essere una sola riga terminata da a capo",
		EN: "the key must be one line ending in a newline"},
	"sums.invalid-manifest": {
		IT: "manifesto non valido",
		EN: "invalid manifest"},
	"sums.sha256sums-does-not-list-exactly": {
		IT: "SHA256SUMS non elenca esattamente i file del manifesto",
		EN: "SHA256SUMS does not list exactly the manifest's files"},
	"sums.sha256sums-is-not-the-one": {
		IT: "SHA256SUMS non è quello registrato nella foglia",
		EN: "SHA256SUMS is not the one the leaf records"},
	"sums.sha256sums-lists-the-manifest-s": {
		IT: "SHA256SUMS elenca i file del manifesto",
		EN: "SHA256SUMS lists the manifest's files"},
	"witness.missing": {
		IT: "nessun checkpoint controfirmato (proofs/witness): ne servono %d controfirme",
		EN: "no cosigned checkpoint (proofs/witness): %d cosignatures are required"},
	"witness.none": {
		IT: "nessuna controfirma di testimoni nella consegna",
		EN: "no witness cosignature in the delivery"},
	"witness.present-not-checked": {
		IT: "controfirme dei testimoni presenti, non verificate (nessuna chiave --witness)",
		EN: "witness cosignatures present, not checked (no --witness key given)"},
	"witness.invalid-key": {
		IT: "chiave di testimone non valida",
		EN: "invalid witness key"},
	"witness.invalid": {
		IT: "checkpoint controfirmato non valido",
		EN: "invalid cosigned checkpoint"},
	"witness.too-few": {
		IT: "%d controfirme valide, ne servono %d (%s)",
		EN: "%d valid cosignatures, %d required (%s)"},
	"witness.ok": {
		IT: "%d controfirme valide sul checkpoint di %d foglie, coerente con quello della consegna: %s",
		EN: "%d valid cosignatures on the checkpoint of %d leaves, consistent with the delivery's: %s"},
	"timestamp.invalid-time-stamp": {
		IT: "marca temporale non valida",
		EN: "invalid time-stamp"},
	"timestamp.no-time-stamp-in-the": {
		IT: "nessuna marca temporale nella consegna",
		EN: "no time-stamp in the delivery"},
	"timestamp.time-stamp-present-not-checked": {
		IT: "marca temporale presente, non verificata (nessun verificatore)",
		EN: "time-stamp present, not checked (no verifier given)"},
	"timestamp.valid-time-stamp-over-the": {
		IT: "marca temporale valida sul checkpoint: %s",
		EN: "valid time-stamp over the checkpoint: %s"},
})

// texts prints key in both languages.
func texts(key string, args ...any) (it, en string) {
	return catalog.T(i18n.IT, key, args...), catalog.T(i18n.EN, key, args...)
}
