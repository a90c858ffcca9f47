package ui

import (
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/attesta/attesta/internal/i18n"
)

// The journal browser and the attestation history.

// journalPage is how many leaves the browser shows at once.
const journalPage = 50

// attestationHistory is how many attestation checks the history shows.
const attestationHistory = 100

type journalData struct {
	Leaves     []leafRow // newest first
	Size       uint64
	First      uint64 // the index of the oldest leaf shown
	Last       uint64 // the index of the newest leaf shown
	Older      string // link to the page before; empty on the first page
	Newer      string // link to the page after; empty on the newest page
	NewestPage string // link to the newest page; empty on it
}

type leafRow struct {
	LeafInfo
	When string
}

// stamp is how the journal screens show a time: Europe/Rome, to the second.
func stamp(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.In(rome).Format("02/01/2006 15:04:05")
}

// journalFrom reads ?from=N: the first leaf of the page. Absent, it is the start of the newest page.
func journalFrom(r *http.Request) (from uint64, given bool, err error) {
	v := r.URL.Query().Get("from")
	if v == "" {
		return 0, false, nil
	}
	from, err = strconv.ParseUint(v, 10, 64)
	return from, true, err
}

func (s *Server) journal(w http.ResponseWriter, r *http.Request) {
	from, given, err := journalFrom(r)
	if err != nil {
		httpError(w, r, "journal.invalid-journal-index", http.StatusBadRequest)
		return
	}
	// The size first, so that the newest page can be found; a second read fetches the page itself.
	_, size, err := s.cfg.Journal.Leaves(r.Context(), 0, 0)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	newest := uint64(0)
	if size > journalPage {
		newest = size - journalPage
	}
	if !given || from > newest {
		from = newest
	}
	leaves, size, err := s.cfg.Journal.Leaves(r.Context(), from, journalPage)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	data := journalData{Size: size, First: from}
	for i := len(leaves) - 1; i >= 0; i-- {
		data.Leaves = append(data.Leaves, leafRow{LeafInfo: leaves[i], When: stamp(leaves[i].Time)})
	}
	if n := uint64(len(leaves)); n > 0 {
		data.Last = from + n - 1
	}
	if from > 0 {
		data.Older = "/journal?from=" + strconv.FormatUint(from-min(from, journalPage), 10)
	}
	if end := from + uint64(len(leaves)); end < size {
		data.Newer = "/journal?from=" + strconv.FormatUint(min(end, newest), 10)
		data.NewestPage = "/journal"
	}
	s.render(w, r, http.StatusOK, "journal", data)
}

type attestationsData struct {
	Checks []attestationRow
	Failed int
}

type attestationRow struct {
	AttestationInfo
	When string
	Link string // the journal page holding its leaf
}

func (s *Server) attestations(w http.ResponseWriter, r *http.Request) {
	checks, err := s.cfg.Journal.Attestations(r.Context(), attestationHistory)
	if err != nil {
		s.log.ErrorContext(r.Context(), "read attestation history", slog.Any("error", err))
		s.fail(w, r, err)
		return
	}
	var data attestationsData
	for _, c := range checks {
		data.Checks = append(data.Checks, attestationRow{AttestationInfo: c, When: stamp(c.At),
			Link: "/journal?from=" + strconv.FormatUint(c.Leaf, 10)})
		if !c.OK {
			data.Failed++
		}
	}
	s.render(w, r, http.StatusOK, "attestations", data)
}

// journalTexts holds these screens' strings.
var journalTexts = map[string]i18n.Text{
	"journal.invalid-journal-index": {
		IT: "indice del registro non valido",
		EN: "invalid journal index"},
	"journal.the-journal-is-empty": {
		IT: "Il registro è vuoto.",
		EN: "The journal is empty."},
	"journal.leaves-d-d-of": {
		IT: "Foglie %d–%d di %d",
		EN: "Leaves %d–%d of %d"},
	"journal.index": {
		IT: "Indice",
		EN: "Index"},
	"journal.entry-type": {
		IT: "Tipo di voce",
		EN: "Entry type"},
	"journal.date-and-time": {
		IT: "Data e ora",
		EN: "Date and time"},
	"journal.fields": {
		IT: "Campi",
		EN: "Fields"},
	"journal.leaf-hash": {
		IT: "hash della foglia",
		EN: "leaf hash"},
	"journal.newer": {
		IT: "← Più recenti",
		EN: "← Newer"},
	"journal.older": {
		IT: "Più vecchie →",
		EN: "Older →"},
	"journal.newest": {
		IT: "Le più recenti",
		EN: "Newest"},
	"journal.attestation-history": {
		IT: "Storico delle attestazioni",
		EN: "Attestation history"},
	"journal.no-attestation-recorded": {
		IT: "Nessuna attestazione registrata.",
		EN: "No attestation recorded."},
	"journal.result": {
		IT: "Esito",
		EN: "Result"},
	"journal.summary": {
		IT: "Riepilogo",
		EN: "Summary"},
	"journal.leaf": {
		IT: "Foglia",
		EN: "Leaf"},
	"journal.passed": {
		IT: "Riuscita",
		EN: "Passed"},
	"journal.failed": {
		IT: "Fallita",
		EN: "Failed"},
	"journal.failed-checks-d-of": {
		IT: "Verifiche fallite: %d su %d.",
		EN: "Failed checks: %d of %d."},
	"journal.all-d-checks-passed": {
		IT: "Tutte le %d verifiche sono riuscite.",
		EN: "All %d checks passed."},
	"journal.times-in-europe-rome": {
		IT: "Orari in Europe/Rome.",
		EN: "Times in Europe/Rome."},
}
