package retention

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	_ "time/tzdata" // the rule is defined in Rome time, whatever zone data the host has
)

// ErrInvalidCase reports a case the registry refuses: no id, no acquisition time, a service other than 1, 3, 6 or
// 12 months, or a negative or absurd legal retention.
var ErrInvalidCase = errors.New("invalid case")

// MaxLegalMonths bounds the legal retention a studio can set (100 years), so that a typo cannot keep a case forever.
const MaxLegalMonths = 1200

// rome is the zone in which retention days are counted.
var rome = mustLoad("Europe/Rome")

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(fmt.Sprintf("retention: load time zone %s: %v", name, err))
	}
	return loc
}

// Months is a service duration the studio can buy: 1, 3, 6 or 12 calendar months.
type Months int

// Valid reports whether m is a service duration on sale.
func (m Months) Valid() bool {
	switch m {
	case 1, 3, 6, 12:
		return true
	}
	return false
}

// Hold is a legal hold: while a case has one it is never erased.
type Hold struct {
	Since  time.Time `json:"since"`
	By     string    `json:"by"`
	Reason string    `json:"reason"`
	// Released, ReleasedBy and ReleaseReason are set on past holds only.
	Released      time.Time `json:"released,omitzero"`
	ReleasedBy    string    `json:"released_by,omitempty"`
	ReleaseReason string    `json:"release_reason,omitempty"`
}

// Case is what retention knows of a case: when it was acquired, for how long it is kept, whether it is on hold and
// whether it has been erased.
type Case struct {
	ID          string    `json:"id"`
	Acquired    time.Time `json:"acquired"`
	Service     Months    `json:"service_months"`
	LegalMonths int       `json:"legal_months"`
	Hold        *Hold     `json:"hold,omitempty"`
	PastHolds   []Hold    `json:"past_holds,omitempty"`
	Erased      time.Time `json:"erased,omitzero"` // zero while the case's evidence exists
}

// Validate reports whether c can be registered, naming the case and the fault.
func (c Case) Validate() error {
	switch {
	case c.ID == "":
		return fmt.Errorf("case with no id: %w", ErrInvalidCase)
	case len(c.ID) > 128:
		return fmt.Errorf("case id longer than 128 bytes: %w", ErrInvalidCase)
	case c.Acquired.IsZero():
		return fmt.Errorf("case %s: no acquisition time: %w", c.ID, ErrInvalidCase)
	case !c.Service.Valid():
		return fmt.Errorf("case %s: service of %d months not on sale (1, 3, 6 or 12): %w", c.ID, c.Service, ErrInvalidCase)
	case c.LegalMonths < 0 || c.LegalMonths > MaxLegalMonths:
		return fmt.Errorf("case %s: legal retention of %d months outside 0..%d: %w", c.ID, c.LegalMonths, MaxLegalMonths, ErrInvalidCase)
	case c.Hold != nil && (c.Hold.Since.IsZero() || c.Hold.By == "" || c.Hold.Reason == ""):
		return fmt.Errorf("case %s: hold without time, author or reason: %w", c.ID, ErrInvalidCase)
	}
	return nil
}

// OnHold reports whether c is under a legal hold.
func (c Case) OnHold() bool { return c.Hold != nil }

// RetainUntil returns the last instant c must be kept: the end of the day, in Rome, that comes service + legal
// months after the day c was acquired, clamped to the end of a shorter month (see the package doc).
func RetainUntil(c Case) time.Time {
	a := c.Acquired.In(rome)
	y, m, d := addMonths(a.Year(), a.Month(), a.Day(), int(c.Service)+c.LegalMonths)
	return time.Date(y, m, d, 23, 59, 59, 999_999_999, rome)
}

// addMonths moves the date y-m-d n calendar months on, keeping the day of the month unless the target month is
// shorter, in which case its last day is used (time.AddDate would spill over into the next month instead).
func addMonths(y int, m time.Month, d, n int) (int, time.Month, int) {
	months := int(m) - 1 + n
	y += months / 12
	m = time.Month(months%12 + 1)
	if last := daysIn(y, m); d > last {
		d = last
	}
	return y, m, d
}

func daysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 12, 0, 0, 0, time.UTC).Day()
}

// Expired reports whether c's retention has ended at now.
func Expired(c Case, now time.Time) bool { return now.After(RetainUntil(c)) }

// Due returns, sorted by id, the cases whose retention has ended at now, that are not on hold and not yet erased.
func Due(cases []Case, now time.Time) []Case {
	var due []Case
	for _, c := range cases {
		if c.Erased.IsZero() && !c.OnHold() && Expired(c, now) {
			due = append(due, c)
		}
	}
	slices.SortFunc(due, func(a, b Case) int { return strings.Compare(a.ID, b.ID) })
	return due
}
