package report_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/attesta/attesta/internal/i18n"
	"github.com/attesta/attesta/report"
)

func TestRenderText(t *testing.T) {
	in, _ := sample(t)
	m := in.Manifest
	photo := m.Messages[3].Attachments[0].SHA256
	shot := m.Artifacts[0].SHA256
	common := []string{
		"è di 1.250 € già pagata: più avanti città e vir", // accents and € round-trip
		photo, in.Appliance.SigningKey, m.Journal.RootHash, "attesta/A1-0042",
		"attesta verify 3771151946-15-gennaio-2026", "sha256sum -c SHA256SUMS", "pdfsig relazione.pdf",
		"R.G. 1234/2026 Tribunale di Roma", "+393351234567",
	}
	// Page 1: the table of verdicts, one row per certified message.
	tableIT := []string{
		"N. Data e ora Tipo Inizio del testo Esito",
		"1 14/01/2026 10:00 testo Buongiorno, la fattura è di 1.250 € già pagata: più avanti città e vir… PROVATO (lettura) 14/01/2026 10:02",
		"3 14/01/2026 10:10 messaggio vocale (messaggio vocale) PROVATO (riproduzione) 14/01/2026 10:12",
		"4 14/01/2026 10:20 immagine Foto del contratto firmato PROVATO (risposta) 14/01/2026 10:30, N. 5",
		"6 14/01/2026 11:00 testo Ultimo avviso prima di procedere NON PROVATO: consegnato, senza lettura né risposta",
		"7 14/01/2026 11:05 eliminato per tutti (eliminato per tutti) NON PROVATO: eliminato per tutti",
		"8 14/01/2026 11:10 testo Messaggio non partito NON PROVATO: invio non riuscito",
		"9 14/01/2026 11:15 testo Letto senza orario PROVATO (lettura) (ora non nota)",
		"Messaggi certificati: 7 — provati: 4, non provati: 3. Messaggi nella consegna: 9",
		"dal 14/01/2026 al 14/01/2026 (giorni interi, ora di Roma)",
	}
	caveatsIT := []string{
		"«Consegnato» significa recapitato ad almeno uno dei dispositivi del destinatario",
		"Ciascuna delle due parti può aver disattivato le conferme di lettura",
		"La modifica di un messaggio azzera le sue conferme di lettura",
		"Al momento dell'acquisizione le conferme di lettura del mittente risultavano attive.",
		"N. 9 — l'indicatore di stato indica una conferma di cui non è noto l'orario. (codice receipt-time-missing)",
		"superata il 15/01/2026 08:30:00 CET",
	}
	tests := []struct {
		name string
		opts report.Options
		want []string
		not  []string
	}{
		{"it semplice", report.Options{Lang: "it", Kind: report.Semplice}, append(append([]string{
			"Relazione tecnica di acquisizione forense", "Relazione semplice",
			"1. Avvertenze e anomalie", "2. Come verificare", "Impronte dei file (SHA-256)",
		}, tableIT...), caveatsIT...), []string{"Schermate", "Messaggi per esteso", "Catena di custodia", "Appendice A",
			"Esito: PROVATO"}},
		{"it personalizzata", report.Options{Lang: "it", Kind: report.Personalizzata}, append(append([]string{
			"Relazione personalizzata", "1. Messaggi per esteso", "2. Avvertenze e anomalie", "3. Metodo e apparecchio",
			"4. Catena di custodia", "5. Schermate", "6. Come verificare", "Impronte dei file (SHA-256)",
			"Appendice A — Registro tecnico delle operazioni",
			"artifacts/screenshots/chat-001.png", shot, in.Appliance.AK, "tecnico.rossi", "2.3000.1019",
			"Esito: PROVATO (lettura): il destinatario ha letto il messaggio il 14/01/2026 10:02:00 CET.",
			"Esito: PROVATO (riproduzione): il destinatario ha riprodotto il messaggio il 14/01/2026 10:12:00 CET.",
			"Esito: PROVATO (risposta): il messaggio è stato consegnato il 14/01/2026 10:21:00 CET e il destinatario ha scritto dopo, il 14/01/2026 10:30:00 CET: «Ok, vista la foto (N. 5)».",
			"Esito: NON PROVATO: il messaggio risulta consegnato, ma non ne risulta la lettura né una risposta successiva del destinatario.",
			"Esito: NON PROVATO: il messaggio è stato eliminato per tutti e il suo contenuto non esiste più.",
			"Esito: NON PROVATO: l'invio del messaggio non è riuscito.",
			"Esito: PROVATO (lettura): il destinatario ha letto il messaggio in un momento non noto.",
			"Messaggi certificati: 7 (provati: 4, non provati: 3). Messaggi nella consegna: 9.",
			"Account collegato",
			"corrisponde all'impronta di WhatsApp", "file non disponibile (non più disponibile)",
			"Ricevuto [U+1F44D U+1F3FD] grazie", // emoji shows its fallback
			// The chain of custody as sentences, then as the appendix table; the other chat's actions left out.
			"Sessione WhatsApp Web collegata dal cliente tramite QR il 15/01/2026 10:00:20 CET (account +393351234567, build di WhatsApp Web 2.3000.1019).",
			"9 messaggi letti dal livello dei moduli di WhatsApp Web, senza aprire la chat: nessuna conferma di lettura inviata.",
			"Un file multimediale, una schermata e una pagina MHTML conservati cifrati nell'archivio dell'apparecchio, foglie 38–40 del giornale.",
			"Il registro tecnico completo (15 operazioni) è nell'appendice A",
			"lettura delle conferme errore: sì (testo originale nel file); trovato: no; messaggio: M9",
		}, tableIT...), caveatsIT...), []string{"Giulia Neri", "No message info found", "map[", "gone"}},
		{"en personalizzata", report.Options{Lang: "en", Kind: report.Personalizzata}, []string{
			"Technical report of a forensic acquisition", "Detailed report", "2. Caveats and anomalies",
			"6. How to verify", "Appendix A — Technical log of the operations",
			"No. Date and time Type First words Verdict",
			"4 14/01/2026 10:20 image Foto del contratto firmato PROVEN (reply) 14/01/2026 10:30, No. 5",
			"Verdict: PROVEN (read): the recipient read the message on 14/01/2026 10:02:00 CET.",
			"Verdict: PROVEN (played): the recipient played the message on 14/01/2026 10:12:00 CET.",
			"Verdict: PROVEN (reply): the message was delivered on 14/01/2026 10:21:00 CET and the recipient wrote afterwards, on 14/01/2026 10:30:00 CET: “Ok, vista la foto (No. 5)”.",
			"Verdict: NOT PROVEN: the message was deleted for everyone and its content no longer exists.",
			"\"Delivered\" means delivered to at least one of the recipient's devices",
			"At the time of the acquisition the sender's read receipts were turned on.",
			"Verdict: PROVEN (read): the recipient read the message at an unknown time.",
			"Linked account", in.Appliance.AK, "tecnico.rossi",
			"Ricevuto [U+1F44D U+1F3FD] grazie", "42,866 bytes",
		}, []string{"Giulia Neri", "byte)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path, _ := render(t, in, tt.opts)
			text := pdfText(t, path)
			for _, w := range append(tt.want, common...) {
				if !strings.Contains(text, w) {
					t.Errorf("report text lacks %q", w)
				}
			}
			for _, w := range tt.not {
				if strings.Contains(text, w) {
					t.Errorf("report text has %q", w)
				}
			}
			if t.Failed() {
				t.Logf("text:\n%s", text)
			}
		})
	}
}

// TestRenderStatesGaps checks what the report says when the appliance's last attestation failed, none is
// recorded, or the request is blank: it says so rather than leave the line out.
func TestRenderStatesGaps(t *testing.T) {
	in, _ := sample(t)
	in.Attestation.OK = false
	in.Attestation.Summary = "PCR 7 diverso dal valore atteso"
	text := pdfText(t, first(render(t, in, report.Options{})))
	if !strings.Contains(text, "NON superata il 15/01/2026 08:30:00 CET: PCR 7 diverso dal valore atteso") {
		t.Error("failed attestation not stated")
	}
	in.Attestation, in.Request, in.Custody = nil, report.Request{}, nil
	text = pdfText(t, first(render(t, in, report.Options{Lang: "en", Kind: report.Personalizzata})))
	for _, w := range []string{"no attestation recorded", "unknown unknown unknown",
		"No action recorded beyond the acquisition."} {
		if !strings.Contains(text, w) {
			t.Errorf("report lacks %q", w)
		}
	}
}

func first[A, B any](a A, _ B) A { return a }

// TestOneLanguage renders both kinds in both languages and checks, with i18n.Foreign's word lists, that no line
// of an Italian report reads as English and no line of an English one as Italian, once the chat's own words
// (message texts, which stay as written) are taken out; and that no Go syntax or missing key reaches a page.
func TestOneLanguage(t *testing.T) {
	in, _ := sample(t)
	for _, lang := range []i18n.Lang{i18n.IT, i18n.EN} {
		for _, kind := range []report.Kind{report.Semplice, report.Personalizzata} {
			t.Run(string(lang)+" "+kind.String(), func(t *testing.T) {
				path, _ := render(t, in, report.Options{Lang: string(lang), Kind: kind})
				out, err := tool(t, "pdftotext", "-enc", "UTF-8", path, "-")
				if err != nil {
					t.Fatal(err)
				}
				checkOneLanguage(t, lang, out, dataOf(in))
			})
		}
	}
}

// dataOf is what a report quotes as it was given, in whatever language: the messages' texts, the client's
// request, the appliance's attestation summary.
func dataOf(in report.Input) []string {
	data := []string{in.Request.Client, in.Request.Case, in.Request.Purpose, in.Manifest.Chat.Name}
	if in.Attestation != nil {
		data = append(data, in.Attestation.Summary)
	}
	for _, msg := range in.Manifest.Messages {
		if msg.Text != nil {
			data = append(data, *msg.Text)
		}
	}
	return data
}

// checkOneLanguage fails for a line in the other language than lang, Go syntax or a missing catalog key. A line
// that is part of data (dataOf) is left out of the language check.
func checkOneLanguage(t *testing.T, lang i18n.Lang, text string, data []string) {
	t.Helper()
	for _, bad := range []string{"map[", "&{", "%!", "⟦", "<nil>"} {
		if strings.Contains(text, bad) {
			t.Errorf("the report shows %q", bad)
		}
	}
	var own []string
lines:
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(strings.TrimSuffix(line, "…"))
		for _, d := range data {
			if d != "" {
				line = strings.ReplaceAll(line, d, "")
			}
		}
		for _, d := range data {
			if line != "" && strings.Contains(spaces.ReplaceAllString(d, " "), line) {
				continue lines
			}
		}
		own = append(own, line)
	}
	for _, line := range i18n.Foreign(lang, strings.Join(own, "\n")) {
		t.Errorf("a line of the %s report reads as the other language: %q", lang, line)
	}
}

// TestVerdictTableAcrossPages renders a chat whose table of verdicts does not fit page 1: each page it continues on
// starts with the table's header again.
func TestVerdictTableAcrossPages(t *testing.T) {
	in, _ := bigInput(t, 400, 0) // 80 certified messages
	path, _ := render(t, in, report.Options{Kind: report.Semplice})
	for page := 1; page <= 2; page++ {
		out, err := tool(t, "pdftotext", "-f", fmt.Sprint(page), "-l", fmt.Sprint(page), "-enc", "UTF-8", path, "-")
		if err != nil {
			t.Fatal(err)
		}
		if text := spaces.ReplaceAllString(out, " "); !strings.Contains(text, "N. Data e ora Tipo Inizio del testo Esito") {
			t.Errorf("page %d lacks the table's header:\n%s", page, text)
		}
	}
}
