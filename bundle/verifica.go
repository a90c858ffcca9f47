package bundle

import (
	"bytes"
	"fmt"
	"text/template"
)

// verificaParts says which optional parts a delivery folder holds; VERIFICA.txt has a step for each.
type verificaParts struct {
	Attestation bool // proofs/attestation
	Timestamp   bool // proofs/checkpoint.tsr
	Report      bool // relazione.pdf
	Chain       bool // proofs/chain.pem
	AKChain     bool // proofs/ak-chain.pem
	// ReportV1 selects the first wording of step 8 (one signature, one certificate), which deliveries carried
	// before reports could be enrolled (a certificate chain) and archived (document time-stamps): Verify accepts
	// it, new deliveries carry the current one.
	ReportV1 bool
}

// verificaTmpl is VERIFICA.txt. Every line starting with "$ " begins a command and the lines after it starting
// with "> " continue it; run with sh in the folder, each command exits 0 on a valid delivery. The commands read
// every value from the files they check, never from this text, so an altered VERIFICA.txt cannot make an altered
// delivery pass: a reader checks the commands, not the numbers.
var verificaTmpl = template.Must(template.New("verifica").Parse(`VERIFICA DELLA CONSEGNA {{.Folder}}

Acquisizione {{.M.Acquisition.ID}} ({{.M.Acquisition.Method}}) della chat {{.M.Chat.Phone}}, messaggi dal
{{.M.Range.From}} al {{.M.Range.To}} (giorni di calendario Europe/Rome), eseguita dall'apparecchio
{{.M.Acquisition.ApplianceID}}; registrata nel giornale {{.M.Journal.Origin}} come foglia {{.M.Journal.LeafIndex}}
dell'albero di {{.M.Journal.TreeSize}} foglie.

(English: every line starting with "$ " is a shell command to run in this folder with sh, continued by the lines
starting with "> "; each must exit with status 0. "attesta verify" runs all of these checks and more.)

COME SI USA
Ogni riga che inizia con "$ " è un comando da eseguire con sh in questa cartella (senza "$ "); le righe che la
seguono e iniziano con "> " fanno parte dello stesso comando (senza "> "). Ogni comando deve terminare senza
errori (stato 0); quelli che lo prevedono stampano "OK" o "Verified OK". Servono solo strumenti standard: sh,
coreutils (sha256sum, base64, od, head, tail, cut, tr, mktemp), grep, sed, find e openssl.{{if .Attestation}}
Per il passo 6 serve anche tpm2-tools (tpm2_print).{{end}}{{if .Report}}
Per il passo 8 serve anche poppler-utils (pdfsig).{{end}}
I comandi leggono ogni valore dai file che controllano, mai da questo testo.

La catena di fiducia è: i file → SHA256SUMS e manifest.json → la foglia "delivery" del giornale → la prova di
inclusione → il checkpoint firmato → la chiave dell'apparecchio{{if .Attestation}} → la certificazione di
quella chiave da parte del TPM{{end}}{{if .Chain}} → il certificato di quella chiave rilasciato dall'autorità di
registrazione (passo 9){{end}}.
Confrontare la chiave in proofs/vkey con quella che lo studio pubblica o stampa nella relazione: una
consegna è autentica solo se è firmata da quella chiave.

Il programma dell'apparecchio esegue tutti questi controlli e ricalcola anche il valore legale di ogni
messaggio secondo la regola (lettura, riproduzione, risposta):
  attesta verify <questa cartella oppure il suo file .zip>

1. I file non sono stati alterati. SHA256SUMS elenca l'impronta SHA-256 di case.jsonld, di ogni file in
   artifacts/ (reperti e allegati){{if .Report}} e della relazione{{end}}; nessun altro file è presente in artifacts/.
$ sha256sum -c SHA256SUMS
$ test "$(find artifacts -type f 2>/dev/null | wc -l)" -eq "$(grep -c '  artifacts/' SHA256SUMS)" && echo "Nessun file estraneo: OK"

2. manifest.json e SHA256SUMS sono quelli registrati nel giornale. La foglia di consegna
   (proofs/delivery-leaf.json, la voce del giornale byte per byte) riporta l'impronta SHA-256 e la lunghezza
   ("manifest_size") del corpo del manifesto, cioè manifest.json fino al blocco "journal" escluso (il
   blocco indica la foglia stessa e non può esserne parte), e l'impronta di SHA256SUMS.
$ grep -q '"type":"delivery"' proofs/delivery-leaf.json && echo "Foglia di consegna: OK"
$ grep -q "\"manifest_sha256\":\"$(head -c "$(sed 's/.*"manifest_size":\([0-9]*\).*/\1/' proofs/delivery-leaf.json)" manifest.json | sha256sum | cut -c1-64)\"" proofs/delivery-leaf.json && echo "Corpo del manifesto: OK"
$ grep -q "\"sums_sha256\":\"$(sha256sum < SHA256SUMS | cut -c1-64)\"" proofs/delivery-leaf.json && echo "SHA256SUMS: OK"

3. Dopo il corpo, manifest.json contiene soltanto il blocco "journal", che indica questa foglia e questo
   checkpoint: il comando lo ricostruisce dalle prove e lo confronta con la coda del file.
$ D=$(mktemp -d) && printf '"journal": {\n    "origin": "%s",\n    "leaf_index": %s,\n    "tree_size": %s,\n    "root_hash": "%s"\n  }\n}\n' \
>   "$(sed -n 1p proofs/checkpoint)" "$(sed -n 's/^index //p' proofs/delivery.tlog-proof)" "$(sed -n 2p proofs/checkpoint)" \
>   "$(sed -n 3p proofs/checkpoint | base64 -d | od -An -v -tx1 | tr -d ' \n')" > "$D/journal" && \
> tail -c +"$(( $(sed 's/.*"manifest_size":\([0-9]*\).*/\1/' proofs/delivery-leaf.json) + 1 ))" manifest.json | cmp - "$D/journal" && echo "Blocco journal: OK"

4. La foglia è inclusa nell'albero del checkpoint (prova di inclusione RFC 6962 nel formato
   c2sp.org/tlog-proof@v1: riga "index", poi gli hash dal fratello della foglia fino al figlio della radice,
   una riga vuota e il checkpoint). L'hash della foglia è SHA-256(0x00 || foglia); a ogni passo l'hash
   corrente h e l'hash p della prova si combinano in SHA-256(0x01 || p || h) se il nodo corrente è un figlio
   destro (o l'ultimo del suo livello), altrimenti in SHA-256(0x01 || h || p); il risultato deve essere la
   radice, terza riga del checkpoint. La foglia deve avere numero "seq" pari all'indice della prova, e il
   checkpoint nella prova deve essere proofs/checkpoint.
$ sed '1,/^$/d' proofs/delivery.tlog-proof | cmp - proofs/checkpoint && grep -q "\"seq\":$(sed -n 's/^index //p' proofs/delivery.tlog-proof)," proofs/delivery-leaf.json && echo "Indice e checkpoint: OK"
$ D=$(mktemp -d); i=$(sed -n 's/^index //p' proofs/delivery.tlog-proof); n=$(sed -n 2p proofs/checkpoint)
> s=$((n - 1)); ok=1; [ "$i" -lt "$n" ] || ok=0
> { printf '\000'; cat proofs/delivery-leaf.json; } | openssl dgst -sha256 -binary > "$D/h"
> sed '1,/^index /d; /^$/,$d' proofs/delivery.tlog-proof > "$D/path"
> while read -r p; do
>   [ "$s" -eq 0 ] && ok=0
>   printf '%s\n' "$p" | base64 -d > "$D/p"
>   if [ $((i % 2)) -eq 1 ] || [ "$i" -eq "$s" ]; then
>     { printf '\001'; cat "$D/p" "$D/h"; } | openssl dgst -sha256 -binary > "$D/t"
>     while [ $((i % 2)) -eq 0 ] && [ "$i" -ne 0 ]; do i=$((i / 2)); s=$((s / 2)); done
>   else
>     { printf '\001'; cat "$D/h" "$D/p"; } | openssl dgst -sha256 -binary > "$D/t"
>   fi
>   mv "$D/t" "$D/h"; i=$((i / 2)); s=$((s / 2))
> done < "$D/path"
> [ "$ok" -eq 1 ] && [ "$s" -eq 0 ] && sed -n 3p proofs/checkpoint | base64 -d | cmp - "$D/h" && echo "Inclusione: OK"

5. Il checkpoint è firmato dalla chiave dell'apparecchio. proofs/vkey è "<nome>+<id chiave>+<base64>": il
   base64 è il byte 0x02 (ECDSA) seguito dalla chiave pubblica P-256 in DER (SubjectPublicKeyInfo); l'id è
   l'inizio dello SHA-256 di quel DER. La firma è la riga che inizia con "— <nome> ": il suo base64 contiene
   i 4 byte dell'id seguiti dalla firma ECDSA (DER) sulle prime tre righe del checkpoint.
$ test "$(cut -d+ -f1 proofs/vkey)" = "$(sed -n 1p proofs/checkpoint)" && test "$(cut -d+ -f2 proofs/vkey)" = "$(cut -d+ -f3- proofs/vkey | base64 -d | tail -c +2 | sha256sum | cut -c1-8)" && echo "Chiave: OK"
$ D=$(mktemp -d) && cut -d+ -f3- proofs/vkey | base64 -d | tail -c +2 > "$D/key.der" && \
> grep "^— $(sed -n 1p proofs/checkpoint) " proofs/checkpoint | cut -d' ' -f3 | base64 -d | tail -c +5 > "$D/sig" && \
> head -n 3 proofs/checkpoint | openssl dgst -sha256 -verify "$D/key.der" -keyform DER -signature "$D/sig"
{{if .Attestation}}
6. La chiave che firma il checkpoint è generata nel TPM dell'apparecchio e non può uscirne. La chiave di
   attestazione (AK) del TPM ha certificato la chiave di firma (TPM2_Certify): la firma su certify.msg è
   valida, certify.msg attesta il Name della chiave (000b || SHA-256 di signing-key.tpmt), signing-key.tpmt
   è la chiave di signing-key.pem, con gli attributi fixedtpm, fixedparent e sensitivedataorigin, ed è la
   chiave di proofs/vkey. Altri controlli del TPM (quote dei PCR, orologio) sono in
   proofs/attestation/VERIFY.txt. Che l'AK appartenga a questo apparecchio si stabilisce fuori da questa
   cartella (registrazione dell'apparecchio o certificato EK).
$ cd proofs/attestation && openssl dgst -sha256 -verify ak.pem -signature certify.sig certify.msg
$ cd proofs/attestation && od -An -v -tx1 certify.msg | tr -d ' \n' | grep -q "0022000b$(sha256sum < signing-key.tpmt | cut -c1-64)" && echo "Name: OK"
$ cd proofs/attestation && tpm2_print -t TPMT_PUBLIC -f pem signing-key.tpmt | cmp - signing-key.pem && echo "TPMT e PEM: OK"
$ cd proofs/attestation && tpm2_print -t TPMT_PUBLIC signing-key.tpmt | grep -A1 '^attributes:' | grep value: | grep fixedtpm | grep fixedparent | grep -q sensitivedataorigin && echo "Attributi: OK"
$ D=$(mktemp -d) && cut -d+ -f3- proofs/vkey | base64 -d | tail -c +2 > "$D/key.der" && openssl pkey -pubin -in proofs/attestation/signing-key.pem -outform DER | cmp - "$D/key.der" && echo "Chiave certificata: OK"
{{end}}{{if .Timestamp}}
7. Marca temporale RFC 3161 sul checkpoint (proofs/checkpoint.tsr). Con il certificato dell'autorità di
   marcatura (TSA.pem, fornito dall'autorità, non da questa cartella):
     openssl ts -verify -token_in -in proofs/checkpoint.tsr -data proofs/checkpoint -CAfile TSA.pem
{{end}}{{if .Report}}
{{if .ReportV1}}8. La relazione (relazione.pdf) appartiene a questa consegna ed è firmata dalla chiave dell'apparecchio. La sua
   impronta è registrata nel manifesto (blocco "report") e in SHA256SUMS (passo 1), che la foglia del giornale
   registra; la firma PAdES deve essere una sola, valida, e coprire l'intero documento (pdfsig, di
   poppler-utils; l'emittente del certificato risulta sconosciuto perché il certificato è della chiave
   dell'apparecchio); il certificato del firmatario, unico nella firma, deve avere la chiave di proofs/vkey,
   cioè la chiave che firma il checkpoint{{if .Attestation}} e che il TPM ha certificato al passo 6{{end}}.
$ sed -n '/^  "report": {$/,/^  }/p' manifest.json | grep -q "\"sha256\": \"$(sha256sum < relazione.pdf | cut -c1-64)\"" && echo "Relazione registrata nel manifesto: OK"
$ pdfsig relazione.pdf | grep -q "Signature Validation: Signature is Valid" && pdfsig relazione.pdf | grep -q "Total document signed" && test "$(pdfsig relazione.pdf | grep -c '^Signature #')" -eq 1 && echo "Firma della relazione: OK"
$ D=$(mktemp -d) && cp relazione.pdf "$D/r.pdf" && (cd "$D" && pdfsig -dump r.pdf > /dev/null) && \
> test "$(openssl pkcs7 -inform DER -in "$D/r.pdf.sig0" -print_certs | grep -c 'BEGIN CERTIFICATE')" -eq 1 && \
> cut -d+ -f3- proofs/vkey | base64 -d | tail -c +2 > "$D/key.der" && \
> openssl pkcs7 -inform DER -in "$D/r.pdf.sig0" -print_certs | openssl x509 -noout -pubkey | openssl pkey -pubin -outform DER | cmp - "$D/key.der" && echo "Firmatario della relazione: OK"
{{else}}8. La relazione (relazione.pdf) appartiene a questa consegna ed è firmata dalla chiave dell'apparecchio. La sua
   impronta è registrata nel manifesto (blocco "report") e in SHA256SUMS (passo 1), che la foglia del giornale
   registra. La firma PAdES dell'apparecchio è la prima e deve essere valida; dopo di essa possono seguire
   soltanto marche temporali del documento (ETSI.RFC3161, PAdES B-LTA: pdfsig le mostra di tipo "unknown" e
   non le convalida; le verifica attesta verify), che l'impronta del manifesto vincola;
   l'ultima firma copre l'intero documento (pdfsig, di poppler-utils; senza un'autorità configurata nel
   sistema l'emittente del certificato risulta sconosciuto). Tra i certificati della firma, quello del
   firmatario (il nome che pdfsig indica) deve avere la chiave di proofs/vkey, cioè la chiave che firma il
   checkpoint{{if .Attestation}} e che il TPM ha certificato al passo 6{{end}}.
$ sed -n '/^  "report": {$/,/^  }/p' manifest.json | grep -q "\"sha256\": \"$(sha256sum < relazione.pdf | cut -c1-64)\"" && echo "Relazione registrata nel manifesto: OK"
$ D=$(mktemp -d) && pdfsig relazione.pdf > "$D/sig.txt"; sed -n '/^Signature #1:/,/^Signature #2:/p' "$D/sig.txt" | grep -q "Signature Validation: Signature is Valid" && \
> grep -q "Total document signed" "$D/sig.txt" && \
> test "$(grep -cE 'Signature Type: (ETSI.CAdES.detached|adbe.pkcs7.detached)' "$D/sig.txt")" -eq 1 && echo "Firma della relazione: OK"
$ D=$(mktemp -d) && cp relazione.pdf "$D/r.pdf" && (cd "$D" && pdfsig -dump r.pdf > /dev/null) && \
> cut -d+ -f3- proofs/vkey | base64 -d | tail -c +2 > "$D/key.der" && \
> signer=$(pdfsig relazione.pdf | sed -n '/^Signature #1:/,/^Signature #2:/s/^  - Signer full Distinguished Name: //p') && \
> openssl pkcs7 -inform DER -in "$D/r.pdf.sig0" -print_certs | (cd "$D" && csplit -s -z -f cert - '/-----BEGIN CERTIFICATE-----/' '{*}') && \
> for c in "$D"/cert*; do openssl x509 -in "$c" -noout -pubkey 2>/dev/null | openssl pkey -pubin -outform DER | cmp -s - "$D/key.der" && \
> openssl x509 -in "$c" -noout -subject -nameopt RFC2253 | grep -qxF "subject=$signer" && echo "Firmatario della relazione: OK"; \
> done | grep -x "Firmatario della relazione: OK"
{{end}}{{end}}{{if .Chain}}
9. La chiave dell'apparecchio è certificata dall'autorità di registrazione dello studio o del fornitore, presso
   la quale l'apparecchio è stato arruolato (certificato EK, attivazione della credenziale, certificazione TPM).
   proofs/chain.pem contiene il certificato della chiave che firma il checkpoint, e quindi il manifesto, seguito
   dal certificato dell'autorità emittente; il certificato deve avere la chiave di proofs/vkey.{{if .AKChain}}
   proofs/ak-chain.pem contiene il certificato della chiave di attestazione (AK) del TPM, che al passo 6 ha
   certificato la chiave di firma; deve avere la chiave di proofs/attestation/ak.pem.{{end}}
$ D=$(mktemp -d) && cut -d+ -f3- proofs/vkey | base64 -d | tail -c +2 > "$D/key.der" && \
> openssl x509 -in proofs/chain.pem -noout -pubkey | openssl pkey -pubin -outform DER | cmp - "$D/key.der" && echo "Certificato della chiave: OK"
{{if .AKChain}}$ D=$(mktemp -d) && openssl pkey -pubin -in proofs/attestation/ak.pem -outform DER > "$D/ak.der" && \
> openssl x509 -in proofs/ak-chain.pem -noout -pubkey | openssl pkey -pubin -outform DER | cmp - "$D/ak.der" && echo "Certificato dell'AK: OK"
{{end}}   Con il certificato radice dell'autorità (AUTORITA.pem, fornito dall'autorità, non da questa cartella):
     openssl verify -CAfile AUTORITA.pem -untrusted proofs/chain.pem proofs/chain.pem{{if .AKChain}}
     openssl verify -CAfile AUTORITA.pem -untrusted proofs/ak-chain.pem proofs/ak-chain.pem{{end}}
   Lo stato dell'apparecchio all'ora della consegna (revoca, attestazioni periodiche fallite) è nella lista di
   stato firmata dall'autorità: attesta verify --root AUTORITA.pem --status STATO.json <questa cartella>
{{end}}`))

func encodeVerifica(m *Manifest, parts verificaParts) ([]byte, error) {
	var b bytes.Buffer
	err := verificaTmpl.Execute(&b, struct {
		verificaParts
		Folder string
		M      *Manifest
	}{parts, m.FolderName(), m})
	if err != nil {
		return nil, fmt.Errorf("write %s: %w", verificaFile, err)
	}
	return b.Bytes(), nil
}
