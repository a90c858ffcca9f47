package evidence

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// now is 20 January 2026 at noon in Rome.
var listNow = time.Date(2026, 1, 20, 12, 0, 0, 0, Location())

func parse(t *testing.T, s string) (List, error) {
	t.Helper()
	return ParseList(strings.NewReader(s), ListOptions{Now: listNow})
}

func mustParse(t *testing.T, s string) List {
	t.Helper()
	l, err := parse(t, s)
	if err != nil {
		t.Fatalf("ParseList: %v\ninput:\n%s", err, s)
	}
	return l
}

func TestParseListForms(t *testing.T) {
	jan := func(from, to int) Range { return Range{day(2026, 1, from), day(2026, 1, to)} }
	tests := []struct {
		name  string
		input string
		form  ListForm
		want  []ListEntry
	}{
		{
			name:  "csv semicolon, both date forms",
			input: "numero;nominativo;dal;al\n3771151946;Emanuel Celano;2026-01-12;2026-01-14\n+39 333 123 4567;Maria Rossi;12/01/2026;15/1/2026\n",
			form:  FormCSV,
			want: []ListEntry{
				{Line: 2, Phone: "+393771151946", Name: "Emanuel Celano", Range: jan(12, 14)},
				{Line: 3, Phone: "+393331234567", Name: "Maria Rossi", Range: jan(12, 15)},
			},
		},
		{
			name:  "csv comma, quoted name with a comma, CRLF and BOM",
			input: "\uFEFFNumero,Nominativo,Dal,Al\r\n0039 377.115.1946,\"Celano, Emanuel\",12/01/2026,14/01/2026\r\n",
			form:  FormCSV,
			want:  []ListEntry{{Line: 2, Phone: "+393771151946", Name: "Celano, Emanuel", Range: jan(12, 14)}},
		},
		{
			name:  "csv with spreadsheet trailing separators, blank and comment lines",
			input: "numero ; nominativo ; dal ; al ;;\n\n# clienti studio\n377-115-1946;  Emanuel   Celano ;2026-01-12;2026-01-12;;\n",
			form:  FormCSV,
			want:  []ListEntry{{Line: 4, Phone: "+393771151946", Name: "Emanuel Celano", Range: jan(12, 12)}},
		},
		{
			name:  "csv columns in another order",
			input: "Nominativo;Dal;Al;Numero\nEmanuel Celano;12/01/2026;14/01/2026;3771151946\n",
			form:  FormCSV,
			want:  []ListEntry{{Line: 2, Phone: "+393771151946", Name: "Emanuel Celano", Range: jan(12, 14)}},
		},
		{
			name:  "text form as the seed writes it",
			input: "numero: 3771151946 ; nominativo : emanuel celano ; messaggi : dal 12 gennaio al 14 gennaio\n",
			form:  FormText,
			want:  []ListEntry{{Line: 1, Phone: "+393771151946", Name: "emanuel celano", Range: jan(12, 14)}},
		},
		{
			name: "text form variants",
			input: "NUMERO:+393771151946;NOMINATIVO:Emanuel Celano;MESSAGGI:DAL 1º GENNAIO AL 3 GENNAIO\r\n" +
				"  numero :  333 1234567 ;  nominativo :  Maria\u00a0Rossi ;  messaggi :  dall'8 gennaio all'11 gennaio  \r\n" +
				"numero: 3401234567; nominativo: Luca Bianchi; messaggi: dal 12 al 14 gennaio\r\n" +
				"telefono: 3471234567; nome: Anna Neri; messaggi: dal 20 dicembre 2025 al 5 gennaio 2026\r\n" +
				"numero: 3481234567; nominativo: Paolo Verdi; messaggi: dal 12 gen. al 14 gen\r\n" +
				"numero: 3491234567; nominativo: Sara Gialli; messaggi: dal 10/01/2026 al 2026-01-19\r\n",
			form: FormText,
			want: []ListEntry{
				{Line: 1, Phone: "+393771151946", Name: "Emanuel Celano", Range: jan(1, 3)},
				{Line: 2, Phone: "+393331234567", Name: "Maria Rossi", Range: jan(8, 11)},
				{Line: 3, Phone: "+393401234567", Name: "Luca Bianchi", Range: jan(12, 14)},
				{Line: 4, Phone: "+393471234567", Name: "Anna Neri", Range: Range{day(2025, 12, 20), day(2026, 1, 5)}},
				{Line: 5, Phone: "+393481234567", Name: "Paolo Verdi", Range: jan(12, 14)},
				{Line: 6, Phone: "+393491234567", Name: "Sara Gialli", Range: jan(10, 19)},
			},
		},
		{
			name:  "windows-1252 name from a spreadsheet",
			input: "numero;nominativo;dal;al\n3771151946;Niccol\xf2 Forl\xec;2026-01-12;2026-01-14\n",
			form:  FormCSV,
			want:  []ListEntry{{Line: 2, Phone: "+393771151946", Name: "Niccolò Forlì", Range: jan(12, 14)}},
		},
		{
			name:  "old mac line endings",
			input: "numero;nominativo;dal;al\r3771151946;Emanuel Celano;2026-01-12;2026-01-14\r",
			form:  FormCSV,
			want:  []ListEntry{{Line: 2, Phone: "+393771151946", Name: "Emanuel Celano", Range: jan(12, 14)}},
		},
		{
			name:  "a year given on one end applies to the other",
			input: "numero: 3771151946; nominativo: E C; messaggi: dal 12 gennaio 2025 al 14 gennaio",
			form:  FormText,
			want:  []ListEntry{{Line: 1, Phone: "+393771151946", Name: "E C", Range: Range{day(2025, 1, 12), day(2025, 1, 14)}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := mustParse(t, tt.input)
			if l.Form != tt.form {
				t.Errorf("form = %s, want %s", l.Form, tt.form)
			}
			if len(l.Entries) != len(tt.want) {
				t.Fatalf("entries = %+v, want %+v", l.Entries, tt.want)
			}
			for i, e := range l.Entries {
				if e != tt.want[i] {
					t.Errorf("entry %d = %+v, want %+v", i, e, tt.want[i])
				}
			}
		})
	}
}

func TestParseListMonths(t *testing.T) {
	for m := time.January; m <= time.December; m++ {
		name := ItalianMonth(m)
		for _, spelled := range []string{name, strings.ToUpper(name[:1]) + name[1:], name[:3] + "."} {
			line := fmt.Sprintf("numero: 3771151946; nominativo: Prova; messaggi: dal 1 %s 2025 al 28 %s 2025", spelled, spelled)
			l := mustParse(t, line)
			if r := l.Entries[0].Range; r.From != day(2025, m, 1) || r.To != day(2025, m, 28) {
				t.Errorf("%s: range %s", spelled, r)
			}
		}
	}
}

func TestParseListErrors(t *testing.T) {
	tests := []struct {
		name  string
		input string
		lines []int   // lines reported, in order
		is    []error // each line error's cause
	}{
		{
			name:  "bad lines among good ones: nothing imported",
			input: "numero;nominativo;dal;al\n3771151946;A;2026-01-12;2026-01-14\n37711x1946;B;2026-01-12;2026-01-14\n3331234567;C;2026-01-12;2026-01-14\n3341234567;D;2026-01-32;2026-02-01\n",
			lines: []int{3, 5},
			is:    []error{ErrPhone, ErrDate},
		},
		{
			name:  "wrong number of fields",
			input: "numero;nominativo;dal;al\n3771151946;Emanuel;2026-01-12\n",
			lines: []int{2}, is: []error{ErrListSyntax},
		},
		{
			name:  "bare quote",
			input: "numero,nominativo,dal,al\n3771151946,Emanuel \"Lele,2026-01-12,2026-01-13\n",
			lines: []int{2}, is: []error{ErrListSyntax},
		},
		{
			name:  "range reversed",
			input: "numero: 3771151946; nominativo: E; messaggi: dal 14 gennaio al 12 gennaio",
			lines: []int{1}, is: []error{ErrRange},
		},
		{
			name:  "no year guessed across new year",
			input: "numero: 3771151946; nominativo: E; messaggi: dal 20 dicembre al 5 gennaio",
			lines: []int{1}, is: []error{ErrRange},
		},
		{
			name:  "range in the future",
			input: "numero: 3771151946; nominativo: E; messaggi: dal 12 marzo al 14 marzo",
			lines: []int{1}, is: []error{ErrFutureRange},
		},
		{
			name:  "day that does not exist",
			input: "numero: 3771151946; nominativo: E; messaggi: dal 29 febbraio 2025 al 31 aprile 2025",
			lines: []int{1}, is: []error{ErrDate},
		},
		{
			name:  "two-digit year",
			input: "numero;nominativo;dal;al\n3771151946;E;12/01/26;14/01/26\n",
			lines: []int{2}, is: []error{ErrDate},
		},
		{
			name:  "not an Italian month",
			input: "numero: 3771151946; nominativo: E; messaggi: dal 12 january al 14 january",
			lines: []int{1}, is: []error{ErrDate},
		},
		{
			name:  "missing key and unknown key",
			input: "numero: 3771151946; messaggi: dal 12 gennaio al 14 gennaio\nnumero: 3331234567; nominativo: E; email: e@x.it; messaggi: dal 12 gennaio al 14 gennaio\n",
			lines: []int{1, 2}, is: []error{ErrListSyntax, ErrListSyntax},
		},
		{
			name:  "header with a column twice is no header",
			input: "numero;numero;dal;al\n3771151946;3771151946;2026-01-12;2026-01-14\n",
			lines: []int{1, 2}, is: []error{ErrListSyntax, ErrListSyntax},
		},
		{
			name:  "headerless csv is not the text form",
			input: "3771151946;Emanuel Celano;2026-01-12;2026-01-14\n",
			lines: []int{1}, is: []error{ErrListSyntax},
		},
		{
			name:  "fields separated by commas in the text form",
			input: "numero: 3771151946, nominativo: E, messaggi: dal 12 gennaio al 14 gennaio",
			lines: []int{1}, is: []error{ErrListSyntax},
		},
		{
			name:  "period without dal/al",
			input: "numero: 3771151946; nominativo: E; messaggi: 12 gennaio - 14 gennaio",
			lines: []int{1}, is: []error{ErrListSyntax},
		},
		{
			name:  "duplicate numbers in different spellings",
			input: "numero;nominativo;dal;al\n3771151946;A;2026-01-12;2026-01-14\n+39 377 115 1946;A bis;2026-01-15;2026-01-16\n",
			lines: []int{3}, is: []error{ErrDuplicate},
		},
		{
			name:  "empty name and control characters",
			input: "numero;nominativo;dal;al\n3771151946; ;2026-01-12;2026-01-14\n3331234567;A\x1bB;2026-01-12;2026-01-14\n",
			lines: []int{2, 3}, is: []error{ErrListName, ErrListName},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := parse(t, tt.input)
			if err == nil {
				t.Fatalf("accepted: %+v", l)
			}
			if len(l.Entries) != 0 {
				t.Errorf("half-imported: %+v", l.Entries)
			}
			les := lineErrors(err)
			if len(les) != len(tt.lines) {
				t.Fatalf("line errors %v, want lines %v", err, tt.lines)
			}
			for i, le := range les {
				if le.Line != tt.lines[i] || !errors.Is(le, tt.is[i]) {
					t.Errorf("error %d = %v, want line %d and %v", i, le, tt.lines[i], tt.is[i])
				}
				if !strings.HasPrefix(le.Error(), fmt.Sprintf("line %d: ", le.Line)) {
					t.Errorf("message %q does not name the line", le.Error())
				}
			}
			t.Log(err)
		})
	}
}

func lineErrors(err error) []*LineError {
	var out []*LineError
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			var le *LineError
			if errors.As(e, &le) {
				out = append(out, le)
			}
		}
	}
	return out
}

func listOf(n int) string {
	var b strings.Builder
	b.WriteString("numero;nominativo;dal;al\n")
	for i := range n {
		fmt.Fprintf(&b, "33312%05d;Cliente %d;2026-01-12;2026-01-14\n", i, i)
	}
	return b.String()
}

func TestParseListLimits(t *testing.T) {
	if l := mustParse(t, listOf(50)); len(l.Entries) != 50 {
		t.Errorf("50 chats: got %d", len(l.Entries))
	}
	_, err := parse(t, listOf(51))
	les := lineErrors(err)
	if len(les) != 1 || les[0].Line != 52 || !errors.Is(err, ErrTooManyChats) {
		t.Errorf("51 chats: %v, want a line 52 error wrapping ErrTooManyChats", err)
	}
	l, err := ParseList(strings.NewReader(listOf(5)), ListOptions{Now: listNow, MaxChats: 4})
	if !errors.Is(err, ErrTooManyChats) || len(l.Entries) != 0 {
		t.Errorf("MaxChats 4 with 5 chats: %v", err)
	}
	if _, err := ParseList(strings.NewReader(listOf(51)), ListOptions{Now: listNow, MaxChats: 100}); !errors.Is(err, ErrTooManyChats) {
		t.Errorf("MaxChats 100 lifted the contract's limit of 50: %v", err)
	}

	for _, empty := range []string{"", "\uFEFF\r\n\r\n", "numero;nominativo;dal;al\n", "# nothing\n"} {
		if _, err := parse(t, empty); !errors.Is(err, ErrEmptyList) {
			t.Errorf("%q: %v, want ErrEmptyList", empty, err)
		}
	}
	if _, err := parse(t, strings.Repeat("x", MaxListBytes+1)); !errors.Is(err, ErrListTooLarge) {
		t.Errorf("oversized: %v", err)
	}
	_, err = parse(t, "numero;nominativo;dal;al\n"+strings.Repeat("bad\n", 150))
	if les := lineErrors(err); len(les) != maxLineErrs || !errors.Is(err, ErrTooManyErrors) {
		t.Errorf("150 bad lines: %d line errors, summary %t", len(les), errors.Is(err, ErrTooManyErrors))
	}
}

func TestParseListReadError(t *testing.T) {
	boom := errors.New("disk gone")
	_, err := ParseList(failingReader{boom}, ListOptions{Now: listNow})
	if !errors.Is(err, boom) {
		t.Errorf("err = %v, want the reader's error", err)
	}
}

type failingReader struct{ err error }

func (r failingReader) Read([]byte) (int, error) { return 0, r.err }

func TestNormalizePhone(t *testing.T) {
	tests := []struct {
		in, country, want string
	}{
		{"3771151946", "39", "+393771151946"},
		{"377 115 1946", "39", "+393771151946"},
		{"377.115.1946", "39", "+393771151946"},
		{"377-115-1946", "39", "+393771151946"},
		{"(377) 1151946", "39", "+393771151946"},
		{"+39 377 1151946", "39", "+393771151946"},
		{"0039 377 1151946", "39", "+393771151946"},
		{"+393771151946", "44", "+393771151946"},
		{"06 6988 1234", "39", "+390669881234"}, // Rome fixed line keeps its 0
		{"02 123456", "39", "+3902123456"},
		{"+44 7700 900123", "39", "+447700900123"},
		{"0044 7700 900123", "39", "+447700900123"},
		{"7700 900123", "44", "+447700900123"},
		{"+1 (202) 555-0143", "39", "+12025550143"},
		{"+44 (0)20 7946 0958", "39", "+442079460958"},
		{"+39 (0)6 6988 1234", "39", "+390669881234"},
		{"\u00a0377\u00a01151946 ", "39", "+393771151946"},
	}
	for _, tt := range tests {
		got, err := NormalizePhone(tt.in, tt.country)
		if err != nil || got != tt.want {
			t.Errorf("NormalizePhone(%q, %q) = %q, %v; want %q", tt.in, tt.country, got, err, tt.want)
		}
	}
	bad := []struct{ in, why string }{
		{"", "empty"},
		{"377115194a", "letters"},
		{"tel 3771151946", "letters"},
		{"3771", "too short"},
		{"37711519461234", "too long"},
		{"393771151946", "too long"}, // country code without a prefix is not guessed
		{"+39 12345678", "begin with 0 or 3"},
		{"+0 123456789", "cannot start with 0"},
		{"+1234567890123456", "too long"},
		{"+44 12", "too short"},
		{"377+1151946", "'+'"},
		{"377*1151946", "contains"},
		{"+", "no digits"},
	}
	for _, tt := range bad {
		got, err := NormalizePhone(tt.in, "39")
		if err == nil || !errors.Is(err, ErrPhone) || !strings.Contains(err.Error(), tt.why) {
			t.Errorf("NormalizePhone(%q) = %q, %v; want an ErrPhone saying %q", tt.in, got, err, tt.why)
		}
	}
	if _, err := NormalizePhone("3771151946", "3x"); err == nil {
		t.Error("a default country with letters was accepted")
	}
}

func TestParseListDate(t *testing.T) {
	tests := []struct {
		in   string
		want listDate
	}{
		{"2026-01-12", listDate{12, 1, 2026}},
		{"12/01/2026", listDate{12, 1, 2026}},
		{"1/2/2026", listDate{1, 2, 2026}},
		{"12.01.2026", listDate{12, 1, 2026}},
		{"12-01-2026", listDate{12, 1, 2026}},
		{"12/1", listDate{12, 1, 0}},
		{"12 gennaio 2026", listDate{12, 1, 2026}},
		{"12 gennaio", listDate{12, 1, 0}},
		{"1º marzo", listDate{1, 3, 0}},
		{"1° marzo", listDate{1, 3, 0}},
		{"lunedì 12 gennaio", listDate{12, 1, 0}},
		{"12 sett. 2025", listDate{12, 9, 2025}},
		{"12", listDate{12, 0, 0}},
	}
	for _, tt := range tests {
		got, err := parseListDate(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("parseListDate(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "2026-1-12", "12//2026", "12/01.2026", "12/01/", "/12/01", "123/01/2026",
		"12 gennaio 26", "dodici gennaio", "12 gennaio 2026 ore", "12 foo", "2026-02-30"} {
		if got, err := parseListDate(bad); err == nil {
			t.Errorf("parseListDate(%q) = %+v, want an error", bad, got)
		}
	}
}

// Dates outside a plausible window are refused with their line: nothing was sent on WhatsApp before 2009, and a
// range cannot end more than a day after the day the list is read (listNow: 20 January 2026).
func TestParseListDateWindow(t *testing.T) {
	input := "numero;nominativo;dal;al\n" +
		"3771151946;A;0001-01-01;2026-01-14\n" + // year 1
		"3331234567;B;2008-12-31;2009-01-02\n" + // the day before 2009
		"3341234567;C;2026-01-12;9999-12-31\n" + // year 9999
		"3351234567;D;2026-01-12;2026-01-22\n" + // two days after the read date
		"3361234567;E;01/01/1970;02/01/1970\n"
	_, err := parse(t, input)
	les := lineErrors(err)
	if len(les) != 5 {
		t.Fatalf("got %d line errors, want 5: %v", len(les), err)
	}
	for i, le := range les {
		if le.Line != i+2 || !errors.Is(le, ErrDateWindow) {
			t.Errorf("error %d = %v, want line %d and ErrDateWindow", i, le, i+2)
		}
	}
	l := mustParse(t, "numero;nominativo;dal;al\n3771151946;A;2009-01-01;2026-01-21\n")
	if got := l.Entries[0].Range; got.From != day(2009, 1, 1) || got.To != day(2026, 1, 21) {
		t.Fatalf("the window's own ends: %v", got)
	}
}
