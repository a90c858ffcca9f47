package evidence

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
)

// ErrPhone reports a phone number that cannot be an E.164 number.
var ErrPhone = errors.New("invalid phone number")

// NormalizePhone returns s as an E.164 number ("+393771151946"). s may carry a "+" or "00" international prefix
// and spaces, dots, dashes, slashes and parentheses; without a prefix it is a national number of defaultCountry
// (a calling code such as "39"). Letters, other symbols, and numbers too short or too long are refused. Italian
// numbers (+39) must have 6 to 11 national digits beginning with 0 (fixed lines) or 3 (mobiles); other numbers 7
// to 15 digits in all, as E.164 allows. A number written without a prefix is never guessed to carry a country
// code: "393771151946" is refused as too long rather than read as +39 377….
func NormalizePhone(s, defaultCountry string) (string, error) {
	e164, err := normalizePhone(s, defaultCountry)
	if err != nil {
		return "", fmt.Errorf("%w %q: %s", ErrPhone, clip(s), err.Error())
	}
	return e164, nil
}

func normalizePhone(s, defaultCountry string) (string, error) {
	raw := strings.TrimSpace(s)
	if raw == "" {
		return "", errors.New("empty")
	}
	international := false
	if rest, ok := strings.CutPrefix(raw, "+"); ok {
		raw, international = rest, true
		if !strings.HasPrefix(strings.TrimSpace(raw), "39") {
			// "+44 (0)20 …": the trunk 0 is not dialled from abroad. Italy is the exception: its 0 is part of the
			// number, so "+39 (0)6 …" keeps it.
			raw = strings.Replace(raw, "(0)", "", 1)
		}
	}
	var digits strings.Builder
	for _, c := range raw {
		switch {
		case c >= '0' && c <= '9':
			digits.WriteRune(c)
		case c == ' ' || c == '.' || c == '-' || c == '/' || c == '(' || c == ')' || c == '\u00a0' || c == '\t':
		case c == '+':
			return "", errors.New("'+' only at the start")
		case unicode.IsLetter(c):
			return "", errors.New("contains letters")
		default:
			return "", fmt.Errorf("contains %q", c)
		}
	}
	d := digits.String()
	if !international {
		if rest, ok := strings.CutPrefix(d, "00"); ok {
			d, international = rest, true
		}
	}
	if !international {
		if defaultCountry == "" || strings.Trim(defaultCountry, "0123456789") != "" {
			return "", fmt.Errorf("no international prefix and no valid default country (%q)", clip(defaultCountry))
		}
		d = defaultCountry + d
	}
	return checkE164(d)
}

// checkE164 checks country code plus national number, digits only.
func checkE164(d string) (string, error) {
	switch {
	case d == "":
		return "", errors.New("no digits")
	case d[0] == '0':
		return "", errors.New("country code cannot start with 0")
	case len(d) > 15:
		return "", fmt.Errorf("too long (%d digits, E.164 allows 15)", len(d))
	}
	if national, ok := strings.CutPrefix(d, "39"); ok {
		switch {
		case len(national) < 6:
			return "", fmt.Errorf("too short for an Italian number (%d national digits, at least 6)", len(national))
		case len(national) > 11:
			return "", fmt.Errorf("too long for an Italian number (%d national digits, at most 11)", len(national))
		case national[0] != '0' && national[0] != '3':
			return "", fmt.Errorf("italian numbers begin with 0 or 3, not %c", national[0])
		}
		return "+" + d, nil
	}
	if len(d) < 7 {
		return "", fmt.Errorf("too short (%d digits with the country code)", len(d))
	}
	return "+" + d, nil
}

// PhoneDigits reduces an E.164 number or a JID ("+39 333…", "393771151946:12@s.whatsapp.net", "123@lid") to its
// digits, as the legal-value rule compares people.
func PhoneDigits(s string) string { return phoneDigits(s) }
