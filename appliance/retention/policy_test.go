package retention

import (
	"errors"
	"testing"
	"time"
)

func romeTime(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, rome)
}

func endOfDay(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 23, 59, 59, 999_999_999, rome)
}

func TestRetainUntil(t *testing.T) {
	tests := []struct {
		name     string
		acquired time.Time
		service  Months
		legal    int
		want     time.Time
		wantUTC  string // checked when set: the instant, to pin the DST offset
	}{
		{"same day next month", romeTime(2025, 1, 15, 10, 0), 1, 0, endOfDay(2025, 2, 15), ""},
		{"31 jan + 1 month, common year", romeTime(2025, 1, 31, 10, 0), 1, 0, endOfDay(2025, 2, 28), ""},
		{"31 jan + 1 month, leap year", romeTime(2024, 1, 31, 10, 0), 1, 0, endOfDay(2024, 2, 29), ""},
		{"30 nov + 3 months, leap year", romeTime(2023, 11, 30, 9, 0), 3, 0, endOfDay(2024, 2, 29), ""},
		{"29 feb + 12 months", romeTime(2024, 2, 29, 9, 0), 12, 0, endOfDay(2025, 2, 28), ""},
		{"year rollover", romeTime(2025, 11, 30, 9, 0), 3, 0, endOfDay(2026, 2, 28), ""},
		{"legal retention added in one step", romeTime(2025, 3, 31, 9, 0), 6, 24, endOfDay(2027, 9, 30), ""},
		{"31 jan + 1 + 1 is 31 mar, not 28/29 mar", romeTime(2025, 1, 31, 9, 0), 1, 1, endOfDay(2025, 3, 31), ""},
		{"acquisition day is the Rome day, not the UTC day", time.Date(2025, 1, 31, 23, 30, 0, 0, time.UTC), 1, 0, endOfDay(2025, 3, 1), ""},
		{"ends on spring-forward day", romeTime(2024, 12, 30, 9, 0), 3, 0, endOfDay(2025, 3, 30), "2025-03-30T21:59:59.999999999Z"},
		{"ends on fall-back day", romeTime(2025, 4, 26, 9, 0), 6, 0, endOfDay(2025, 10, 26), "2025-10-26T22:59:59.999999999Z"},
		{"acquired on spring-forward day", romeTime(2025, 3, 30, 2, 30), 1, 0, endOfDay(2025, 4, 30), "2025-04-30T21:59:59.999999999Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Case{ID: "c", Acquired: tt.acquired, Service: tt.service, LegalMonths: tt.legal}
			got := RetainUntil(c)
			if !got.Equal(tt.want) {
				t.Errorf("RetainUntil = %v, want %v", got, tt.want)
			}
			if tt.wantUTC != "" && got.UTC().Format(time.RFC3339Nano) != tt.wantUTC {
				t.Errorf("RetainUntil = %s UTC, want %s", got.UTC().Format(time.RFC3339Nano), tt.wantUTC)
			}
			if Expired(c, got) || !Expired(c, got.Add(time.Nanosecond)) {
				t.Errorf("Expired must turn true just after %v", got)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	ok := Case{ID: "c1", Acquired: romeTime(2025, 1, 1, 0, 0), Service: 3}
	tests := []struct {
		name   string
		modify func(*Case)
		valid  bool
	}{
		{"valid", func(*Case) {}, true},
		{"no id", func(c *Case) { c.ID = "" }, false},
		{"no acquisition", func(c *Case) { c.Acquired = time.Time{} }, false},
		{"2 months not on sale", func(c *Case) { c.Service = 2 }, false},
		{"0 months", func(c *Case) { c.Service = 0 }, false},
		{"negative legal", func(c *Case) { c.LegalMonths = -1 }, false},
		{"absurd legal", func(c *Case) { c.LegalMonths = MaxLegalMonths + 1 }, false},
		{"hold without reason", func(c *Case) { c.Hold = &Hold{Since: time.Now(), By: "x"} }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ok
			tt.modify(&c)
			err := c.Validate()
			if tt.valid != (err == nil) || (err != nil && !errors.Is(err, ErrInvalidCase)) {
				t.Fatalf("Validate = %v, valid want %v", err, tt.valid)
			}
		})
	}
}

func TestDue(t *testing.T) {
	now := romeTime(2025, 6, 1, 12, 0)
	cases := []Case{
		{ID: "z-expired", Acquired: romeTime(2025, 1, 1, 0, 0), Service: 1},
		{ID: "a-expired", Acquired: romeTime(2025, 4, 30, 0, 0), Service: 1},
		{ID: "ends-today", Acquired: romeTime(2025, 5, 1, 0, 0), Service: 1},
		{ID: "held", Acquired: romeTime(2025, 1, 1, 0, 0), Service: 1, Hold: &Hold{Since: now, By: "b", Reason: "r"}},
		{ID: "erased", Acquired: romeTime(2025, 1, 1, 0, 0), Service: 1, Erased: now},
	}
	var got []string
	for _, c := range Due(cases, now) {
		got = append(got, c.ID)
	}
	if len(got) != 2 || got[0] != "a-expired" || got[1] != "z-expired" {
		t.Fatalf("Due = %v, want [a-expired z-expired]", got)
	}
}
