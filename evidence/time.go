package evidence

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // the appliance image and test machines may have no zoneinfo; Europe/Rome must still load
)

// Zone is the time zone of calendar days in lists, ranges, folder names and reports.
const Zone = "Europe/Rome"

var rome = sync.OnceValue(func() *time.Location {
	loc, err := time.LoadLocation(Zone)
	if err != nil {
		// Unreachable with time/tzdata linked in, unless ZONEINFO points at a broken file.
		panic(fmt.Sprintf("evidence: load time zone %s: %v", Zone, err))
	}
	return loc
})

// Location returns the Europe/Rome time zone.
func Location() *time.Location { return rome() }

var italianMonths = [...]string{"gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto",
	"settembre", "ottobre", "novembre", "dicembre"}

// ItalianMonth returns the lower-case Italian name of m ("gennaio").
func ItalianMonth(m time.Month) string {
	if m < time.January || m > time.December {
		return fmt.Sprintf("mese-%d", int(m))
	}
	return italianMonths[m-1]
}

// Time is an instant in evidence. It is written as RFC 3339 in UTC and as JSON null when unknown (the zero value).
type Time struct{ time.Time }

// At returns t as a Time in UTC; the zero time.Time stays unknown.
func At(t time.Time) Time {
	if t.IsZero() {
		return Time{}
	}
	return Time{t.UTC()}
}

// Unix returns the Time sec seconds after the Unix epoch. WhatsApp writes 0 for "no time", so sec ≤ 0 is unknown.
func Unix(sec int64) Time {
	if sec <= 0 {
		return Time{}
	}
	return Time{time.Unix(sec, 0).UTC()}
}

// Known reports whether the time is known.
func (t Time) Known() bool { return !t.IsZero() }

// String returns the RFC 3339 UTC form, or "unknown".
func (t Time) String() string {
	if !t.Known() {
		return "unknown"
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// MarshalJSON writes null or an RFC 3339 UTC string.
func (t Time) MarshalJSON() ([]byte, error) {
	if !t.Known() {
		return []byte("null"), nil
	}
	return []byte(`"` + t.UTC().Format(time.RFC3339Nano) + `"`), nil
}

// UnmarshalJSON reads null or an RFC 3339 string in UTC ("Z"); an offset is refused so that what is read writes
// back byte for byte.
func (t *Time) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, []byte("null")) {
		*t = Time{}
		return nil
	}
	if len(b) < 2 || b[0] != '"' || b[len(b)-1] != '"' {
		return fmt.Errorf("evidence: time %s: not a JSON string or null", clip(string(b)))
	}
	return t.UnmarshalText(b[1 : len(b)-1])
}

// MarshalText writes the RFC 3339 UTC form, or nothing when unknown.
func (t Time) MarshalText() ([]byte, error) {
	if !t.Known() {
		return []byte{}, nil
	}
	return []byte(t.UTC().Format(time.RFC3339Nano)), nil
}

// UnmarshalText reads what MarshalText writes.
func (t *Time) UnmarshalText(b []byte) error {
	s := string(b)
	if s == "" {
		*t = Time{}
		return nil
	}
	if !strings.HasSuffix(s, "Z") {
		return fmt.Errorf("evidence: time %q: not UTC (want a trailing Z)", clip(s))
	}
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return fmt.Errorf("evidence: time %q: %w", clip(s), err)
	}
	*t = At(v)
	return nil
}

// Date is a calendar day in Europe/Rome. Its text form is the RFC 3339 full-date "2026-01-15".
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// ErrDate reports a calendar date that does not exist or cannot be read.
var ErrDate = errors.New("invalid date")

// DateOf returns the Europe/Rome calendar day that contains t.
func DateOf(t time.Time) Date {
	y, m, d := t.In(rome()).Date()
	return Date{y, m, d}
}

// NewDate returns the date y-m-d, or ErrDate when that day does not exist (31 April, 29 February 2027).
func NewDate(y int, m time.Month, d int) (Date, error) {
	if y < 1 || y > 9999 || m < time.January || m > time.December || d < 1 || d > 31 {
		return Date{}, fmt.Errorf("%w: %04d-%02d-%02d", ErrDate, y, int(m), d)
	}
	t := time.Date(y, m, d, 12, 0, 0, 0, time.UTC)
	if t.Day() != d {
		return Date{}, fmt.Errorf("%w: %d %s %d does not exist", ErrDate, d, ItalianMonth(m), y)
	}
	return Date{y, m, d}, nil
}

// Start returns the first instant of the day in Europe/Rome.
func (d Date) Start() time.Time { return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, rome()) }

// AddDays returns the date n days later (earlier when n < 0).
func (d Date) AddDays(n int) Date {
	t := time.Date(d.Year, d.Month, d.Day+n, 12, 0, 0, 0, time.UTC)
	return Date{t.Year(), t.Month(), t.Day()}
}

// Compare returns -1, 0 or +1 as d is before, equal to or after e.
func (d Date) Compare(e Date) int {
	switch {
	case d.Year != e.Year:
		return cmp.Compare(d.Year, e.Year)
	case d.Month != e.Month:
		return cmp.Compare(int(d.Month), int(e.Month))
	default:
		return cmp.Compare(d.Day, e.Day)
	}
}

// IsZero reports whether d is the zero Date.
func (d Date) IsZero() bool { return d == Date{} }

// String returns "2026-01-15".
func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day) }

// MarshalText writes "2026-01-15".
func (d Date) MarshalText() ([]byte, error) {
	if _, err := NewDate(d.Year, d.Month, d.Day); err != nil {
		return nil, fmt.Errorf("evidence: marshal date: %w", err)
	}
	return []byte(d.String()), nil
}

// UnmarshalText reads "2026-01-15".
func (d *Date) UnmarshalText(b []byte) error {
	v, err := parseISODate(string(b))
	if err != nil {
		return fmt.Errorf("evidence: date %q: %w", clip(string(b)), err)
	}
	*d = v
	return nil
}

func parseISODate(s string) (Date, error) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return Date{}, fmt.Errorf("%w: want YYYY-MM-DD", ErrDate)
	}
	y, ok1 := atoiDigits(s[0:4])
	m, ok2 := atoiDigits(s[5:7])
	d, ok3 := atoiDigits(s[8:10])
	if !ok1 || !ok2 || !ok3 {
		return Date{}, fmt.Errorf("%w: want YYYY-MM-DD", ErrDate)
	}
	return NewDate(y, time.Month(m), d)
}

// Range is a span of whole calendar days in Europe/Rome, both ends included.
type Range struct {
	From Date `json:"from"`
	To   Date `json:"to"`
}

// ErrRange reports a range whose first day is after its last.
var ErrRange = errors.New("range starts after it ends")

// Validate checks that both days exist and From ≤ To.
func (r Range) Validate() error {
	for _, d := range []Date{r.From, r.To} {
		if _, err := NewDate(d.Year, d.Month, d.Day); err != nil {
			return err
		}
	}
	if r.From.Compare(r.To) > 0 {
		return fmt.Errorf("%w: %s > %s", ErrRange, r.From, r.To)
	}
	return nil
}

// Bounds returns the first instant of From and the first instant after To, both in Europe/Rome: the range holds
// t when start ≤ t < end. DST days are 23 or 25 hours long; the bounds follow the wall clock.
func (r Range) Bounds() (start, end time.Time) {
	return r.From.Start(), r.To.AddDays(1).Start()
}

// Contains reports whether t falls on one of the range's days in Europe/Rome.
func (r Range) Contains(t time.Time) bool {
	start, end := r.Bounds()
	return !t.Before(start) && t.Before(end)
}

// String returns "2026-01-12..2026-01-14".
func (r Range) String() string { return r.From.String() + ".." + r.To.String() }

// atoiDigits parses a string of ASCII digits only (no sign, no spaces).
func atoiDigits(s string) (int, bool) {
	if s == "" || len(s) > 9 {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// clip shortens hostile input before it goes into an error message.
func clip(s string) string {
	const limit = 64
	if len(s) <= limit {
		return s
	}
	return s[:limit] + "…"
}
