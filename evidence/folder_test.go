package evidence

import (
	"testing"
	"time"
)

func TestFolderName(t *testing.T) {
	tests := []struct {
		phone string
		day   time.Time
		want  string
	}{
		{"+393771151946", time.Date(2026, 1, 15, 10, 0, 0, 0, time.UTC), "3771151946-15-gennaio-2026"},
		{"+393771151946", time.Date(2026, 1, 14, 23, 30, 0, 0, time.UTC), "3771151946-15-gennaio-2026"}, // already the 15th in Rome
		{"+393771151946", time.Date(2026, 12, 31, 23, 0, 0, 0, time.UTC), "3771151946-1-gennaio-2027"},
		{"+390669881234", time.Date(2026, 3, 29, 22, 30, 0, 0, time.UTC), "0669881234-30-marzo-2026"},
		{"+447700900123", time.Date(2026, 10, 25, 22, 30, 0, 0, time.UTC), "447700900123-25-ottobre-2026"},
		{"+12025550143", time.Date(2026, 8, 1, 12, 0, 0, 0, time.UTC), "12025550143-1-agosto-2026"},
		{"../../etc", time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC), "0-1-maggio-2026"},
		{"393771151946", time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC), "393771151946-1-maggio-2026"}, // not E.164: kept whole
	}
	for _, tt := range tests {
		if got := FolderName(tt.phone, tt.day); got != tt.want {
			t.Errorf("FolderName(%q, %s) = %q, want %q", tt.phone, tt.day, got, tt.want)
		}
	}
	for m := time.January; m <= time.December; m++ {
		got := FolderName("+393771151946", time.Date(2026, m, 10, 12, 0, 0, 0, Location()))
		if want := "3771151946-10-" + ItalianMonth(m) + "-2026"; got != want {
			t.Errorf("%s: %q, want %q", m, got, want)
		}
	}
}

func TestDate(t *testing.T) {
	for _, ok := range []string{"2024-02-29", "2026-12-31", "2026-01-01"} {
		var d Date
		if err := d.UnmarshalText([]byte(ok)); err != nil || d.String() != ok {
			t.Errorf("%s: %v %s", ok, err, d)
		}
	}
	for _, bad := range []string{"2025-02-29", "2026-04-31", "2026-13-01", "2026-00-10", "26-01-01", "2026-1-1", "2026-01-01T00:00:00Z", ""} {
		var d Date
		if err := d.UnmarshalText([]byte(bad)); err == nil {
			t.Errorf("%q accepted as %s", bad, d)
		}
	}
	if _, err := (Date{2026, 2, 30}).MarshalText(); err == nil {
		t.Error("30 February marshalled")
	}
	if got := (Date{2026, 12, 31}).AddDays(1); got != (Date{2027, 1, 1}) {
		t.Errorf("AddDays across a year: %s", got)
	}
	if err := (Range{Date{2026, 1, 14}, Date{2026, 1, 12}}).Validate(); err == nil {
		t.Error("reversed range valid")
	}
}
