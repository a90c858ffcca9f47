package evidence

import (
	"fmt"
	"strings"
	"time"
)

// FolderName names the delivery folder of one chat and acquisition day: "<digits>-<d>-<mese>-<yyyy>", as in
// "3771151946-15-gennaio-2026". The digits are the national number for +39 numbers and every digit of the E.164
// number (country code included, no "+") for the others, so foreign numbers cannot collide with Italian ones. The
// day is the Europe/Rome calendar day of day. Anything but digits in phoneE164 is dropped, so the name is always
// safe as a path element; with no digits at all it starts with "0".
func FolderName(phoneE164 string, day time.Time) string {
	digits := phoneDigits(phoneE164)
	if national, ok := strings.CutPrefix(digits, "39"); ok && strings.HasPrefix(phoneE164, "+39") {
		digits = national
	}
	if digits == "" {
		digits = "0"
	}
	d := DateOf(day)
	return fmt.Sprintf("%s-%d-%s-%d", digits, d.Day, ItalianMonth(d.Month), d.Year)
}
