package evidence

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// FuzzParseList: a list never panics the parser, and what is accepted satisfies the list's invariants. Seeds are
// in testdata/fuzz/FuzzParseList.
func FuzzParseList(f *testing.F) {
	f.Add([]byte("numero: 3771151946 ; nominativo : emanuel celano ; messaggi : dal 12 gennaio al 14 gennaio"))
	f.Add([]byte("numero,nominativo,dal,al\n+44 7700 900123,\"Smith, J\",2026-01-01,2026-01-02\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := ParseList(bytes.NewReader(data), ListOptions{Now: listNow})
		if err != nil {
			if len(l.Entries) != 0 || l.Form != "" {
				t.Fatalf("error %v with a non-empty list %+v", err, l)
			}
			checkListError(t, err)
			return
		}
		checkList(t, l)
	})
}

func checkList(t *testing.T, l List) {
	t.Helper()
	if len(l.Entries) == 0 || len(l.Entries) > MaxListChats {
		t.Fatalf("accepted %d chats", len(l.Entries))
	}
	if l.Form != FormCSV && l.Form != FormText {
		t.Fatalf("form %q", l.Form)
	}
	seen := make(map[string]bool)
	last := 0
	for _, e := range l.Entries {
		if again, err := NormalizePhone(e.Phone, "1"); err != nil || again != e.Phone || !strings.HasPrefix(e.Phone, "+") {
			t.Fatalf("line %d: %q is not E.164 (%v)", e.Line, e.Phone, err)
		}
		if n := len(e.Phone) - 1; n < 7 || n > 15 {
			t.Fatalf("line %d: %q has %d digits", e.Line, e.Phone, n)
		}
		if seen[e.Phone] {
			t.Fatalf("line %d: duplicate %s", e.Line, e.Phone)
		}
		seen[e.Phone] = true
		if err := e.Range.Validate(); err != nil {
			t.Fatalf("line %d: %v", e.Line, err)
		}
		if e.Range.From.Compare(DateOf(listNow)) > 0 {
			t.Fatalf("line %d: range %s in the future", e.Line, e.Range)
		}
		if e.Name == "" || e.Name != normalizeSpace(e.Name) {
			t.Fatalf("line %d: name %q", e.Line, e.Name)
		}
		if e.Line <= last {
			t.Fatalf("line numbers not increasing: %d after %d", e.Line, last)
		}
		last = e.Line
	}
}

// checkListError: every error is a line error or one of the whole-list sentinels.
func checkListError(t *testing.T, err error) {
	t.Helper()
	if errors.Is(err, ErrEmptyList) || errors.Is(err, ErrListTooLarge) {
		return
	}
	j, ok := err.(interface{ Unwrap() []error })
	if !ok {
		t.Fatalf("not a joined error: %v", err)
	}
	for _, e := range j.Unwrap() {
		var le *LineError
		if !errors.As(e, &le) && !errors.Is(e, ErrTooManyErrors) {
			t.Fatalf("not a line error: %v", e)
		}
		if le != nil && le.Line < 1 {
			t.Fatalf("line %d", le.Line)
		}
	}
}

// FuzzMessageJSON: reading a manifest message never panics, and one that reads and validates writes back the
// same way twice.
func FuzzMessageJSON(f *testing.F) {
	for _, m := range sample().Messages {
		b, err := json.Marshal(m)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"id":"x","from_me":true,"sent_at":"2026-01-14T10:00:00Z","type":"text","status":"read","legal_value":{"proven":true,"basis":"reply","reply_id":null}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var m Message
		if json.Unmarshal(data, &m) != nil || m.Validate() != nil {
			return
		}
		b1, err := json.Marshal(m)
		if err != nil {
			t.Fatalf("valid message does not marshal: %v", err)
		}
		var back Message
		if err := json.Unmarshal(b1, &back); err != nil {
			t.Fatalf("own output does not read back: %v\n%s", err, b1)
		}
		b2, err := json.Marshal(back)
		if err != nil || !bytes.Equal(b1, b2) {
			t.Fatalf("round trip changed:\n%s\n%s", b1, b2)
		}
	})
}
