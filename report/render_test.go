package report_test

import (
	"strings"
	"testing"

	"github.com/attesta/attesta/report"
)

func TestRenderText(t *testing.T) {
	in, _ := sample(t)
	m := in.Manifest
	photo := m.Messages[3].Attachments[0].SHA256
	shot := m.Artifacts[0].SHA256
	common := []string{
		"è di 1.250 € già pagata: più avanti città e virtù", // accents and € round-trip
		photo, in.Appliance.SigningKey, in.Appliance.AK, m.Journal.RootHash, "attesta/A1-0042",
		"attesta verify 3771151946-15-gennaio-2026", "sha256sum -c SHA256SUMS", "pdfsig relazione.pdf",
		"R.G. 1234/2026 Tribunale di Roma", "tecnico.rossi", "2.3000.1019",
	}
	tests := []struct {
		name string
		opts report.Options
		want []string
		not  []string
	}{
		{"it semplice", report.Options{Lang: "it", Kind: report.Semplice}, []string{
			"Relazione tecnica di acquisizione forense", "Relazione semplice",
			"1. Richiesta", "2. Apparecchio", "3. Metodo di acquisizione", "4. Catena di custodia", "5. Messaggi",
			"6. Avvertenze", "7. Anomalie", "8. Elenco delle impronte", "9. Come verificare",
			"Esito: PROVATO (lettura): il destinatario ha letto il messaggio il 14/01/2026 10:02:00 CET.",
			"Esito: PROVATO (riproduzione): il destinatario ha riprodotto il messaggio il 14/01/2026 10:12:00 CET.",
			"Esito: PROVATO (risposta): il messaggio è stato consegnato il 14/01/2026 10:21:00 CET e il destinatario ha scritto dopo, il 14/01/2026 10:30:00 CET: «Ok, vista la foto (N. 5)».",
			"Esito: NON PROVATO: il messaggio risulta consegnato, ma non ne risulta la lettura né una risposta successiva del destinatario.",
			"Esito: NON PROVATO: il messaggio è stato eliminato per tutti e il suo contenuto non esiste più.",
			"Esito: NON PROVATO: l'invio del messaggio non è riuscito.",
			"Esito: PROVATO (lettura): il destinatario ha letto il messaggio in un momento non noto.",
			"receipt-time-missing",
			"Messaggi certificati: 7 (provati: 4, non provati: 3). Messaggi nella consegna: 9.",
			"superata il 15/01/2026 08:30:00 CET",
			"«Consegnato» significa recapitato ad almeno uno dei dispositivi del destinatario",
			"Ciascuna delle due parti può aver disattivato le conferme di lettura",
			"La modifica di un messaggio azzera le sue conferme di lettura",
			"Al momento dell'acquisizione le conferme di lettura del mittente risultavano attive.",
			"Account collegato", "+393351234567",
		}, []string{"8. Schermate", "Ok, vista la foto (N. 5)X"}},
		{"it personalizzata", report.Options{Lang: "it", Kind: report.Personalizzata}, []string{
			"Relazione personalizzata", "7. Schermate", "artifacts/screenshots/chat-001.png", shot,
			"8. Anomalie", "9. Elenco delle impronte", "10. Come verificare",
			"corrisponde all'impronta di WhatsApp", "file non disponibile (gone)",
			"Ricevuto [U+1F44D U+1F3FD] grazie", // emoji shows its fallback
		}, nil},
		{"en personalizzata", report.Options{Lang: "en", Kind: report.Personalizzata}, []string{
			"Technical report of a forensic acquisition", "Detailed report", "1. Request", "6. Caveats",
			"10. How to verify",
			"Verdict: PROVEN (read): the recipient read the message on 14/01/2026 10:02:00 CET.",
			"Verdict: PROVEN (played): the recipient played the message on 14/01/2026 10:12:00 CET.",
			"Verdict: PROVEN (reply): the message was delivered on 14/01/2026 10:21:00 CET and the recipient wrote afterwards, on 14/01/2026 10:30:00 CET: “Ok, vista la foto (N. 5)”.",
			"Verdict: NOT PROVEN: the message was deleted for everyone and its content no longer exists.",
			"\"Delivered\" means delivered to at least one of the recipient's devices",
			"At the time of the acquisition the sender's read receipts were turned on.",
			"Verdict: PROVEN (read): the recipient read the message at an unknown time.",
			"Linked account",
			"Ricevuto [U+1F44D U+1F3FD] grazie",
		}, nil},
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
	text = pdfText(t, first(render(t, in, report.Options{Lang: "en"})))
	for _, w := range []string{"no attestation recorded", "unknown unknown unknown",
		"No action recorded beyond the acquisition."} {
		if !strings.Contains(text, w) {
			t.Errorf("report lacks %q", w)
		}
	}
}

func first[A, B any](a A, _ B) A { return a }
