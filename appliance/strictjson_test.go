package appliance

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
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
