package gdpr

import (
	"bytes"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/attesta/attesta/internal/golden"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// threeCases is the register's fixture: an active case, one on legal hold and restricted, one erased.
func threeCases() []RegisterCase {
	d := func(s string) time.Time { t, _ := time.Parse(time.RFC3339, s); return t }
	return []RegisterCase{
		{Case: "AT-2026-0001", Opened: d("2026-01-12T09:00:00Z"), ClientBasis: BasisContract, SubjectsBasis: BasisLegalClaims,
			Chats: 3, ShareLinks: 2, RetainUntil: d("2027-01-12T22:59:59Z")},
		{Case: "AT-2026-0002", Opened: d("2026-02-03T10:30:00Z"), ClientBasis: BasisContract, SubjectsBasis: "consent",
			Chats: 1, ShareLinks: 0, RetainUntil: d("2026-08-03T21:59:59Z"), Hold: true, Restricted: true},
		{Case: "AT-2026-0003", Opened: d("2026-03-01T08:00:00Z"), ClientBasis: BasisContract, SubjectsBasis: BasisLegalClaims,
			Chats: 5, ShareLinks: 4, RetainUntil: d("2026-04-01T21:59:59Z"), Erased: d("2026-04-02T03:00:00Z")},
	}
}

func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	golden.Check(t, filepath.Join("testdata", name), got, *update)
}

// The record of processing of three cases, as CSV and as PDF, matches the golden files; the PDF is a real PDF
// (poppler reads it) whose text holds every case and the measures, and it is the same bytes every time.
func TestRegisterGolden(t *testing.T) {
	s := Settings{Studio: "Studio Legale Esempio"}.WithDefaults()
	var csvOut bytes.Buffer
	if err := WriteRegisterCSV(&csvOut, s, threeCases()); err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "register.csv", csvOut.Bytes())

	at := time.Date(2026, 4, 10, 12, 0, 0, 0, time.UTC)
	var p1, p2 bytes.Buffer
	if err := WriteRegisterPDF(&p1, s, threeCases(), at); err != nil {
		t.Fatal(err)
	}
	if err := WriteRegisterPDF(&p2, s, threeCases(), at); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(p1.Bytes(), p2.Bytes()) {
		t.Error("two renderings of the same register differ")
	}
	pdf := filepath.Join(t.TempDir(), "register.pdf")
	if err := os.WriteFile(pdf, p1.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.CommandContext(t.Context(), "pdftotext", "-enc", "UTF-8", pdf, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	checkGolden(t, "register.txt", out)
	text := strings.Join(strings.Fields(string(out)), " ")
	for _, want := range []string{"AT-2026-0001", "AT-2026-0002", "AT-2026-0003", "blocco legale", "cancellato",
		"9(2)(f) GDPR", "totale: 3 casi", "TPM", "Studio Legale Esempio"} {
		if !strings.Contains(text, want) {
			t.Errorf("the register's PDF does not say %q", want)
		}
	}
}

// The notice's placeholders are filled, an unknown one stays visible, and the digest changes with any byte.
func TestRenderNotice(t *testing.T) {
	f := NoticeFields{Studio: "Studio X", Case: "AT-2026-0001", Client: "Mario Rossi", Plan: 10, ServiceMonths: 6,
		RetainUntil: "12/01/2027", ClientBasis: "contratto", SubjectsBasis: "difesa"}
	got := Render("{studio} {caso} {cliente} {piano} {servizio_mesi} {conservazione} {finalita} {ignoto}\r\n", f)
	if want := "Studio X AT-2026-0001 Mario Rossi 10 6 12/01/2027 — {ignoto}"; got != want {
		t.Errorf("Render = %q, want %q", got, want)
	}
	if Digest(got) == Digest(got+" ") {
		t.Error("the digest does not change with the text")
	}
	for _, n := range []string{DefaultNoticeIT, DefaultNoticeEN} {
		if r := Render(n, f); strings.Contains(r, "{") {
			t.Errorf("the default notice keeps a placeholder: %s", r)
		}
	}
}

// Requests are due one month later (end of the month's last day when the day does not exist), keep no number in
// the clear, survive a reopen, and a corrupted register is refused with its name.
func TestRequests(t *testing.T) {
	dir := t.TempDir()
	r, err := OpenRequests(dir)
	if err != nil {
		t.Fatal(err)
	}
	q, err := r.Add(KindErasure, "+393771151946", "tecnico", time.Date(2026, 1, 31, 10, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if got := q.Due.In(time.FixedZone("CET", 3600)).Format("2006-01-02"); got != "2026-02-28" {
		t.Errorf("due %s, want 2026-02-28", got)
	}
	if _, err := r.Add("forget", "+393771151946", "", time.Now()); err == nil {
		t.Error("an unknown kind was accepted")
	}
	if _, err := r.Answer(q.ID, "erased AT-2026-0001", time.Date(2026, 2, 2, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(filepath.Join(dir, "gdpr-requests.json"))
	if bytes.Contains(b, []byte("3771151946")) {
		t.Errorf("the register holds the number in the clear:\n%s", b)
	}
	r2, err := OpenRequests(dir)
	if err != nil {
		t.Fatal(err)
	}
	if l := r2.List(); len(l) != 1 || l[0].Open() || l[0].Subject != r.SubjectID("+393771151946") || l[0].Masked != "+39…946" {
		t.Errorf("reopened register: %+v", l)
	}
	os.WriteFile(filepath.Join(dir, "gdpr-requests.json"), append(b, '}'), 0o600)
	if _, err := OpenRequests(dir); err == nil || !strings.Contains(err.Error(), "gdpr-requests.json") {
		t.Errorf("a corrupted register: %v, want an error naming it", err)
	}
}
