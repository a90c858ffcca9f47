package report_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/attesta/attesta/bundle"
	"github.com/attesta/attesta/report"
)

// A delivery from the cloud-backup path names the path and its caveat, with the backup's date, and tells the
// restore's steps (who, when, which phone) in both languages; a client's uploaded backup names its own path and
// its receipt.
func TestRenderCloudPath(t *testing.T) {
	in, _ := sample(t)
	at := time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC)
	step := func(min int, step, operator string, extra ...string) report.Action {
		f := map[string]string{"step": step, "platform": "android", "device": "Google Pixel 7, Android 14 (LAB123)",
			"leaf": "7", "operator": operator}
		for i := 0; i+1 < len(extra); i += 2 {
			f[extra[i]] = extra[i+1]
		}
		return report.Action{At: at.Add(time.Duration(min) * time.Minute), Action: bundle.CustodyCloud, Fields: f}
	}
	in.Custody = slices.Concat([]report.Action{
		step(0, "wiped", "Anna Tecnico"), step(2, "registering", "Anna Tecnico"), step(4, "code-relayed", "client"),
		step(9, "restored", "Bruno Tecnico", "backup_date", "2026-01-14"),
	}, in.Custody)
	in.Source.ExtractionPath = report.PathCloudAndroid
	for _, tc := range []struct {
		lang string
		want []string
	}{
		{"it", []string{"backup nel cloud (Google Drive) ripristinato da WhatsApp su un telefono Android di laboratorio",
			"La copia ripristinata è il contenuto del backup nel cloud alla sua data (2026-01-14)",
			"Anna Tecnico ha azzerato il telefono di laboratorio Google Pixel 7, Android 14 (LAB123)",
			"il cliente ha trasmesso il codice di verifica dalla sua pagina remota",
			"Bruno Tecnico ha constatato che WhatsApp ha ripristinato", "ripristino del backup nel cloud"}},
		{"en", []string{"cloud backup (Google Drive) restored by WhatsApp on the studio's lab Android phone",
			"The restored copy is the cloud backup's content as of its date (2026-01-14)",
			"Anna Tecnico wiped the lab phone Google Pixel 7, Android 14 (LAB123)",
			"the client relayed the verification code from their remote page", "cloud backup restore"}},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			text := strings.Join(strings.Fields(pdfText(t, first(render(t, in, report.Options{Lang: tc.lang, Kind: report.Personalizzata})))), " ")
			for _, w := range tc.want {
				if !strings.Contains(text, w) {
					t.Errorf("report lacks %q", w)
				}
			}
		})
	}

	in, _ = sample(t)
	in.Source.ExtractionPath = report.PathClientUpload
	in.Custody = append([]report.Action{{At: at, Action: bundle.CustodyReceived, Fields: map[string]string{
		"channel": "remote-link", "sha256": strings.Repeat("ab", 32), "size": "4096", "leaf": "3"}}}, in.Custody...)
	text := strings.Join(strings.Fields(pdfText(t, first(render(t, in, report.Options{Kind: report.Personalizzata})))), " ")
	for _, w := range []string{"esportato dal cliente con la sua chiave di 64 cifre e caricato dalla sua pagina remota",
		"Backup ricevuto dal cliente tramite la sua pagina remota il 15/01/2026", "4096 byte"} {
		if !strings.Contains(text, w) {
			t.Errorf("upload report lacks %q", w)
		}
	}
	if strings.Contains(text, "backup nel cloud alla sua data") {
		t.Error("an uploaded backup's report carries the cloud path's caveat")
	}
}
