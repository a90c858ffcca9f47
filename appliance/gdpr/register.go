package gdpr

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/attesta/attesta/evidence"
	"github.com/go-pdf/fpdf"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
)

// RegisterCase is what the record of processing says of one case: ids, dates, bases and counts, no personal data.
type RegisterCase struct {
	Case          string
	Opened        time.Time
	ClientBasis   string // the basis's id
	SubjectsBasis string
	Chats         int // correspondents' chats acquired
	ShareLinks    int // links made to deliveries of the case
	RetainUntil   time.Time
	Hold          bool
	Restricted    bool
	Erased        time.Time
}

// What every processing of the appliance has in common: the categories, the purpose, the recipients by role and
// the security measures (GDPR art. 30(1)(b)-(g)).
const (
	registerSubjects = "cliente (committente); corrispondenti del cliente nelle chat acquisite"
	registerData     = "dati identificativi e di contatto del cliente; numeri e nomi dei corrispondenti; " +
		"messaggi WhatsApp con allegati, orari e ricevute; possibili categorie particolari (art. 9) nei messaggi"
	registerPurpose  = "certificazione forense di chat WhatsApp a fini probatori, su mandato del cliente"
	registerSecurity = "cifratura AES-256-GCM per caso con chiave sigillata nel TPM; registro Merkle firmato dal TPM; " +
		"cancellazione per distruzione della chiave; accesso con PIN; accessi registrati"
)

// registerHeader names the columns of the record, one row per case.
var registerHeader = []string{"caso", "aperto", "stato", "categorie di interessati", "categorie di dati", "finalità",
	"base giuridica (cliente)", "base giuridica (corrispondenti)", "destinatari", "conservazione fino al",
	"misure di sicurezza"}

// registerRows renders the record: one row per case, then the aggregate.
func registerRows(s Settings, cases []RegisterCase) [][]string {
	day := func(t time.Time) string {
		if t.IsZero() {
			return "—"
		}
		return t.In(evidence.Location()).Format("2006-01-02")
	}
	label := func(id string) string {
		if b, ok := s.Basis(id); ok {
			return b.IT
		}
		return id
	}
	rows := [][]string{registerHeader}
	chats, links := 0, 0
	bases := map[string]int{}
	var order []string
	for _, c := range cases {
		chats += c.Chats
		links += c.ShareLinks
		for _, id := range []string{c.ClientBasis, c.SubjectsBasis} {
			if bases[id] == 0 {
				order = append(order, id)
			}
			bases[id]++
		}
		rows = append(rows, []string{c.Case, day(c.Opened), caseState(c),
			registerSubjects + " (" + strconv.Itoa(c.Chats) + " chat)", registerData, registerPurpose,
			label(c.ClientBasis), label(c.SubjectsBasis), recipients(c.ShareLinks), day(c.RetainUntil), registerSecurity})
	}
	var used []string
	for _, id := range order {
		used = append(used, fmt.Sprintf("%s (%d)", label(id), bases[id]))
	}
	rows = append(rows, []string{fmt.Sprintf("totale: %d casi", len(cases)), "", "",
		registerSubjects + " (" + strconv.Itoa(chats) + " chat)", registerData, registerPurpose,
		strings.Join(used, "; "), "", recipients(links), "servizio acquistato più la conservazione legale dello studio",
		registerSecurity})
	return rows
}

func caseState(c RegisterCase) string {
	switch {
	case !c.Erased.IsZero():
		return "cancellato"
	case c.Hold:
		return "blocco legale"
	case c.Restricted:
		return "limitato"
	}
	return "attivo"
}

func recipients(links int) string {
	return "cliente; destinatari dei link di condivisione per ruolo (consulente, autorità giudiziaria): " +
		strconv.Itoa(links) + " link; nessun trasferimento fuori dall'UE"
}

// WriteRegisterCSV writes the record of processing as CSV (";" separated, as Italian spreadsheets read it).
func WriteRegisterCSV(w io.Writer, s Settings, cases []RegisterCase) error {
	cw := csv.NewWriter(w)
	cw.Comma = ';'
	if err := cw.WriteAll(registerRows(s, cases)); err != nil {
		return fmt.Errorf("gdpr: register csv: %w", err)
	}
	return nil
}

// WriteRegisterPDF writes the record of processing as a PDF table, landscape A4, dated at.
func WriteRegisterPDF(w io.Writer, s Settings, cases []RegisterCase, at time.Time) error {
	s = s.WithDefaults()
	pdf := fpdf.New("L", "mm", "A4", "")
	pdf.SetCatalogSort(true) // the same register, the same bytes
	pdf.SetCreationDate(at)
	pdf.SetModificationDate(at)
	pdf.AddUTF8FontFromBytes("GoSans", "", goregular.TTF)
	pdf.AddUTF8FontFromBytes("GoSans", "B", gobold.TTF)
	pdf.SetTitle("Registro delle attività di trattamento", true)
	pdf.SetMargins(10, 10, 10)
	pdf.SetAutoPageBreak(true, 10)
	pdf.AddPage()
	pdf.SetFont("GoSans", "B", 13)
	pdf.MultiCell(0, 6, "Registro delle attività di trattamento (art. 30 GDPR) — "+s.Studio, "", "L", false)
	pdf.SetFont("GoSans", "", 8)
	pdf.MultiCell(0, 4, "Generato il "+at.In(evidence.Location()).Format("02/01/2006 15:04")+
		". Una riga per caso e il totale; nessun dato personale.", "", "L", false)
	pdf.Ln(2)
	rows := registerRows(s, cases)
	// Case, opened, state, bases, retention as columns; the text common to every row once, below the table.
	cols := []int{0, 1, 2, 6, 7, 9}
	widths := []float64{32, 20, 22, 85, 85, 33}
	for i, r := range rows {
		style := ""
		if i == 0 || i == len(rows)-1 {
			style = "B"
		}
		pdf.SetFont("GoSans", style, 7)
		h := 0.0
		for k, c := range cols {
			if n := float64(len(pdf.SplitText(r[c], widths[k]-2))) * 3.5; n > h {
				h = n
			}
		}
		x, y := pdf.GetXY()
		if y+h > 200 {
			pdf.AddPage()
			x, y = pdf.GetXY()
		}
		for k, c := range cols {
			pdf.Rect(x, y, widths[k], h, "D")
			pdf.SetXY(x+1, y)
			pdf.MultiCell(widths[k]-2, 3.5, r[c], "", "L", false)
			x += widths[k]
		}
		pdf.SetXY(10, y+h)
	}
	pdf.Ln(3)
	last := rows[len(rows)-1]
	for _, c := range []int{3, 4, 5, 8, 10} {
		pdf.SetFont("GoSans", "B", 8)
		pdf.MultiCell(0, 4, registerHeader[c], "", "L", false)
		pdf.SetFont("GoSans", "", 8)
		pdf.MultiCell(0, 4, last[c], "", "L", false)
	}
	if err := pdf.Output(w); err != nil {
		return fmt.Errorf("gdpr: register pdf: %w", err)
	}
	return nil
}
