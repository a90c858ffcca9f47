package evidence

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// listDate is a date as a list writes it; month or year 0 means not written ("dal 12 al 14 gennaio").
type listDate struct {
	day, month, year int
}

var monthByName = func() map[string]time.Month {
	m := map[string]time.Month{"sett": time.September}
	for i, name := range italianMonths {
		m[name] = time.Month(i + 1)
		m[name[:3]] = time.Month(i + 1)
	}
	return m
}()

var weekdays = map[string]bool{"lunedì": true, "martedì": true, "mercoledì": true, "giovedì": true,
	"venerdì": true, "lunedi": true, "martedi": true, "mercoledi": true, "giovedi": true, "venerdi": true,
	"sabato": true, "domenica": true}

// parseListDate reads "2026-01-12", "12/01/2026", "12/1", "12.01.2026", "12-01-2026", "12 gennaio 2026",
// "12 gen", "1º marzo", "lunedì 12 gennaio", or a bare day ("12") that takes the month of the other end.
func parseListDate(s string) (listDate, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return listDate{}, errors.New("empty date")
	}
	if len(s) == 10 && s[4] == '-' {
		d, err := parseISODate(s)
		if err != nil {
			return listDate{}, err
		}
		return listDate{d.Day, int(d.Month), d.Year}, nil
	}
	if i := strings.IndexAny(s, "/.-"); i > 0 && isDigit(s[i-1]) {
		return parseNumericDate(s)
	}
	return parseWordDate(s)
}

func parseNumericDate(s string) (listDate, error) {
	parts := strings.FieldsFunc(s, func(r rune) bool { return r == '/' || r == '.' || r == '-' })
	if len(parts) < 2 || len(parts) > 3 || strings.Count(s, string(s[len(parts[0])])) != len(parts)-1 {
		return listDate{}, fmt.Errorf("%w: %q is not D/M/YYYY", ErrDate, clip(s))
	}
	var n [3]int
	for i, p := range parts {
		v, ok := atoiDigits(p)
		if !ok || (i < 2 && len(p) > 2) {
			return listDate{}, fmt.Errorf("%w: %q is not D/M/YYYY", ErrDate, clip(s))
		}
		n[i] = v
	}
	if len(parts) == 3 && len(parts[2]) != 4 {
		return listDate{}, fmt.Errorf("%w: %q: write the year with 4 digits", ErrDate, clip(s))
	}
	return listDate{day: n[0], month: n[1], year: n[2]}, nil
}

func parseWordDate(s string) (listDate, error) {
	fields := strings.Fields(s)
	if len(fields) > 0 && weekdays[fields[0]] {
		fields = fields[1:]
	}
	if len(fields) == 0 || len(fields) > 3 {
		return listDate{}, fmt.Errorf("%w: %q: want a day, a month name and optionally a year", ErrDate, clip(s))
	}
	day, ok := atoiDigits(strings.TrimRight(fields[0], "º°ª"))
	if !ok {
		return listDate{}, fmt.Errorf("%w: %q: day %q is not a number", ErrDate, clip(s), clip(fields[0]))
	}
	d := listDate{day: day}
	if len(fields) >= 2 {
		m, ok := monthByName[strings.TrimSuffix(fields[1], ".")]
		if !ok {
			return listDate{}, fmt.Errorf("%w: %q: %q is not an Italian month", ErrDate, clip(s), clip(fields[1]))
		}
		d.month = int(m)
	}
	if len(fields) == 3 {
		y, ok := atoiDigits(fields[2])
		if !ok || len(fields[2]) != 4 {
			return listDate{}, fmt.Errorf("%w: %q: year %q is not 4 digits", ErrDate, clip(s), clip(fields[2]))
		}
		d.year = y
	}
	return d, nil
}

// listRange turns the two ends of a list line into a Range. A year not written is the other end's written year,
// else the current year (now's, in Europe/Rome); a bare day takes the other end's month. No year is ever guessed
// across a new year: "dal 20 dicembre al 5 gennaio" is refused and asks for the years.
func listRange(from, to listDate, now time.Time) (Range, error) {
	if to.month == 0 {
		return Range{}, fmt.Errorf("%w: the end date has no month", ErrDate)
	}
	if from.month == 0 {
		from.month = to.month
		if from.year == 0 {
			from.year = to.year
		}
	}
	yearsWritten := from.year != 0 && to.year != 0
	current := DateOf(now).Year
	switch {
	case from.year == 0 && to.year == 0:
		from.year, to.year = current, current
	case from.year == 0:
		from.year = to.year
	case to.year == 0:
		to.year = from.year
	}
	f, err := NewDate(from.year, time.Month(from.month), from.day)
	if err != nil {
		return Range{}, fmt.Errorf("dal: %w", err)
	}
	t, err := NewDate(to.year, time.Month(to.month), to.day)
	if err != nil {
		return Range{}, fmt.Errorf("al: %w", err)
	}
	r := Range{From: f, To: t}
	if f.Compare(t) > 0 {
		hint := ""
		if !yearsWritten && f.Month > t.Month {
			hint = " (across a new year, write both years)"
		}
		return Range{}, fmt.Errorf("%w: %s > %s%s", ErrRange, f, t, hint)
	}
	today := DateOf(now)
	if f.Compare(today) > 0 {
		return Range{}, fmt.Errorf("%w: %s is after today %s (write the year?)", ErrFutureRange, f, today)
	}
	switch last := today.AddDays(1); {
	case f.Compare(FirstListDay) < 0:
		return Range{}, fmt.Errorf("%w: dal %s is before %s, when WhatsApp began", ErrDateWindow, f, FirstListDay)
	case t.Compare(last) > 0:
		return Range{}, fmt.Errorf("%w: al %s is more than a day after today %s", ErrDateWindow, t, today)
	}
	return r, nil
}

// FirstListDay is the earliest day a list may ask for: WhatsApp was launched in 2009.
var FirstListDay = Date{Year: 2009, Month: time.January, Day: 1}

// ErrFutureRange reports a range that starts after the day the list is read: there can be no messages in it yet.
var ErrFutureRange = errors.New("range starts in the future")

// ErrDateWindow reports a date outside the window a list may ask for: from [FirstListDay] to the day after the
// day the list is read.
var ErrDateWindow = errors.New("date outside the plausible window")

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
