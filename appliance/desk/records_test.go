package desk

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/attesta/attesta/journal/blob"
)

// A register or a job record followed by anything but white space is refused, a stray "}" included (which
// json.Decoder.More accepts).
func TestStrictReadsRefuseTrailingData(t *testing.T) {
	cases, _ := json.Marshal(casesFile{Format: casesFormat, Cases: []caseRecord{{ID: "AT-2026-0001",
		ServiceMonths: 3, MaxMessages: 20, Created: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}}})
	record := `{"format":"attesta.job/v1","id":"j0123456789abcdef","kind":"web","case":"AT-2026-0001",` +
		`"state":"done","started":"2026-01-12T10:00:00Z","lines":[]}`
	if _, err := parseCases(append(cases, " \n\t"...), "cases.json"); err != nil {
		t.Fatalf("register with trailing white space: %v", err)
	}
	if _, err := decodeJobRecord([]byte(record+"\n"), "j0123456789abcdef"); err != nil {
		t.Fatalf("job record with trailing white space: %v", err)
	}
	for _, tail := range []string{"}", "\n}", "]", "{}", `"x"`, "0", "}{"} {
		_, err := parseCases(append(cases, tail...), "cases.json")
		if err == nil || !strings.Contains(err.Error(), "data after the register") {
			t.Errorf("register followed by %q: %v, want data after the register", tail, err)
		}
		_, err = decodeJobRecord([]byte(record+tail), "j0123456789abcdef")
		if err == nil || !strings.Contains(err.Error(), "data after the record") {
			t.Errorf("job record followed by %q: %v, want data after the record", tail, err)
		}
	}
}

func FuzzParseCases(f *testing.F) {
	good, _ := json.Marshal(casesFile{Format: casesFormat, Cases: []caseRecord{{ID: "AT-2026-0001", Client: "x",
		ClientPhone: "+393771151946", ServiceMonths: 3, MaxMessages: 20, Created: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}}})
	f.Add(good)
	f.Add([]byte(`{"format":"attesta.cases/v1","cases":[{"id":"../x"}]}`))
	f.Add([]byte(`{"format":"attesta.cases/v1","cases":[{"id":"a"},{"id":"a"}]}`))
	f.Add([]byte(`{"format":"attesta.cases/v2","cases":[]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		cases, err := parseCases(b, "cases.json")
		if err != nil {
			if !strings.Contains(err.Error(), "cases.json") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		for _, c := range cases {
			if err := blob.ValidCaseID(c.ID); err != nil {
				t.Fatalf("accepted case id %q", c.ID)
			}
		}
	})
}

func FuzzDecodeJobRecord(f *testing.F) {
	f.Add([]byte(`{"format":"attesta.job/v1","id":"j0123456789abcdef","kind":"web","case":"AT-2026-0001",` +
		`"state":"running","started":"2026-01-12T10:00:00Z","updated":"2026-01-12T10:00:01Z","progress":"chat 1 di 2: lettura dei messaggi",` +
		`"done":0,"total":2,"lines":[{"line":2,"delivered":false,"certified":0}],"sealed":"AAAA"}`))
	f.Add([]byte(`{"format":"attesta.job/v1","id":"j0123456789abcdef","kind":"adb","case":"../x","state":"done","started":"2026-01-12T10:00:00Z"}`))
	f.Add([]byte(`{"format":"attesta.job/v1"}{}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		rec, err := decodeJobRecord(b, "j0123456789abcdef")
		if err != nil {
			return
		}
		if rec.ID != "j0123456789abcdef" || !knownState(rec.State) || len(rec.Lines) > 50 {
			t.Fatalf("accepted %+v", rec)
		}
	})
}
